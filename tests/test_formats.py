"""A second, mixed-format corpus: extraction, pages, offsets, skipped files, retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest
from mixed_docs import HTML_PAGE, PDF_PAGES, pdf_bytes, write_mixed, write_plain

from qa.index import Index, build_index
from qa.ingest.corpus import load_corpus
from qa.ingest.formats import Unreadable, extract
from qa.retrieve import Retriever
from qa.settings import Settings

QUESTIONS = {  # question → (file stem holding the answer, words of the answer)
    "How often is the backup generator tested?": ("manual", "fourteen days"),
    "What budget did the board approve for the filter hall?": ("minutes", "2.4 million"),
    "When is the intake screen cleaned?": ("screen", "every Tuesday"),
    "Who is the chief engineer?": ("notes", "Ana Ruiz"),
}


@pytest.fixture(scope="module")
def mixed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = write_mixed(tmp_path_factory.mktemp("mixed"))
    return Settings(corpus_dir=folder, index_dir=tmp_path_factory.mktemp("mixed-index"))


@pytest.fixture(scope="module")
def mixed_index(mixed_settings: Settings) -> Index:
    return build_index(mixed_settings, log=lambda _: None, progress=False)


def test_every_format_is_indexed(mixed_index: Index) -> None:
    docs = {d.id: d for d in mixed_index.documents.values()}
    assert {d: docs[d].format for d in docs} == {
        "manual": "pdf", "minutes": "docx", "screen": "html", "notes": "text"
    }  # fmt: skip
    assert docs["manual"].title == "Pump Station Manual"  # the PDF's own title
    assert docs["manual"].version == "3.2"
    assert docs["minutes"].title == "Minutes of the Water Board"
    assert docs["minutes"].year == 2021
    assert docs["screen"].title == "Intake screen care"  # its <title>
    assert mixed_index.manifest["skipped"] == []


def test_web_page_keeps_the_article_not_the_furniture(mixed_index: Index) -> None:
    text = mixed_index.source("screen").text
    assert "cleaned by the night shift every Tuesday" in " ".join(text.split())
    for furniture in ("trackingSecret", "do-not-index-this", "display: flex", "press office"):
        assert furniture not in text
    assert "trackingSecret" in HTML_PAGE  # the fixture does hold them


def test_pdf_pages_and_offsets(mixed_index: Index) -> None:
    doc = mixed_index.source("manual")
    assert len(doc.pages) == len(PDF_PAGES) == 3
    for n, page_text in enumerate(PDF_PAGES, 1):
        first_words = " ".join(page_text.split()[:4])
        at = " ".join(doc.text.split()).find(first_words)
        assert at >= 0
        assert doc.page_at(doc.text.find(page_text.split()[0])) == n
    generator = [p for p in mixed_index.passages if "generator" in p.text]
    assert generator and {p.page for p in generator} <= {1, 2}
    for p in mixed_index.passages:  # offsets point into the extracted text
        source = mixed_index.source(p.doc_id).text[p.char_start : p.char_end]
        assert " ".join(source.split()) == p.text
        if p.doc_id != "manual":
            assert p.page is None


def test_formats_retrieve_as_well_as_plain_text(
    mixed_index: Index, mixed_settings: Settings, tmp_path: Path
) -> None:
    plain = Settings(corpus_dir=write_plain(tmp_path / "plain"), index_dir=tmp_path / "ix")
    plain_index = build_index(plain, log=lambda _: None, progress=False)
    for index, settings in ((mixed_index, mixed_settings), (plain_index, plain)):
        retriever = Retriever(index, settings)
        for question, (stem, words) in QUESTIONS.items():
            top = retriever.search(question, k=1).hits[0].passage
            assert top.doc_id == stem, (question, index.manifest["corpus_dir"])
            assert words in top.text


def test_unreadable_files_are_named_and_skipped(tmp_path: Path) -> None:
    folder = write_mixed(tmp_path / "c")
    (folder / "locked.pdf").write_bytes(pdf_bytes(["Secret text here."], encrypt=True))
    (folder / "scan.pdf").write_bytes(pdf_bytes(["", ""]))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "empty.html").write_text("<html><body><nav>Home</nav></body></html>")
    loaded = load_corpus(folder)
    reasons = dict(loaded.skipped)
    assert "encrypted" in reasons["locked.pdf"]
    assert "no text layer" in reasons["scan.pdf"]
    assert ".docx" in reasons["broken.docx"]
    assert "no main text" in reasons["empty.html"]
    assert len(loaded.documents) == 4  # the rest still load


def test_markdown_front_matter_gives_facets() -> None:
    data = b"---\ntitle: Pump manual\nversion: '4.1'\nkind: manual\n---\n# Pumps\n\nText here."
    ex = extract("m.md", data)
    assert ex.text.startswith("# Pumps") and ex.meta["version"] == "4.1"
    bad = extract("bad.md", b"---\ntitle: [unclosed\n---\nBody.")  # not YAML: all text
    assert bad.meta == {} and "Body." in bad.text and "title: [unclosed" in bad.text


@pytest.mark.slow
def test_cited_answer_from_the_pdf_names_its_page(mixed_index: Index, mixed_settings: Settings):
    from qa.answer import Answerer
    from qa.generate import load_generator

    answerer = Answerer(
        mixed_index, mixed_settings, load_generator(mixed_settings, log=lambda _: None)
    )
    result = answerer.ask("How often is the backup generator tested?").to_dict()
    assert not result["abstained"], result["answer"]
    assert "fourteen days" in result["answer"]
    cited = [c for c in result["citations"] if c["doc"] == "manual.pdf"]
    assert cited and cited[0]["page"] == 2
    assert all("page" in p for p in result["passages"])


@pytest.mark.slow  # builds an index: the real embedder
def test_a_question_naming_a_version_searches_that_version(tmp_path: Path) -> None:
    folder = tmp_path / "manuals"
    folder.mkdir()
    for version, hours in (("1.0", "eight"), ("2.0", "twelve")):
        (folder / f"manual-{version}.md").write_text(
            f"# Pump manual\n\nVersion {version}\n\nThe filter is replaced every {hours} hours "
            "of pumping, by the operator on duty, who records it in the logbook.\n"
        )
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "ix", min_words=5)
    retriever = Retriever(build_index(settings, log=lambda _: None, progress=False), settings)
    for named, doc in (
        ("version 2", "manual-2.0"),
        ("v1", "manual-1.0"),
        ("release 1.0", "manual-1.0"),
    ):
        found = retriever.search(f"How often is the filter replaced in {named}?")
        assert found.versions and {h.passage.doc_id for h in found.hits} == {doc}, named
    unfiltered = retriever.search("How often is the filter replaced?")
    assert not unfiltered.versions
    assert {h.passage.doc_id for h in unfiltered.hits} == {"manual-1.0", "manual-2.0"}


def test_damaged_word_file_and_horizontal_rule_markdown(tmp_path: Path) -> None:
    import io
    import zipfile

    from mixed_docs import DOCX_PARAGRAPHS, docx_bytes

    good = zipfile.ZipFile(io.BytesIO(docx_bytes(DOCX_PARAGRAPHS)))
    cut = io.BytesIO()
    with zipfile.ZipFile(cut, "w") as out:
        for item in good.infolist():
            data = good.read(item)
            out.writestr(
                item, data[: len(data) // 2] if item.filename.endswith("document.xml") else data
            )
    with pytest.raises(Unreadable, match="Word"):
        extract("cut.docx", cut.getvalue())
    ruled = b"---\n\nIntro: the tool: what it does.\n\n---\n\nMore text here."
    assert "Intro: the tool" in extract("r.md", ruled).text  # a rule, not front matter
    scalar = b"---\n\nJust a rule then prose.\n\n---\n\nMore text."
    assert "Just a rule then prose." in extract("s.md", scalar).text


def test_library_refuses_a_missing_folder_and_removes_links_not_targets(tmp_path: Path) -> None:
    from qa.ingest.library import LibraryError, add_files, remove_file

    src = tmp_path / "new.txt"
    src.write_text("New text.")
    with pytest.raises(LibraryError, match="not found"):
        add_files(tmp_path / "missing", [src], 10_000)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("Keep me.")
    (corpus / "link.txt").symlink_to(target)
    remove_file(corpus, "link.txt")
    assert target.read_text() == "Keep me." and not (corpus / "link.txt").exists()
    with pytest.raises(LibraryError):
        remove_file(corpus, "../elsewhere.txt")


def test_a_generated_manual_page_keeps_its_headings_and_whole_paragraphs() -> None:
    """A real texinfo page (GNU diffutils, from Debian's diffutils-doc): trafilatura alone
    drops every section heading and splits paragraphs at the source's line breaks; the
    reader puts the headings back, joins the lines and leaves the navigation bar out."""
    from qa.ingest.formats import extract
    from qa.settings import PROJECT_ROOT

    page = PROJECT_ROOT / "eval" / "outside" / "diffutils" / "corpus" / "Comparison.html"
    extracted = extract(page.name, page.read_bytes())
    titles = [title for _, _, title in extracted.headings]
    assert "1.1 Hunks" in titles and "1.5 Suppressing Case Differences" in titles
    for offset, _, title in extracted.headings:
        assert extracted.text[offset:].startswith(title)
    paragraphs = extracted.text.split("\n\n")
    assert any(
        p.startswith("GNU diff can show whether files are different without detailing") and
        "between words or lines." in p for p in paragraphs
    )  # fmt: skip
    assert not any(p.startswith("Next:") for p in paragraphs)


def test_an_options_table_keeps_each_option_beside_its_description() -> None:
    from qa.ingest.formats import extract

    page = (
        b"<html><body><h2>Options</h2><p>The program takes these options, each of which is "
        b"described here in full.</p><table><tr><td><code>--port</code> PORT</td>"
        b"<td>Serve HTTP requests on PORT instead of port 9090.</td></tr><tr><td><code>"
        b"--no-tls</code></td><td>Do not use TLS for any connection at all.</td></tr>"
        b"</table></body></html>"
    )
    text = extract("x.html", page).text
    assert "--port PORT | Serve HTTP requests on PORT instead of port 9090." in text
    assert "--no-tls | Do not use TLS for any connection at all." in text


@pytest.mark.slow  # builds an index: the real embedder
def test_a_pdf_with_a_damaged_page_is_indexed_from_the_rest_with_a_warning_naming_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import re

    pages = ["The pump starts at dawn and runs for six hours every day.",
             "The valve closes at dusk when the tank is full of water."]  # fmt: skip
    data = pdf_bytes(pages)
    second = list(re.finditer(rb"stream\r?\n", data))[2].end() + 10  # page 2's content
    damaged = data[:second] + bytes(b ^ 0x5A for b in data[second : second + 40])
    damaged += data[second + 40 :]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "pump.pdf").write_bytes(damaged)
    lines: list[str] = []
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    index = build_index(settings, log=lines.append, progress=False)
    assert [p.text for p in index.passages] == [pages[0]]
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "pump.pdf" in warnings[0] and "may be missing" in warnings[0]
    assert "decompressing" not in capfd.readouterr().err  # not printed bare by pypdf
