"""Passages: size bounds, whole sentences, paragraph numbers, offsets that round-trip."""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import CIVIL_SOCIETY_2016, CORPUS, SUMMARY_2014, SUMMARY_2017

from qa.ingest.corpus import load_corpus
from qa.ingest.passages import sentence_spans, split_passages
from qa.records import Passage

LOADED = load_corpus(CORPUS)


def _passages() -> list[tuple[str, Passage]]:
    out = []
    for doc in LOADED.documents:
        for p in split_passages(doc.id, doc.path, doc.year, LOADED.cleaned[doc.id]):
            out.append((doc.text, p))
    return out


PASSAGES = _passages()


def test_sizes_within_bounds() -> None:
    sizes = [len(p.text.split()) for _, p in PASSAGES]
    assert max(sizes) <= 180
    # Only a document's very last passage (the speakers list's tail) may fall below 40.
    assert all(n >= 40 for n in sizes), sorted(sizes)[:5]


@pytest.mark.parametrize("doc_text,passage", PASSAGES, ids=[p.id for _, p in PASSAGES])
def test_offsets_round_trip(doc_text: str, passage: Passage) -> None:
    """The passage is the cleaned text of its span in the untouched file."""
    ct = LOADED.cleaned[passage.doc_id]
    assert " ".join(ct.within(passage.char_start, passage.char_end).split()) == passage.text
    raw = doc_text[passage.char_start : passage.char_end]
    if not re.search(r"<|\*|\[|\]\(|[¹²³⁰]|handwritten|SUMMARY OF THE SEVENTH|COALITION", raw):
        assert " ".join(raw.split()) == passage.text


def test_no_passage_cuts_a_sentence() -> None:
    """Between two neighbouring passages lies a line break or a sentence boundary."""
    for (_, p), (_, q) in itertools.pairwise(PASSAGES):
        if p.doc_id != q.doc_id:
            continue
        if "\n" in LOADED.cleaned[p.doc_id].within(p.char_end, q.char_start):
            continue  # a paragraph, heading or list item ends here
        joined = f"{p.text} {q.text}"
        starts = {start for start, _ in sentence_spans(joined)}
        assert len(p.text) + 1 in starts, (p.id, p.text[-60:], q.text[:60])


def test_numbered_paragraphs_keep_their_number() -> None:
    # 2014: paragraphs 1-5 are separated by single line breaks, yet each is its own unit.
    numbers = [p.para for _, p in PASSAGES if p.doc_id == SUMMARY_2014]
    assert numbers == ["1", "2", "3", "4", "5", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
    # A long paragraph cut in two: the continuation carries the number of its paragraph.
    para4 = [p for _, p in PASSAGES if p.doc_id == SUMMARY_2017 and p.para == "4"]
    assert len(para4) == 2
    assert "4. The dialogue was informed" in para4[0].text
    assert para4[1].text.startswith("He also emphasized the critical role")


def test_sentence_splitter_respects_abbreviations() -> None:
    text = "H.E. Mr. Jan Eliasson spoke. Ms. Isabelle F. Picco opened. U.N. staff agreed."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "H.E. Mr. Jan Eliasson spoke.",
        "Ms. Isabelle F. Picco opened.",
        "U.N. staff agreed.",
    ]


def test_passage_sentences_cover_the_text() -> None:
    for _, p in PASSAGES:
        joined = " ".join(p.sentence_texts())
        assert joined.split() == p.text.split(), p.id


def test_header_and_speakers_list_are_indexed_once() -> None:
    texts = [p.text for _, p in PASSAGES if p.doc_id == CIVIL_SOCIETY_2016]
    assert sum(t.count("SUMMARY OF THE SEVENTH") for t in texts) == 1
    assert any("Azerbaijan" in t and "Iran" in t for t in texts)
    assert not any("](#)" in t for t in texts)
