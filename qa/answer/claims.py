"""From the model's lead to the sentences that state it: one general mechanism for single
answers, lists and several-part answers.

The lead is cut into its items — sentences, then clauses and list members ("RCS, ClearCase
and SCCS") — and each item is checked on its own against the sentences the model read
(:func:`qa.answer.verify.support`: every name, number and identifier it states must stand in the
sentence, and most of its other new words). The reply is then made of the sentences that
back at least one item, each quoted once, in the order the lead names them: a list answer
gets every member the evidence states, each with its quote, and an item no sentence states
is dropped.

>>> from qa.records import Hit, Passage
>>> text = "Patch can get files from RCS or SCCS. It also knows ClearCase. It is fast."
>>> p = Passage("d#0", "d", "d.html", None, 0, text, 0, len(text), None,
...             ((0, 37), (38, 62), (63, 74)))
>>> sources = [Source(1, Hit(p, 1.0), [0, 1, 2])]
>>> backed = backed_sentences("RCS, SCCS and ClearCase", sources, {},
...                           "Which systems can patch get files from?")
>>> [(b.source, b.sentence, b.items) for b in backed]
[(0, 0, ('RCS', 'SCCS')), (0, 1, ('ClearCase',))]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.verify import MIN_COVERAGE, support
from qa.evidence.select import Source
from qa.ingest.passages import without_enumerator

# Between the items of a lead: sentence ends, semicolons, commas, "and"/"or" between items.
_ITEM_BREAK = re.compile(r"(?<=[.;!?])\s+|;\s*|,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_MARKERS = re.compile(r"\s*\[\d{1,2}\]")


@dataclass(frozen=True)
class Backed:
    """A sentence the model read that states one or more items of its lead."""

    source: int  # index into the part's sources
    sentence: int  # index into that passage's sentence_texts()
    text: str
    items: tuple[str, ...]
    coverage: float


def lead_items(lead: str) -> list[str]:
    """The items a lead states, in order: the whole lead first when it is one short phrase,
    else its sentences, clauses and list members.

    >>> lead_items("RCS, ClearCase and SCCS.")
    ['RCS', 'ClearCase', 'SCCS']
    >>> lead_items("Use the -i option [2].")
    ['Use the -i option']
    """
    lead = _MARKERS.sub("", lead).strip().rstrip(".").strip()
    if not lead:
        return []
    parts = [p.strip(" .:;,") for p in _ITEM_BREAK.split(lead)]
    return [p for p in parts if p and re.search(r"\w", p)] or [lead]


def backed_sentences(
    lead: str, sources: list[Source], idf: dict[str, float], question: str
) -> list[Backed]:
    """The sentences the model read (``sources``) that back the lead's items, in the order
    the lead names them. The lead is checked whole first; a lead whose whole does not stand
    in one sentence is checked item by item."""
    whole = _MARKERS.sub("", lead).strip().rstrip(".")
    at = _best(whole, sources, idf, question) if whole else None
    checked = (
        [(whole, at)] if at else [(i, _best(i, sources, idf, question)) for i in lead_items(lead)]
    )
    found: dict[tuple[int, int], list[str]] = {}
    cover: dict[tuple[int, int], float] = {}
    for item, best in checked:
        if best is None:
            continue
        key, coverage = best
        found.setdefault(key, []).append(item)
        cover[key] = max(cover.get(key, 0.0), coverage)
    return [
        Backed(source, sentence,
               without_enumerator(sources[source].hit.passage.sentence_texts()[sentence]),
               tuple(items), cover[(source, sentence)])
        for (source, sentence), items in found.items()
    ]  # fmt: skip


def _best(
    item: str, sources: list[Source], idf: dict[str, float], question: str
) -> tuple[tuple[int, int], float] | None:
    """((source, sentence index), coverage) of the shown sentence that best states
    ``item``, or None when none does."""
    best: tuple[float, int, tuple[int, int]] | None = None
    for i, source in enumerate(sources):
        shown = source.sentence_list()
        coverage, quote = support(item, "", idf, question, source.hit.passage.year, shown)
        if coverage < MIN_COVERAGE or not quote:
            continue
        sentence = source.sentences[shown.index(quote)]
        if best is None or coverage > best[0]:
            best = (coverage, -i, (i, sentence))
    return None if best is None else (best[2], best[0])
