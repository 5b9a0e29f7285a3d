"""Answers: ask (one question or a batch) and chat."""

from __future__ import annotations

import json
import textwrap
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
    questions,
)


def _print_answer(result: dict[str, Any]) -> None:
    """The reply (its quotes are in it), then where each ``[n]`` comes from."""
    from qa.records import Citation

    typer.echo(result["answer"])
    if result["citations"]:
        typer.echo("")
        for c in result["citations"]:
            where = Citation(**c).where()
            typer.echo(textwrap.fill(f"[{c['n']}] {where}", 100, subsequent_indent="    "))


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help='JSONL file of {"id", "question", "history"} lines.'),
    ] = None,
    year: Annotated[
        list[int] | None, typer.Option("--year", help="Only these dialogue years (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON objects.")] = False,
    backend: BackendOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Answer a question with citations (or say that the corpus does not say)."""
    items = questions(question, batch)
    settings = cli_settings(corpus, index, backend=backend)
    answerer = answerer_for(settings)
    for item in items:
        if "error" in item:
            result = {"id": item["id"], "question": None, "error": item["error"]}
        else:
            history = item.get("history") if isinstance(item.get("history"), list) else None
            result = answerer.ask(item.get("question"), history, year or None).to_dict(
                item.get("id")
            )
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        elif "error" in result:
            err(f"error: {result['error']}")
        else:
            _print_answer(result)


@app.command()
def chat(
    backend: BackendOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Talk in the terminal: follow-ups use the conversation. /new starts over, /quit ends."""
    settings = cli_settings(corpus, index, backend=backend)
    answerer = answerer_for(settings)
    history: list[dict[str, str]] = []
    typer.echo("Ask about the corpus. /new starts a new conversation, /quit (or Ctrl-D) ends.")
    while True:
        try:
            line = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if line.strip() in ("/quit", "/exit"):
            return
        if line.strip() == "/new":
            history = []
            typer.echo("(new conversation)")
            continue
        if not line.strip():
            continue
        answer = answerer.ask(line, history)
        _print_answer(answer.to_dict())
        history += [
            {"role": "user", "content": answer.rewritten_question},
            {"role": "assistant", "content": answer.answer},
        ]
