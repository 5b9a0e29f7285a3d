"""What a document says about itself: title, kind, and a date (year) or version.

Sources, strongest first: the corpus folder's ``corpus.toml`` entry for the file
(``[documents."manual.pdf"]``), the file's own metadata (Markdown front matter, a PDF's or
Word file's title property, an HTML <title>), then the text itself. Nothing here knows any
one corpus: phrases that tell a kind of record come from the profile's ``kinds``, phrases
that name a year from its ``year_phrases``.

>>> f = infer_facets("**Minutes**\\n\\nHeld on 3 May 2019. Version 1.2 of the rules.", {}, "text")
>>> f.title, f.year, f.version, f.kind
('Minutes', 2019, '1.2', 'text')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from qa.profile import CorpusProfile
from qa.text.patterns import MONTHS, YEAR, YEAR_RE

_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+(?:{MONTHS})|(?:{MONTHS})\s+\d{{1,2}},?)\s+({YEAR})\b")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_HEADING = re.compile(r"^#{1,3}\s+(.+)$", re.M)
# "Version 2.0", "version 3", "Release 4.19", "v1.2.0": in a document's head or a question.
VERSION = re.compile(r"\b(?:version|release|v)\.?\s?(\d+(?:\.\d+){0,3})\b(?![.,]\d)", re.I)
_FORMAT_KINDS = {
    "pdf": "PDF document",
    "docx": "Word document",
    "html": "web page",
    "markdown": "text",
    "text": "text",
}


@dataclass(frozen=True)
class Facets:
    title: str
    kind: str
    year: int | None
    version: str | None


def infer_year(text: str, profile: CorpusProfile | None = None) -> int | None:
    """The year a document belongs to: the most frequent year among its full dates.

    Falls back to a year phrase from the corpus profile. A bare four-digit number is no
    date ("the 2018 edition", "port 2049"), so a text without a full date has no year.
    A stray wrong date (a typo) is outvoted by the rest.

    >>> infer_year("Met 8 September 2014 and 9 September 2014; see 1 May 2013.")
    2014
    >>> infer_year("Released June 29, 2007.")
    2007
    """
    dates = Counter(int(y) for y in _DATE.findall(text))
    if dates:
        return max(dates, key=lambda y: (dates[y], y))
    if profile:
        named = profile.years_named(text[:4000])
        if named:
            return named[0]
    return None


def infer_version(text: str) -> str | None:
    """A version or release number stated near the top of the text.

    >>> infer_version("Mozilla Public License Version 2.0")
    '2.0'
    >>> infer_version("Signed in 2014.") is None
    True
    """
    m = VERSION.search(text[:1500])
    return m.group(1) if m else None


def infer_kind(text: str, fmt: str, profile: CorpusProfile | None = None) -> str:
    """The first of the profile's kinds whose phrases occur near the top, else the format.

    >>> infer_kind("Minutes of the board", "pdf", CorpusProfile(kinds={"minutes": ["minutes"]}))
    'minutes'
    >>> infer_kind("Minutes of the board", "pdf")
    'PDF document'
    """
    head = text[:4000].lower().replace("’", "'")
    for kind, phrases in (profile.kinds if profile else {}).items():
        if any(p.lower() in head for p in phrases):
            return kind
    return _FORMAT_KINDS.get(fmt, "document")


def infer_title(text: str, cleaned: str, fallback: str) -> str:
    """The first bold or '#' heading, else the first non-empty line, else the file name."""
    heads = [m for m in (_BOLD.search(text[:3000]), _HEADING.search(text[:3000])) if m]
    if heads:
        first = min(heads, key=lambda m: m.start())
        return " ".join(first.group(1).split())[:300]
    for line in cleaned.splitlines():
        if line.strip():
            return " ".join(line.split())[:300]
    return fallback


def _year_of(value: Any) -> int | None:
    if isinstance(value, datetime | date):
        return value.year
    m = YEAR_RE.search(str(value))
    return int(m.group(1)) if m else None


def infer_facets(
    text: str,
    meta: dict[str, Any],
    fmt: str,
    cleaned: str | None = None,
    fallback: str = "",
    profile: CorpusProfile | None = None,
) -> Facets:
    """Facets from ``meta`` (sidecar and file metadata, merged) where given, else the text."""
    title = str(meta.get("title") or "").strip() or infer_title(
        text, cleaned if cleaned is not None else text, fallback
    )
    kind = str(meta.get("kind") or "") or infer_kind(text, fmt, profile)
    year = None
    for key in ("year", "date"):
        if meta.get(key) is not None:
            year = _year_of(meta[key])
            break
    else:
        year = infer_year(text, profile)
    version = meta.get("version")
    version = str(version) if version is not None else infer_version(text)
    return Facets(" ".join(title.split())[:300], kind, year, version)
