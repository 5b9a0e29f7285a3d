"""Cleaning removes page furniture and markup but keeps the way back to the original file."""

from __future__ import annotations

from conftest import CIVIL_SOCIETY_2016, CONCEPT_NOTE_2016, CORPUS, SUMMARY_2017

from qa.ingest.clean import clean_text, paragraphs, repeated_lines


def _clean(doc_id: str):
    text = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    return text, clean_text(text)


def test_html_programme_rows_become_readable_text() -> None:
    text, ct = _clean(CONCEPT_NOTE_2016)
    assert "<p data-bbox" in text
    assert "<" not in ct.text and "data-bbox" not in ct.text
    assert "Moderator: Mr. Ivan Šimonović, Assistant Secretary-General for Human Rights" in ct.text
    assert "▪" not in ct.text


def test_repeated_page_header_is_kept_once() -> None:
    text, ct = _clean(CIVIL_SOCIETY_2016)
    header = "SUMMARY OF THE SEVENTH GENERAL ASSEMBLY DIALOGUE ON THE RESPONSIBILITY TO PROTECT"
    assert text.count(header) == 5
    assert ct.text.count(header) == 1
    assert header in repeated_lines(text)


def test_empty_markdown_links_keep_their_text_only() -> None:
    text, ct = _clean(CIVIL_SOCIETY_2016)
    assert "[Panama](#)" in text
    assert "](#)" not in ct.text and "[Panama" not in ct.text
    assert "\nPanama\n" in ct.text


def test_signature_description_is_replaced() -> None:
    text, ct = _clean(SUMMARY_2017)
    assert "A handwritten signature in dark ink" in text
    assert "handwritten" not in ct.text
    assert "(signed)\n\nPeter Thomson" in ct.text


def test_origin_map_points_into_the_original() -> None:
    text, ct = _clean(CONCEPT_NOTE_2016)
    assert len(ct.origin) == len(ct.text)
    assert list(ct.origin) == sorted(ct.origin)
    # Every kept character is the original character at its origin (except inserted ones).
    kept = [(c, o) for c, o in zip(ct.text, ct.origin) if text[o] == c]
    assert len(kept) / len(ct.text) > 0.97
    start = ct.text.index("Moderator: Mr. Ivan")
    s, e = ct.original_span(start, start + len("Moderator: Mr. Ivan"))
    assert text[s:e] == "Moderator: Mr. Ivan"


def test_page_broken_paragraph_is_joined() -> None:
    _text, ct = _clean(CIVIL_SOCIETY_2016)
    spans = paragraphs(ct)
    joined = [ct.text[s:e] for s, e in spans if "The former Special Adviser" in ct.text[s:e]]
    assert len(joined) == 1
    assert "to Protect brought attention to a number of key issues" in joined[0]
