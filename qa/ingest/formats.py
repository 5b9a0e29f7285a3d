"""Turn one file's bytes into plain text: PDF, Word, HTML, Markdown or text.

A PDF loses its running headers and footers (lines that recur at a page edge, numbers
aside) and its table-of-contents leader lines, which only add noise to passages.

Each reader returns an :class:`Extracted`: the text a reader would read, with paragraphs
separated by blank lines, plus what the file says about itself (title, date, version) and,
for paged formats, where each page starts. Offsets everywhere else point into this text.

Libraries (see README, "Formats"): pypdf for PDF text layers, python-docx for Word,
trafilatura for the main text of a web page (navigation, scripts and styles dropped),
python-frontmatter for Markdown front matter. A file that cannot be read raises
:class:`Unreadable` with a one-line reason.

>>> ex = extract("notes.md", b"---\\ntitle: Release notes\\nversion: 2.1\\n---\\nFixed a bug.")
>>> ex.text, ex.meta["title"], ex.meta["version"], ex.format
('Fixed a bug.', 'Release notes', 2.1, 'markdown')
>>> try:
...     extract("a.txt", b"")
... except Unreadable as exc:
...     print(exc)
empty file
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from qa.ingest.extracted import Extracted, Unreadable
from qa.ingest.webpage import read_html

__all__ = [
    "SUFFIXES", "Extracted", "Unreadable", "extract", "page_furniture", "reader_warnings",
    "warned",
]  # fmt: skip

# Format libraries that log their complaints about a file instead of raising.
_LIBRARY_LOGGERS = ("pypdf",)


# Lower-case line-end hyphenation in a PDF's text layer: "docu-\nment" → "document".
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
# A table of contents or index line: "Header file libtasn1.h . . . . . . 4".
_LEADER = re.compile(r"(?:\s?\.){6,}")


def page_furniture(pages: list[str], edge: int = 2) -> set[str]:
    """Lines that recur at the top or bottom of many pages once their numbers are ignored:
    running headers and footers ("Chapter 4: Function reference 20"), keyed without digits.

    >>> pages = [f"Manual {n}\\nOn {c}.\\nMore on {c}.\\nPage {n}" for n, c in enumerate("abcd")]
    >>> sorted(page_furniture(pages))
    ['Manual #', 'Page #']
    """
    counts: dict[str, int] = {}
    for page in pages:
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        keys = {_furniture_key(ln) for ln in lines[:edge] + lines[-edge:]}
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    least = max(3, len(pages) // 3)
    return {key for key, n in counts.items() if n >= least}


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


def _strip_page(text: str, furniture: set[str]) -> str:
    """A page without its running header/footer lines and table-of-contents leader lines."""
    lines = text.splitlines()
    keep = [
        ln for i, ln in enumerate(lines)
        if not _LEADER.search(ln)
        and not ((i < 2 or i >= len(lines) - 2) and _furniture_key(ln) in furniture)
    ]  # fmt: skip
    return "\n".join(keep).strip()


def _decode(data: bytes) -> str:
    if not data.strip():
        raise Unreadable("empty file")
    if b"\x00" in data:
        raise Unreadable("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise Unreadable("empty file")
    return text.replace("\r\n", "\n")


def read_text(data: bytes) -> Extracted:
    """Plain text, as it is."""
    return Extracted(_decode(data), "text")


def read_markdown(data: bytes) -> Extracted:
    """Markdown; a YAML front matter block gives metadata and is left out of the text."""
    import frontmatter

    text = _decode(data)
    meta: dict[str, Any] = {}
    if text.startswith("---"):
        try:
            post = frontmatter.loads(text)
        except Exception:  # not YAML: a horizontal rule, most likely; keep it all as text
            post = None
        if post is not None and isinstance(post.metadata, dict) and post.metadata:
            meta = {k: v for k, v in post.metadata.items() if v is not None}
            text = post.content
        if not text.strip():
            raise Unreadable("no text after the front matter")
    return Extracted(text, "markdown", meta, headings=markdown_headings(text))


_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


def markdown_headings(text: str) -> tuple[tuple[int, int, str], ...]:
    """``(offset, level, title)`` of each ``#`` heading line (not inside a code fence).

    >>> markdown_headings("# Guide\\n\\nIntro.\\n\\n```\\n# not a heading\\n```\\n## Install")
    ((0, 1, 'Guide'), (41, 2, 'Install'))
    """
    fences = [m.start() for m in re.finditer(r"^```", text, re.M)]
    out = []
    for m in _MD_HEADING.finditer(text):
        inside = sum(f < m.start() for f in fences) % 2 == 1
        if not inside:
            out.append((m.start(), len(m.group(1)), m.group(2).strip()))
    return tuple(out)


def read_pdf(data: bytes) -> Extracted:
    """The PDF's text layer, page by page; pages are separated by a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF (needs a password)")
        raw = [(page.extract_text() or "").strip() for page in reader.pages]
        furniture = page_furniture(raw)
        pages: list[int] = []
        parts: list[str] = []
        pos = 0
        for page_text in raw:
            page_text = _HYPHEN_BREAK.sub("", _strip_page(page_text, furniture))
            pages.append(pos)
            parts.append(page_text)
            pos += len(page_text) + 2
        title = reader.metadata.title if reader.metadata else None
        outline = _outline(reader)
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise Unreadable(f"not a readable PDF ({str(exc).splitlines()[0][:80]})") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise Unreadable(f"damaged PDF ({type(exc).__name__})") from None
    text = "\n\n".join(parts)
    if len(text.split()) < 5:
        raise Unreadable("no text layer (a scanned PDF?)")
    meta = {"title": title} if isinstance(title, str) and title.strip() else {}
    headings = _place_outline(outline, text, pages)
    return Extracted(text, "pdf", meta, tuple(pages), headings)


