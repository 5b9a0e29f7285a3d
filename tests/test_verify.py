"""Citation verification on hand-written drafts: keep, repair, drop."""

from __future__ import annotations

from qa.records import Hit, Passage
from qa.verify import is_negative, split_claims, support, verify_draft


def _hit(pid: str, text: str, year: int = 2017) -> Hit:
    from qa.ingest.passages import sentence_spans

    return Hit(
        Passage(pid, pid, f"{pid}.txt", year, 0, text, 0, len(text), None,
                tuple(sentence_spans(text))),
        1.0,
    )  # fmt: skip


HITS = [
    _hit("a", "73 Member States, the European Union and five civil society organisations "
              "intervened in the dialogue. The Netherlands spoke for the Group of Friends."),
    _hit("b", "There was wide spread support for the initiative, led by Australia and Ghana, "
              "to request inclusion of the responsibility to protect on the formal agenda."),
    _hit("c", "Mr. Adama Dieng moderated a panel discussion which included Ms. Jennifer Welsh.",
         2014),
]  # fmt: skip


def test_good_citation_is_kept_with_its_quote() -> None:
    claims = verify_draft("73 Member States intervened in the dialogue [1].", HITS, {})
    assert [(c.source, c.quote) for c in claims] == [
        (0, "73 Member States, the European Union and five civil society organisations "
            "intervened in the dialogue.")
    ]  # fmt: skip


def test_wrong_index_is_reattached_to_the_supporting_passage() -> None:
    claims = verify_draft("The initiative was led by Australia and Ghana [1].", HITS, {})
    assert len(claims) == 1 and claims[0].source == 1
    assert "Australia and Ghana" in claims[0].quote


def test_out_of_range_index_is_repaired_or_dropped() -> None:
    claims = verify_draft("Adama Dieng moderated a panel discussion [9].", HITS, {})
    assert [c.source for c in claims] == [2]


def test_unsupported_claim_is_removed() -> None:
    draft = "73 Member States intervened [1]. China vetoed the initiative [2]."
    claims = verify_draft(draft, HITS, {})
    assert [c.text for c in claims] == ["73 Member States intervened"]


def test_wrong_number_or_name_is_not_supported() -> None:
    assert verify_draft("75 Member States intervened in the dialogue [1].", HITS, {}) == []
    assert verify_draft("Nigeria and Ghana led the initiative [2].", HITS, {}) == []
    coverage, _ = support("Kofi Annan moderated a panel", HITS[2].passage.text, {})
    assert coverage == 0.0


def test_names_match_without_accents() -> None:
    hit = _hit("d", "Moderator: Mr. Ivan Šimonović, Assistant Secretary-General.", 2016)
    assert verify_draft("Ivan Simonovic was the moderator.", [hit], {})[0].source == 0


def test_model_citation_preferred_when_it_supports() -> None:
    both = [HITS[1], _hit("e", "Australia and Ghana led the initiative on the formal agenda.")]
    claims = verify_draft("Australia and Ghana led the initiative [2].", both, {})
    assert claims[0].source == 1


def test_split_claims_and_negative_drafts() -> None:
    assert split_claims("A is so [1]. B is not [2][3].") == [("A is so", [1]), ("B is not", [2, 3])]
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
