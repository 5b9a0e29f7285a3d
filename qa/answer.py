"""Question in, cited answer out: rewrite, retrieve, check the premise, ask the model, verify.

The model drafts; the evidence decides. Every ``[n]`` of the final answer names a passage that
was retrieved and comes with the exact sentence that supports its claim. When the corpus does
not answer — a year it does not cover, a name it never mentions, a draft that no source
supports, or the model's own "not in sources" — the answer says so and ``abstained`` is true.

>>> # answerer = Answerer(ensure_index(settings), settings)
>>> # answerer.ask("who moderated the panel in 2014?").answer
>>> # 'Mr. Adama Dieng, Special Adviser ..., moderated the panel [1].'
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qa.evidence import idf_table, select_sources
from qa.followup import rewrite
from qa.generator import Generator, load_generator
from qa.index import Index
from qa.passages import sentence_spans
from qa.premise import coverage_note, misplaced_names, uncovered_year, unknown_names
from qa.prompt import messages, parse_reply
from qa.question import QuestionError, clean_question
from qa.records import Answer, Citation, Hit
from qa.retrieve import Retriever
from qa.settings import Settings
from qa.tokenize import tokenize
from qa.verify import Claim, focus_coverage, fold, is_negative, verify_draft

_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:documents?|sources?|corpus|"
    r"instructions?|rules?|prompt|context)\b|\byou are now\b|\bsystem prompt\b",
    re.I,
)


_YEAR_LIST = re.compile(
    r"\b(?:19|20)\d\d(?:\s*(?:,|and|vs\.?|versus|to|or|&|-|–)\s*(?:in\s+)?(?:19|20)\d\d)+\b"
)


def _single_year(question: str, year: int, years: list[int]) -> str:
    """The question asked of one year: "the 2014 and 2017 themes" → "the 2014 themes".

    >>> _single_year("compare the 2014 and 2017 themes", 2017, [2014, 2017])
    'compare the 2017 themes'
    >>> _single_year("who spoke in 2014 and in 2016?", 2014, [2014, 2016])
    'who spoke in 2014?'
    """
    single = _YEAR_LIST.sub(str(year), question)
    if single == question:  # years scattered in the sentence: name just this one
        single = re.sub(r"\b(?:19|20)\d\d\b", str(year), question)
    return single


def _dated(text: str, year: int) -> str:
    """Prefix a claim with its year unless it names it already."""
    return text if str(year) in text else f"{year}: {text}"


def _complete_sentences(draft: str) -> str:
    """The draft without a trailing fragment cut off by the token limit."""
    draft = draft.strip()
    if draft.endswith((".", "!", "?", "”", '"', ")")) or len(draft.split()) < 35:
        return draft
    spans = sentence_spans(draft)
    return draft[: spans[-2][1]] if len(spans) > 1 else draft


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: ``sources`` (hits), ``token`` (draft text), ``answer``."""

    kind: str
    data: Any


