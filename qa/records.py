"""Plain records that cross module boundaries: Document, Passage, Hit."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Document:
    """One source file, with what the loader inferred about it.

    ``text`` is the file's extracted text (a .txt file exactly as read); offsets elsewhere
    point into it. ``pages[i]`` is where page ``i + 1`` starts in it (paged formats only);
    ``size`` is the file's size in bytes; ``headings`` are ``(offset, level, title)`` of its
    section headings, where the format has them.
    """

    id: str
    path: str
    title: str
    kind: str
    year: int | None
    text: str
    truncated: bool = False
    format: str = "text"
    version: str | None = None
    pages: tuple[int, ...] = ()
    size: int = 0
    headings: tuple[tuple[int, int, str], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset`` of ``text`` (None: not paged).

        >>> Document("d", "d.pdf", "T", "PDF", None, "ab\\n\\ncd", pages=(0, 4)).page_at(5)
        2
        """
        if not self.pages:
            return None
        return bisect.bisect_right(self.pages, offset)


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: whole sentences from one document.

    ``text`` is the cleaned, whitespace-normalised text; ``char_start``/``char_end`` locate it
    in the original file, so ``Document.text[char_start:char_end]`` is where it came from.
    ``para`` is the document's own paragraph number ("7") when the passage lies in one;
    ``sentences`` are the (start, end) spans of its sentences within ``text``; ``page`` is
    the 1-based page it starts on, in a paged document; ``heading`` is its heading path
    ("Options › --port"), empty when the document has no headings there.
    """

    id: str
    doc_id: str
    doc: str
    year: int | None
    ordinal: int
    text: str
    char_start: int
    char_end: int
    para: str | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    page: int | None = None
    heading: str = ""

    def sentence_texts(self) -> list[str]:
        """The passage's sentences, in order."""
        return [self.text[s:e] for s, e in self.sentences] or [self.text]

    def searched_text(self) -> str:
        """What keyword search indexes: the heading path, then the text (a question often
        names what only the heading says: "what does --port do?")."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    def read_in_section(self, sentence: str) -> str:
        """A sentence of the passage as a reader takes it, after its heading path: what the
        embedder and the support judge see ("Options › --port: Serve HTTP on PORT.").

        >>> p = Passage("d#0", "d", "d.html", None, 0, "x", 0, 1, heading="Options")
        >>> p.read_in_section("x")
        'Options: x'
        """
        return f"{self.heading}: {sentence}" if self.heading else sentence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A passage retrieved for a question, with its fused score and per-method ranks."""

    passage: Passage
    score: float
    ranks: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The passage fields of the ``qa ask --json`` contract (plus a few extras)."""
        p = self.passage
        return {
            "passage_id": p.id,
            "doc": p.doc,
            "year": p.year,
            "score": round(self.score, 6),
            "text": p.text,
            "char_start": p.char_start,
            "char_end": p.char_end,
            "para": p.para,
            "page": p.page,
        }


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` of an answer: the passage it names and the exact span that supports it.

    ``quote`` is a verbatim span of the passage text; ``char_start``/``char_end`` locate the
    passage and ``quote_start``/``quote_end`` the quote in the document's text (None when the
    quote crosses removed markup); ``page`` is the 1-based page of the quote in a paged
    document (PDF), else None; ``title`` and ``section`` (the passage's heading path) say
    where it stands, for a reader; ``support`` is how strongly the model judged that the
    quote states the answer (log-odds of "Yes"; None when it was not asked).
    """

    n: int
    passage_id: str
    doc: str
    year: int | None
    text: str
    quote: str
    char_start: int
    char_end: int
    quote_start: int | None = None
    quote_end: int | None = None
    page: int | None = None
    title: str = ""
    section: str = ""
    support: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """Where a reader finds the quote: title, section, year, page (those known).

        >>> Citation(1, "d#0", "d.pdf", 2016, "T", "q", 0, 1, page=7, title="Guide",
        ...          section="Setup").where()
        'Guide — Setup · 2016 · p. 7'
        """
        head = " — ".join(p for p in (self.title or self.doc, self.section) if p)
        tail = [str(self.year)] * (self.year is not None) + [f"p. {self.page}"] * bool(self.page)
        return " · ".join([head, *tail])


class Reason(StrEnum):
    """Why an answer abstains: the ``reason`` field of ``qa ask --json`` (its values are
    the contract's strings).

    >>> Reason.NOT_STATED == "not stated", str(Reason.YEAR)
    (True, 'year')
    """

    INVALID_QUESTION = "invalid question"  # empty, too long, not text
    INSTRUCTION = "instruction"  # asks the bot to ignore its rules
    OTHER_LANGUAGE = "other language"  # in a language the corpus is not written in
    YEAR = "year"  # names a year the corpus has no record from
    UNKNOWN_NAME = "unknown name"  # names something the corpus never mentions
    FALSE_PREMISE = "false premise"  # ties a name to a year the corpus places elsewhere
    NOT_STATED = "not stated"  # no quote was judged to state the answer
    NOTHING_VERIFIED = "no claim could be verified"  # the lead matched no evidence sentence
    NO_ANSWER = "model found no answer"  # the model said the sources do not answer
    MODEL_UNAVAILABLE = "model unavailable"  # the model (or its server) could not be reached


@dataclass
class Answer:
    """A finished answer: prose with ``[n]`` markers, its citations and what was retrieved."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    rewritten_question: str
    timings: dict[str, float] = field(default_factory=dict)
    reason: Reason | None = None
    draft: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, id: Any = None) -> dict[str, Any]:
        """The ``qa ask --json`` contract (design.md §3), plus a few extra fields."""
        return {
            "id": id,
            "question": self.question,
            "rewritten_question": self.rewritten_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "reason": self.reason,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.hits],
            "evidence": self.evidence,
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "draft": self.draft,
        }
