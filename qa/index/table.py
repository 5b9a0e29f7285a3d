"""Passages read from the index's file when asked for, and passage ids found by row.

A million passages held as Python objects take about 2 GB (text, sentence spans, the
dataclass); the app needs a few dozen of them a question. :class:`PassageTable` keeps
only where each passage line starts in the committed ``passages-*.jsonl`` (8 bytes a
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
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


def _line_bounds(path: Path) -> np.ndarray:
    """Byte offsets where each line of ``path`` starts, then the file's size: line ``i`` is
    ``bounds[i]:bounds[i + 1]``."""
    size = path.stat().st_size
    if size == 0:
        return np.zeros(1, dtype=np.int64)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    ends = [np.flatnonzero(data[i : i + _CHUNK] == 10) + i for i in range(0, size, _CHUNK)]
    del data
    starts = np.concatenate([[0], np.concatenate(ends) + 1]).astype(np.int64)
    return np.append(starts[starts < size], size)


def _passage(line: bytes, path: Path) -> Passage:
    """A passage line parsed; a line that no longer parses is one line of error."""
    try:
        return passage_from_dict(json.loads(line)["passage"])
    except (ValueError, KeyError, TypeError):  # UnicodeDecodeError is a ValueError
        raise _damaged(path) from None


def _document(line: bytes, path: Path) -> Document:
    try:
        return document_from_dict(json.loads(line)["document"])
    except (ValueError, KeyError, TypeError):
        raise _damaged(path) from None


def _damaged(path: Path) -> PassageFileDamaged:
    return PassageFileDamaged(
        f"index file {path.name} was changed on disk after it was loaded; restart qa to rebuild it"
    )


class PassageTable(Sequence[Passage]):
    """The passages of one committed index file, parsed on demand (see the module doc).

    The file stays open for the table's life: a later build that deletes it (a new
    manifest names another file) leaves this table reading its own snapshot.
    """

    def __init__(self, path: Path, file: BinaryIO, bounds: np.ndarray, cache: int = 4096) -> None:
        """``bounds``: where each passage line starts, then where the last one ends."""
        self.path, self._file, self._bounds = path, file, bounds

        def read(row: int) -> Passage:  # closes over no self: the table frees by refcount
            start, end = int(bounds[row]), int(bounds[row + 1])
            return _passage(os.pread(file.fileno(), end - start, start), path)

        self._read = lru_cache(maxsize=cache)(read)

    @classmethod
    def open(cls, path: Path) -> tuple[dict[str, Document], DocumentSource, PassageTable]:
        """A committed passages file: its documents without their text (they come first),
        a reader of one whole document, and the passage table."""
        file = path.open("rb", buffering=0)  # first: what is scanned is what is kept open
        bounds = _line_bounds(path)
        documents: dict[str, Document] = {}
        spans: dict[str, tuple[int, int]] = {}
        first = 0
        while first < len(bounds) - 1:
            start, end = int(bounds[first]), int(bounds[first + 1])
            line = os.pread(file.fileno(), end - start, start)
            if not line.startswith(_DOCUMENT):
                break
            doc = replace(_document(line, path), text="")
            documents[doc.id], spans[doc.id] = doc, (start, end)
            first += 1
        table = cls(path, file, bounds[first:])
        return documents, DocumentSource(path, file, spans), table

    def __len__(self) -> int:
        return len(self._bounds) - 1

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
        pos, end, rest = int(self._bounds[0]), int(self._bounds[-1]), b""
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
        """Equal to any sequence of the same passages (a list of them, as built)."""
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

    def __init__(self, path: Path, file: BinaryIO, spans: dict[str, tuple[int, int]]) -> None:
        def read(doc_id: str) -> Document | None:
            if doc_id not in spans:
                return None
            start, end = spans[doc_id]
            return _document(os.pread(file.fileno(), end - start, start), path)

        self._read = lru_cache(maxsize=32)(read)

    def __call__(self, doc_id: str) -> Document | None:
        return self._read(doc_id)


class PassageRows:
    """Passage id → row, by a sorted array of the ids' 64-bit hashes (``hash()``: salted per
    process, so the array is built at load and never stored).

    Ids of the index that share a hash are kept apart in an exact dict. An id that is not
    in the index could still meet a stored hash (odds about n / 2⁶⁴ a look-up: 5·10⁻¹⁴ at a
    million) and be taken for that passage; ids from a vector engine are the index's own
    but for documents just added or removed.
    """

    def __init__(self, hashes: np.ndarray, id_at: Callable[[int], str]) -> None:
        """``hashes[row]`` is :meth:`key` of the row's id; ``id_at(row)`` reads that id
        (asked only for rows whose hash another row shares)."""
        self._order = np.argsort(hashes, kind="stable")
        self._sorted = hashes[self._order]
        same = np.flatnonzero(self._sorted[1:] == self._sorted[:-1])
        shared = np.unique(np.concatenate([same, same + 1])).astype(np.int64)
        self._shared = {int(h) for h in self._sorted[shared]}
        self._exact = {id_at(int(r)): int(r) for r in self._order[shared]}

    @staticmethod
    def key(passage_id: str) -> int:
        """The hash a row is stored under (the Retriever computes it in its own pass)."""
        return hash(passage_id)

    @classmethod
    def of(cls, ids: Sequence[str]) -> PassageRows:
        return cls(np.fromiter(map(cls.key, ids), np.int64, len(ids)), ids.__getitem__)

    def get(self, passage_id: str, default: int = -1) -> int:
        """The row of ``passage_id``, or ``default`` when the index has no such passage."""
        h = self.key(passage_id)
        if h in self._shared:
            return self._exact.get(passage_id, default)
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
