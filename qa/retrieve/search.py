"""Hybrid retrieval: BM25, passage vectors and best-sentence vectors, fused by weighted RRF.

A question that names years ("in 2016", or a phrase the corpus profile maps to a year) is
searched within
those years; one naming several years gets evidence from each, interleaved. The filter taken
from the question is soft: a passage from another year whose BM25 score clearly beats every
in-year passage still gets a slot (that is where a false premise is corrected). An explicit
``years=`` filter is hard. Years the corpus does not cover are reported, not filtered on.
What a question names (years, versions) and asks for (a person, a number) is read in
:mod:`qa.retrieve.query`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from qa.index import Index, postings
from qa.index import dense as dense_index
from qa.index.embedder import embed
from qa.index.engine import VectorEngine
from qa.index.table import PassageRows
from qa.records import Hit
from qa.retrieve import exact
from qa.retrieve.candidates import CandidateSearch, EngineCandidateSearch, Ranking
from qa.retrieve.query import ANSWER_TYPES, NAME, parse_versions, parse_years
from qa.settings import Settings
from qa.text.tokenize import tokenize

Method = Literal["hybrid", "bm25", "dense"]
METHODS: tuple[Method, ...] = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class Retrieval:
    """What a search returned and how it read the question."""

    hits: list[Hit]
    years: list[int]
    other_years: list[int]
    versions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Scores:
    """Every passage's raw score under each ranker, for one question.

    Over an approximate index (see :mod:`qa.retrieve.candidates`) only BM25 is in ``by_method``;
    the vector rankers are ``candidates``, with the ``query`` vector to search again
    within a year, and ``shape`` flags the passages that get the answer-type boost.
    """

    by_method: dict[str, np.ndarray]
    boost: np.ndarray | None
    query: np.ndarray | None = None
    candidates: dict[str, Ranking] = field(default_factory=dict)
    shape: np.ndarray | None = None


class Retriever:
    """Searches one loaded index. For example (it needs a built index and the embedder)::

    retriever = Retriever(ensure_index(settings), settings)
    retriever.search("who supported veto restraint in 2016?").hits[0].passage.doc
    """

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        # A question is embedded once: retrieval and evidence selection both need it.
        self._query_vector = lru_cache(maxsize=64)(lambda text: embed(settings.embedder, [text]))
        version = {d.id: d.version for d in index.documents.values()}
        self._all_versions = sorted({v for v in version.values() if v})
        code = {v: i for i, v in enumerate(self._all_versions)}
        # One pass over the passages (read from disk when loaded: see qa.index.table).
        n = len(index.passages)
        self._years = np.empty(n, dtype=np.int64)
        self._version_codes = np.empty(n, dtype=np.int64)
        self._answer_types = [np.zeros(n, dtype=bool) for _ in ANSWER_TYPES]
        hashes = np.empty(n, dtype=np.int64)
        for i, p in enumerate(index.passages):
            self._years[i] = p.year if p.year is not None else -1
            self._version_codes[i] = code.get(version.get(p.doc_id) or "", -1)
            hashes[i] = PassageRows.key(p.id)
            for has, (_, shape) in zip(self._answer_types, ANSWER_TYPES):
                has[i] = bool(shape.search(p.text))
        self._position = PassageRows(hashes, lambda row: index.passages[row].id)
        counts = np.bincount(index.sentence_owner, minlength=len(index.passages))
        self._first_sentence = np.concatenate([[0], np.cumsum(counts)[:-1]])
        # Above settings.ann_min_passages the index is approximate: search candidates only.
        approximate = index.dense is not None and dense_index.is_approximate(index.dense)
        self._candidates: CandidateSearch | None = None
        if settings.vector_uri:  # the vectors are searched in a Milvus engine
            engine = VectorEngine.open(settings)
            self._candidates = EngineCandidateSearch(
                index, settings, engine, self._position, self._years, self._version_codes,
                self._all_versions,
            )  # fmt: skip
        elif approximate:
            self._candidates = CandidateSearch(index, settings)

    def search(
        self,
        question: str,
        k: int | None = None,
        years: list[int] | None = None,
        method: Method = "hybrid",
    ) -> Retrieval:
        """The top ``k`` passages for ``question``; ``years`` is a hard filter if given."""
        k = k or self.settings.top_k
        covered, other = parse_years(question, self.index.years, self.index.profile)
        hard = years is not None
        if hard:
            covered = [y for y in years if y in self.index.years]
            other = [y for y in years if y not in self.index.years]
            if not covered:  # an explicit filter on an uncovered year finds nothing
                return Retrieval([], [], other)
        if not question.strip() or not self.index.passages:
            return Retrieval([], covered, other)
        scores = self._scores(question, method)
        versions = parse_versions(question, self._all_versions)
        codes = [self._all_versions.index(v) for v in versions]
        within = np.isin(self._version_codes, codes) if versions else None
        if not covered:
            mask = self._mask(None) if within is None else within
            return Retrieval(self._ranked(scores, mask, k), covered, other, versions)
        per_year = [
            self._ranked(scores, self._mask([y]) & (True if within is None else within), k)
            for y in covered
        ]
        hits = exact.interleave(per_year, k)
        if not hard and method != "dense" and len(covered) == 1:
            hits = self._soften(question, scores, covered, hits, k)
        return Retrieval(hits, covered, other, versions)

    def sentence_similarities(self, question: str, hits: list[Hit]) -> list[np.ndarray]:
        """The question's cosine similarity to every sentence of each hit's passage."""
        if not hits:
            return []
        query = self._query_vector(question)
        if self._candidates is not None:
            rows = [self._position[hit.passage.id] for hit in hits]
            return self._candidates.sentence_similarities(query, rows)
        scores = exact.all_scores(self.index.sentences, query)
        out = []
        for hit in hits:
            i = self._position[hit.passage.id]
            start = self._first_sentence[i]
            out.append(scores[start : start + max(1, len(hit.passage.sentences))])
        return out

    def year_tokens(self) -> dict[int, frozenset[str]]:
        """Every BM25 token of each dated year's passages (stored with the index)."""
        return self.index.facts.year_terms

    def document_frequencies(self) -> dict[str, int]:
        """How many passages hold each BM25 token (stemmed)."""
        return postings.document_frequencies(self.index.bm25)

    def _mask(self, years: list[int] | None) -> np.ndarray:
        if not years:
            return np.ones(len(self.index.passages), dtype=bool)
        return np.isin(self._years, years)

    def _scores(self, question: str, method: Method) -> _Scores:
        by_method: dict[str, np.ndarray] = {}
        pending = None
        if self._candidates is not None and method in ("dense", "hybrid"):
            # Started first: an engine searches while BM25 scores here.
            pending = self._candidates.dense_later(self._query_vector(question))
        if method in ("bm25", "hybrid"):
            tokens = tokenize([question])[0]
            n = len(self.index.passages)
            by_method["bm25"] = self.index.bm25.get_scores(tokens) if tokens else np.zeros(n)
        if self._candidates is not None:
            return self._candidate_scores(question, by_method, pending)
        if method in ("dense", "hybrid"):
            query = self._query_vector(question)
            by_method["dense"] = exact.all_scores(self.index.dense, query)
            per_sentence = exact.all_scores(self.index.sentences, query)
            best = np.full(len(self.index.passages), -np.inf, dtype=np.float32)
            np.maximum.at(best, self.index.sentence_owner, per_sentence)
            by_method["sentence"] = best
        shape = self._shape_flags(question)
        boost = None if shape is None else 1.0 + self.settings.answer_type_boost * shape
        return _Scores(by_method, boost)

    def _shape_flags(self, question: str) -> np.ndarray | None:
        """Which passages hold the kind of answer ``question`` asks for (None: it asks for
        no particular kind)."""
        for (asks, _), has in zip(ANSWER_TYPES, self._answer_types):
            if asks.search(question):
                return has
        return None

    def _candidate_scores(
        self,
        question: str,
        by_method: dict[str, np.ndarray],
        pending: Callable[[], dict[str, Ranking]] | None,
    ) -> _Scores:
        """BM25's scores, the vector rankers' candidates, and the answer-type flags."""
        assert self._candidates is not None
        if pending is None:
            return _Scores(by_method, None, None, {}, self._shape_flags(question))
        query = self._query_vector(question)
        return _Scores(by_method, None, query, pending(), self._shape_flags(question))

    def _weights(self) -> dict[str, float]:
        return {
            "bm25": 1.0,
            "dense": self.settings.dense_weight,
            "sentence": self.settings.sentence_weight,
        }

    def _ranked(self, scores: _Scores, mask: np.ndarray, k: int) -> list[Hit]:
        """Weighted reciprocal-rank fusion of the rankers over the passages in ``mask``."""
        if self._candidates is not None:
            return self._ranked_candidates(scores, mask, k)
        found = exact.ranked(scores.by_method, scores.boost, mask, self._weights(),
                             self.settings.rrf_k, k)  # fmt: skip
        return [Hit(self.index.passages[row], score, ranks) for row, score, ranks in found]

    def _ranked_candidates(self, scores: _Scores, mask: np.ndarray, k: int) -> list[Hit]:
        """The same fusion over each ranker's best candidates in ``mask`` (see
        :mod:`qa.retrieve.candidates`): an approximate index is never scored in full."""
        assert self._candidates is not None
        rankings: dict[str, Ranking] = {}
        if "bm25" in scores.by_method:
            rankings["bm25"] = self._candidates.bm25(scores.by_method["bm25"], mask)
        if scores.candidates and scores.query is not None:
            rankings.update(self._candidates.within(scores.candidates, scores.query, mask, k))
        bm25 = scores.by_method.get("bm25")
        allowed = int(mask.sum())
        fused = self._candidates.fuse(rankings, self._weights(), scores.shape, bm25, allowed)
        best = np.argsort(-fused.scores, kind="stable")[:k]
        return [
            Hit(
                self.index.passages[int(fused.rows[j])],
                float(fused.scores[j]),
                {name: int(rank[j]) for name, rank in fused.ranks.items()},
            )
            for j in best
        ]

    def _soften(
        self, question: str, scores: _Scores, years: list[int], hits: list[Hit], k: int
    ) -> list[Hit]:
        """Give the last slots to other years' passages on what the asked-for year never says.

        When a name in the question (a person, a country, an initiative) occurs in no passage
        of the years it names but does occur elsewhere, its premise may be wrong about the
        year: the passages that mention it are the evidence an honest answer needs.
        """
        inside = self._mask(years)
        if inside.all():
            return hits
        terms = set(tokenize([" ".join(NAME.findall(question))])[0])
        by_year = self.index.facts.year_terms
        seen_inside = set().union(*(by_year.get(y, frozenset()) for y in years))
        missing = terms - seen_inside - {str(y) for y in years}
        if not missing:
            return hits
        bm25 = scores.by_method["bm25"]
        holders = postings.passages_with(self.index.bm25, missing)
        outside = holders[~inside[holders] & (bm25[holders] > 0)]
        outside = outside[np.argsort(-bm25[outside], kind="stable")].tolist()
        extra = [
            Hit(self.index.passages[i], float(bm25[i]), {"bm25_outside_years": j + 1})
            for j, i in enumerate(outside[: self.settings.soft_year_slots])
        ]
        if not extra:
            return hits
        return hits[: max(0, k - len(extra))] + extra
