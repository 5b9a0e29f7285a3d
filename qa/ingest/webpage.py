"""A web page's main text, one block a paragraph, with the headings that organise it.

trafilatura finds the main content (navigation, scripts, styles, footers dropped) and gives
it as XML blocks: paragraphs, list items, table rows, code, quotes, headings. Each block
becomes one paragraph of text with its white space folded (a paragraph hard-wrapped in the
page's source is one paragraph here, not one per source line), and a table row is one line
of ``cell | cell``, so an option stays beside its description.

trafilatura drops many section headings of generated manuals (texinfo, DocBook: measured on
the Cockpit guide, 26 of 304 headings kept; on the diffutils manual none), yet a technical
question often names exactly what a heading says ("client.wait()", "Hunks"). So every
``<h1>``–``<h6>`` of the page is put back before the first kept block that follows it in the
page; a heading whose section was dropped as boilerplate stays out. A short block that is
nearly all link text ("Next: Overview, Up: Index") is navigation and goes too.

>>> page = (b"<html><body><nav><a href='/'>Home</a></nav><h2><a name='x'></a>client.wait()</h2>"
...         b"<p>Wait for the client to\\n connect before it sends any message at all.</p>"
...         b"<h2>Other</h2><p>A second paragraph that says what the other call does.</p>"
...         b"</body></html>")
>>> ex = read_html(page)
>>> ex.text.split("\\n\\n")[:2]
['client.wait()', 'Wait for the client to connect before it sends any message at all.']
>>> [(level, title) for _, level, title in ex.headings]
[(2, 'client.wait()'), (2, 'Other')]
"""

from __future__ import annotations

import re
from typing import Any

from qa.ingest.extracted import Extracted, Unreadable

_LEAVES = {"p", "item", "row", "code", "quote", "head"}  # one block each
_LINK_SHARE = 0.6  # a block this much link text, and short, is navigation
_NAV_WORDS = 30


def _fold(text: str) -> str:
    return " ".join(text.split())


def _block_text(element: Any) -> str:
    """One block's text: a row's cells joined by " | ", code with its lines, else folded."""
    if element.tag == "row":
        cells = [_fold("".join(c.itertext())) for c in element if c.tag == "cell"]
        return " | ".join(c for c in cells if c)
    if element.tag == "code":
        lines = [ln.rstrip() for ln in "".join(element.itertext()).splitlines()]
        return "\n".join(ln for ln in lines if ln.strip())
    return _fold("".join(element.itertext()))


def _squeeze(text: str) -> str:
    """Letters and digits only, lower-cased: blocks and page text compared whatever their
    white space, table bars or punctuation."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _link_share(element: Any) -> float:
    total = len(_fold("".join(element.itertext())))
    linked = sum(len(_fold("".join(r.itertext()))) for r in element.iter("ref"))
    return linked / total if total else 0.0


def _level(rend: str) -> int:
    """A heading's level from trafilatura's ``rend="h3"`` (2 when it does not say)."""
    m = re.fullmatch(r"h([1-6])", rend)
    return int(m.group(1)) if m else 2


def _holds_blocks(element: Any) -> bool:
    """A list item or table row that holds headings, lists or tables: read its parts."""
    return any(d.tag in ("head", "list", "table") for d in element.iterdescendants())


def _blocks(xml: str) -> list[tuple[str, int]]:
    """(text, heading level or 0) for each block of trafilatura's XML, in order."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    out: list[tuple[str, int]] = []
    navigation: list[tuple[str, int]] = []

    def walk(element: Any) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in _LEAVES or (child.tag in ("item", "row") and _holds_blocks(child)):
                walk(child)
                continue
            text = _block_text(child)
            if not text:
                continue
            level = _level(child.get("rend", "")) if child.tag == "head" else 0
            if not level and _link_share(child) >= _LINK_SHARE and len(text.split()) <= _NAV_WORDS:
                navigation.append((text, level))
                continue
            out.append((text, level))

    main = root.find("main")
    walk(main if main is not None else root)
    return out or navigation


def _page_headings(data: bytes) -> tuple[str, list[tuple[int, str, str]]]:
    """The page's <title>, and (level, heading, the words that follow it) for each heading."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(data)
    except (ValueError, lxml_html.etree.ParserError):
        return "", []
    title = _fold(tree.findtext(".//title") or "")
    out = []
    for element in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        heading = _fold(element.text_content())
        if not heading:
            continue
        after: list[str] = []
        for piece in element.xpath("following::text()"):
            after += piece.split()
            if len(after) >= 12:
                break
        out.append((int(element.tag[1]), heading, " ".join(after)))
    return title, out


def _restore_headings(
    blocks: list[tuple[str, int]], headings: list[tuple[int, str, str]]
) -> list[tuple[str, int]]:
    """The blocks with each dropped heading put back before the kept block that follows it."""
    out = list(blocks)
    cursor = 0
    for level, heading, after in headings:
        found = next((i for i in range(cursor, len(out)) if out[i][0] == heading), None)
        if found is not None:
            out[found] = (heading, out[found][1] or level)
            cursor = found + 1
            continue
        probe = _squeeze(after)[:40]
        if len(probe) < 8:
            continue
        at = next((i for i in range(cursor, len(out)) if probe in _squeeze(out[i][0][:400])), None)
        if at is None:
            continue
        out.insert(at, (heading, level))
        cursor = at + 1
    return out


def read_html(data: bytes) -> Extracted:
    """A web page's main text: headings, paragraphs, lists and tables, no navigation,
    scripts or styles; its <title> (or the extractor's) and date when the page gives one."""
    import trafilatura

    if not data.strip():
        raise Unreadable("empty file")
    try:  # bytes: trafilatura detects the page's character set
        xml = trafilatura.extract(
            data, output_format="xml", include_tables=True, include_comments=False,
            include_links=True, favor_recall=True, deduplicate=False,
        )  # fmt: skip
    except Exception as exc:
        raise Unreadable(f"damaged web page ({type(exc).__name__})") from None
    blocks = _blocks(xml) if xml else []
    if sum(len(text.split()) for text, _ in blocks) < 5:
        raise Unreadable("no main text found in the web page")
    title, headings = _page_headings(data)
    blocks = _restore_headings(blocks, headings)
    meta: dict[str, Any] = {"title": title} if title else {}
    if "title" not in meta:
        try:
            found = trafilatura.extract_metadata(data)
        except Exception:  # the title is a nicety; the text is what counts
            found = None
        if found is not None and found.title:
            meta["title"] = found.title
    parts: list[str] = []
    marks: list[tuple[int, int, str]] = []
    pos = 0
    for text, level in blocks:
        if level:
            marks.append((pos, level, text))
        parts.append(text)
        pos += len(text) + 2
    return Extracted("\n\n".join(parts), "html", meta, headings=tuple(marks))
