"""Does a quoted sentence state what the question asks? The check that decides abstention.

A sentence that backs the model's lead (:mod:`qa.answer.claims`) holds the lead's words, but
that does not make it an answer: asked for the default of an option the documents never give,
the model copies the option's description; asked what one program does, it copies what
another does. So each sentence the reply would quote is put to the model on its own —
"Sentence: … Question: … Does the sentence state the answer to the question?" — and kept
only when the model leans to "Yes" by at least ``settings.support_threshold`` (the log-odds
of its first token, :meth:`qa.generate.Generator.judge`). One sentence at a time, so no
sentence gains from its place in a list. The instructions and worked examples are a fixed
system prompt of their own (:func:`qa.evidence.prompt.judge_prompt`: inside the answering prompt,
their yes/no examples made the model answer "No" to a fifth of the dev questions); the model
keeps the evaluated state of both fixed prompts, so each check costs only the sentence and
the question (about 40–70 tokens).

A question none of whose sentences passes is declined, with the closest sentence shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.plan import Part
from qa.answer.verify import Claim
from qa.evidence.prompt import canonical, judge_messages
from qa.generate import Generator
from qa.records import Hit


@dataclass(frozen=True)
class Judged:
    """A claim and how strongly the model says its quote states the answer."""

    claim: Claim
    score: float


def judge(
    generator: Generator,
    system: str,
    part: Part,
    claims: list[Claim],
    hits: list[Hit],
    limit: int,
) -> list[Judged]:
    """Each of the first ``limit`` claims' quotes judged against the part's question; the
    rest (a long list's tail) take the lowest score among those judged, so that they stand
    or fall with them."""
    question = canonical(part.question)
    out: list[Judged] = []
    for claim in claims[:limit]:
        sentence = hits[claim.source].passage.read_in_section(claim.quote)
        score = generator.judge(judge_messages(system, question, sentence))
        out.append(Judged(claim, score))
    floor = min((j.score for j in out), default=0.0)
    out += [Judged(claim, floor) for claim in claims[limit:]]
    return out
