"""Clean a document's text for indexing without losing the way back to the original.

Every edit keeps an ``origin`` map: ``origin[i]`` is the index in the original file of cleaned
character ``i``, so any span of cleaned text can be located in the untouched file.

>>> c = clean_text("Hi <u>there</u>, see [the report](#).")
>>> c.text
'Hi there, see the report.'
>>> c.original_span(c.text.index("the report"), c.text.index("the report") + 10)
(22, 32)
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus, for each of its characters, its index in the original."""

    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the cleaned span ``[start, end)`` to a span of the original text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad span {start}:{end} for text of length {len(self.text)}")
        return self.origin[start], self.origin[end - 1] + 1

    def within(self, start: int, end: int) -> str:
        """The cleaned characters that come from original span ``[start, end)``."""
        return "".join(ch for ch, o in zip(self.text, self.origin) if start <= o < end)


def substitute(
    ct: CleanText, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]
) -> CleanText:
    """``re.sub`` that keeps the origin map; inserted characters map to the match start, and
    a match replaced by itself keeps its exact origins."""
    parts: list[str] = []
    origin: list[int] = []
    pos = 0
    for m in pattern.finditer(ct.text):
        new = repl(m) if callable(repl) else repl
        if new == m.group(0):
            continue
        parts.append(ct.text[pos : m.start()])
        origin.extend(ct.origin[pos : m.start()])
        anchor = ct.origin[m.start()] if m.start() < len(ct.origin) else ct.origin[-1]
        parts.append(new)
        origin.extend([anchor] * len(new))
        pos = m.end()
    parts.append(ct.text[pos:])
    origin.extend(ct.origin[pos:])
    return CleanText("".join(parts), tuple(origin))


_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|div|br|tr|td|th|table|h\d)\b[^>]*>", re.I)
# Only layout and emphasis tags are markup; anything else (<script>…) is the text's own
# content and is kept, to be shown escaped.
_INLINE_TAG = re.compile(
    r"</?(?:u|b|i|em|strong|span|a|sup|sub|font|small|mark|s|strike)\b[^>\n]*>", re.I
)
_ENTITY = re.compile(r"&(?:[a-z]{2,8}|#\d{2,5});", re.I)
_BULLET = re.compile(r"[▪•●◦]")
_LINK_OPEN = re.compile(r"\[(?=[^\[\]\n]*\]\([^()\n]*\))")
_LINK_CLOSE = re.compile(r"\]\([^()\n]*\)")
_EMPHASIS = re.compile(r"\*{1,3}")
_SUPERSCRIPT = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]")
_SIGNATURE = re.compile(r"^[ \t]*A handwritten signature\b[^\n]*", re.M)
_LINE = re.compile(r"^[ \t]*(\S[^\n]*?)[ \t]*$", re.M)


def repeated_lines(text: str, min_count: int = 3, max_words: int = 15) -> set[str]:
    """Short lines that recur ``min_count`` times or more: running page headers or footers."""
    counts = Counter(
        m.group(1)
        for m in _LINE.finditer(text)
        if len(m.group(1).split()) <= max_words and not m.group(1).endswith((".", ";", ","))
    )
    return {line for line, n in counts.items() if n >= min_count}


def drop_repeats(ct: CleanText, lines: set[str]) -> CleanText:
    """Remove every occurrence of each line in ``lines`` but its first."""
    seen: set[str] = set()

    def repl(m: re.Match[str]) -> str:
        line = m.group(1)
        if line not in lines:
            return m.group(0)
        if line in seen:
            return ""
        seen.add(line)
        return m.group(0)

    # A removed header leaves its blank lines: harmless, paragraph joining handles the gap.
    return substitute(ct, _LINE, repl)


def clean_text(text: str) -> CleanText:
    """Remove markup and page furniture from ``text``; keep every word a reader would read.

    HTML tags become line breaks (block tags) or nothing (inline tags), entities are decoded,
    markdown links keep their text and lose their (often empty) targets, emphasis markers and
    footnote superscripts go, a transcriber's description of a handwritten signature becomes
    "(signed)", and a short line that recurs three times or more (a running page header) is
    kept only the first time.
    """
    ct = CleanText(text, tuple(range(len(text))))
    headers = repeated_lines(text)
    if headers:
        ct = drop_repeats(ct, headers)
    ct = substitute(ct, _BLOCK_TAG, "\n")
    ct = substitute(ct, _INLINE_TAG, "")
    ct = substitute(ct, _ENTITY, lambda m: html.unescape(m.group(0)))
    ct = substitute(ct, _BULLET, "")
    ct = substitute(ct, _LINK_OPEN, "")
    ct = substitute(ct, _LINK_CLOSE, "")
    ct = substitute(ct, _EMPHASIS, "")
    ct = substitute(ct, _SUPERSCRIPT, "")
    ct = substitute(ct, _SIGNATURE, "(signed)")
    return ct


# A paragraph ends at a blank line, or at a line break before a numbered paragraph.
_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*|\n(?=[ \t]*\d{1,3}\.\s)")
_TERMINAL = (".", "!", "?", '"', "”", "’", ")")
_NUMBERED = re.compile(r"^\d{1,3}\.\s")


def paragraphs(ct: CleanText, long_words: int = 25) -> list[tuple[int, int]]:
    """Spans of the cleaned text's paragraphs, with page-broken paragraphs joined again.

    A block of ``long_words`` or more that ends without terminal punctuation, followed by a
    block that does not start a numbered paragraph, is one paragraph cut by a page break.

    >>> t = clean_text("1. A long sentence that was cut by a page break in the middle of\\n\\n"
    ...                "the text. 2. Next.\\n\\nHeading\\n\\nBody.")
    >>> [t.text[s:e] for s, e in paragraphs(t, long_words=5)]
    ['1. A long sentence that was cut by a page break in the middle of\\n\\nthe text. 2. Next.', \
'Heading', 'Body.']
    """
    blocks: list[tuple[int, int]] = []
    pos = 0
    text = ct.text
    for m in _BLANK.finditer(text):
        if text[pos : m.start()].strip():
            blocks.append(_strip_span(text, pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        blocks.append(_strip_span(text, pos, len(text)))
    joined: list[tuple[int, int]] = []
    for start, end in blocks:
        if joined:
            p_start, p_end = joined[-1]
            prev = text[p_start:p_end]
            if (
                len(prev.split()) >= long_words
                and not prev.endswith(_TERMINAL)
                and not _NUMBERED.match(text[start:end])
            ):
                joined[-1] = (p_start, end)
                continue
        joined.append((start, end))
    return joined


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def looks_truncated(ct: CleanText, long_words: int = 25) -> bool:
    """True when the last paragraph is prose (not a table) that stops mid-sentence."""
    spans = paragraphs(ct, long_words)
    if not spans:
        return False
    last = ct.text[spans[-1][0] : spans[-1][1]]
    words = last.split()
    return (
        len(words) >= long_words
        and "\t" not in last
        and words[-1][:1].islower()
        and not last.endswith(_TERMINAL)
    )
