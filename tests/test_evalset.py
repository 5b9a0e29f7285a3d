"""The evaluation set itself: well-formed, verbatim gold quotes, the required spread."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import CORPUS

from qa.evaluation.evalset import KINDS, load_questions, locate
from qa.settings import PROJECT_ROOT

QUESTIONS = load_questions(PROJECT_ROOT / "eval" / "questions.jsonl")


def test_size_and_spread() -> None:
    assert len(QUESTIONS) >= 60
    kinds = Counter(q.kind for q in QUESTIONS)
    assert set(kinds) == set(KINDS)
    assert all(n >= 5 for n in kinds.values()), kinds
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_question_is_well_formed(q) -> None:
    assert q.question.strip() and q.answer.strip()
    if q.answerable:
        assert q.gold_quotes and q.key_phrases
    else:
        assert q.kind in ("unanswerable", "false_premise") and not q.key_phrases
    if q.kind == "followup":
        assert q.history and q.history[-1]["role"] == "assistant"
    for gold in q.gold_quotes:
        start, end = locate(CORPUS, gold)  # raises unless verbatim
        assert (CORPUS / gold.doc).read_text(encoding="utf-8")[start:end] == gold.quote
    for phrase in q.key_phrases:
        options = [phrase] if isinstance(phrase, str) else phrase
        assert any(o.lower() in q.answer.lower() for o in options), (q.id, phrase)


def test_locate_rejects_a_paraphrase() -> None:
    from qa.evaluation.evalset import GoldQuote

    with pytest.raises(ValueError, match="not found verbatim"):
        locate(CORPUS, GoldQuote("002_8ba637476d638c63.txt", "seventy Member States intervened"))


def test_frozen_test_part_is_large_and_blind() -> None:
    """At least 200 questions; the frozen test part (written blind, ids t…) has every kind."""
    test = load_questions(PROJECT_ROOT / "eval" / "questions.jsonl", "test")
    dev = load_questions(PROJECT_ROOT / "eval" / "questions.jsonl", "dev")
    assert len(test) + len(dev) == len(QUESTIONS) >= 200
    assert len(test) >= 100 and all(q.id.startswith("t") for q in test)
    assert {q.kind for q in test} == set(KINDS)
    assert sum(not q.answerable for q in test) >= 14


def test_funnel_is_scored_per_stage() -> None:
    from qa.evaluation.evalset import EvalQuestion, GoldQuote
    from qa.evaluation.score import score_answer

    q = EvalQuestion("x", "numeric", "How many spoke?", True, "69 spoke.", ["69"],
                     [GoldQuote("002_8ba637476d638c63.txt", "69 Member States")])  # fmt: skip
    passage = {"doc": "002_8ba637476d638c63.txt", "char_start": 0, "char_end": 10,
               "text": "Summary 6. 69 Member States and four civil society groups."}  # fmt: skip
    result = {"abstained": False, "answer": "Many spoke [1].", "citations": [],
              "passages": [passage], "evidence": [{"n": 1, "text": "Four spoke."}]}  # fmt: skip
    score = score_answer(q, result, CORPUS)
    assert (score.facts_passages, score.facts_evidence, score.facts_answer) == (True, False, False)
    result["evidence"] = [{"n": 1, "text": "69 Member States"}]
    result["answer"] = "69 [1]"
    score = score_answer(q, result, CORPUS)
    assert (score.facts_passages, score.facts_evidence, score.facts_answer) == (True, True, True)
