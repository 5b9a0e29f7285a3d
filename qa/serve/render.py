"""HTML and Markdown for showing answers: every piece of corpus or model text is escaped.

>>> from qa.records import Citation
>>> c = Citation(1, "d#0", "d.txt", 2016, "Say <script>x</script> here.", "<script>x</script>",
...              0, 27)
>>> "&lt;script&gt;" in source_html([c], {}) and "<script>" not in source_html([c], {})
True
"""

from __future__ import annotations

import html

from qa.records import Answer, Citation, Reason


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
        title = c.title or titles.get(c.passage_id.split("#")[0], c.doc)
        section = f" — {html.escape(c.section)}" if c.section else ""
        cards.append(
            f"<div class='qa-source' id='source-{c.n}'>"
            f"<div class='qa-source-head'><b>[{c.n}]</b> {html.escape(title)}{section}"
            f"{''.join(f' · {w}' for w in _where(c.year, c.page))}</div>"
            f"<blockquote class='qa-quote'>“{html.escape(c.quote)}”</blockquote>"
            f"<details><summary>Show the passage in its document</summary>"
            f"<p class='qa-passage'>{highlighted(c.text, c.quote)}</p></details></div>"
        )
    return "\n".join(cards)


def _where(year: int | None, page: int | None) -> list[str]:
    """["2016", "p. 7"]: the parts a reader needs to find the quote, those that exist."""
    return [str(year)] * (year is not None) + [f"p. {page}"] * (page is not None)


def evidence_html(evidence: list[dict], titles: dict[str, str] | None = None) -> str:
    """The evidence sentences, grouped under their sources, shown before the model's lead.

    >>> out = evidence_html([{"n": 1, "passage_id": "d#0", "year": 2016, "text": "A <b>."}],
    ...                      {"d": "Minutes"})
    >>> "<b>[1]</b> Minutes · 2016" in out and "“A &lt;b&gt;.”" in out
    True
    """
    if not evidence:
        return "<p class='qa-none'>No evidence found.</p>"
    cards: list[str] = []
    last = None
    for e in evidence:
        if (e["n"], e["passage_id"]) != last:
            last = (e["n"], e["passage_id"])
            doc_id = e["passage_id"].split("#")[0]
            title = (titles or {}).get(doc_id, e.get("doc", doc_id))
            where = "".join(f" · {w}" for w in _where(e.get("year"), e.get("page")))
            if cards:
                cards.append("</div>")
            cards.append(
                f"<div class='qa-source qa-evidence'><div class='qa-source-head'><b>[{e['n']}]"
                f"</b> {html.escape(title)}{where}</div>"
            )
        cards.append(f"<blockquote class='qa-quote'>“{html.escape(e['text'])}”</blockquote>")
    cards.append("</div>")
    return (
        "<p id='qa-evidence'><b>Evidence</b>: the best quotes found, with their sources. "
        "The answer is written from them.</p>" + "".join(cards)
    )


def answer_markdown(answer: Answer) -> str:
    """The chat message for a finished answer: escaped lines, each quote with its ``[n]``
    (the reply already holds the quotes; the Sources panel shows where they stand)."""
    lines = [html.escape(line) for line in answer.answer.splitlines() if line.strip()]
    if answer.abstained:
        lines[0] = f"⚠️ **Not answered from the corpus.** {lines[0]}"
    elif answer.reason == Reason.MODEL_UNAVAILABLE:
        lines[0] = f"⚠️ **The model is unavailable.** {lines[0]}"
    return "  \n".join(lines)
