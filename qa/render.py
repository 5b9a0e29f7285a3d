"""HTML and Markdown for showing answers: every piece of corpus or model text is escaped.

>>> from qa.records import Citation
>>> c = Citation(1, "d#0", "d.txt", 2016, "Say <script>x</script> here.", "<script>x</script>",
...              0, 27)
>>> "&lt;script&gt;" in source_html([c], {}) and "<script>" not in source_html([c], {})
True
"""

from __future__ import annotations

import html

from qa.records import Answer, Citation, Hit


def highlighted(text: str, quote: str) -> str:
    """The passage text, escaped, with the quote marked."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return html.escape(text)
    return (
        html.escape(text[:at])
        + "<mark>"
        + html.escape(quote)
        + "</mark>"
        + html.escape(text[at + len(quote) :])
    )


def source_html(citations: list[Citation], titles: dict[str, str]) -> str:
    """One card per citation: number, document title, year, the passage with the quote marked."""
    if not citations:
        return "<p class='qa-none'>No sources cited.</p>"
    cards = []
    for c in citations:
        title = titles.get(c.passage_id.split("#")[0], c.doc)
        cards.append(
            f"<div class='qa-source' id='source-{c.n}'>"
            f"<div class='qa-source-head'><b>[{c.n}]</b> {html.escape(title)} · "
            f"{''.join(f'{w} · ' for w in _where(c.year, c.page))}"
            f"<code>{html.escape(c.passage_id)}</code></div>"
            f"<blockquote class='qa-quote'>“{html.escape(c.quote)}”</blockquote>"
            f"<details><summary>Show the passage in its document</summary>"
            f"<p class='qa-passage'>{highlighted(c.text, c.quote)}</p></details></div>"
        )
    return "\n".join(cards)


def _where(year: int | None, page: int | None) -> list[str]:
    """["2016", "p. 7"]: the parts a reader needs to find the quote, those that exist."""
    return [str(year)] * (year is not None) + [f"p. {page}"] * (page is not None)


def retrieved_html(hits: list[Hit], titles: dict[str, str]) -> str:
    """What retrieval found, shown while the model is still writing."""
    if not hits:
        return "<p class='qa-none'>No passages found.</p>"
    rows = [
        f"<li>{html.escape(titles.get(h.passage.doc_id, h.passage.doc))} · "
        f"{' · '.join(_where(h.passage.year, h.passage.page))}: "
        f"{html.escape(h.passage.text[:160])}…</li>"
        for h in hits
    ]
    return (
        "<p><b>Reading these passages…</b></p><ol class='qa-retrieved'>" + "".join(rows) + "</ol>"
    )


def evidence_html(evidence: list[dict]) -> str:
    """The evidence sentences the model is reading, numbered, shown before its lead arrives.

    >>> evidence_html([{"n": 1, "passage_id": "d#0", "text": "A <b> quote."}]).split("<li>")[1]
    '[1] A &lt;b&gt; quote.</li></ol>'
    """
    if not evidence:
        return "<p class='qa-none'>No evidence found.</p>"
    rows = "".join(f"<li>[{e['n']}] {html.escape(e['text'])}</li>" for e in evidence)
    return (
        f"<p><b>Evidence</b> (the model is reading these):</p><ol class='qa-evidence'>{rows}</ol>"
    )


def answer_markdown(answer: Answer) -> str:
    """The chat message for a finished answer: escaped lines, each quote with its ``[n]``
    (the reply already holds the quotes; the Sources panel shows where they stand)."""
    lines = [html.escape(line) for line in answer.answer.splitlines() if line.strip()]
    if answer.abstained:
        lines[0] = f"⚠️ **Not answered from the corpus.** {lines[0]}"
    return "  \n".join(lines)
