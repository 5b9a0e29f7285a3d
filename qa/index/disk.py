"""Writing index files safely: atomic writes, one builder at a time, a writability probe.

A file is written under a temporary name, synced, then renamed into place, so a reader (or
a crash) never sees half a file; a write that fails (a full disk) leaves no temporary behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from qa.errors import UserError, writing


class IndexUnwritable(UserError):
    """The index folder cannot be written (read-only, not the user's), so it cannot be built."""


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with writing(path.parent), tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a full disk keeps no half-written file


def check_writable(index_dir: Path) -> None:
    """:class:`IndexUnwritable` unless files can be created in ``index_dir`` (made if missing):
    checked before a build, so that a read-only folder fails at once, not after embedding."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=index_dir):
            pass
    except OSError as exc:
        raise IndexUnwritable(
            f"the index folder {index_dir} cannot be written ({exc.strerror}): make it "
            "writable, or set QA_INDEX_DIR to a folder you can write"
        ) from None


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (a second builder waits)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
