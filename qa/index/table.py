"""Passages read from the index's file when asked for, and passage ids found by row.

A million passages held as Python objects take about 2 GB (text, sentence spans, the
dataclass); the app needs a few dozen of them a question. :class:`PassageTable` keeps
only each passage line's byte offset in the committed ``passages-*.jsonl`` (8 bytes a
passage) and parses a line when it is asked for, caching the recent ones. It is a
``Sequence[Passage]``, so code that indexes, slices or iterates a list of passages works on
it unchanged. :class:`PassageRows` maps a passage id to its row in 16 bytes a passage
instead of a dict's ~100 (a vector engine answers with ids).

>>> rows = PassageRows.of(["a#0", "a#1", "b#0"])
>>> rows["b#0"], rows.get("c#0", -1)
(2, -1)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, overload

import numpy as np

from qa.errors import UserError
from qa.index.cache import document_from_dict, passage_from_dict
from qa.records import Document, Passage

_CHUNK = 1 << 24  # bytes scanned at a time for line ends
_DOCUMENT = b'{"document"'


class PassageFileDamaged(UserError):
    """The passages file of a loaded index no longer reads as it did when loaded."""


def _line_starts(path: Path) -> tuple[np.ndarray, int]:
    """Byte offsets where each line of ``path`` starts, and the file's size."""
    size = path.stat().st_size
    if size == 0:
        return np.zeros(0, dtype=np.int64), 0
    data = np.memmap(path, dtype=np.uint8, mode="r")
    ends = [np.flatnonzero(data[i : i + _CHUNK] == 10) + i for i in range(0, size, _CHUNK)]
    del data
    starts = np.concatenate([[0], np.concatenate(ends) + 1]).astype(np.int64)
    return starts[starts < size], size


def _passage(line: bytes, path: Path) -> Passage:
    try:
        return passage_from_dict(json.loads(line)["passage"])
    except (ValueError, KeyError, TypeError):  # UnicodeDecodeError is a ValueError
        raise PassageFileDamaged(
            f"index file {path.name} was changed on disk after it was loaded; "
            "restart qa to rebuild it"
        ) from None


class PassageTable(Sequence[Passage]):
    """The passages of one committed index file, parsed on demand (see the module doc).

    The file stays open for the table's life: a later build that deletes it (a new
    manifest names another file) leaves this table reading its own snapshot.
    """

    def __init__(self, path: Path, starts: np.ndarray, ends: np.ndarray, cache: int = 4096):
        self.path = path
        self._file = file = path.open("rb", buffering=0)
        self._starts, self._ends = starts, ends

        def read(row: int) -> Passage:  # closes over no self: the table frees by refcount
            start, end = int(starts[row]), int(ends[row])
            return _passage(os.pread(file.fileno(), end - start, start), path)

        self._read = lru_cache(maxsize=cache)(read)

    @classmethod
    def open(cls, path: Path) -> tuple[dict[str, Document], DocumentSource, PassageTable]:
        """A committed passages file: its documents without their text (they come first),
        a reader of one whole document, and the passage table."""
        starts, size = _line_starts(path)
        ends = np.append(starts[1:], size).astype(np.int64)
        documents: dict[str, Document] = {}
        spans: dict[str, tuple[int, int]] = {}
        with path.open("rb") as f:
            for row, line in enumerate(f):
                if not line.startswith(_DOCUMENT):
                    break
                doc = document_from_dict({**json.loads(line)["document"], "text": ""})
                documents[doc.id] = doc
                spans[doc.id] = int(starts[row]), int(ends[row])
        first = len(documents)
        table = cls(path, starts[first:], ends[first:])
        return documents, DocumentSource(table._file, spans), table

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, row: int) -> Passage: ...
    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...
    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self._read(i) for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"passage row {row} out of range")
        return self._read(row)

    def __iter__(self) -> Iterator[Passage]:
        """Every passage in order, streamed from the open file (none of them kept)."""
        if not len(self):
            return
        pos, end, rest = int(self._starts[0]), int(self._ends[-1]), b""
        while pos < end:
            block = os.pread(self._file.fileno(), min(_CHUNK, end - pos), pos)
            if not block:
                break
            pos += len(block)
            *lines, rest = (rest + block).split(b"\n")
            for line in lines:
                yield _passage(line, self.path)
        if rest.strip():
            yield _passage(rest, self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PassageTable({self.path.name}, {len(self)} passages)"


class DocumentSource:
    """One document whole, its text included, read from the passages file when a citation
    needs it (the original text is as large as the corpus: it is not kept in memory).

    Call it with a document id: the :class:`Document`, or None for an unknown id.
    """

    def __init__(self, file: BinaryIO, spans: dict[str, tuple[int, int]]) -> None:
        def read(doc_id: str) -> Document | None:
            if doc_id not in spans:
                return None
            start, end = spans[doc_id]
            line = os.pread(file.fileno(), end - start, start)
            return document_from_dict(json.loads(line)["document"])

        self._read = lru_cache(maxsize=32)(read)

    def __call__(self, doc_id: str) -> Document | None:
        return self._read(doc_id)


class PassageRows:
    """Passage id → row, by a sorted array of the ids' 64-bit hashes.

    Two ids of one index sharing a hash (odds about n² / 2⁶⁵: 3·10⁻⁸ at a million) would
    make one of them unfindable; nothing else can go wrong.
    """

    def __init__(self, hashes: np.ndarray) -> None:
        self._order = np.argsort(hashes, kind="stable")
        self._sorted = hashes[self._order]

    @staticmethod
    def key(passage_id: str) -> int:
        return hash(passage_id)

    @classmethod
    def of(cls, ids: Iterable[str]) -> PassageRows:
        return cls(np.fromiter((hash(i) for i in ids), dtype=np.int64))

    def get(self, passage_id: str, default: int = -1) -> int:
        h = hash(passage_id)
        j = int(np.searchsorted(self._sorted, h))
        if j < len(self._sorted) and self._sorted[j] == h:
            return int(self._order[j])
        return default

    def __getitem__(self, passage_id: str) -> int:
        row = self.get(passage_id, -1)
        if row < 0:
            raise KeyError(passage_id)
        return row

    def __len__(self) -> int:
        return len(self._sorted)
