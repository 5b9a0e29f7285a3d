"""Score retrieval against the evaluation set: recall@k of gold quotes by method and kind.

Recall of a question at k is the share of its gold quotes covered by the top-k passages;
questions without gold quotes (the unanswerable ones) are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.evalset import EvalQuestion, covers, locate
from qa.followup import rewrite
from qa.retrieve import METHODS, Method, Retriever

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
        query = rewrite(q.question, q.history)
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
