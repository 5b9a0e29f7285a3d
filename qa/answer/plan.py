"""The records an answer passes through: the plan (everything decided before the model) and
the events a streamed answer yields."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from qa.answer.verify import Claim
from qa.evidence.select import Source
from qa.records import Answer, Reason
from qa.retrieve import Retrieval
from qa.text.patterns import YEAR, YEAR_RE

_YEAR_LIST = re.compile(rf"\b{YEAR}(?:\s*(?:,|and|vs\.?|versus|to|or|&|-|–)\s*(?:in\s+)?{YEAR})+\b")


def single_year(question: str, year: int) -> str:
    """The question asked of one year: "the 2014 and 2017 themes" → "the 2014 themes".

    >>> single_year("compare the 2014 and 2017 themes", 2017)
    'compare the 2017 themes'
    >>> single_year("who spoke in 2014 and in 2016?", 2014)
    'who spoke in 2014?'
    """
    single = _YEAR_LIST.sub(str(year), question)
    if single == question:  # years scattered in the sentence: name just this one
        single = YEAR_RE.sub(str(year), question)
    return single


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: ``sources`` (hits), ``evidence`` (what the model will
    read, as ``qa ask --json`` entries), ``token`` (draft text), ``answer``."""

    kind: str
    data: Any


@dataclass(frozen=True)
class Part:
    """One question put to the model (a comparison gets one per year) and its evidence."""

    year: int | None
    question: str
    sources: list[Source]


@dataclass
class Plan:
    """Everything decided before the model is asked."""

    question: str
    standalone: str
    retrieval: Retrieval
    parts: list[Part] = field(default_factory=list)
    verdict: tuple[str, Reason, list[Claim]] | None = None  # (text, reason, claims): no model
    started: float = field(default_factory=time.perf_counter)
    retrieved: float | None = None  # when retrieval finished (None: it never ran)
    done: Answer | None = None  # answered without the model (refused, or a premise verdict)

    def evidence(self) -> list[dict[str, Any]]:
        """What the model reads: one entry per sentence, with its source number."""
        return [
            {
                "n": s.n,
                "passage_id": s.hit.passage.id,
                "doc": s.hit.passage.doc,
                "year": s.hit.passage.year,
                "page": s.hit.passage.page,
                "text": text,
            }
            for part in self.parts
            for s in part.sources
            for text in s.sentence_list()
        ]
