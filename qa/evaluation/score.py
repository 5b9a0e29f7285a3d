"""Score retrieval against the evaluation set: recall@k of gold quotes by method and kind.

Recall of a question at k is the share of its gold quotes covered by the top-k passages;
questions without gold quotes (the unanswerable ones) are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.evaluation.evalset import EvalQuestion, covers, locate
from qa.retrieve import METHODS, Method, Retriever
from qa.retrieve.followup import rewrite

KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class RetrievalScore:
    """One question's recall at each k for one method."""

    id: str
    kind: str
    method: Method
    recall: dict[int, float]


def score_retrieval(
    retriever: Retriever,
    questions: Iterable[EvalQuestion],
    corpus_dir: Path,
    methods: Iterable[Method] = METHODS,
) -> list[RetrievalScore]:
    """Recall@1/3/5/10 for every question with gold quotes, for each method."""
    scores = []
    for q in questions:
        if not q.gold_quotes:
            continue
        spans = [(g.doc, locate(corpus_dir, g)) for g in q.gold_quotes]
        query = rewrite(q.question, q.history, retriever.index.profile)
        for method in methods:
            recall = {}
            for k in KS:  # searched per k: the soft year filter fills the last slots
                top = retriever.search(query, k=k, method=method).hits
                found = sum(
                    any(
                        covers(h.passage.doc, h.passage.char_start, h.passage.char_end, d, s)
                        for h in top
                    )
                    for d, s in spans
                )
                recall[k] = found / len(spans)
            scores.append(RetrievalScore(q.id, q.kind, method, recall))
    return scores


def summarise(scores: list[RetrievalScore]) -> dict[str, dict[str, dict[int, float]]]:
    """{group: {method: {k: mean recall}}}, groups being "overall" and each kind."""
    buckets: dict[tuple[str, str], list[RetrievalScore]] = defaultdict(list)
    for s in scores:
        buckets[("overall", s.method)].append(s)
        buckets[(s.kind, s.method)].append(s)
    table: dict[str, dict[str, dict[int, float]]] = defaultdict(dict)
    for (group, method), items in buckets.items():
        table[group][method] = {k: sum(i.recall[k] for i in items) / len(items) for k in KS}
    return dict(table)


