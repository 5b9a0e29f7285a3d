"""Plain records that cross module boundaries: Document, Passage, Hit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One source file, with what the loader inferred about it.

    ``text`` is the file exactly as read; offsets elsewhere point into it.
    """

    id: str
    path: str
    title: str
    kind: str
    year: int | None
    text: str
    truncated: bool = False


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: whole sentences from one document.

    ``text`` is the cleaned, whitespace-normalised text; ``char_start``/``char_end`` locate it
    in the original file, so ``Document.text[char_start:char_end]`` is where it came from.
    ``para`` is the document's own paragraph number ("7") when the passage lies in one;
    ``sentences`` are the (start, end) spans of its sentences within ``text``.
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

    def sentence_texts(self) -> list[str]:
        """The passage's sentences, in order."""
        return [self.text[s:e] for s, e in self.sentences] or [self.text]

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
        }
