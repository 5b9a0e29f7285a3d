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


# Sentence boundaries labelled by hand, from documents of several kinds (a UN summary, a man
# page, a PDF manual, release notes): the splitter is checked against them, not against itself.
LABELLED = [
    (
        "The dialogue was held on 8 September 2014. Mr. Adama Dieng moderated the panel.",
        ["The dialogue was held on 8 September 2014.", "Mr. Adama Dieng moderated the panel."],
    ),
    (
        "Serve HTTP requests on port 9090. Usually Cockpit is started on demand.",
        ["Serve HTTP requests on port 9090.", "Usually Cockpit is started on demand."],
    ),
    (
        "The results are shown in Fig. 3. It compares both runs. See also p. 12.",
        ["The results are shown in Fig. 3.", "It compares both runs.", "See also p. 12."],
    ),
    (
        "3. Member States spoke. H.E. Ms. Isabelle F. Picco opened it at 10 a.m. on Monday.",
        ["3. Member States spoke.", "H.E. Ms. Isabelle F. Picco opened it at 10 a.m. on Monday."],
    ),
    (
        "Version 2.0 added the -r option. Release 2.1 fixed it, e.g. for links. Then 3 followed.",
        ["Version 2.0 added the -r option.", "Release 2.1 fixed it, e.g. for links.",
         "Then 3 followed."],
    ),
]  # fmt: skip


@pytest.mark.parametrize("text,expected", LABELLED)
def test_sentences_match_hand_labelled_boundaries(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def test_a_long_sentence_is_cut_between_clauses_never_inside_a_name() -> None:
    from qa.ingest.passages import clauses

    names = "Mr. Jeffrey Feltman; Mr. Adama Dieng; Dr. Jean Ping; Ms. Jennifer Welsh"
    text = f"The panel was composed of the Under-Secretary-General, {names}, and others."
    cuts = [text[s:e] for s, e in clauses(text, 0, len(text), 8)]
    assert " ".join(cuts) == text
    for name in ("Jeffrey Feltman", "Adama Dieng", "Jean Ping", "Jennifer Welsh"):
        assert any(name in cut for cut in cuts), (name, cuts)


def test_headings_give_a_path_and_start_a_passage() -> None:
    from qa.ingest.clean import clean_text

    text = (
        "Guide\n\nAn introduction that runs on.\n\nOptions\n\n--port\n\n"
        "Serve on another port. It defaults to 9090.\n\n--quiet\n\nSay less."
    )
    starts = {title: text.index(title) for title in ("Guide", "Options", "--port", "--quiet")}
    headings = (
        (starts["Guide"], 1, "Guide"),
        (starts["Options"], 2, "Options"),
        (starts["--port"], 3, "--port"),
        (starts["--quiet"], 3, "--quiet"),
    )
    passages = split_passages("d", "d.html", None, clean_text(text), 2, 50, headings)
    assert [(p.heading, p.text) for p in passages] == [
        ("Guide", "An introduction that runs on."),
        ("Guide › Options › --port", "Serve on another port. It defaults to 9090."),
        ("Guide › Options › --quiet", "Say less."),
    ]
