"""Questions in a language the corpus is not written in are told so; the corpus' own are not."""

from __future__ import annotations

import json

from qa.settings import PROJECT_ROOT
from qa.text.language import corpus_languages, foreign, identify

EVAL_FILE = PROJECT_ROOT / "eval" / "questions.jsonl"


def test_the_shipped_corpus_is_english_and_no_eval_question_is_foreign(index) -> None:
    languages = corpus_languages([p.text for p in index.passages])
    assert languages == {"en"} == index.facts.languages  # as the index stores it
    vocabulary = index.facts.vocabulary  # what the Answerer reads
    questions = [json.loads(line)["question"] for line in EVAL_FILE.read_text().splitlines()]
    assert len(questions) > 100
    flagged = [q for q in questions if foreign(q, languages, vocabulary)]
    assert flagged == []  # every question the eval set holds (all English) goes through


def test_questions_in_other_languages_are_named(index) -> None:
    vocabulary = index.facts.vocabulary
    asked = {
        "Qui était le modérateur du dialogue de 2014 ?": "French",
        "Combien d'États membres ont pris la parole en 2014 ?": "French",
        "¿Quién moderó el diálogo de 2014?": "Spanish",
        "Wer hat den Dialog im Jahr 2014 moderiert?": "German",
    }
    for question, language in asked.items():
        assert foreign(question, {"en"}, vocabulary) == language, question
    # Short keyword queries and names are too little to judge: never turned away.
    for question in ("R2P?", "veto restraint 2016", "Adama Dieng", "Who?",
                     "Ukraine Crimea annexation sanctions", "Burkina Faso Niger Nigeria Cameroon",
                     "Srebrenica genocide anniversary", "Rohingya Myanmar atrocities",
                     "ukraine crimea annexation sanctions", "veto restraint initiative supporters",
                     "mass atrocity crimes prevention toolkit"):  # fmt: skip
        assert foreign(question, {"en"}, vocabulary) is None, question
    # A corpus in French takes the French question.
    assert identify("Qui était le modérateur du dialogue de 2014 ?")[0] == "fr"
    assert foreign("Qui était le modérateur du dialogue ?", {"en", "fr"}, vocabulary) is None
