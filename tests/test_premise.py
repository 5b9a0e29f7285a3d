"""Checks before the model: uncovered years, unknown names, names in the wrong year."""

from __future__ import annotations

from qa.evidence.premise import coverage_note, misplaced_names, uncovered_year, unknown_names
from qa.profile import CorpusProfile

VOCAB = {"france", "mexico", "peter", "thomson", "dieng", "adama", "veto", "ghana"}
YEAR_TOKENS = {2014: {"dieng", "adama"}, 2016: {"dieng", "adama"}, 2017: {"peter", "thomson",
               "franc", "mexico", "dieng", "adama"}}  # fmt: skip
# Words in most passages (low idf) identify nothing; rare ones do.
IDF = {"general": 0.2, "assembl": 0.2, "dialogu": 0.3, "franc": 3.0, "mexico": 3.0, "peter": 3.0}


def test_uncovered_year() -> None:
    assert uncovered_year("What happened at the 2015 dialogue?", [], [2015]) == "2015"
    assert uncovered_year("What did the 2015 report say?", [], [2015]) is None
    assert uncovered_year("The 2014 and 2015 dialogues?", [2014], [2015]) is None


def test_unknown_names() -> None:
    assert unknown_names("What did Kofi Annan say in 2014?", VOCAB, IDF) == ["Kofi Annan"]
    assert unknown_names("What was China's position?", VOCAB, IDF) == ["China"]
    assert unknown_names("Why did France support the veto initiative?", VOCAB, IDF) == []
    assert unknown_names("Who spoke for the General Assembly?", VOCAB, IDF) == []


def test_misplaced_names() -> None:
    q = "Why did the 2014 dialogue endorse the France–Mexico initiative?"
    assert misplaced_names(q, [2014], YEAR_TOKENS, IDF) == [("France", [2017]), ("Mexico", [2017])]
    assert misplaced_names("What did Peter Thomson say in 2017?", [2017], YEAR_TOKENS, IDF) == []
    assert misplaced_names("What did Adama Dieng do in 2016?", [2016], YEAR_TOKENS, IDF) == []
    assert misplaced_names("What did Peter Thomson say?", [], YEAR_TOKENS, IDF) == []


def test_unknown_names_keeps_rare_words_of_a_name() -> None:
    # "General" is common here, so "Kofi General" is judged by "Kofi" alone.
    assert unknown_names("Did Kofi General speak?", VOCAB | {"general"}, IDF) == ["Kofi General"]
    # without the idf table every word counts, and a known last word hides the unknown first
    assert unknown_names("Did Kofi General speak?", VOCAB | {"general"}, {}) == []


def test_coverage_note() -> None:
    profile = CorpusProfile(description="records of the dialogues")
    note = coverage_note([2014, 2016, 2017], ["president's summary", "letter"], profile)
    assert note == (
        "The corpus holds records of the dialogues, of 2014, 2016 and 2017 "
        "(letter, president's summary)."
    )
    assert coverage_note([], [], None) == "The corpus holds documents."


def test_a_name_spelled_otherwise_in_the_asked_year_is_not_misplaced() -> None:
    year_tokens = {2014: {"respons", "protect"}, 2016: {"rtop", "respons", "protect"}}
    q = "Who backed the RtoP agenda in 2014?"
    assert misplaced_names(q, [2014], year_tokens, IDF) == [("RtoP", [2016])]
    profile = CorpusProfile(aliases=[["R2P", "RtoP", "responsibility to protect"]])
    assert misplaced_names(q, [2014], year_tokens, IDF, profile) == []
