"""Retrieval over candidates: a large index is searched without scoring every passage.

Above ``settings.ann_min_passages`` passages the vector indexes are approximate (see
:mod:`qa.index.dense`), and :class:`qa.retrieve.search.Retriever` fuses candidates instead of
every passage: each ranker's best ``ann_candidates`` passages within the allowed ones —
passage vectors and best sentences from the IVF indexes, BM25 from its scores (computing
those costs the query terms' postings, not the corpus; only a partial sort follows) — by
the same weighted reciprocal-rank fusion. A candidate a ranker does not name gets rank
``ann_candidates + 1`` from it: just beyond what it was asked for; except that, as in the
exact path, a passage sharing no term with the question gets no BM25 vote (the rank after
every allowed passage).

Ranks are those within the allowed passages (a year, a version), as in the exact path:
candidates outside are dropped, and when too few remain (a small year: fewer than a
quarter of what was asked for, or fewer than ``k``), the vector indexes are searched again
within the allowed passages only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from qa.index import Index
from qa.index import dense as dense_index
from qa.index.engine import VectorEngine
from qa.index.table import PassageRows
from qa.retrieve.fusion import fuse, no_vote
from qa.settings import Settings


@dataclass(frozen=True)
class Ranking:
    """One ranker's best passages, best first: their rows and scores."""

    rows: np.ndarray
    scores: np.ndarray

    def within(self, mask: np.ndarray) -> Ranking:
        keep = mask[self.rows]
        return Ranking(self.rows[keep], self.scores[keep])


@dataclass(frozen=True)
class Fused:
    """Every candidate, fused: its row, fused score, and each ranker's rank for it."""

    rows: np.ndarray
    scores: np.ndarray
    ranks: dict[str, np.ndarray]