class Answerer:
    """Answers questions over one index with one (shared, lazily loaded) model."""

    def __init__(
        self, index: Index, settings: Settings, generator: Generator | None = None
    ) -> None:
        self.index = index
        self.settings = settings
        self.retriever = Retriever(index, settings)
        self._generator = generator
        token_sets = self.retriever.token_sets()
        self.idf = idf_table(token_sets)
        self.vocabulary = {
            fold(w) for p in index.passages for w in re.findall(r"[\w’']+", p.text)
        } | {fold(w) for d in index.documents.values() for w in re.findall(r"\w+", d.title)}
        self.year_tokens: dict[int, set[str]] = {}
        for p, tokens in zip(index.passages, token_sets):
            if p.year is not None:
                self.year_tokens.setdefault(p.year, set()).update(tokens)
        self.kinds = {d.id: d.kind for d in index.documents.values()}
        self.terms = set(self.idf)

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = load_generator(self.settings)
        return self._generator

    def ask(
        self, question: Any, history: list[dict[str, str]] | None = None,
        years: list[int] | None = None,
    ) -> Answer:  # fmt: skip
        """The finished answer (consumes :meth:`stream`)."""
        final = None
        for event in self.stream(question, history, years):
            if event.kind == "answer":
                final = event.data
        assert final is not None
        return final

    def stream(
        self, question: Any, history: list[dict[str, str]] | None = None,
        years: list[int] | None = None,
    ) -> Iterator[Event]:  # fmt: skip
        """Events: the retrieved ``sources`` at once, the model's draft ``token``s as they
        come, then the verified ``answer`` (which may differ from the draft)."""
        t0 = time.perf_counter()
        raw = question if isinstance(question, str) else str(question or "")
        try:
            question = clean_question(question)
        except QuestionError as exc:
            yield Event("answer", self._refusal(raw, raw, str(exc), "invalid question", [], t0))
            return
        if _OVERRIDE.search(question):
            msg = (
                "I can only answer from the documents in the corpus, and I don't change my "
                "instructions. Ask a question about the documents instead."
            )
            yield Event("answer", self._refusal(question, question, msg, "instruction", [], t0))
            return
        standalone = rewrite(question, history)
        result = self.retriever.search(standalone, years=years)
        hits = result.hits
        t_retrieved = time.perf_counter()
        yield Event("sources", hits)

        verdict = self._premise(standalone, result.years, result.other_years, hits, years)
        if verdict is not None:
            text, reason, claims = verdict
            yield Event(
                "answer",
                self._compose(question, standalone, hits, claims, text, reason, t0, t_retrieved),
            )
            return

        # A question naming several years is answered year by year: one short draft per
        # year, each from that year's passages only (so numbers cannot cross years).
        per_year = len(result.years) > 1 and years is None
        parts = (
            [(y, _single_year(standalone, y, result.years)) for y in result.years]
            if per_year
            else [(None, standalone)]
        )
        budget = self.settings.evidence_words // len(parts) + 20 * (len(parts) > 1)
        drafts: list[str] = []
        negatives: list[bool] = []
        claims: list[Claim] = []
        first_token = None
        for year, sub in parts:
            part_hits = [h for h in hits if year is None or h.passage.year == year]
            if not part_hits:
                continue
            dense = self.retriever.sentence_similarities(sub, part_hits)
            sources = select_sources(sub, part_hits, dense, self.idf, budget)
            reply = ""
            if per_year:
                yield Event("token", f"{year}: ")
            for piece in self.generator.stream(
                messages(sub, sources, self.kinds), self.settings.max_answer_tokens
            ):
                if first_token is None:
                    first_token = time.perf_counter()
                reply += piece
                yield Event("token", piece)
            if per_year:
                yield Event("token", "\n")
            drafts.append(f"{year}: {reply}" if per_year else reply)
            negatives.append(not reply.strip() or is_negative(reply))
            found = self._verified(sub, reply, [s.hit for s in sources])
            if per_year:
                found = [Claim(_dated(c.text, year), c.source, c.quote) for c in found]
            source_hits = [src.hit for src in sources]
            claims += [Claim(c.text, hits.index(source_hits[c.source]), c.quote) for c in found]
        t_generated = time.perf_counter()
        draft_text = "\n".join(drafts)
        if claims:
            answer = self._compose(question, standalone, hits, claims, None, None, t0, t_retrieved)
        else:
            reason = "model found no answer" if all(negatives) else "no claim could be verified"
            answer = self._compose(
                question, standalone, hits, [], self._not_said(result.years), reason,
                t0, t_retrieved,
            )  # fmt: skip
        answer.draft = draft_text
        answer.timings["generate_ms"] = (t_generated - t_retrieved) * 1000
        if first_token is not None:
            answer.timings["first_token_ms"] = (first_token - t0) * 1000
        yield Event("answer", answer)

    def _verified(self, question: str, reply: str, source_hits: list[Hit]) -> list[Claim]:
        """The reply's claims that the sources support (indexes into ``source_hits``)."""
        draft, cited = parse_reply(reply)
        if not draft or is_negative(draft):
            return []
        claims = verify_draft(
            _complete_sentences(draft), source_hits, self.idf, cited, question=question
        )
        if self.settings.min_focus > 0:
            claims = [
                c
                for c in claims
                if focus_coverage(question, source_hits[c.source].passage.text, self.idf,
                                  self.terms) >= self.settings.min_focus
            ]  # fmt: skip
        return claims

    # -- abstention and correction ------------------------------------------------------

    def _premise(
        self, question: str, covered: list[int], other: list[int], hits: list[Hit],
        explicit: list[int] | None,
    ) -> tuple[str, str, list[Claim]] | None:  # fmt: skip
        """(answer text, reason, claims) when the question cannot be answered as asked."""
        note = coverage_note(self.index.years, list(self.kinds.values()))
        year = uncovered_year(question, covered, other)
        if year or (explicit is not None and not covered):
            named = year or ", ".join(map(str, other))
            return f"The corpus has no record of a {named} dialogue. {note}", "year", []
        missing = unknown_names(question, self.vocabulary)
        if missing:
            listed = " or ".join(dict.fromkeys(missing))
            return f"The corpus does not mention {listed}. {note}", "unknown name", []
        misplaced = misplaced_names(question, covered, self.year_tokens)
        if misplaced:
            return self._correction(covered, misplaced, hits)
        return None

    def _correction(
        self, years: list[int], misplaced: list[tuple[str, list[int]]], hits: list[Hit]
    ) -> tuple[str, str, list[Claim]]:
        """Say the asked-for year never mentions the names, and cite where they do appear."""
        names = [name for name, _ in misplaced]
        asked = " and ".join(map(str, years))
        text = f"The {asked} records do not mention {' or '.join(names)}"
        names = list(names)
        claims: list[Claim] = []
        for i, hit in enumerate(hits):
            if hit.passage.year in years:
                continue
            for sentence in hit.passage.sentence_texts():
                tokens = set(tokenize([sentence])[0])
                found = [n for n in names if set(tokenize([n])[0]) <= tokens]
                if found:
                    kind = self.kinds.get(hit.passage.doc_id, "record")
                    claims.append(
                        Claim(
                            f"The {hit.passage.year} {kind} mentions {' and '.join(found)}: "
                            f"“{sentence.rstrip('.')}”",
                            i,
                            sentence,
                        )
                    )
                    names = [n for n in names if n not in found]
                    break
            if not names:
                break
        return text + ".", "false premise", claims

    def _not_said(self, years: list[int]) -> str:
        scope = f" for {' and '.join(map(str, years))}" if years else ""
        return f"The corpus does not say{scope}: no passage supports an answer. " + coverage_note(
            self.index.years, list(self.kinds.values())
        )

    # -- assembling the answer ----------------------------------------------------------

    def _refusal(
        self, question: str, standalone: str, message: str, reason: str, hits: list[Hit],
        t0: float,
    ) -> Answer:  # fmt: skip
        return Answer(
            question=question,
            answer=message,
            abstained=True,
            citations=[],
            hits=hits,
            rewritten_question=standalone,
            timings={"retrieve_ms": 0.0, "generate_ms": 0.0,
                     "total_ms": (time.perf_counter() - t0) * 1000},
            reason=reason,
        )  # fmt: skip

    def _compose(
        self, question: str, standalone: str, hits: list[Hit], claims: list[Claim],
        lead: str | None, reason: str | None, t0: float, t_retrieved: float,
    ) -> Answer:  # fmt: skip
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        sentences = [lead] if lead else []
        for claim in claims:
            if claim.source not in numbers:
                numbers[claim.source] = len(numbers) + 1
                hit = hits[claim.source]
                start, end = self._locate(hit, claim.quote)
                citations.append(
                    Citation(
                        n=numbers[claim.source],
                        passage_id=hit.passage.id,
                        doc=hit.passage.doc,
                        year=hit.passage.year,
                        text=hit.passage.text,
                        quote=claim.quote,
                        char_start=hit.passage.char_start,
                        char_end=hit.passage.char_end,
                        quote_start=start,
                        quote_end=end,
                    )
                )
            text = claim.text.rstrip(".")
            if len(text.split()) < 6 and claim.quote:  # a bare "73": show what it rests on
                text = f"{text}: “{claim.quote.rstrip('.')}”"
            sentences.append(f"{text} [{numbers[claim.source]}].")
        now = time.perf_counter()
        return Answer(
            question=question,
            answer=" ".join(sentences),
            abstained=reason is not None,
            citations=citations,
            hits=hits,
            rewritten_question=standalone,
            timings={
                "retrieve_ms": (t_retrieved - t0) * 1000,
                "generate_ms": 0.0,
                "total_ms": (now - t0) * 1000,
            },
            reason=reason,
        )

    def _locate(self, hit: Hit, quote: str) -> tuple[int | None, int | None]:
        """The quote's span in the original file (white space and markup may differ)."""
        doc = self.index.documents.get(hit.passage.doc_id)
        words = quote.split()
        if doc is None or not words:
            return None, None
        pattern = r"\W*".join(re.escape(w) for w in words)
        span = doc.text[hit.passage.char_start : hit.passage.char_end]
        m = re.search(pattern, span)
        if not m:
            return None, None
        return hit.passage.char_start + m.start(), hit.passage.char_start + m.end()
