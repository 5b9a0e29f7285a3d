"""Hybrid retrieval: BM25 and dense rankings fused by weighted reciprocal rank.

A question that names dialogue years ("in 2016", "the 71st session") is searched within
those years; one naming several years gets evidence from each, interleaved. Years the corpus
does not cover are reported, not filtered on (the caller decides what to say about them).

>>> parse_years("Compare the 2014 and 2017 themes", [2014, 2016, 2017])
([2014, 2017], [])
>>> parse_years("What happened at the 71st session? And in 2015?", [2014, 2016, 2017])
([2017], [2015])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

from qa.corpus import session_year
from qa.embedder import embed
from qa.index import Index
from qa.records import Hit
from qa.settings import Settings
from qa.tokenize import tokenize

Method = Literal["hybrid", "bm25", "dense"]
METHODS: tuple[Method, ...] = ("dense", "bm25", "hybrid")

_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_SESSION = re.compile(r"\b(\d{2,3})(?:st|nd|rd|th)\s+(?:session|general assembly)\b", re.I)
_SESSION_WORDS = {
    "sixty-eighth": 68, "sixty-ninth": 69, "seventieth": 70, "seventy-first": 71,
    "seventy-second": 72,
}  # fmt: skip
_SESSION_WORD = re.compile(r"\b(" + "|".join(_SESSION_WORDS) + r")\s+session\b", re.I)


def parse_years(question: str, corpus_years: list[int]) -> tuple[list[int], list[int]]:
    """(years named that the corpus covers, years named that it does not), in order."""
    named: list[int] = [int(y) for y in _YEAR.findall(question)]
    named += [session_year(int(n)) for n in _SESSION.findall(question)]
    named += [session_year(_SESSION_WORDS[w.lower()]) for w in _SESSION_WORD.findall(question)]
    ordered = list(dict.fromkeys(named))
    covered = [y for y in ordered if y in corpus_years]
    return covered, [y for y in ordered if y not in corpus_years]


@dataclass(frozen=True)
class Retrieval:
    """What a search returned and how it read the question."""

    hits: list[Hit]
    years: list[int]
    other_years: list[int]


class Retriever:
    """Searches one loaded index.

    >>> # retriever = Retriever(ensure_index(settings), settings)
    >>> # retriever.search("who supported veto restraint in 2016?").hits[0].passage.doc
    """

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._years = np.array(
            [p.year if p.year is not None else -1 for p in index.passages], dtype=np.int64
        )

    def search(
        self,
        question: str,
        k: int | None = None,
        years: list[int] | None = None,
        method: Method = "hybrid",
    ) -> Retrieval:
        """The top ``k`` passages for ``question``; ``years`` overrides the parsed filter."""
        k = k or self.settings.top_k
        covered, other = parse_years(question, self.index.years)
        if years is not None:
            covered = [y for y in years if y in self.index.years]
            other = [y for y in years if y not in self.index.years]
            if not covered:  # an explicit filter on an uncovered year finds nothing
                return Retrieval([], [], other)
        if len(covered) <= 1:
            allowed = self._allowed(covered)
            return Retrieval(self._ranked(question, allowed, k, method), covered, other)
        per_year = [self._ranked(question, self._allowed([y]), k, method) for y in covered]
        return Retrieval(_interleave(per_year, k), covered, other)

    def _allowed(self, years: list[int]) -> np.ndarray:
        if not years:
            return np.arange(len(self.index.passages))
        return np.flatnonzero(np.isin(self._years, years))

    def _ranked(self, question: str, allowed: np.ndarray, k: int, method: Method) -> list[Hit]:
        if len(allowed) == 0 or not question.strip():
            return []
        n = min(self.settings.candidates, len(allowed))
        rankings: dict[str, list[tuple[int, float]]] = {}
        if method in ("bm25", "hybrid"):
            rankings["bm25"] = self._bm25(question, allowed, n)
        if method in ("dense", "hybrid"):
            rankings["dense"] = self._dense(question, allowed, n)
        if method != "hybrid":
            (name, ranking), = rankings.items()
            return [
                Hit(self.index.passages[i], score, {name: r + 1})
                for r, (i, score) in enumerate(ranking[:k])
            ]
        weights = {"bm25": 1.0, "dense": self.settings.dense_weight}
        fused: dict[int, float] = {}
        ranks: dict[int, dict[str, int]] = {}
        for name, ranking in rankings.items():
            for r, (i, _score) in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + weights[name] / (self.settings.rrf_k + r + 1)
                ranks.setdefault(i, {})[name] = r + 1
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [Hit(self.index.passages[i], fused[i], ranks[i]) for i in best]

    def _bm25(self, question: str, allowed: np.ndarray, n: int) -> list[tuple[int, float]]:
        tokens = tokenize([question])[0]
        if not tokens:
            return []
        scores = self.index.bm25.get_scores(tokens)[allowed]
        order = np.argsort(-scores, kind="stable")[:n]
        return [(int(allowed[j]), float(scores[j])) for j in order if scores[j] > 0]

    def _dense(self, question: str, allowed: np.ndarray, n: int) -> list[tuple[int, float]]:
        query = embed(self.settings.embedder, [question])
        params = None
        if len(allowed) < self.index.dense.ntotal:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype("int64")))
        scores, ids = self.index.dense.search(query, n, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Round-robin over per-year rankings so every year contributes its best passages."""
    out: list[Hit] = []
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and len(out) < k:
                out.append(ranking[rank])
    return out
