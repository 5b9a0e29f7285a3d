"""The reply built from verified quotes, with a scripted generator standing in for the model.

The scripted model makes the cases exact: a lead the evidence backs, one it does not (an
invented name, a wrong number), the model finding nothing, and a comparison by year. The real
index and embedder are used; only the model's words are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from qa.answer import Answerer
from qa.answer.compose import reply_text
from qa.answer.verify import Claim
from qa.records import Hit, Passage
from qa.settings import Settings


class Scripted:
    """A generator that replies with a fixed text, judges every sentence with a fixed score,
    and records what it was shown."""

    name = "scripted"

    def __init__(self, reply: str | list[str], verdict: float = 5.0) -> None:
        self.replies = [reply] if isinstance(reply, str) else list(reply)
        self.verdict = verdict
        self.prompts: list[list[dict[str, str]]] = []
        self.judged: list[list[dict[str, str]]] = []

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        reply = self.replies[min(len(self.prompts), len(self.replies)) - 1]
        yield from re.findall(r"\S+\s*", reply)

    def judge(self, messages: list[dict[str, str]]) -> float:
        self.judged.append(messages)
        return self.verdict


def _answerer(
    index, settings: Settings, reply: str | list[str], verdict: float = 5.0
) -> tuple[Answerer, Scripted]:
    model = Scripted(reply, verdict)
    return Answerer(index, settings, model), model


def _quotes(answer: str) -> list[str]:
    return re.findall(r"“(.+?)” \[\d+\]", answer)


def test_the_reply_is_the_whole_sentence_that_states_the_lead(index, settings: Settings) -> None:
    """The lead names the answer; the reply is the document's own sentence that states it,
    whole, with its marker: not the lead, then the quote (the answer twice)."""
    answerer, model = _answerer(index, settings, "69 Member States intervened in the dialogue.")
    result = answerer.ask("How many Member States spoke at the 2014 dialogue?").to_dict()
    assert not result["abstained"]
    (quote,) = _quotes(result["answer"])
    assert result["answer"] == f"“{quote}” [1]"
    (citation,) = result["citations"]
    assert citation["quote"] == quote and "69" in quote
    passage = next(p for p in index.passages if p.id == citation["passage_id"])
    assert any(quote in s for s in passage.sentence_texts())  # a whole sentence
    assert citation["support"] == 5.0 and len(model.judged) == 1


def test_every_quoted_sentence_is_judged_on_its_own_under_fixed_instructions(
    index, settings: Settings
) -> None:
    answerer, model = _answerer(index, settings, "69 Member States intervened in the dialogue.")
    result = answerer.ask("How many Member States spoke at the 2014 dialogue?").to_dict()
    (asked,) = model.judged
    assert asked[0]["content"] == answerer.judge_system  # fixed: its evaluation is cached
    assert asked[0] != model.prompts[0][0]  # not the answering prompt's yes/no examples
    assert result["citations"][0]["quote"] in asked[1]["content"]
    assert "How many Member States spoke at the 2014 dialogue?" in asked[1]["content"]
    assert "Sources:" not in asked[1]["content"]  # one sentence, not the whole evidence


def test_a_sentence_judged_not_to_state_the_answer_is_declined_and_shown_as_closest(
    index, settings: Settings
) -> None:
    answerer, _ = _answerer(index, settings, "69 Member States intervened.", verdict=-4.0)
    result = answerer.ask("How many Member States spoke at the 2014 dialogue?").to_dict()
    assert result["abstained"] and result["reason"] == "not stated"
    assert "The closest the records come:\n“" in result["answer"]
    (citation,) = result["citations"]
    assert citation["support"] == -4.0 and f"“{citation['quote']}” [1]" in result["answer"]


@pytest.mark.parametrize(
    "lead", ["75 Member States intervened in the dialogue.", "Kofi Annan said 69 States spoke."]
)
def test_an_unbacked_lead_is_never_shown(index, settings: Settings, lead: str) -> None:
    """A lead no sentence states is dropped. By default the question is then declined; with
    ``recover_unbacked`` the best-ranked sentence is judged in its place (answered when
    judged to state the answer, else declined with it as the closest)."""
    recover = settings.model_copy(update={"recover_unbacked": True})
    for verdict, abstained in ((5.0, False), (-5.0, True)):
        answerer, _ = _answerer(index, recover, lead, verdict)
        result = answerer.ask("How many Member States spoke at the 2014 dialogue?").to_dict()
        assert "75" not in result["answer"] and "Annan" not in result["answer"]
        assert result["abstained"] is abstained
        (citation,) = result["citations"]
        assert f"“{citation['quote']}” [1]" in result["answer"]
    answerer, model = _answerer(index, settings, lead)
    result = answerer.ask("How many Member States spoke at the 2014 dialogue?").to_dict()
    assert result["abstained"] and result["reason"] == "no claim could be verified"
    assert model.judged == []


def test_a_list_gets_each_item_the_evidence_states_with_its_quote(
    index, settings: Settings
) -> None:
    """Items in two sentences (here two clauses of one long sentence) get two quotes; an
    item no sentence states is dropped."""
    lead = "Jennifer Welsh, Surin Pitsuwan and Kofi Annan"
    answerer, _ = _answerer(index, settings, lead)
    result = answerer.ask("Who took part in the panel discussion at the 2014 dialogue?").to_dict()
    assert not result["abstained"]
    quotes = _quotes(result["answer"])
    assert "Annan" not in result["answer"]
    assert any("Welsh" in q for q in quotes) and any("Pitsuwan" in q for q in quotes)
    assert len(result["citations"]) == len(quotes) == len(set(quotes))


def test_a_lead_that_only_restates_the_question_needs_a_quote_stating_all_of_it(
    index, settings: Settings
) -> None:
    """ "Why did X moderate …?" → "X moderated …" asserts the premise: one sentence must say
    all of it, or the reply abstains."""
    answerer, _ = _answerer(index, settings, "Adama Dieng moderated the 2016 dialogue.")
    result = answerer.ask("Why did Adama Dieng moderate the 2016 dialogue?").to_dict()
    assert result["abstained"], result["answer"]
    assert not result["answer"].startswith("Adama Dieng moderated")


def test_model_finding_nothing_abstains_and_says_what_the_corpus_covers(
    index, settings: Settings
) -> None:
    answerer, _ = _answerer(index, settings, "The sources do not mention a budget.")
    result = answerer.ask("What was the catering budget of the 2016 dialogue?").to_dict()
    assert result["abstained"] and result["reason"] == "model found no answer"
    assert result["citations"] == []
    assert "2014, 2016 and 2017" in result["answer"]
    assert "Responsibility to Protect" in result["answer"]  # from corpus.toml, not from code


def test_evidence_field_is_what_the_model_read(index, settings: Settings) -> None:
    answerer, model = _answerer(index, settings, "Mr. Adama Dieng moderated the panel.")
    result = answerer.ask("Who moderated the panel at the 2014 dialogue?").to_dict()
    prompt = model.prompts[0][-1]["content"]
    passages = {p["passage_id"]: p for p in result["passages"]}
    assert result["evidence"]
    for e in result["evidence"]:
        assert set(e) == {"n", "passage_id", "text", "doc", "year", "page"}
        passage = passages[e["passage_id"]]
        assert e["text"] in passage["text"]  # a verbatim sentence of a passage
        assert (e["doc"], e["year"], e["page"]) == (
            passage["doc"],
            passage["year"],
            passage["page"],
        )  # its source, shown
        assert e["text"] in prompt and f"[{e['n']}]" in prompt
    words = sum(len(e["text"].split()) for e in result["evidence"])
    assert words <= settings.evidence_words * 1.5


def test_comparison_asks_each_year_apart_and_dates_each_claim(index, settings: Settings) -> None:
    answerer, model = _answerer(
        index, settings, ["69 Member States intervened.", "73 Member States intervened."]
    )
    result = answerer.ask("How many Member States spoke in 2014 and 2017?").to_dict()
    assert len(model.prompts) == 2
    assert "2014" in model.prompts[0][-1]["content"] and "2017" in model.prompts[1][-1]["content"]
    lines = result["answer"].splitlines()
    assert lines[0].startswith("2014: “") and "69" in lines[0]
    assert lines[1].startswith("2017: “") and "73" in lines[1]
    assert {c["year"] for c in result["citations"]} == {2014, 2017}


def test_the_prompt_holds_no_corpus_knowledge_but_the_profile(index, settings: Settings) -> None:
    answerer, model = _answerer(index, settings, "Mr. Adama Dieng.")
    answerer.ask("Who moderated the panel at the 2014 dialogue?")
    system = model.prompts[0][0]["content"]
    assert index.profile.description in system


def test_reply_text_shows_each_quote_once() -> None:
    p = Passage(
        "d#0", "d", "d.txt", 2017, 0, "A said x. B said y.", 0, 19, None, ((0, 9), (10, 19))
    )
    hits = [Hit(p, 1.0)]
    claims = [
        Claim("2017", 0, "A said x."),
        Claim("", 0, "A said x."),
        Claim("", 0, "B said y."),
    ]
    text, citations = reply_text(claims, hits)
    assert text == "2017: “A said x.” [1]\n“B said y.” [2]"
    assert [(c.n, c.quote) for c in citations] == [(1, "A said x."), (2, "B said y.")]


@pytest.mark.parametrize("lead", ["Yes", "No.", "Yes, it does."])
def test_a_bare_yes_or_no_is_replaced_by_what_the_records_say(
    index, settings: Settings, lead: str
) -> None:
    answerer, _ = _answerer(index, settings, lead)
    result = answerer.ask("Did Member States support the veto restraint initiatives in 2016?")
    assert not result.abstained
    assert result.answer.startswith("“")  # the quote alone: no unverified verdict
    assert not re.match(r"\W*(yes|no)\b", result.answer, re.I)
    (citation,) = result.citations
    assert citation.quote in citation.text
