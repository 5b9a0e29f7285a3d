"""Build the reply from verified quotes: the evidence speaks, the model's lead only if checked.

A reply is a list of :class:`Claim`: each is a short lead sentence (or none) plus the verbatim
quote that backs it, tied to a retrieved passage. The text the reader sees puts each quote
right under its lead, with the same ``[n]``, so every sentence can be checked at a glance:

>>> from qa.records import Hit, Passage
>>> p = Passage("d#0", "d", "d.txt", 2017, 0, "73 Member States spoke. The EU spoke too.",
...             0, 41, None, ((0, 23), (24, 41)))
>>> text, cites = reply_text([Claim("73 States spoke", 0, "73 Member States spoke.")], [Hit(p, 1)])
>>> print(text)
73 States spoke [1]: “73 Member States spoke.” [1]
>>> cites[0].quote
'73 Member States spoke.'
"""

from __future__ import annotations

import re

from qa.records import Citation, Document, Hit
from qa.verify import Claim


def reply_text(
    claims: list[Claim], hits: list[Hit], documents: dict[str, Document] | None = None
) -> tuple[str, list[Citation]]:
    """The reply's text and its citations: one per quote, numbered in order of first use.

    A claim with a lead reads ``lead [n]: “quote” [n]``; one without reads ``“quote” [n]``.
    The same quote is shown once.
    """
    numbers: dict[tuple[int, str], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for claim in claims:
        key = (claim.source, claim.quote)
        quote = ""
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(
                _citation(numbers[key], hits[claim.source], claim.quote, documents or {})
            )
            quote = f"“{claim.quote.strip()}” [{numbers[key]}]"
        n = numbers[key]
        lead = claim.text.strip().rstrip(".:;,")
        if lead and quote:
            lines.append(f"{lead} [{n}]: {quote}")
        elif lead:
            lines.append(f"{lead} [{n}].")
        elif quote:
            lines.append(quote)
    return "\n".join(lines), citations


def _citation(n: int, hit: Hit, quote: str, documents: dict[str, Document]) -> Citation:
    p = hit.passage
    doc = documents.get(p.doc_id)
    start, end = locate_quote(doc, p.char_start, p.char_end, quote)
    page = doc.page_at(start) if doc is not None and start is not None else p.page
    return Citation(
        n=n, passage_id=p.id, doc=p.doc, year=p.year, text=p.text, quote=quote,
        char_start=p.char_start, char_end=p.char_end, quote_start=start, quote_end=end,
        page=page,
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
