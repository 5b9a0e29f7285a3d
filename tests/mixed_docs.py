"""A small mixed-format corpus written during the test run: a PDF and a Word file made by
libraries (fpdf2, python-docx), a web page with navigation and a script, and a text file.

Each fact sits in exactly one file, so a test can tell where an answer came from; the same
facts also exist as plain text (:data:`PLAIN`) to compare retrieval across formats.
"""

from __future__ import annotations

from pathlib import Path

PDF_PAGES = [
    "Harbour Pump Station Operations Manual. Version 3.2. This manual describes the daily "
    "operation of the harbour pump station and the duties of its operators.",
    "Maintenance. The backup diesel generator is tested under load every fourteen days by "
    "the duty electrician. Test results are written in the blue logbook kept in the control "
    "room.",
    "Safety. Operators must wear ear protection inside the turbine hall at all times. Visitors "
    "are escorted by a shift supervisor.",
]
DOCX_PARAGRAPHS = [
    "Minutes of the Water Board",
    "Held in Rotterdam on 4 March 2021.",
    "The board approved a budget of 2.4 million euros for the new filter hall. Construction "
    "is planned to start in the autumn.",
    "The board thanked the retiring treasurer, Mr. Pieter Smit, for twelve years of service.",
]
HTML_PAGE = """<!doctype html><html><head><title>Intake screen care</title>
<style>body { color: red; } .menu { display: flex; }</style>
<script>var trackingSecret = "do-not-index-this"; console.log(trackingSecret);</script>
</head><body>
<nav class="menu"><a href="/">Home</a> | <a href="/about">About the utility</a> |
<a href="/contact">Contact our press office</a></nav>
<main><article><h1>Caring for the intake screen</h1>
<p>The intake screen keeps river debris out of the pumps. It is cleaned by the night shift
every Tuesday, using the long-handled rake stored beside the screen house.</p>
<p>A clogged screen raises the water level alarm on the control panel within an hour, so
cleaning must never be skipped during the autumn leaf season.</p>
</article></main>
<footer><p>Copyright Harbour Utility. Cookie settings. Privacy policy.</p></footer>
</body></html>"""
TEXT_NOTE = (
    "Staff notes\n\nThe chief engineer of the pump station is Ms. Ana Ruiz. She joined the "
    "utility in 2015 after working on the Delta works.\n"
)
PLAIN = {
    "manual.txt": "\n\n".join(PDF_PAGES),
    "minutes.txt": "\n\n".join(DOCX_PARAGRAPHS),
    "screen.txt": (
        "Caring for the intake screen\n\nThe intake screen keeps river debris out of the pumps. "
        "It is cleaned by the night shift every Tuesday, using the long-handled rake stored "
        "beside the screen house.\n\nA clogged screen raises the water level alarm on the "
        "control panel within an hour, so cleaning must never be skipped during the autumn "
        "leaf season."
    ),
    "notes.txt": TEXT_NOTE,
}


def pdf_bytes(pages: list[str], title: str = "", encrypt: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
        else:
            pdf.rect(20, 20, 100, 60)  # a drawing, no text: like a scan
    return bytes(pdf.output())


def docx_bytes(paragraphs: list[str]) -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=0)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def write_mixed(folder: Path) -> Path:
    """The four-format corpus in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manual.pdf").write_bytes(pdf_bytes(PDF_PAGES, title="Pump Station Manual"))
    (folder / "minutes.docx").write_bytes(docx_bytes(DOCX_PARAGRAPHS))
    (folder / "screen.html").write_text(HTML_PAGE, encoding="utf-8")
    (folder / "notes.txt").write_text(TEXT_NOTE, encoding="utf-8")
    return folder


def write_plain(folder: Path) -> Path:
    """The same facts, all as plain text."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in PLAIN.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
