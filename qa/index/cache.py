"""Per-document build results, kept so that a rebuild only re-reads and re-embeds what changed.

One file per document under ``<index>/docs/``, named by a key over everything that decides
its contents: the file's bytes and path, the build settings, and the profile fields that
describe documents. An unchanged file is a cache hit; a changed or new one is a miss; a
removed one is simply no longer asked for, and :meth:`DocCache.prune` deletes it.

>>> import tempfile, numpy as np
>>> from qa.records import Document
>>> cache = DocCache(Path(tempfile.mkdtemp()))
>>> doc = Document("a", "a.txt", "A", "text", None, "Hi.")
>>> entry = DocEntry(doc, [], np.zeros((0, 4), "float32"), np.zeros((0, 4), "float32"))
>>> cache.put("k1", entry); cache.get("k1").document.title, cache.get("k2")
('A', None)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import writing
from qa.records import Document, Passage


@dataclass(frozen=True)
class DocEntry:
    """One document, its passages, and their vectors (passage rows, sentence rows)."""

    document: Document
    passages: list[Passage]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def entry_key(
    build: dict[str, Any], facets: dict[str, Any], rel: str, doc_id: str, sha: str
) -> str:
    """The cache key of one file's build result."""
    blob = json.dumps([build, facets, rel, doc_id, sha], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def document_from_dict(fields: dict[str, Any]) -> Document:
    fields = dict(fields)
    fields["pages"] = tuple(fields.get("pages") or ())
    fields["headings"] = tuple(tuple(h) for h in fields.get("headings") or ())
    return Document(**fields)


def passage_from_dict(fields: dict[str, Any]) -> Passage:
    fields = dict(fields)
    fields["sentences"] = tuple(tuple(span) for span in fields.get("sentences") or ())
    return Passage(**fields)


def _stale(path: Path, seconds: float = 3600) -> bool:
    """A temporary file left by a build that died (not one another build is writing)."""
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


class DocCache:
    """A folder of per-document entries (``.npz``: a JSON record and two vector arrays)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def get(self, key: str) -> DocEntry | None:
        """The entry, or None when absent or unreadable (it is then rebuilt)."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                record = json.loads(bytes(data["record"]).decode())
                pvec, svec = data["passages"], data["sentences"]
            doc = document_from_dict(record["document"])
            passages = [passage_from_dict(p) for p in record["passages"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if len(pvec) != len(passages):
            return None
        return DocEntry(doc, passages, pvec, svec)

    def put(self, key: str, entry: DocEntry) -> None:
        """Store an entry atomically (a crash leaves no half-written file under its name)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {
            "document": asdict(entry.document),
            "passages": [p.to_dict() for p in entry.passages],
        }
        buf = io.BytesIO()
        np.savez(
            buf,
            record=np.frombuffer(json.dumps(record, ensure_ascii=False).encode(), np.uint8),
            passages=entry.passage_vectors,
            sentences=entry.sentence_vectors,
        )
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            with writing(self.folder):
                tmp.write_bytes(buf.getvalue())
            os.replace(tmp, self._path(key))
        finally:
            tmp.unlink(missing_ok=True)

    def prune(self, keep: set[str]) -> int:
        """Delete entries not in ``keep`` (removed or changed files); return how many."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        for path in self.folder.iterdir():
            if path.suffix == ".npz" and path.stem not in keep:
                path.unlink(missing_ok=True)
                removed += 1
            elif path.name.startswith(".") and path.name.endswith(".tmp") and _stale(path):
                path.unlink(missing_ok=True)
        return removed