def _outline(reader: Any) -> list[tuple[int, int, str]]:
    """(0-based page, level, title) of each entry of the PDF's outline (bookmarks)."""
    out: list[tuple[int, int, str]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a bookmark to nowhere: no place to put it
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and page is not None and page >= 0:
                out.append((page, level, title))

    try:
        walk(reader.outline, 1)
    except Exception:  # a damaged outline costs the headings, not the text
        return []
    return out


def _place_outline(
    outline: list[tuple[int, int, str]], text: str, pages: list[int]
) -> tuple[tuple[int, int, str], ...]:
    """Each outline entry placed where its title stands on its page (else the page start)."""
    out = []
    for page, level, title in outline:
        if page >= len(pages):
            continue
        start = pages[page]
        end = pages[page + 1] if page + 1 < len(pages) else len(text)
        words = [re.escape(w) for w in title.split()[:8]]
        m = re.search(r"\s*".join(words), text[start:end]) if words else None
        out.append((start + m.start() if m else start, level, title))
    out.sort(key=lambda h: h[0])
    return tuple(out)


def read_docx(data: bytes) -> Extracted:
    """A Word file's paragraphs and table rows, in order; its core title if set."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return _docx_text(docx.Document(io.BytesIO(data)))
    except Unreadable:
        raise
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable(f"not a readable .docx file ({str(exc)[:80]})") from None
    except Exception as exc:  # a damaged part (cut-off XML, …)
        raise Unreadable(f"damaged Word file ({type(exc).__name__})") from None


def _docx_text(document: Any) -> Extracted:
    import docx

    blocks: list[str] = []
    marks: list[tuple[int, int, str]] = []
    pos = 0
    title = ""
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            for row in item.rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                if cells:
                    blocks.append(" | ".join(cells))
                    pos += len(blocks[-1]) + 2
            continue
        line = item.text.strip()
        if not line:
            continue
        style = item.style.name if item.style is not None else ""
        if not title and style in ("Title", "Heading 1"):
            title = line
        level = _docx_level(style)
        if level:
            marks.append((pos, level, line))
        blocks.append(line)
        pos += len(line) + 2
    if not blocks:
        raise Unreadable("no text in the Word file")
    props = document.core_properties
    meta: dict[str, Any] = {"title": props.title or title}
    if props.version:
        meta["version"] = props.version
    meta = {k: v for k, v in meta.items() if v}
    return Extracted("\n\n".join(blocks), "docx", meta, headings=tuple(marks))


def _docx_level(style: str) -> int:
    """1 for "Title" and "Heading 1", N for "Heading N", else 0 (not a heading)."""
    if style == "Title":
        return 1
    m = re.fullmatch(r"Heading (\d)", style)
    return int(m.group(1)) if m else 0


READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
}
SUFFIXES = tuple(READERS)


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


@contextmanager
def reader_warnings() -> Iterator[list[str]]:
    """The warnings format libraries log while reading (pypdf: "Error -3 while
    decompressing data" on a damaged stream, whose text is then missing), collected
    instead of printed bare, so that the caller can say which file they concern.

    >>> import logging
    >>> with reader_warnings() as notes:
    ...     logging.getLogger("pypdf._reader").warning("bad stream")
    >>> notes
    ['bad stream']
    """
    notes: list[str] = []
    handler = _Collect(notes)
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    before = [lg.propagate for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
    try:
        yield notes
    finally:
        for lg, propagate in zip(loggers, before):
            lg.removeHandler(handler)
            lg.propagate = propagate


def warned(rel: str, notes: list[str]) -> str:
    """One line for a file the reader complained about.

    >>> warned("a.pdf", ["Error -3", "Error -3", "bad xref"])
    'warning: a.pdf was read with 3 complaints from its reader (Error -3; bad xref): \
some of its text may be missing'
    """
    kinds = "; ".join(dict.fromkeys(n.splitlines()[0][:80] for n in notes))
    many = f"{len(notes)} complaints" if len(notes) > 1 else "a complaint"
    return (
        f"warning: {rel} was read with {many} from its reader ({kinds}): "
        "some of its text may be missing"
    )


def extract(name: str | PurePath, data: bytes) -> Extracted:
    """The text of a file called ``name`` holding ``data``; :class:`Unreadable` if none."""
    suffix = PurePath(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    if not data.strip():
        raise Unreadable("empty file")
    return reader(data)