def format_table(table: dict[str, dict[str, dict[int, float]]], counts: dict[str, int]) -> str:
    """A markdown table: one row per group, recall@k columns per method."""
    methods = [m for m in METHODS if any(m in row for row in table.values())]
    head = ["group", "n"] + [f"{m} @{k}" for m in methods for k in KS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    groups = ["overall", *sorted(g for g in table if g != "overall")]
    for g in groups:
        cells = [g, str(counts.get(g, 0))]
        cells += [f"{table[g][m][k]:.2f}" for m in methods for k in KS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- end-to-end answers ------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerScore:
    """How one answer did against its question's reference."""

    id: str
    kind: str
    answerable: bool
    abstained: bool
    correct: bool
    citations: int
    precise_citations: int
    gold_cited: float | None
    recall_at_5: float | None
    total_ms: float
    first_token_ms: float | None
    answer: str
    split: str = "dev"
    # The funnel: key facts present in the top-5 passages, in what the model read, in the reply.
    facts_passages: bool | None = None
    facts_evidence: bool | None = None
    facts_answer: bool | None = None


def key_phrases_present(answer: str, phrases: list[str | list[str]]) -> bool:
    """Every key phrase (or one of its alternatives) occurs in the answer, case-insensitively.

    >>> key_phrases_present("Ivan Simonović moderated", [["Šimonović", "Simonović"]])
    True
    >>> key_phrases_present("73 states", ["73", "European Union"])
    False
    """
    low = answer.lower()
    return all(any(o.lower() in low for o in ([p] if isinstance(p, str) else p)) for p in phrases)


def score_answer(q: EvalQuestion, result: dict, corpus_dir: Path) -> AnswerScore:
    """Score one ``qa ask --json`` object against the reference."""
    spans = [(g.doc, locate(corpus_dir, g)) for g in q.gold_quotes]

    def holds_gold(item: dict) -> bool:
        start, end = _span_of(item)
        return any(covers(item["doc"], start, end, d, s) for d, s in spans)

    abstained = bool(result["abstained"])
    if q.answerable:
        correct = not abstained and key_phrases_present(result["answer"], q.key_phrases)
    else:
        correct = abstained
    cites = result["citations"]
    precise = sum(holds_gold(c) for c in cites) if spans else 0
    gold_cited = None
    recall5 = None
    if spans:
        gold_cited = sum(
            any(covers(c["doc"], *_span_of(c), d, s) for c in cites) for d, s in spans
        ) / len(spans)
        top = result["passages"][:5]
        recall5 = sum(any(covers(p["doc"], *_span_of(p), d, s) for p in top) for d, s in spans)
        recall5 /= len(spans)
    t = result.get("timings", {})
    facts: dict[str, bool | None] = {"passages": None, "evidence": None, "answer": None}
    if q.answerable and q.key_phrases:
        top5 = " ".join(p["text"] for p in result["passages"][:5])
        evidence = " ".join(e["text"] for e in result.get("evidence", []))
        facts = {
            "passages": key_phrases_present(top5, q.key_phrases),
            "evidence": key_phrases_present(evidence, q.key_phrases),
            "answer": correct,
        }
    return AnswerScore(
        id=q.id,
        kind=q.kind,
        answerable=q.answerable,
        abstained=abstained,
        correct=correct,
        citations=len(cites) if spans else 0,
        precise_citations=precise,
        gold_cited=gold_cited,
        recall_at_5=recall5,
        total_ms=float(t.get("total_ms", 0.0)),
        first_token_ms=t.get("first_token_ms"),
        answer=result["answer"],
        split=q.split,
        facts_passages=facts["passages"],
        facts_evidence=facts["evidence"],
        facts_answer=facts["answer"],
    )


def _span_of(item: dict) -> tuple[int, int]:
    """A cited or retrieved passage's character span (``passage_id`` names doc#ordinal)."""
    return int(item["char_start"]), int(item["char_end"])


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank ``q`` quantile (None for no values).

    >>> percentile([3.0, 1.0, 2.0], 0.5)
    2.0
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _share(flags: list[bool | None]) -> float | None:
    """Share of true among the flags that apply (None: not applicable)."""
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else None


def summarise_answers(scores: list[AnswerScore]) -> dict[str, dict[str, float | int | None]]:
    """Metrics overall and by kind."""
    groups: dict[str, list[AnswerScore]] = defaultdict(list)
    for s in scores:
        groups["overall"].append(s)
        groups[s.kind].append(s)
    out: dict[str, dict[str, float | int | None]] = {}
    for name, items in groups.items():
        answerable = [s for s in items if s.answerable]
        unanswerable = [s for s in items if not s.answerable]
        cites = sum(s.citations for s in items)
        gold = [s.gold_cited for s in answerable if s.gold_cited is not None]
        recall5 = [s.recall_at_5 for s in items if s.recall_at_5 is not None]
        totals = [s.total_ms for s in items]
        first = [s.first_token_ms for s in items if s.first_token_ms is not None]
        funnel = {
            f"facts_{stage}": _share([getattr(s, f"facts_{stage}") for s in items])
            for stage in ("passages", "evidence", "answer")
        }
        out[name] = {
            **funnel,
            "n": len(items),
            "correct": sum(s.correct for s in items) / len(items),
            "citation_precision": (sum(s.precise_citations for s in items) / cites)
            if cites
            else None,
            "citation_recall": sum(gold) / len(gold) if gold else None,
            "unanswerable_abstained": sum(s.abstained for s in unanswerable),
            "unanswerable": len(unanswerable),
            "answerable_refused": (
                sum(s.abstained for s in answerable) / len(answerable) if answerable else None
            ),
            "recall_at_5": sum(recall5) / len(recall5) if recall5 else None,
            "p50_ms": percentile(totals, 0.5),
            "p95_ms": percentile(totals, 0.95),
            "first_token_p50_ms": percentile(first, 0.5),
        }
    return out


# -- the funnel without the model -----------------------------------------------------------


@dataclass(frozen=True)
class EvidenceScore:
    """Whether one question's key facts reached the top-5 passages and the evidence."""

    id: str
    kind: str
    split: str
    passages: bool
    evidence: bool
    evidence_words: int


def score_evidence(plans: Iterable[tuple[EvalQuestion, Any]]) -> list[EvidenceScore]:
    """The funnel's first two stages for (question, :class:`qa.answer.Plan`) pairs.

    Questions without key phrases (unanswerable), and plans the premise checks answered, count
    as losing the facts only when the question was answerable.
    """
    out = []
    for q, plan in plans:
        if not (q.answerable and q.key_phrases):
            continue
        top5 = " ".join(h.passage.text for h in plan.retrieval.hits[:5])
        evidence = [e["text"] for e in plan.evidence()]
        out.append(
            EvidenceScore(
                q.id,
                q.kind,
                q.split,
                key_phrases_present(top5, q.key_phrases),
                key_phrases_present(" ".join(evidence), q.key_phrases),
                sum(len(t.split()) for t in evidence),
            )
        )
    return out


def summarise_evidence(scores: list[EvidenceScore]) -> dict[str, dict[str, float]]:
    """{group: {n, passages, evidence, words}} for "overall" and each kind."""
    groups: dict[str, list[EvidenceScore]] = defaultdict(list)
    for s in scores:
        groups["overall"].append(s)
        groups[s.kind].append(s)
    return {
        name: {
            "n": len(items),
            "passages": sum(s.passages for s in items) / len(items),
            "evidence": sum(s.evidence for s in items) / len(items),
            "words": sum(s.evidence_words for s in items) / len(items),
        }
        for name, items in groups.items()
    }
