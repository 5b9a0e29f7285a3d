"""Build the reply from verified quotes: the sentences of the documents that state the answer.

A reply is a list of :class:`Claim`: each is a verbatim quote tied to a retrieved passage,
with an optional lead (a comparison's year, a premise's correction). The text the reader sees
is those sentences, whole, each with its ``[n]``, so every sentence can be checked at a
glance:

>>> from qa.records import Hit, Passage
>>> p = Passage("d#0", "d", "d.txt", 2017, 0, "73 Member States spoke. The EU spoke too.",
...             0, 41, None, ((0, 23), (24, 41)))
>>> text, cites = reply_text([Claim("73 States spoke", 0, "73 Member States spoke.")], [Hit(p, 1)])
>>> print(text)
73 States spoke: “73 Member States spoke.” [1]
>>> cites[0].quote
'73 Member States spoke.'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.answer.verify import Claim
from qa.records import Citation, Document, Hit


def reply_text(
    claims: list[Claim], hits: list[Hit], source: Callable[[str], Document | None] | None = None
) -> tuple[str, list[Citation]]:
    """The reply's text and its citations: one per quote, numbered in order of first use.

    Each line is one verbatim sentence that answers, whole, with its marker: ``“quote” [n]``,
    or ``lead: “quote” [n]`` where a claim has a lead (a year of a comparison, a correction
    of a premise). The same quote is shown once.
    """
    numbers: dict[tuple[int, str], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for claim in claims:
        key = (claim.source, claim.quote)
        lead = claim.text.strip().rstrip(".:;,")
        if key in numbers:
            if lead:
                lines.append(f"{lead} [{numbers[key]}].")
            continue
        numbers[key] = len(numbers) + 1
        citations.append(_citation(numbers[key], hits[claim.source], claim.quote, source))
        quote = f"“{claim.quote.strip()}” [{numbers[key]}]"
        lines.append(f"{lead}: {quote}" if lead else quote)
    return "\n".join(lines), citations


def _citation(
    n: int, hit: Hit, quote: str, source: Callable[[str], Document | None] | None
) -> Citation:
    p = hit.passage
    doc = source(p.doc_id) if source else None
    start, end = locate_quote(doc, p.char_start, p.char_end, quote)
    page = doc.page_at(start) if doc is not None and start is not None else p.page
    return Citation(
        n=n, passage_id=p.id, doc=p.doc, year=p.year, text=p.text, quote=quote,
        char_start=p.char_start, char_end=p.char_end, quote_start=start, quote_end=end,
        page=page, title=doc.title if doc is not None else "", section=p.heading,
    )  # fmt: skip


def locate_quote(
    doc: Document | None, start: int, end: int, quote: str
) -> tuple[int | None, int | None]:
    """The quote's span in the original file (white space and markup may differ there)."""
    words = quote.split()
    if doc is None or not words:
        return None, None
    pattern = r"\W*".join(re.escape(w) for w in words)
    m = re.search(pattern, doc.text[start:end])
    if not m:
        return None, None
    return start + m.start(), start + m.end()
