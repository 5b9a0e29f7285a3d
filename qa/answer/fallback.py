"""Replies that do not rest on the model's lead: refusals, corrections of a false premise,
"the corpus does not say", and the closest sentence the records hold."""

from __future__ import annotations

import time

from qa.answer.plan import Part, Plan
from qa.answer.verify import Claim
from qa.records import Answer, Hit, Reason
from qa.text.tokenize import tokenize


def refusal(question: str, message: str, reason: Reason, t0: float) -> Answer:
    """An answer that refuses the question itself (invalid, or an instruction)."""
    total = (time.perf_counter() - t0) * 1000
    return Answer(
        question=question, answer=message, abstained=True, citations=[], hits=[],
        rewritten_question=question, reason=reason,
        timings={"retrieve_ms": 0.0, "generate_ms": 0.0, "total_ms": total},
    )  # fmt: skip


def correction(
    years: list[int], misplaced: list[tuple[str, list[int]]], hits: list[Hit], kinds: dict[str, str]
) -> tuple[str, Reason, list[Claim]]:
    """Say the asked-for year never mentions the names, and quote where they do appear."""
    names = [name for name, _ in misplaced]
    asked = " and ".join(map(str, years))
    text = f"The {asked} records do not mention {' or '.join(names)}."
    claims: list[Claim] = []
    for i, hit in enumerate(hits):
        if hit.passage.year in years:
            continue
        for sentence in hit.passage.sentence_texts():
            tokens = set(tokenize([sentence])[0])
            found = [n for n in names if set(tokenize([n])[0]) <= tokens]
            if found:
                kind = kinds.get(hit.passage.doc_id, "record")
                lead = f"The {hit.passage.year} {kind} mentions {' and '.join(found)}"
                claims.append(Claim(lead, i, sentence))
                names = [n for n in names if n not in found]
                break
        if not names:
            break
    return text, Reason.FALSE_PREMISE, claims


def closest(plan: Plan, each_part: bool = False, parts: list[Part] | None = None) -> list[Claim]:
    """The best-ranked evidence sentence — what the records say nearest to the question —
    over all parts (or ``parts``), or (``each_part``) one per part, led by the part's year
    if it has one."""
    parts = plan.parts if parts is None else parts
    groups = (
        [(part.year, part.sources) for part in parts]
        if each_part
        else [(None, [s for part in parts for s in part.sources])]
    )
    claims = []
    for year, sources in groups:
        if sources:
            best = max(sources, key=lambda s: s.best_score)
            lead = f"{year}:" if year is not None else ""
            claims.append(Claim(lead, plan.retrieval.hits.index(best.hit), best.best_sentence()))
    return claims


def not_said(plan: Plan, note: str, closest: list[Claim] | None = None) -> str:
    """Why there is no answer, what the corpus covers, and whether the closest follows."""
    years = plan.retrieval.years
    scope = f" for {' and '.join(map(str, years))}" if years else ""
    if closest:
        return (
            f"The corpus does not say{scope}: no passage states an answer that can be "
            f"checked. {note} The closest the records come:"
        )
    return f"The corpus does not say{scope}: no passage supports an answer. {note}"
