"""Evaluation on a question set: eval (retrieval, evidence or full answers)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.cli.common import (
    BackendOpt,
    CorpusOpt,
    IndexOpt,
    answerer_for,
    app,
    cli_settings,
    err,
    fail,
    open_index,
)
from qa.settings import PROJECT_ROOT, Settings


@app.command("eval")
def evaluate(
    retrieval: Annotated[
        bool, typer.Option("--retrieval", help="Score retrieval only (recall@k by method).")
    ] = False,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence",
            help="Score the funnel up to what the model reads (key facts in the top-5 "
            "passages and in the evidence), without the model.",
        ),
    ] = False,
    questions: Annotated[
        Path, typer.Option("--questions", help="Evaluation set (JSONL).")
    ] = PROJECT_ROOT / "eval" / "questions.jsonl",
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the dated report (markdown, PNG, JSON).")
    ] = PROJECT_ROOT / "eval" / "reports",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N only.")] = None,
    split: Annotated[
        str | None,
        typer.Option("--split", help="Only this part: 'test' (frozen, report it) or 'dev'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    backend: BackendOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Evaluate on the question set: retrieval only, or full answers with a dated report."""
    from qa.evaluation.evalset import load_questions
    from qa.evaluation.score import format_table, score_retrieval, summarise

    settings = cli_settings(corpus, index, backend=backend)
    try:
        items = load_questions(questions, split)[:limit]
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    if evidence:
        _evaluate_evidence(settings, items, as_json)
        return
    if retrieval:
        from qa.retrieve import Retriever

        retriever = Retriever(open_index(settings), settings)
        try:
            scores = score_retrieval(retriever, items, settings.corpus_dir)
        except (OSError, ValueError) as exc:
            raise fail(str(exc)) from None
        table = summarise(scores)
        counts = Counter(s.kind for s in scores if s.method == "hybrid")
        counts["overall"] = sum(counts.values())
        if as_json:
            typer.echo(json.dumps({"counts": counts, "recall": table}, indent=2))
        else:
            typer.echo(f"retrieval recall@k of gold quotes, {counts['overall']} questions\n")
            typer.echo(format_table(table, counts))
        return
    _evaluate_answers(settings, items, questions, out, as_json)


def _evaluate_evidence(settings: Settings, items: list[Any], as_json: bool) -> None:
    from qa.answer import Answerer
    from qa.evaluation.score import score_evidence, summarise_evidence

    answerer = Answerer(open_index(settings), settings)  # the model is never loaded
    splits = sorted({q.split for q in items}, key=lambda name: name != "test")
    report = {}
    for name in splits:
        part = [q for q in items if q.split == name]
        scores = score_evidence((q, answerer.plan(q.question, q.history)) for q in part)
        report[name] = summarise_evidence(scores)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for name, table in report.items():
        typer.echo(f"\n{name}: key facts in the top-5 passages / in the evidence the model reads")
        typer.echo("| group | n | top-5 | evidence | evidence words |\n|---|---|---|---|---|")
        for group in ["overall", *sorted(g for g in table if g != "overall")]:
            row = table[group]
            typer.echo(
                f"| {group} | {row['n']} | {row['passages']:.2f} | {row['evidence']:.2f} "
                f"| {row['words']:.0f} |"
            )


def _evaluate_answers(
    settings: Settings, items: list[Any], questions: Path, out: Path, as_json: bool
) -> None:
    from qa.evaluation.report import table, write_report
    from qa.evaluation.score import score_answer, summarise_answers
    from qa.progress import steps

    answerer = answerer_for(settings)
    t0 = time.perf_counter()
    scores, rows = [], []
    bar = steps(len(items), "answering", "questions", err, not as_json, settings.progress_seconds)
    for q in bar.wrap(items):
        result = answerer.ask(q.question, q.history).to_dict(q.id)
        score = score_answer(q, result, settings.corpus_dir)
        scores.append(score)
        rows.append({**result, "kind": q.kind, "split": q.split, "correct": score.correct,
                     "reference": q.answer})  # fmt: skip
    splits = sorted({s.split for s in scores}, key=lambda name: name != "test")
    summaries = {name: summarise_answers([s for s in scores if s.split == name]) for name in splits}
    meta = {
        "questions": len(items),
        "question_file": str(questions),
        "backend": f"server {settings.llm_url}" if settings.llm_url else settings.backend,
        "wall_s": time.perf_counter() - t0,
    }
    path = write_report(out, summaries, rows, meta)
    if as_json:
        typer.echo(json.dumps({"summaries": summaries, "report": str(path)}, indent=2))
    else:
        for name, summary in summaries.items():
            typer.echo(f"\n{name}:\n{table(summary)}")
        typer.echo(f"\nreport: {path}")
