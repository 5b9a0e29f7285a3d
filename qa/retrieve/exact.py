"""The exact path: every allowed passage scored by every ranker, then fused
(:mod:`qa.retrieve.fusion`). Below ``settings.ann_min_passages`` passages this is what
retrieval does; above it, :mod:`qa.retrieve.candidates` fuses each ranker's best instead.

>>> by_method = {"bm25": np.array([0.0, 2.0, 1.0]), "dense": np.array([0.9, 0.1, 0.5])}
>>> [row for row, _, _ in ranked(by_method, None, np.ones(3, bool), {"bm25": 1, "dense": 1}, 20, 3)]
[1, 2, 0]
"""

from __future__ import annotations

import numpy as np

from qa.records import Hit
from qa.retrieve.fusion import fuse, no_vote


def ranked(
    by_method: dict[str, np.ndarray],
    boost: np.ndarray | None,
    mask: np.ndarray,
    weights: dict[str, float],
    rrf_k: int,
    k: int,
) -> list[tuple[int, float, dict[str, int]]]:
    """The ``k`` best passages in ``mask``: (row, fused score, each ranker's rank).

    ``by_method``: each ranker's score of every passage; ``boost``: every passage's
    answer-type factor (None: the question asks for no particular kind)."""
    allowed = np.flatnonzero(mask)
    ranks: dict[str, np.ndarray] = {}
    for name, values in by_method.items():
        sub = values[allowed]
        rank = np.empty(len(allowed), dtype=np.int64)
        rank[np.argsort(-sub, kind="stable")] = np.arange(1, len(allowed) + 1)
        if name == "bm25":
            no_vote(rank, sub, len(allowed))
        ranks[name] = rank
    own = next(iter(by_method.values()))[allowed]
    fused = fuse(ranks, weights, rrf_k, own, None if boost is None else boost[allowed])
    best = np.argsort(-fused, kind="stable")[:k]
    return [
        (int(allowed[j]), float(fused[j]), {name: int(r[j]) for name, r in ranks.items()})
        for j in best
    ]


def all_scores(index: object, query: np.ndarray) -> np.ndarray:
    """Inner products of ``query`` with every vector of a flat FAISS index, in id order."""
    n = index.ntotal  # type: ignore[attr-defined]
    scores, ids = index.search(query, n)  # type: ignore[attr-defined]
    out = np.empty(n, dtype=np.float32)
    out[ids[0]] = scores[0]
    return out


def interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Round-robin over per-year rankings so every year contributes its best passages."""
    out: list[Hit] = []
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and len(out) < k:
                out.append(ranking[rank])
    return out
