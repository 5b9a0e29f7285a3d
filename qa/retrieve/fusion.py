"""Weighted reciprocal-rank fusion: the one place its rules live.

Each ranker (BM25, the passage vector, the best sentence) ranks the passages it was given,
and a passage's fused score is Σ weight / (rrf_k + rank). Three rules go with it, on the
exact path (every allowed passage) and on the candidate path (each ranker's best) alike:

- BM25 gives no vote to a passage that shares no term with the question (:func:`no_vote`);
- a single ranker keeps its own scores: there is nothing to fuse;
- when rankers fuse, a passage holding the kind of answer the question asks for (a person,
  a number, a date) has its score multiplied by its ``boost``.

>>> ranks = {"bm25": np.array([1, 2]), "dense": np.array([2, 1])}
>>> fuse(ranks, {"bm25": 1.0, "dense": 1.0}, rrf_k=20).round(4).tolist()
[0.0931, 0.0931]
>>> fuse(ranks, {"bm25": 1.0, "dense": 0.5}, 20, boost=np.array([1.0, 1.5])).round(4).tolist()
[0.0703, 0.1039]
"""

from __future__ import annotations

import numpy as np


def no_vote(rank: np.ndarray, bm25: np.ndarray, allowed: int) -> None:
    """Rank ``allowed + 1`` (after every allowed passage) where the BM25 score is 0."""
    rank[bm25 <= 0] = allowed + 1


def fuse(
    ranks: dict[str, np.ndarray],
    weights: dict[str, float],
    rrf_k: int,
    own: np.ndarray | None = None,
    boost: np.ndarray | None = None,
) -> np.ndarray:
    """The fused score of each passage, given each ranker's rank of it (1 = best).

    ``own``: the scores of the only ranker, kept when there is one; ``boost``: each
    passage's factor, applied when several rankers fuse.
    """
    if len(ranks) == 1 and own is not None:
        return own.astype(float)
    size = len(next(iter(ranks.values()))) if ranks else 0
    fused = np.zeros(size)
    for name, rank in ranks.items():
        fused += weights[name] / (rrf_k + rank)
    if boost is not None and len(ranks) > 1:
        fused = fused * boost
    return fused
