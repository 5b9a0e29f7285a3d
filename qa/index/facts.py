"""Facts about the corpus derived once, when the index is committed, and stored beside it.

- Each year's vocabulary (every BM25 term of that year's passages) tells the answering
  stage whether a name the question pairs with a year appears in that year at all. Finding
  it walks every posting of the BM25 index: done at start-up, that walk read the whole
  memory-mapped postings file into the app's memory (about 0.3 GB at a million passages).
- The corpus' words (folded: :func:`qa.text.fold.fold`) and its languages tell whether a
  question is in a language the corpus is not, and which of its names the corpus never
  mentions. They took a pass over every passage per Answerer, and per upload.

Stored at commit time, a start reads one small file instead.

>>> import bm25s
>>> model = bm25s.BM25()
>>> model.index([["veto", "restraint"], ["veto"], ["panel"]], show_progress=False)
>>> from qa.records import Passage
>>> texts = ["Veto restraint.", "The veto.", "A panel met."]
>>> passages = [Passage(f"d#{i}", "d", "d.txt", year, i, text, 0, len(text))
...             for i, (year, text) in enumerate(zip([2014, 2016, None], texts))]
>>> facts = derive(model, passages, ["Summary"])
>>> sorted(facts.year_terms[2014]), sorted(facts.year_terms[2016])
(['restraint', 'veto'], ['veto'])
>>> sorted(facts.vocabulary)
['a', 'met', 'panel', 'restraint', 'summary', 'the', 'veto']
>>> from_bytes(to_bytes(facts)) == facts
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from qa.index import postings
from qa.records import Passage
from qa.text.fold import fold
from qa.text.language import corpus_languages, even_sample

_NO_YEAR = -1


@dataclass(frozen=True)
class CorpusFacts:
    """What the index knows of its corpus as a whole (see the module docstring)."""

    year_terms: dict[int, frozenset[str]]
    vocabulary: frozenset[str]  # folded words of the passages and titles
    languages: frozenset[str]  # ISO 639-1 codes


_PASSAGE_WORD = re.compile(r"[\w’']+")
_TITLE_WORD = re.compile(r"\w+")


def derive(model: bm25s.BM25, passages: Sequence[Passage], titles: Iterable[str]) -> CorpusFacts:
    """The facts of a corpus: its BM25 model, its passages (read once, in order: a loaded
    index streams them from disk) and its documents' titles."""
    years: list[int] = []
    raw: set[str] = set()
    for p in passages:
        years.append(_NO_YEAR if p.year is None else p.year)
        raw.update(_PASSAGE_WORD.findall(p.text))
    raw |= {w for title in titles for w in _TITLE_WORD.findall(title)}
    by_label = postings.vocabulary_by(model, np.array(years, dtype=np.int64))
    sample = [p.text for p in even_sample(passages)]  # what corpus_languages would pick
    return CorpusFacts(
        {y: frozenset(t) for y, t in by_label.items() if y != _NO_YEAR},
        frozenset(fold(w) for w in raw),  # each distinct word folded once
        frozenset(corpus_languages(sample)),
    )


def to_bytes(facts: CorpusFacts) -> bytes:
    """JSON, sets sorted: the same facts always give the same bytes (a content hash)."""
    terms = {str(y): sorted(t) for y, t in sorted(facts.year_terms.items())}
    data = {"year_terms": terms, "vocabulary": sorted(facts.vocabulary),
            "languages": sorted(facts.languages)}  # fmt: skip
    return json.dumps(data, ensure_ascii=False).encode()


def from_bytes(data: bytes) -> CorpusFacts:
    """Read what :func:`to_bytes` wrote (a ValueError or KeyError if it is not that)."""
    raw = json.loads(data)
    terms = {int(y): frozenset(t) for y, t in raw["year_terms"].items()}
    return CorpusFacts(terms, frozenset(raw["vocabulary"]), frozenset(raw["languages"]))
