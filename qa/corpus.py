"""Load a folder of text documents: read, validate, clean, and describe each one.

A file that is empty, binary or not UTF-8 is skipped with a one-line reason; the rest load.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_text("**Dialogue on X**\\n\\nNew York, 8 September 2014\\n\\nText.")
>>> _ = (d / "b.txt").write_bytes(b"")
>>> loaded = load_corpus(d)
>>> [(doc.id, doc.title, doc.year) for doc in loaded.documents]
[('a', 'Dialogue on X', 2014)]
>>> loaded.skipped
[('b.txt', 'empty file')]
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qa.clean import CleanText, clean_text, looks_truncated
from qa.profile import FILE as PROFILE_FILE
from qa.profile import profile_bytes
from qa.records import Document

SUFFIXES = (".txt", ".md")

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\s+((?:19|20)\d\d)\b")
_SESSION = re.compile(r"\b(\d{2,3})(?:st|nd|rd|th)\s+Session\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


class CorpusError(Exception):
    """The corpus folder cannot be used at all (missing, not a folder, no documents)."""


@dataclass(frozen=True)
class LoadedCorpus:
    """The documents that loaded, their cleaned texts, and the files skipped, with reasons."""

    documents: list[Document]
    cleaned: dict[str, CleanText]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    content_hash: str = ""


def session_year(session: int) -> int:
    """The calendar year in which a General Assembly session's September dialogue fell.

    The Nth session opens in September of 1945+N and closes the next September.

    >>> session_year(68), session_year(71)
    (2014, 2017)
    """
    return 1946 + session


def infer_year(text: str) -> int | None:
    """The year a document belongs to: the most frequent year among its full dates.

    Falls back to an "Nth Session" mention, then to the most frequent four-digit year.
    A stray wrong date (a typo) is outvoted by the rest.
    """
    dates = Counter(int(y) for y in _DATE.findall(text))
    if dates:
        return max(dates, key=lambda y: (dates[y], y))
    session = _SESSION.search(text)
    if session:
        return session_year(int(session.group(1)))
    years = Counter(int(y) for y in _YEAR.findall(text))
    return max(years, key=lambda y: (years[y], y)) if years else None


def infer_kind(text: str) -> str:
    """A short label for what kind of record the document is."""
    head = text[:4000].lower().replace("’", "'")
    if "president's summary" in head:
        return "president's summary"
    if "concept note" in head or "information note" in head:
        return "invitation letter and concept note"
    if "summary" in head[:400] and ("coalition" in head or "civil society" in head):
        return "civil-society summary"
    if "excellency" in head[:1500]:
        return "letter"
    return "document"


def infer_title(text: str, cleaned: str, fallback: str) -> str:
    """The first bold heading, else the first non-empty line, else the file name."""
    bold = _BOLD.search(text[:3000])
    if bold:
        return " ".join(bold.group(1).split())[:300]
    for line in cleaned.splitlines():
        if line.strip():
            return " ".join(line.split())[:300]
    return fallback


def decode(path: Path, data: bytes) -> str:
    """Decode a file's bytes as UTF-8 text, or raise ValueError with a short reason."""
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise ValueError("empty file")
    return text


def corpus_files(folder: Path) -> list[Path]:
    """The .txt/.md files under ``folder``, sorted, hidden ones left out."""
    if not folder.exists():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"corpus path is not a folder: {folder}")
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _hash_entry(rel: str, data: bytes) -> bytes:
    return rel.encode() + b"\0" + hashlib.sha256(data).digest()


def corpus_hash(folder: Path) -> str:
    """The content hash :func:`load_corpus` reports, without decoding or cleaning anything:
    what a staleness check needs."""
    folder = Path(folder)
    digest = hashlib.sha256(_hash_entry(PROFILE_FILE, profile_bytes(folder)))
    for path in corpus_files(folder):
        digest.update(_hash_entry(path.relative_to(folder).as_posix(), path.read_bytes()))
    return digest.hexdigest()


def load_corpus(folder: Path) -> LoadedCorpus:
    """Read every document under ``folder``; skip (and report) the ones that cannot be read."""
    folder = Path(folder)
    digest = hashlib.sha256(_hash_entry(PROFILE_FILE, profile_bytes(folder)))
    documents: list[Document] = []
    cleaned: dict[str, CleanText] = {}
    skipped: list[tuple[str, str]] = []
    for path in corpus_files(folder):
        rel = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        digest.update(_hash_entry(rel, data))
        try:
            text = decode(path, data)
        except ValueError as exc:
            skipped.append((rel, str(exc)))
            continue
        ct = clean_text(text)
        doc_id = rel.rsplit(".", 1)[0]
        documents.append(
            Document(
                id=doc_id,
                path=rel,
                title=infer_title(text, ct.text, rel),
                kind=infer_kind(ct.text),
                year=infer_year(ct.text),
                text=text,
                truncated=looks_truncated(ct),
            )
        )
        cleaned[doc_id] = ct
    return LoadedCorpus(documents, cleaned, skipped, digest.hexdigest())
