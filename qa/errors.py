"""Failures a user can cause or meet, each as one line that says what to do.

Every error qa raises for a user to act on (a missing corpus folder, a damaged model file, a
bad setting...) derives from :class:`UserError`, whose message is that line. Failures of the
machine itself (a folder the user cannot write, a full disk, memory running out) arrive as
``OSError`` or ``MemoryError``; :func:`explain` words them the same way. The CLI and the app
print the line and exit non-zero, so no traceback reaches a user.

>>> explain(OSError(28, "No space left on device", "/data/index/dense.faiss"))[:52]
'no space left on the disk holding /data/index/dense.'
>>> explain(ValueError("a bug")) is None
True
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path


class UserError(Exception):
    """A problem the user can fix; its message is one line that says what is wrong."""


_FULL = (errno.ENOSPC, errno.EDQUOT)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def explain(exc: BaseException) -> str | None:
    """The one line to show a user for ``exc``, or None when it is a bug (let it raise)."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: close other programs, or index fewer or smaller files at once"
    if isinstance(exc, OSError):
        where = exc.filename or "a file qa needed"
        if exc.errno in _FULL:
            return (
                f"no space left on the disk holding {where}: free some space "
                "(or point QA_INDEX_DIR elsewhere) and run again"
            )
        if exc.errno in _DENIED:
            return (
                f"permission denied: {where} ({exc.strerror}); give your user access to it, or "
                "point qa at folders you can use (QA_CORPUS_DIR, QA_INDEX_DIR, "
                "QA_MODEL_CACHE_DIR)"
            )
        if exc.strerror:
            return f"{exc.strerror}: {where}"
        return str(exc) or type(exc).__name__
    return None


def cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` means the disk refused a write (full, read-only, no permission)."""
    return isinstance(exc, OSError) and exc.errno in (*_FULL, *_DENIED)


@contextlib.contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Name ``folder`` in an ``OSError`` raised without a file name: a write that fails on a
    full disk names no file, and the user needs to know which disk is full."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise type(exc)(exc.errno, exc.strerror, str(folder)) from exc
        raise
