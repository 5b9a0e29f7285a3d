"""Facts about the corpus derived once, when the index is committed, and stored beside it.

Each year's vocabulary (every BM25 term of that year's passages) tells the answering
stage whether a name the question pairs with a year appears in that year at all. Finding
it walks every posting of the BM25 index: done at start-up, that walk read the whole
memory-mapped postings file into the app's memory (about 0.3 GB at a million passages)
and took seconds; stored at commit time, a start reads one small file instead.

>>> import bm25s
>>> model = bm25s.BM25()
>>> model.index([["veto", "restraint"], ["veto"], ["panel"]], show_progress=False)
>>> facts = derive(model, [2014, 2016, None])
>>> sorted(facts.year_terms[2014]), sorted(facts.year_terms[2016])
(['restraint', 'veto'], ['veto'])
>>> from_bytes(to_bytes(facts)) == facts
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import bm25s
import numpy as np

from qa.index import postings

_NO_YEAR = -1


@dataclass(frozen=True)
class CorpusFacts:
    """What the index knows of its corpus as a whole (see the module docstring)."""

    year_terms: dict[int, frozenset[str]]


def derive(model: bm25s.BM25, years: Iterable[int | None]) -> CorpusFacts:
    """The facts of a BM25 model whose passages have these years (None: undated)."""
    labels = np.fromiter((_NO_YEAR if y is None else y for y in years), dtype=np.int64)
    by_label = postings.vocabulary_by(model, labels)
    return CorpusFacts({y: frozenset(t) for y, t in by_label.items() if y != _NO_YEAR})


def to_bytes(facts: CorpusFacts) -> bytes:
    """JSON, terms sorted: the same facts always give the same bytes (a content hash)."""
    terms = {str(y): sorted(t) for y, t in sorted(facts.year_terms.items())}
    return json.dumps({"year_terms": terms}, ensure_ascii=False).encode()


def from_bytes(data: bytes) -> CorpusFacts:
    """Read what :func:`to_bytes` wrote (a ValueError or KeyError if it is not that)."""
    raw = json.loads(data)
    return CorpusFacts({int(y): frozenset(t) for y, t in raw["year_terms"].items()})
