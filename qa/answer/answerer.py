"""Question in, quote-backed answer out, in stages that each take and return a record.

question ─clean, rewrite─▶ retrieval ─premise checks─▶ evidence (numbered sentences) ─model─▶
lead ─verify─▶ reply of verified quotes.

The model reads a few evidence sentences and writes one short lead; the lead is shown only if
every name and number in it stands in one evidence sentence, and that sentence is shown under
it as a verbatim quote. When the lead cannot be backed, the best-ranked evidence sentence is
quoted on its own; when the model finds no answer, or the checks before it find the question
cannot be answered as asked, the reply says so, says what the corpus covers, and
``abstained`` is true.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from qa.answer.claims import backed_sentences
from qa.answer.compose import reply_text
from qa.answer.fallback import closest, correction, not_said, refusal
from qa.answer.guards import guard
from qa.answer.plan import Event, Part, Plan, single_year
from qa.answer.support import Judged, judge
from qa.answer.verify import Claim, is_negative
from qa.evidence.premise import coverage_note, misplaced_names, uncovered_year, unknown_names
from qa.evidence.prompt import canonical, judge_messages, judge_prompt, messages, system_prompt
from qa.evidence.select import anchors_of, idf_table, select_sources
from qa.generate import Generator, GeneratorUnavailable, load_generator
from qa.index import Index
from qa.records import Answer, Hit, Reason
from qa.retrieve import Retrieval, Retriever
from qa.retrieve.followup import rewrite
from qa.settings import Settings

_YES_NO = re.compile(r"^\W*(?:yes|no)\b", re.I)


class Answerer:
    """Answers questions over one index with one (shared, lazily loaded) model."""

    def __init__(
        self, index: Index, settings: Settings, generator: Generator | None = None
    ) -> None:
        self.index = index
        self.settings = settings
        self.profile = index.profile
        self.retriever = Retriever(index, settings)
        self._generator = generator
        self.idf = idf_table(self.retriever.document_frequencies(), len(index.passages))
        # Derived when the index was built (qa.index.facts), not per Answerer.
        self.vocabulary = index.facts.vocabulary
        self.languages = set(index.facts.languages)
        self.year_tokens = self.retriever.year_tokens()
        self.kinds = {d.id: d.kind for d in index.documents.values()}
        self.system = system_prompt(self.profile.description)
        self.judge_system = judge_prompt(self.profile.description)
        self.note = coverage_note(index.years, list(self.kinds.values()), self.profile)

    def warm(self) -> Generator:
        """Load the embedder and the model now, and evaluate both fixed prompts (answering,
        support check) once, so the first reader waits for none of it."""
        self.retriever.search("warm up")
        generator = self.generator
        try:
            generator.judge(judge_messages(self.judge_system, "Warm up?", "Warm up."))
            for _ in generator.stream(messages(self.system, "Warm up?", []), 1):
                pass
        except GeneratorUnavailable:  # a server not up yet: the reader will be told
            pass
        return generator

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = load_generator(self.settings)
        return self._generator

    def ask(
        self, question: Any, history: list[Any] | None = None, years: list[int] | None = None
    ) -> Answer:
        """The finished answer (consumes :meth:`stream`)."""
        final = None
        for event in self.stream(question, history, years):
            if event.kind == "answer":
                final = event.data
        assert final is not None
        return final

    # -- stages ---------------------------------------------------------------------------

    def plan(
        self, question: str, history: list[Any] | None = None, years: list[int] | None = None
    ) -> Plan:
        """Rewrite, retrieve, check the premise and pick the evidence (no model)."""
        standalone = rewrite(question, history, self.profile)
        retrieval = self.retriever.search(self.profile.expand(standalone), years=years)
        plan = Plan(question, standalone, retrieval)
        plan.verdict = self._premise(plan, years)
        if plan.verdict is not None:
            return plan
        per_year = len(retrieval.years) > 1 and years is None
        asked = (
            [(y, single_year(standalone, y)) for y in retrieval.years]
            if per_year
            else [(None, standalone)]
        )
        budget = self.settings.evidence_words // len(asked) + 20 * (len(asked) > 1)
        n = 1
        for year, sub in asked:
            query = self.profile.expand(sub)
            hits = self._own_hits(retrieval, query, year) if per_year else retrieval.hits
            if not hits:
                continue
            dense = self.retriever.sentence_similarities(query, hits)
            sources = select_sources(
                query, hits, dense, self.idf, budget, first=n,
                shape_boost=self.settings.evidence_shape_boost,
                every_passage=self.settings.evidence_every_passage,
                neighbours=self.settings.evidence_neighbours,
                anchors=anchors_of(sub, self.idf),
            )  # fmt: skip
            n += len(sources)
            plan.parts.append(Part(year, sub, sources))
        return plan

    def _own_hits(self, retrieval: Retrieval, query: str, year: int) -> list[Hit]:
        """One side of a comparison searched on its own, in its year (a joint search's top
        passages may all answer the other side); new hits join ``retrieval.hits``, which
        claims point into."""
        known = {h.passage.id: h for h in retrieval.hits}
        own = self.retriever.search(query, years=[year]).hits
        retrieval.hits.extend(h for h in own if h.passage.id not in known)
        return [known.get(h.passage.id, h) for h in own]

    def prepare(
        self, question: Any, history: list[Any] | None = None, years: list[int] | None = None
    ) -> Plan:
        """Everything before the model, in well under a second: the question checked,
        retrieval, premise checks and the evidence. ``plan.done`` holds the answer when no
        model is needed (an invalid question, or one the corpus cannot answer as asked)."""
        t0 = time.perf_counter()
        question, refused = guard(question, self.languages, self.vocabulary)
        if refused is not None:
            plan = Plan(question, question, Retrieval([], [], []), started=t0)
            plan.done = refusal(question, *refused, t0)
            return plan
        plan = self.plan(question, history, years)
        plan.started, plan.retrieved = t0, time.perf_counter()
        if plan.verdict is not None:
            text, reason, claims = plan.verdict
            plan.done = self._answer(plan, claims, text, reason)
        return plan

    def stream(
        self, question: Any, history: list[Any] | None = None, years: list[int] | None = None
    ) -> Iterator[Event]:
        """Events: the retrieved ``sources`` and the ``evidence`` at once, the model's lead
        ``token``s as they come, then the verified ``answer``."""
        plan = self.prepare(question, history, years)
        if plan.retrieved is not None:
            yield Event("sources", plan.retrieval.hits)
        if plan.done is None:
            yield Event("evidence", plan.evidence())
        yield from self.compose(plan)

    def compose(self, plan: Plan) -> Iterator[Event]:
        """The model's lead ``token``s for a prepared plan, then the verified ``answer``.

        When the model cannot be reached, the answer says why and quotes the best-ranked
        evidence sentence of each part, so the reader still sees what the records say."""
        if plan.done is not None:
            yield Event("answer", plan.done)
            return
        t_model = time.perf_counter()
        judged: list[Judged] = []
        negatives: list[bool] = []
        drafts: list[str] = []
        first_token = None
        try:
            for part in plan.parts:
                reply = ""
                prompt = messages(self.system, canonical(part.question), part.sources)
                for piece in self.generator.stream(prompt, self.settings.max_answer_tokens):
                    first_token = first_token or time.perf_counter()
                    reply += piece
                    yield Event("token", piece)
                if len(plan.parts) > 1:
                    yield Event("token", "\n")
                drafts.append(reply)
                negative = not reply.strip() or is_negative(reply)
                negatives.append(negative)
                backed = self._backed(plan, part, reply, negative)
                if not backed and not negative and self.settings.recover_unbacked:
                    backed = closest(plan, each_part=True, parts=[part])
                hits, checks = plan.retrieval.hits, self.settings.support_checks
                judged += judge(self.generator, self.judge_system, part, backed, hits, checks)
        except GeneratorUnavailable as exc:
            yield Event("answer", self._unavailable(plan, str(exc)))
            return
        t_generated = time.perf_counter()
        kept = [j.claim for j in judged if j.score >= self.settings.support_threshold]
        if kept:
            answer = self._answer(plan, kept, None, None)
        else:
            best = max(judged, key=lambda j: j.score, default=None)
            nearest = [best.claim] if best else closest(plan) if not all(negatives) else []
            reason = (
                Reason.NOT_STATED if best else
                Reason.NOTHING_VERIFIED if nearest else Reason.NO_ANSWER
            )  # fmt: skip
            answer = self._answer(plan, nearest, not_said(plan, self.note, nearest), reason)
        scores = {(plan.retrieval.hits[j.claim.source].passage.id, j.claim.quote): j.score
                  for j in judged}  # fmt: skip
        answer.citations = [
            replace(c, support=scores.get((c.passage_id, c.quote))) for c in answer.citations
        ]
        answer.draft = "\n".join(drafts)
        answer.timings["generate_ms"] = (t_generated - t_model) * 1000
        if first_token is not None:
            answer.timings["first_token_ms"] = (first_token - plan.started) * 1000
        yield Event("answer", answer)

    def _unavailable(self, plan: Plan, why: str) -> Answer:
        """The evidence without the model: each part's best-ranked sentence, quoted."""
        claims = closest(plan, each_part=True)
        text = (
            f"The model could not write this answer: {why}. The best-ranked evidence, "
            "quoted as it stands (ask again when the model is back):"
        )
        answer = self._answer(plan, claims, text, Reason.MODEL_UNAVAILABLE)
        answer.abstained = False  # the corpus may well answer: the model was not asked
        return answer

    def _backed(self, plan: Plan, part: Part, reply: str, negative: bool) -> list[Claim]:
        """The part's claims: the sentences the model read that state its lead's items,
        each quoted whole (see :mod:`qa.answer.claims`); a bare "yes" or "no", which states
        nothing to check, gets the best-ranked evidence sentence instead. Then up to
        ``extra_quotes`` more of the best-ranked evidence sentences."""
        hits = plan.retrieval.hits
        if negative or not part.sources:
            return []
        lead = " ".join(reply.split())
        backed = backed_sentences(lead, part.sources, self.idf, part.question)
        found = [Claim("", hits.index(part.sources[b.source].hit), b.text) for b in backed]
        quoted = {c.quote for c in found}
        ranked = sorted(part.sources, key=lambda s: -s.best_score)
        extra = [
            Claim("", hits.index(s.hit), s.best_sentence())
            for s in ranked
            if s.best_sentence() not in quoted
        ]
        bare = bool(_YES_NO.match(lead)) and not found
        if found or bare or self.settings.quote_when_unbacked:
            found += extra[: self.settings.extra_quotes + (not found)]
        dated = part.year is not None or (not plan.retrieval.years and len(self.index.years) > 1)
        if dated:  # which year's record says it: asked of one year, or of none in a dated corpus
            found = [
                Claim(str(hits[c.source].passage.year or ""), c.source, c.quote) for c in found
            ]
        return found

    def _premise(
        self, plan: Plan, explicit: list[int] | None
    ) -> tuple[str, Reason, list[Claim]] | None:
        """(answer text, reason, claims) when the question cannot be answered as asked."""
        question, covered = plan.standalone, plan.retrieval.years
        other = plan.retrieval.other_years
        year = uncovered_year(question, covered, other)
        if year or (explicit is not None and not covered):
            named = year or ", ".join(map(str, other))
            return f"The corpus has no record from {named}. {self.note}", Reason.YEAR, []
        missing = unknown_names(question, self.vocabulary, self.idf)
        if missing:
            listed = " or ".join(dict.fromkeys(missing))
            return f"The corpus does not mention {listed}. {self.note}", Reason.UNKNOWN_NAME, []
        misplaced = misplaced_names(question, covered, self.year_tokens, self.idf, self.profile)
        if misplaced:
            return correction(covered, misplaced, plan.retrieval.hits, self.kinds)
        return None

    # -- the answer record ----------------------------------------------------------------

    def _answer(
        self, plan: Plan, claims: list[Claim], lead: str | None, reason: Reason | None
    ) -> Answer:
        retrieved = plan.retrieved if plan.retrieved is not None else plan.started
        body, citations = reply_text(claims, plan.retrieval.hits, self.index.source)
        text = "\n".join(t for t in (lead, body) if t)
        return Answer(
            question=plan.question,
            answer=text,
            abstained=reason is not None,
            citations=citations,
            hits=plan.retrieval.hits,
            rewritten_question=plan.standalone,
            evidence=plan.evidence(),
            timings={
                "retrieve_ms": (retrieved - plan.started) * 1000,
                "generate_ms": 0.0,
                "total_ms": (time.perf_counter() - plan.started) * 1000,
            },
            reason=reason,
        )
