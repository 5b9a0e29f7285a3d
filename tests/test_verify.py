"""Citation checking on hand-written leads: which sentence the model read backs each item
(qa.answer.verify.support, through qa.answer.claims.backed_sentences, the path every reply
takes)."""

from __future__ import annotations

from qa.answer.claims import backed_sentences
from qa.answer.verify import is_negative, support
from qa.evidence.select import Source
from qa.records import Hit, Passage


def _source(n: int, pid: str, text: str, year: int = 2017) -> Source:
    from qa.ingest.passages import sentence_spans

    spans = tuple(sentence_spans(text))
    passage = Passage(pid, pid, f"{pid}.txt", year, 0, text, 0, len(text), None, spans)
    return Source(n, Hit(passage, 1.0), list(range(len(spans))))


SOURCES = [
    _source(1, "a", "73 Member States, the European Union and five civil society organisations "
                    "intervened in the dialogue. The Netherlands spoke for the Group of Friends."),
    _source(2, "b", "There was wide spread support for the initiative, led by Australia and "
                    "Ghana, to request inclusion of the responsibility to protect on the formal "
                    "agenda."),
    _source(3, "c", "Mr. Adama Dieng moderated a panel discussion which included Ms. Jennifer "
                    "Welsh.", 2014),
]  # fmt: skip


def _backed(lead: str, question: str = "", sources: list[Source] = SOURCES) -> list:
    return [(b.source, b.text) for b in backed_sentences(lead, sources, {}, question)]


def test_a_stated_claim_is_backed_by_its_sentence() -> None:
    assert _backed("73 Member States intervened in the dialogue [1].") == [
        (0, "73 Member States, the European Union and five civil society organisations "
            "intervened in the dialogue.")
    ]  # fmt: skip


def test_the_backing_sentence_is_found_whatever_source_the_model_cited() -> None:
    backed = _backed("The initiative was led by Australia and Ghana [1].")
    assert len(backed) == 1 and backed[0][0] == 1 and "Australia and Ghana" in backed[0][1]
    assert [s for s, _ in _backed("Adama Dieng moderated a panel discussion [9].")] == [2]


def test_an_item_no_sentence_states_is_dropped_and_the_others_kept() -> None:
    backed = _backed("73 Member States intervened; China vetoed the initiative.")
    assert [s for s, _ in backed] == [0]


def test_a_wrong_number_or_name_is_not_backed() -> None:
    assert _backed("75 Member States intervened in the dialogue.") == []
    # Of a list, the member no sentence states is dropped; the stated one keeps its quote.
    items = [b.items for b in backed_sentences("Nigeria and Ghana led the initiative.",
                                               SOURCES, {}, "")]  # fmt: skip
    assert items == [("Ghana led the initiative",)]
    coverage, _ = support("Kofi Annan moderated a panel", SOURCES[2].hit.passage.text, {})
    assert coverage == 0.0


def test_names_match_without_accents() -> None:
    moderator = _source(1, "d", "Moderator: Mr. Ivan Šimonović, Assistant Secretary-General.")
    assert [s for s, _ in _backed("Ivan Simonovic was the moderator.", "", [moderator])] == [0]


def test_negative_drafts() -> None:
    assert is_negative("NOT IN SOURCES")
    assert is_negative("The sources do not mention a budget.")
    assert not is_negative("73 Member States intervened.")


def test_a_lead_in_another_form_of_its_words_or_in_symbols_is_backed() -> None:
    sentence = "The no_run attribute will compile your code but not run it."
    coverage, quote = support("Compiles code but does not run it", sentence, {})
    assert coverage >= 0.5 and quote == sentence  # "Compiles" ~ "compile"
    coverage, _ = support("Your code compiles", sentence, {})
    assert coverage >= 0.5  # "Your" is a stop word, not a name to find
    crate = "So in order to document an entire crate, you need to use //! syntax."
    assert support("//!", crate, {}) == (1.0, crate)
    assert support("#!", crate, {})[0] == 0.0
