"""Retrieval alone: search, one question or a batch."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.cli.common import CorpusOpt, IndexOpt, app, cli_settings, err, open_index, questions


def _search_one(retriever: Any, item: dict[str, Any], years: list[int] | None) -> dict[str, Any]:
    from qa.retrieve.question import QuestionError, clean_question

    out: dict[str, Any] = {"id": item.get("id"), "question": item.get("question")}
    if "error" in item:
        return {**out, "error": item["error"], "passages": []}
    try:
        question = clean_question(item.get("question"))
    except QuestionError as exc:
        return {**out, "error": str(exc), "passages": []}
    t0 = time.perf_counter()
    result = retriever.search(question, years=years)
    return {
        **out,
        "years": result.years,
        "other_years": result.other_years,
        "passages": [h.to_dict() for h in result.hits],
        "timings": {"retrieve_ms": round((time.perf_counter() - t0) * 1000, 1)},
    }


@app.command()
def search(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help='JSONL file of {"id", "question"} lines.')
    ] = None,
    year: Annotated[
        list[int] | None, typer.Option("--year", help="Only these dialogue years (repeatable).")
    ] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, max=50, help="Passages to return.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON objects.")] = False,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Show the passages that best answer a question (hybrid BM25 + dense retrieval)."""
    from qa.retrieve import Retriever

    items = questions(question, batch)
    settings = cli_settings(corpus, index, top_k=k)
    retriever = Retriever(open_index(settings, quiet=as_json), settings)
    failed = 0
    for item in items:
        result = _search_one(retriever, item, year or None)
        failed += "error" in result
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            _print_result(result)
    if failed and not as_json:
        raise typer.Exit(1)


def _print_result(result: dict[str, Any]) -> None:
    if "error" in result:
        err(f"error: {result['error']}")
        return
    if result["other_years"]:
        years = ", ".join(map(str, result["other_years"]))
        err(f"note: the corpus has no dialogue from {years}; searched everything")
    if not result["passages"]:
        typer.echo("no passages found")
    for n, p in enumerate(result["passages"], 1):
        typer.echo(f"[{n}] {p['doc']} · {p['year']} · score {p['score']:.4f}")
        typer.echo(textwrap.indent(textwrap.fill(p["text"], 96), "    "))
