"""The evaluation set itself: well-formed, verbatim gold quotes, the required spread."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import CORPUS

from qa.evalset import KINDS, load_questions, locate
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
    from qa.evalset import GoldQuote

    with pytest.raises(ValueError, match="not found verbatim"):
        locate(CORPUS, GoldQuote("002_8ba637476d638c63.txt", "seventy Member States intervened"))