class CandidateSearch:
    """Candidate rankings and their fusion over one loaded (approximate) index."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.n = len(index.passages)
        self.per_passage = len(index.sentence_owner) / max(1, self.n)
        self.counts = np.bincount(index.sentence_owner, minlength=self.n)
        self.first_sentence = np.concatenate([[0], np.cumsum(self.counts)[:-1]])

    @property
    def size(self) -> int:
        """How many candidates each ranker contributes."""
        return self.settings.ann_candidates

    def dense(self, query: np.ndarray, mask: np.ndarray | None = None) -> dict[str, Ranking]:
        """Passage-vector and best-sentence rankings (within ``mask`` if given)."""
        nprobe = self.settings.ann_nprobe
        scores, rows = dense_index.search(self.index.dense, query, self.size, nprobe, mask)
        owner = self.index.sentence_owner
        want = math.ceil(self.size * self.per_passage)  # a passage has several sentences
        in_mask = None if mask is None else mask[owner]
        s_scores, s_rows = dense_index.search(self.index.sentences, query, want, nprobe, in_mask)
        owners = owner[s_rows]
        _, first = np.unique(owners, return_index=True)
        first = np.sort(first)[: self.size]  # a passage's best sentence comes first
        return {"dense": Ranking(rows, scores), "sentence": Ranking(owners[first], s_scores[first])}

    def dense_later(
        self, query: np.ndarray, mask: np.ndarray | None = None
    ) -> Callable[[], dict[str, Ranking]]:
        """Start :meth:`dense`; the call returned waits for it. In process the rankings
        are computed now; an engine's run on its side while the caller does other work.

        ``pending = search.dense_later(query)``, BM25 scores meanwhile, then ``pending()``.
        """
        rankings = self.dense(query, mask)
        return lambda: rankings

    def bm25(self, scores: np.ndarray, mask: np.ndarray) -> Ranking:
        """The best-scoring passages in ``mask`` that share a term with the question."""
        rows = np.flatnonzero(scores > 0)
        rows = rows[mask[rows]]
        if len(rows) > self.size:
            # A partial sort; equal scores at the cut go to the lower rows, as a stable
            # sort of every passage (the exact path) would rank them.
            values = scores[rows]
            cut = -np.partition(-values, self.size - 1)[self.size - 1]
            above, tied = rows[values > cut], rows[values == cut]
            rows = np.concatenate([above, tied[: self.size - len(above)]])
        rows = rows[np.lexsort((rows, -scores[rows]))]  # ties: lower row first
        return Ranking(rows, scores[rows])

    def within(
        self, rankings: dict[str, Ranking], query: np.ndarray, mask: np.ndarray, k: int
    ) -> dict[str, Ranking]:
        """The vector rankings restricted to ``mask``, searched again if too few remain."""
        allowed = int(mask.sum())
        if allowed == self.n:
            return rankings
        kept = {name: r.within(mask) for name, r in rankings.items()}
        needed = min(allowed, max(k, self.size // 4))
        if all(len(r.rows) >= needed for r in kept.values()):
            return kept
        return self.dense(query, mask)

    def fuse(
        self,
        rankings: dict[str, Ranking],
        weights: dict[str, float],
        shape: np.ndarray | None,
        bm25: np.ndarray | None = None,
        allowed: int = 0,
    ) -> Fused:
        """Weighted reciprocal-rank fusion over the union of the rankings' passages.

        ``shape`` marks the passages holding the kind of answer the question asks for
        (one flag per passage row): their fused score is raised by ``answer_type_boost``
        when more than one ranker votes. A single ranker keeps its own scores, as in the
        exact path. ``bm25`` (every passage's BM25 score) tells which passages get no BM25
        vote: rank ``allowed + 1``, ``allowed`` being how many passages the mask lets in.
        """
        union = np.unique(np.concatenate([r.rows for r in rankings.values()] or [[]]))
        union = union.astype(np.int64)
        ranks: dict[str, np.ndarray] = {}
        own = np.zeros(len(union))
        for name, ranking in rankings.items():
            rank = np.full(len(union), self.size + 1, dtype=np.int64)
            if name == "bm25" and bm25 is not None:
                no_vote(rank, bm25[union], allowed)
            at = np.searchsorted(union, ranking.rows)
            rank[at] = np.arange(1, len(ranking.rows) + 1)
            own[at] = ranking.scores  # kept if this is the only ranker
            ranks[name] = rank
        boost = None if shape is None else 1.0 + self.settings.answer_type_boost * shape[union]
        return Fused(union, fuse(ranks, weights, self.settings.rrf_k, own, boost), ranks)

    def sentence_similarities(self, query: np.ndarray, rows: list[int]) -> list[np.ndarray]:
        """The query's cosine with each sentence of the passages ``rows``.

        Only those sentences' vectors are read back from the index (IVF: through its
        direct map), rather than keeping a second copy of every vector in memory.
        """
        spans = [
            np.arange(self.first_sentence[row], self.first_sentence[row] + self.counts[row])
            for row in rows
        ]
        vectors = dense_index.vectors(self.index.sentences, np.concatenate(spans or [[]]))
        similarities = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        return np.split(similarities, np.cumsum([len(s) for s in spans])[:-1])


class EngineCandidateSearch(CandidateSearch):
    """Candidates whose vector rankings come from a Milvus engine
    (:mod:`qa.index.engine`, ``settings.vector_uri``): the engine searches within the
    allowed years and versions itself, so a small year is found whole in any collection;
    BM25 and the fusion are the same as over FAISS.

    ``position`` (passage id → row: :class:`~qa.index.table.PassageRows`), ``years`` (-1:
    none) and ``version_codes`` (indexes into ``versions``, -1: none) are the Retriever's
    own per-passage facets, not rebuilt."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        engine: VectorEngine,
        position: PassageRows,
        years: np.ndarray,
        version_codes: np.ndarray,
        versions: list[str],
    ) -> None:
        super().__init__(index, settings)
        self.engine = engine
        self.row = position
        self.years = years
        self.codes = version_codes
        self.versions = versions
        # Threads wait on the network: several readers at once each send two searches.
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="qa-engine")

    def _facets(self, mask: np.ndarray | None) -> tuple[list[int] | None, list[str] | None]:
        """The years and versions a facet mask lets in (None: that facet is not filtered)."""
        if mask is None or mask.all():
            return None, None
        years = sorted(set(self.years[mask].tolist()))
        codes = sorted(set(self.codes[mask].tolist()))
        by_year = np.isin(self.years, years)
        by_version = np.isin(self.codes, codes)
        if not np.array_equal(by_year & by_version, mask):  # not a facet mask
            raise ValueError("the engine filters on years and versions only")
        versions = [self.versions[c] if c >= 0 else "" for c in codes]  # "": the engine's none
        return (None if by_year.all() else years), (None if by_version.all() else versions)

    def _ranking(self, query: np.ndarray, mask: np.ndarray | None, sentences: bool) -> Ranking:
        years, versions = self._facets(mask)
        found = self.engine.search(query, self.size, years, versions, sentences)
        rows = [self.row.get(i, -1) for i in found.ids]  # -1: not in this index (yet)
        keep = np.array([r >= 0 for r in rows], dtype=bool)
        return Ranking(np.array(rows, dtype=np.int64)[keep], found.scores[keep])

    def dense_later(
        self, query: np.ndarray, mask: np.ndarray | None = None
    ) -> Callable[[], dict[str, Ranking]]:
        """Both engine searches sent at once (each is a round trip the engine serves on
        its own cores); the call returned waits for the two."""
        passages = self._pool.submit(self._ranking, query, mask, False)
        sentences = self._pool.submit(self._ranking, query, mask, True)
        return lambda: {"dense": passages.result(), "sentence": sentences.result()}

    def dense(self, query: np.ndarray, mask: np.ndarray | None = None) -> dict[str, Ranking]:
        return self.dense_later(query, mask)()

    def sentence_similarities(self, query: np.ndarray, rows: list[int]) -> list[np.ndarray]:
        """The query's cosine with each sentence of the passages ``rows``, whose vectors
        the engine sends back (the process holds none)."""
        passages = [self.index.passages[row] for row in rows]
        ids = [f"{p.id}/{i}" for p, row in zip(passages, rows) for i in range(self.counts[row])]
        vectors = self.engine.sentence_vectors(ids)
        similarities = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        return np.split(similarities, np.cumsum([self.counts[row] for row in rows])[:-1])
