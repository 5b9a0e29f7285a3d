"""Loading: document metadata, quirks, and files that cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import (
    CIVIL_SOCIETY_2016,
    CONCEPT_NOTE_2016,
    CORPUS,
    SHARED_CORPUS,
    SUMMARY_2014,
    SUMMARY_2016,
    SUMMARY_2017,
)

from qa.ingest.corpus import CorpusError, corpus_hash, list_corpus, load_corpus
from qa.ingest.facets import infer_year
from qa.profile import load_profile


def test_project_corpus_is_a_byte_exact_copy_of_shared() -> None:
    """The documents are the shared ones, unedited; the folder adds only its corpus.toml."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("shared/ is not beside this checkout")
    shared = sorted(p.name for p in SHARED_CORPUS.iterdir())
    assert shared == sorted(p.name for p in CORPUS.iterdir() if p.name != "corpus.toml")
    for name in shared:
        assert (CORPUS / name).read_bytes() == (SHARED_CORPUS / name).read_bytes()


def test_real_documents_metadata() -> None:
    loaded = load_corpus(CORPUS)
    docs = {d.id: d for d in loaded.documents}
    assert loaded.skipped == []
    expected = {
        SUMMARY_2016: ("president's summary", 2016),
        SUMMARY_2017: ("president's summary", 2017),
        SUMMARY_2014: ("president's summary", 2014),
        CONCEPT_NOTE_2016: ("invitation letter and concept note", 2016),
        CIVIL_SOCIETY_2016: ("civil-society summary", 2016),
    }
    assert {k: (d.kind, d.year) for k, d in docs.items()} == expected
    assert docs[SUMMARY_2014].title.startswith("Informal, Interactive Dialogue of the 68th Session")
    assert docs[CIVIL_SOCIETY_2016].title.startswith("SUMMARY OF THE SEVENTH")


def test_truncated_document_is_flagged() -> None:
    docs = {d.id: d for d in load_corpus(CORPUS).documents}
    assert docs[SUMMARY_2016].truncated
    assert not any(d.truncated for k, d in docs.items() if k != SUMMARY_2016)


def test_concept_note_typo_does_not_change_its_year() -> None:
    text = (CORPUS / f"{CONCEPT_NOTE_2016}.txt").read_text(encoding="utf-8")
    assert "6 September 2015" in text
    assert infer_year(text) == 2016


def test_year_from_a_profile_phrase_when_no_date() -> None:
    profile = load_profile(CORPUS)  # the shipped corpus maps "71st session" to 2017
    assert infer_year("The 71st Session of the General Assembly met.", profile) == 2017
    assert infer_year("The 71st Session of the General Assembly met.") is None


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("New York, 8 September 2014\n\nA fine document.")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["good"]
    reasons = dict(loaded.skipped)
    assert set(reasons) == {
        "empty.txt", "blank.md", "binary.txt", "latin1.txt", "broken.pdf", "sheet.xlsx"
    }  # fmt: skip
    assert "PDF" in reasons["broken.pdf"]
    assert reasons["sheet.xlsx"] == "unsupported file type .xlsx"
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "not UTF-8" in reasons["latin1.txt"]


def test_the_loader_stays_inside_the_folder(tmp_path: Path) -> None:
    """Links leading outside, special files and files over the limit are left out, each with
    a reason; a link inside the folder is read like the file it names."""
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("Outside the corpus.")
    private = tmp_path / "private.txt"
    private.write_text("New York, 8 September 2014\n\nThe private passphrase is swordfish.")
    (folder / "good.txt").write_text("New York, 8 September 2014\n\nA fine document.")
    (folder / "sub" / "inner.md").write_text("Also inside.")
    (folder / "alias.txt").symlink_to(folder / "good.txt")
    (folder / ".draft.txt").write_text("A hidden draft.")
    (folder / "peek.txt").symlink_to(folder / ".draft.txt")
    (folder / "leak.txt").symlink_to(private)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "dir").symlink_to(tmp_path / "elsewhere")
    (folder / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    os.mkfifo(folder / "pipe.txt")  # reading it would wait forever
    (folder / "big.txt").write_text("word " * 300_000)
    listing = list_corpus(folder, max_bytes=1_000_000)
    assert listing.rel(folder) == ["alias.txt", "good.txt", "sub/inner.md"]
    reasons = listing.skipped
    assert set(reasons) == {"leak.txt", "passwd.txt", "dir", "gone.txt", "loop.txt", "pipe.txt",
                            "big.txt", "peek.txt"}  # fmt: skip
    assert reasons["peek.txt"] == "a link to a hidden file or to the corpus profile; not read"
    assert reasons["leak.txt"].startswith("a link to a file outside the corpus folder")
    assert reasons["dir"].startswith("a link to a folder outside the corpus folder")
    assert "does not exist" in reasons["gone.txt"] and "loop" in reasons["loop.txt"]
    assert reasons["pipe.txt"] == "not a regular file (a named pipe); not read"
    assert reasons["big.txt"] == "1.5 MB is over the 1 MB limit (QA_MAX_FILE_MB)"
    loaded = load_corpus(folder, max_bytes=1_000_000)
    assert not any("swordfish" in d.text for d in loaded.documents)
    assert dict(loaded.skipped) == reasons
    before = loaded.content_hash  # a change of limit changes what is indexed: a new hash
    assert load_corpus(folder, max_bytes=2_000_000).content_hash != before


def test_missing_or_wrong_corpus_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        load_corpus(file)


def test_content_hash_follows_content(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One. Two.")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")  # skipped files count too
    first = load_corpus(tmp_path).content_hash
    assert load_corpus(tmp_path).content_hash == first
    assert corpus_hash(tmp_path) == first  # the cheap hash is the same hash
    (tmp_path / "a.txt").write_text("One. Three.")
    assert load_corpus(tmp_path).content_hash != first
