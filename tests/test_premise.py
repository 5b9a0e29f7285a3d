"""Checks before the model: uncovered years, unknown names, names in the wrong year."""

from __future__ import annotations

from qa.premise import coverage_note, misplaced_names, uncovered_year, unknown_names

VOCAB = {"france", "mexico", "peter", "thomson", "dieng", "adama", "veto", "ghana"}
YEAR_TOKENS = {2014: {"dieng", "adama"}, 2016: {"dieng", "adama"}, 2017: {"peter", "thomson",
               "franc", "mexico", "dieng", "adama"}}  # fmt: skip


def test_uncovered_year() -> None:
    assert uncovered_year("What happened at the 2015 dialogue?", [], [2015]) == "2015"
    assert uncovered_year("What did the 2015 report say?", [], [2015]) is None
    assert uncovered_year("The 2014 and 2015 dialogues?", [2014], [2015]) is None


def test_unknown_names() -> None:
    assert unknown_names("What did Kofi Annan say in 2014?", VOCAB) == ["Kofi Annan"]
    assert unknown_names("What was China's position?", VOCAB) == ["China"]
    assert unknown_names("Why did France support the veto initiative?", VOCAB) == []
    assert unknown_names("Who spoke for the General Assembly?", VOCAB) == []


def test_misplaced_names() -> None:
    q = "Why did the 2014 dialogue endorse the France–Mexico initiative?"
    assert misplaced_names(q, [2014], YEAR_TOKENS) == [("France", [2017]), ("Mexico", [2017])]
    assert misplaced_names("What did Peter Thomson say in 2017?", [2017], YEAR_TOKENS) == []
    assert misplaced_names("What did Adama Dieng do in 2016?", [2016], YEAR_TOKENS) == []
    assert misplaced_names("What did Peter Thomson say?", [], YEAR_TOKENS) == []


def test_coverage_note() -> None:
    note = coverage_note([2014, 2016, 2017], ["president's summary", "letter"])
    assert "2014, 2016 and 2017" in note and "letter, president's summary" in note
