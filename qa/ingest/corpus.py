"""Load a folder of documents: find, read, extract, clean, and describe each one.

Every supported format (see :mod:`qa.ingest.formats`) is read, recursively; hidden files are
left out. The loader stays inside the folder: a link that leads outside it, a special file (a
pipe, a socket, a device) and a file over the size limit are skipped with a one-line reason,
as is a file that cannot be read (empty, not UTF-8, encrypted, scanned, damaged, an
unsupported type); the rest load.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_text("**Dialogue on X**\\n\\nNew York, 8 September 2014\\n\\nText.")
>>> _ = (d / "b.txt").write_bytes(b"")
>>> _ = (d / "c.xls").write_bytes(b"x")
>>> loaded = load_corpus(d)
>>> [(doc.id, doc.title, doc.year, doc.format) for doc in loaded.documents]
[('a', 'Dialogue on X', 2014, 'text')]
>>> loaded.skipped
[('b.txt', 'empty file'), ('c.xls', 'unsupported file type .xls')]
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import UserError
from qa.ingest.clean import CleanText, clean_text, looks_truncated
from qa.ingest.facets import infer_facets
from qa.ingest.formats import SUFFIXES, Unreadable, extract
from qa.profile import FILE as PROFILE_FILE
from qa.profile import CorpusProfile, load_profile, profile_bytes
from qa.records import Document

__all__ = [
    "SUFFIXES", "CorpusError", "Listing", "LoadedCorpus", "list_corpus", "load_corpus",
    "over_limit", "read_file",
]  # fmt: skip


class CorpusError(UserError):
    """The corpus folder cannot be used at all (missing, not a folder, no documents)."""


@dataclass(frozen=True)
class LoadedCorpus:
    """The documents that loaded, their cleaned texts, and the files skipped, with reasons.

    ``file_hashes`` maps each file (path relative to the folder) to the sha256 of its bytes.
    """

    documents: list[Document]
    cleaned: dict[str, CleanText]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    content_hash: str = ""
    file_hashes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    """The files under a corpus folder to read, and the entries left out (path → why)."""

    files: list[Path]
    skipped: dict[str, str]

    def rel(self, folder: Path) -> list[str]:
        """The files' paths relative to ``folder``, as the index names them."""
        return [p.relative_to(folder).as_posix() for p in self.files]


_SPECIAL = {
    stat.S_ISFIFO: "a named pipe", stat.S_ISSOCK: "a socket",
    stat.S_ISCHR: "a device", stat.S_ISBLK: "a device",
}  # fmt: skip


def over_limit(size: int, max_bytes: int | None) -> str | None:
    """Why a file of ``size`` bytes is too large to take, or None.

    >>> over_limit(60_000_000, 50_000_000)
    '60.0 MB is over the 50 MB limit (QA_MAX_FILE_MB)'
    """
    if max_bytes is None or size <= max_bytes:
        return None
    return f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit (QA_MAX_FILE_MB)"


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts) or rel.as_posix() == PROFILE_FILE


def _left_out(path: Path, root: Path, max_bytes: int | None) -> str | None:
    """Why an entry of the folder is not read as a document, or None when it is."""
    try:
        target = path.resolve(strict=True)
        info = path.stat()
    except FileNotFoundError:
        return f"a link to {os.readlink(path)}, which does not exist" if path.is_symlink() else None
    except RuntimeError:
        return "a link that cannot be followed (a loop)"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that cannot be followed (a loop)"
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if not target.is_relative_to(root):
        what = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        return f"a link to a {what} outside the corpus folder ({target}); not read"
    if _hidden(target.relative_to(root)):
        return "a link to a hidden file or to the corpus profile; not read"
    if stat.S_ISDIR(info.st_mode):
        return ""  # a folder: its files are listed on their own
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _SPECIAL.items() if test(info.st_mode)), "special")
        return f"not a regular file ({kind}); not read"
    return over_limit(info.st_size, max_bytes)


def list_corpus(folder: Path, max_bytes: int | None = None) -> Listing:
    """Every file under ``folder`` to read as a document (sorted), and what was left out.

    Hidden entries and the corpus profile are left out without a word; links leading outside
    the folder, special files and files over ``max_bytes`` are left out with a reason.
    """
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"corpus path is not a folder: {folder}")
    root = folder.resolve()
    files, skipped = [], {}
    for p in folder.rglob("*"):
        if _hidden(p.relative_to(folder)):
            continue
        reason = _left_out(p, root, max_bytes)
        if reason is None:
            files.append(p)
        elif reason:
            skipped[p.relative_to(folder).as_posix()] = reason
    return Listing(sorted(files), dict(sorted(skipped.items())))


