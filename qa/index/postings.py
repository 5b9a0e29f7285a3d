"""What the BM25 index knows of its terms: which passages hold each, read from its postings.

bm25s keeps one column of scores per term (``scores``: CSC arrays ``indptr`` over the
terms, ``indices`` the passages). Every score it stores is positive (BM25's idf and term
frequency part are), so a term's column lists exactly the passages that contain it.
Document frequencies, a year's vocabulary and "which passages mention X" therefore come
from the index already in memory, instead of a second token set per passage (gigabytes
at a million passages).

>>> import bm25s
>>> model = bm25s.BM25()
>>> model.index([["veto", "restraint"], ["veto"], ["panel"]], show_progress=False)
>>> sorted(document_frequencies(model).items())
[('panel', 1), ('restraint', 1), ('veto', 2)]
>>> passages_with(model, {"veto", "unknown"}).tolist()
[0, 1]
>>> vocabulary_by(model, np.array([2014, 2016, 2016]))[2016] == {"veto", "panel"}
True
"""

from __future__ import annotations

from collections.abc import Iterable

import bm25s
import numpy as np


def _columns(model: bm25s.BM25) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(indptr, indices, term → column) of the model's postings; terms without a column
    (bm25s' padding token) are left out. A model never indexed (no passages) has none."""
    if not hasattr(model, "scores"):
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), {}
    indptr = np.asarray(model.scores["indptr"])
    columns = len(indptr) - 1
    terms = {t: c for t, c in model.vocab_dict.items() if c < columns}
    return indptr, np.asarray(model.scores["indices"]), terms


def document_frequencies(model: bm25s.BM25) -> dict[str, int]:
    """Term → how many passages contain it (terms no passage holds are left out)."""
    indptr, _, terms = _columns(model)
    counts = np.diff(indptr)
    return {t: int(counts[c]) for t, c in terms.items() if counts[c] > 0}


def passages_with(model: bm25s.BM25, terms: Iterable[str]) -> np.ndarray:
    """The rows (sorted) of the passages holding any of ``terms``."""
    indptr, indices, columns = _columns(model)
    found = [indices[indptr[c] : indptr[c + 1]] for t in terms if (c := columns.get(t)) is not None]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def vocabulary_by(model: bm25s.BM25, labels: np.ndarray) -> dict[int, set[str]]:
    """Label → every term of the passages with that label (``labels``: one per passage,
    e.g. its year). One pass over the postings per label; labels are few."""
    indptr, indices, terms = _columns(model)
    held = np.diff(indptr) > 0
    names = np.full(len(held), "", dtype=object)  # column → term
    names[list(terms.values())] = list(terms)
    starts = indptr[:-1][held]
    out: dict[int, set[str]] = {}
    for label in np.unique(labels).tolist():
        hit = (labels == label)[indices]
        anywhere = np.zeros(len(held), dtype=bool)
        if len(starts):
            anywhere[held] = np.logical_or.reduceat(hit, starts)
        out[int(label)] = set(names[anywhere].tolist()) - {""}
    return out
