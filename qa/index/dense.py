"""The dense (FAISS) indexes: exact below a size, approximate (IVF) above it.

Below ``settings.ann_min_passages`` passages both vector indexes are ``IndexFlatIP`` and
retrieval scores every vector, as it always has (the project's evaluation depends on those
exact results). Above it, scoring every vector per question grows linearly with the corpus
(``make bench-scale``), so passages and sentences get an inverted-file index instead:
``IVF<nlist>,Flat`` with ``nlist ≈ 4·√n`` lists. A question is compared with the list
centroids, then with the vectors of the ``ann_nprobe`` nearest lists only.

Why IVF and not HNSW: on 2 cores, at 1 M synthetic 384-dim vectors, HNSW (M=32,
efConstruction 40) took 575 s to build, IVF-Flat with √n lists under a minute and with
4·√n lists 184 s (``make bench-scale``); IVF also reads stored vectors back cheaply
(through its direct map), which :func:`vectors` relies on, and searches within any subset
(a year) by a bitmap. IVF-Flat keeps the vectors uncompressed: 1.5 GB per million 384-dim
vectors, as the flat index, plus 8 bytes a vector of direct map.

>>> plan(1_000, 1_000, 200_000)
{'type': 'flat'}
>>> plan(250_000, 900_000, 200_000)
{'type': 'ivf_flat', 'nlist': 3795}
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

# Lists per √n: with 4·√n lists, recall@10 against exact search was 0.98 at nprobe 16 on
# the 1 M-passage synthetic benchmark; with √n lists, 0.68 (README, "How retrieval cost
# grows"). Training cost grows with the lists: k-means on 40 points a list, 10 rounds.
LISTS_PER_SQRT = 4
# k-means wants at least 39 points a list; more points train better but cost linearly.
TRAIN_PER_LIST = 40
TRAIN_ITERATIONS = 10


def plan(n_passages: int, n_vectors: int, min_passages: int) -> dict[str, Any]:
    """Which index ``n_vectors`` vectors of a corpus of ``n_passages`` passages get.

    The switch is decided by the passage count for both indexes (passages and sentences),
    so retrieval uses one mode for both.
    """
    if n_passages < min_passages:
        return {"type": "flat"}
    nlist = round(LISTS_PER_SQRT * math.sqrt(n_vectors))
    return {"type": "ivf_flat", "nlist": max(1, min(nlist, n_vectors // TRAIN_PER_LIST))}


def build(parts: list[np.ndarray], spec: dict[str, Any], dim: int) -> faiss.Index:
    """The index ``spec`` (from :func:`plan`) names, holding the rows of ``parts`` in order.

    A flat index is filled part by part (no copy of all vectors); an IVF index is trained
    on a fixed sample (the same vectors build the same file) and then filled.
    """
    parts = [np.ascontiguousarray(p, dtype=np.float32).reshape(-1, dim) for p in parts]
    if spec["type"] == "flat":
        index = faiss.IndexFlatIP(dim)
        for part in parts:
            index.add(part)
        return index
    vectors = np.vstack(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    index = faiss.index_factory(dim, f"IVF{spec['nlist']},Flat", faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = TRAIN_ITERATIONS
    sample = vectors
    if len(vectors) > TRAIN_PER_LIST * spec["nlist"]:
        rows = np.random.default_rng(0).choice(
            len(vectors), TRAIN_PER_LIST * spec["nlist"], replace=False
        )
        sample = vectors[np.sort(rows)]
    index.train(sample)
    index.add(vectors)
    index.make_direct_map()  # reconstruct(row) without scanning the lists
    return index


def describe(index: faiss.Index) -> dict[str, Any]:
    """The :func:`plan` an index was built from (what the manifest records)."""
    if not is_approximate(index):
        return {"type": "flat"}
    return {"type": "ivf_flat", "nlist": int(faiss.extract_index_ivf(index).nlist)}


def is_approximate(index: faiss.Index) -> bool:
    """True for an inverted-file index, False for a flat (exact) one."""
    return isinstance(faiss.downcast_index(index), faiss.IndexIVF)


def change(manifest: dict[str, Any], min_passages: int) -> str | None:
    """Why an index's vector indexes are not those ``min_passages`` wants, or None.

    Only crossing the threshold matters: one moved on either side of the corpus' size
    leaves the index current, and a rebuild across it re-assembles the index from the
    document cache without re-embedding anything (the cache key leaves it out). An index
    recorded before the switch existed was flat.

    >>> change({"counts": {"passages": 500, "sentences": 1800}}, 1000) is None
    True
    >>> change({"counts": {"passages": 500, "sentences": 1800}}, 400)[:21]
    'dense_index changed ('
    """
    flat = {"type": "flat"}
    built = manifest.get("dense_index") or {"passages": flat, "sentences": flat}
    counts = manifest.get("counts", {})
    n, n_sentences = counts.get("passages", 0), counts.get("sentences", 0)
    wanted = {
        "passages": plan(n, n, min_passages),
        "sentences": plan(n, n_sentences, min_passages),
    }
    if built == wanted:
        return None
    return f"dense_index changed ({built!r} → {wanted!r}; see QA_ANN_MIN_PASSAGES)"


def prepare(index: faiss.Index) -> faiss.Index:
    """A loaded index, ready for :func:`vectors` (an IVF index needs its direct map)."""
    if is_approximate(index):
        ivf = faiss.extract_index_ivf(index)
        if ivf.direct_map.no():
            ivf.make_direct_map()
    return index


def search(
    index: faiss.Index,
    query: np.ndarray,
    k: int,
    nprobe: int,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) of the ``k`` vectors nearest ``query`` (one row), best first.

    ``allowed`` (a boolean mask over the rows) restricts the search to those rows. On an
    IVF index the lists probed grow as the allowed share shrinks (``nprobe / share``, at
    most all of them), so about as many allowed vectors are compared as without a mask; a
    small subset is thereby searched exhaustively.
    """
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
    bits = None
    selector = None
    if allowed is not None:
        share = int(allowed.sum()) / max(1, index.ntotal)
        if share == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        bits = np.packbits(allowed, bitorder="little")  # must outlive the search
        selector = faiss.IDSelectorBitmap(index.ntotal, faiss.swig_ptr(bits))
        nprobe = math.ceil(nprobe / share)
    if is_approximate(index):
        nlist = faiss.extract_index_ivf(index).nlist
        params = faiss.SearchParametersIVF(nprobe=min(nprobe, nlist), sel=selector)
    else:
        params = faiss.SearchParameters(sel=selector)
    scores, rows = index.search(query, k, params=params)
    del bits
    found = rows[0] >= 0  # an IVF search may find fewer than k
    return scores[0][found], rows[0][found]


def vectors(index: faiss.Index, rows: np.ndarray) -> np.ndarray:
    """The stored vectors of ``rows`` (flat: directly; IVF: through its direct map)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_batch(rows)