def document_ids(rels: list[str]) -> dict[str, str]:
    """Each file's document id: its path without the suffix, or with it where two files
    would otherwise share an id ("a.pdf" and "a.txt").

    >>> document_ids(["x/a.pdf", "x/a.txt", "b.md"])
    {'x/a.pdf': 'x/a.pdf', 'x/a.txt': 'x/a.txt', 'b.md': 'b'}
    """
    stems = Counter(rel.rsplit(".", 1)[0] for rel in rels)
    return {rel: rel if stems[rel.rsplit(".", 1)[0]] > 1 else rel.rsplit(".", 1)[0] for rel in rels}


def _hash_entry(rel: str, digest: str) -> bytes:
    return rel.encode() + b"\0" + digest.encode()


def read_file(path: Path) -> tuple[bytes | None, str]:
    """(bytes, sha256) of a file, or (None, a one-line reason) when it cannot be read."""
    try:  # non-blocking: a file swapped for a pipe since it was listed must not hang us
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None, "not a regular file; not read"
            data = f.read()
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or type(exc).__name__})"
    return data, hashlib.sha256(data).hexdigest()


def file_hashes(folder: Path, max_bytes: int | None = None) -> dict[str, str]:
    """sha256 of every file's bytes, or why it is not read, by path in the folder."""
    folder = Path(folder)
    listing = list_corpus(folder, max_bytes)
    return {**{p.relative_to(folder).as_posix(): read_file(p)[1] for p in listing.files},
            **listing.skipped}  # fmt: skip


def corpus_hash(
    folder: Path, hashes: dict[str, str] | None = None, max_bytes: int | None = None
) -> str:
    """One digest of the profile and every entry: what a staleness check needs."""
    folder = Path(folder)
    hashes = file_hashes(folder, max_bytes) if hashes is None else hashes
    digest = hashlib.sha256(PROFILE_FILE.encode() + b"\0" + profile_bytes(folder))
    for rel in sorted(hashes):
        digest.update(_hash_entry(rel, hashes[rel]))
    return digest.hexdigest()


def load_document(
    rel: str, doc_id: str, data: bytes, profile: CorpusProfile
) -> tuple[Document, CleanText]:
    """Extract, clean and describe one file; :class:`Unreadable` when it has no text."""
    extracted = extract(rel, data)
    meta = {**extracted.meta, **profile.documents.get(rel, {})}
    ct = clean_text(extracted.text)
    if not ct.text.strip():
        raise Unreadable("no text left after cleaning")
    facets = infer_facets(extracted.text, meta, extracted.format, ct.text, rel, profile)
    doc = Document(
        id=doc_id,
        path=rel,
        title=facets.title,
        kind=facets.kind,
        year=facets.year,
        text=extracted.text,
        truncated=looks_truncated(ct),
        format=extracted.format,
        version=facets.version,
        pages=extracted.pages,
        size=len(data),
        headings=extracted.headings,
    )
    return doc, ct


def load_corpus(folder: Path, max_bytes: int | None = None) -> LoadedCorpus:
    """Read every document under ``folder``; skip (and report) the ones that cannot be read."""
    folder = Path(folder)
    profile = load_profile(folder)
    listing = list_corpus(folder, max_bytes)
    rels = listing.rel(folder)
    ids = document_ids(rels)
    documents: list[Document] = []
    cleaned: dict[str, CleanText] = {}
    skipped: list[tuple[str, str]] = list(listing.skipped.items())
    hashes: dict[str, str] = dict(listing.skipped)
    for path, rel in zip(listing.files, rels):
        data, hashes[rel] = read_file(path)
        if data is None:
            skipped.append((rel, hashes[rel]))
            continue
        try:
            doc, ct = load_document(rel, ids[rel], data, profile)
        except Unreadable as exc:
            skipped.append((rel, str(exc)))
            continue
        documents.append(doc)
        cleaned[doc.id] = ct
    return LoadedCorpus(documents, cleaned, sorted(skipped), corpus_hash(folder, hashes), hashes)
