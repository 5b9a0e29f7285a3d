"""The evaluation set: questions with reference answers, key phrases and gold quotes.

Each line of ``eval/questions.jsonl`` is one question (see eval/README.md for the fields).
A gold quote is a verbatim substring of a corpus file; :func:`locate` finds its span so that
retrieval can be scored by whether a retrieved passage covers it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qa.ingest.formats import extract, reader_warnings

SPLITS = ("dev", "test")
KINDS = (
    "factoid", "list", "who", "year", "comparison", "numeric", "unanswerable",
    "false_premise", "followup",
)  # fmt: skip


@dataclass(frozen=True)
class GoldQuote:
    doc: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    kind: str
    question: str
    answerable: bool
    answer: str
    key_phrases: list[str | list[str]]
    gold_quotes: list[GoldQuote]
    history: list[dict[str, str]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    split: str = "dev"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvalQuestion:
        return cls(
            id=str(d["id"]),
            kind=d["kind"],
            question=d["question"],
            answerable=bool(d["answerable"]),
            answer=d.get("answer", ""),
            key_phrases=list(d.get("key_phrases", [])),
            gold_quotes=[GoldQuote(**g) for g in d.get("gold_quotes", [])],
            history=list(d.get("history", [])),
            years=list(d.get("years", [])),
            split=d.get("split", "dev"),
        )


def load_questions(path: Path, split: str | None = None) -> list[EvalQuestion]:
    """Parse the question file; a malformed line raises ValueError naming its line number.

    ``split`` keeps only that part: ``dev`` (tuned on) or ``test`` (frozen, written blind).
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(EvalQuestion.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: bad question line ({exc})") from None
        if questions[-1].split not in SPLITS:
            raise ValueError(f"{path}:{n}: split must be one of {', '.join(SPLITS)}")
    return [q for q in questions if split is None or q.split == split]


@lru_cache(maxsize=64)
def _extracted(path: str, size: int, mtime_ns: int) -> str:
    """A file's extracted text, once per version of the file (a PDF takes a second)."""
    with reader_warnings():  # the index build already said so
        return extract(Path(path).name, Path(path).read_bytes()).text


def locate(corpus_dir: Path, gold: GoldQuote) -> tuple[int, int]:
    """The character span of a gold quote in its document's extracted text (what passage
    offsets point into); white space may differ, and so may list bullets and table bars
    (characters other than letters and digits). ValueError when it is not there."""
    path = Path(corpus_dir) / gold.doc
    stat = path.stat()
    text = _extracted(str(path), stat.st_size, stat.st_mtime_ns)
    start = text.find(gold.quote)
    if start >= 0:
        return start, start + len(gold.quote)
    # White space may differ, and so may what a reader adds around words: a list bullet
    # ("- always"), a table bar ("| Banner |").
    for keep in (lambda ch: not ch.isspace(), str.isalnum):
        kept = [i for i, ch in enumerate(text) if keep(ch)]
        squeezed = "".join(text[i] for i in kept)
        probe = "".join(ch for ch in gold.quote if keep(ch))
        at = squeezed.find(probe) if probe else -1
        if at >= 0:
            return kept[at], kept[at + len(probe) - 1] + 1
    raise ValueError(f"gold quote not found verbatim in {gold.doc}: {gold.quote[:60]!r}")


def covers(doc: str, start: int, end: int, span_doc: str, span: tuple[int, int]) -> bool:
    """Whether a passage (doc, start, end) holds at least half of a gold span.

    >>> covers("a.txt", 0, 100, "a.txt", (91, 111)), covers("a.txt", 0, 100, "a.txt", (80, 110))
    (False, True)
    """
    if doc != span_doc:
        return False
    overlap = min(end, span[1]) - max(start, span[0])
    return overlap * 2 >= span[1] - span[0]
