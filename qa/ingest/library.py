"""Add files to a corpus folder and remove them: safe names, bounded sizes, nothing lost.

Uploaded or added files are copied into the corpus folder under a safe name (letters,
digits, ``.-_``; never a path, never hidden, never over an existing file) once their type
and size are checked. Nothing here runs or serves a file; it only stores bytes that the
format readers later parse as data.

>>> safe_name("../../etc/Annual Report (final).PDF")
'Annual_Report_final.pdf'
>>> safe_name(".bashrc.txt")
'bashrc.txt'
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePath

from qa.errors import UserError
from qa.ingest.corpus import over_limit
from qa.ingest.formats import SUFFIXES

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class LibraryError(UserError, ValueError):
    """A file cannot be added or removed (the message says why, in one line)."""


@dataclass(frozen=True)
class Added:
    """A file stored in the corpus folder: its original name and where it now is."""

    source: str
    path: str


def safe_name(name: str) -> str:
    """A file name that is safe to store: no folders, no hidden file, a lower-case suffix."""
    base = PurePath(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    stem = _UNSAFE.sub("_", stem).strip("._-")[:120] or "document"
    return f"{stem}{_UNSAFE.sub('', suffix).lower()}"


def check_file(name: str, size: int, max_bytes: int) -> None:
    """LibraryError unless ``name`` has a supported type and ``size`` is within the limit."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise LibraryError(
            f"{PurePath(name).name}: unsupported file type {suffix or '(none)'} "
            f"(supported: {', '.join(SUFFIXES)})"
        )
    too_large = over_limit(size, max_bytes)
    if too_large:
        raise LibraryError(f"{PurePath(name).name}: {too_large}")
    if size == 0:
        raise LibraryError(f"{PurePath(name).name}: empty file")


def add_files(corpus_dir: Path, sources: list[Path], max_bytes: int) -> list[Added]:
    """Copy ``sources`` into ``corpus_dir``; all are checked before any is copied. The folder
    must exist: adding to a missing one would make an index of the new files alone."""
    if not corpus_dir.is_dir():
        raise LibraryError(f"corpus folder not found: {corpus_dir}")
    for src in sources:
        if not src.is_file():
            raise LibraryError(f"{src}: not a file")
        check_file(src.name, src.stat().st_size, max_bytes)
    added: list[Added] = []
    try:
        for src in sources:
            target = _free_path(corpus_dir, safe_name(src.name))
            tmp = corpus_dir / f".{target.name}.part"
            tmp.unlink(missing_ok=True)  # never write through a link left under this name
            try:
                shutil.copyfile(src, tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)  # a full disk leaves no partial file behind
            added.append(Added(src.name, target.relative_to(corpus_dir).as_posix()))
    except BaseException:
        unadd(corpus_dir, added)  # all or none
        raise
    return added


def unadd(corpus_dir: Path, added: list[Added]) -> None:
    """Delete files :func:`add_files` stored (their index update failed)."""
    for item in added:
        (corpus_dir / item.path).unlink(missing_ok=True)


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``… when taken."""
    stem, suffix = os.path.splitext(name)
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def remove_file(corpus_dir: Path, rel: str) -> Path:
    """Delete one document file of the corpus folder, given its path relative to it."""
    root = corpus_dir.resolve()
    target = corpus_dir / rel
    # The entry itself must sit inside the folder; a link is removed, never what it points to.
    if not target.parent.resolve().is_relative_to(root) or target.resolve() == root:
        raise LibraryError(f"{rel}: not a file of the corpus folder")
    if not (target.is_file() or target.is_symlink()):
        raise LibraryError(f"{rel}: no such document in {corpus_dir}")
    target.unlink()
    return target
