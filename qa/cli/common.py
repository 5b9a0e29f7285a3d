"""What every command of the ``qa`` command line shares: the app, options, settings and the
one-line messages. Messages and progress go to stderr; ``--json`` output alone goes to
stdout, so it can be piped."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Question answering with checkable citations over a folder of documents, offline.",
)

CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Folder of documents (QA_CORPUS_DIR).")
]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (QA_INDEX_DIR).")]
BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="Generation backend: llama_cpp or transformers (QA_BACKEND)."),
]


def err(message: str) -> None:
    typer.echo(message, err=True)


def cli_settings(corpus: Path | None = None, index: Path | None = None, **extra: Any) -> Settings:
    update: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if corpus is not None:
        update["corpus_dir"] = corpus.resolve()
    if index is not None:
        update["index_dir"] = index.resolve()
    try:
        return load_settings().model_copy(update=update)
    except SettingsError as exc:
        raise fail(str(exc), code=2) from None


def fail(message: str, code: int = 1) -> typer.Exit:
    err(f"error: {message}")
    return typer.Exit(code)


def open_index(settings: Settings, quiet: bool = False, strict: bool = False):  # -> Index
    from qa.index import ensure_index

    return ensure_index(settings, log=err, progress=not quiet, strict=strict)


def questions(question: str | None, batch: Path | None) -> list[dict[str, Any]]:
    """The items a command answers: one ``question`` or the lines of a ``batch`` file."""
    if (question is None) == (batch is None):
        raise fail("give a QUESTION or --batch FILE (one of the two)", 2)
    return read_batch(batch) if batch else [{"id": None, "question": question}]


def read_batch(path: Path) -> list[dict[str, Any]]:
    """Lines of a JSONL file; a bad line becomes an item with an ``error``."""
    if not path.is_file():
        raise fail(f"batch file not found: {path}")
    items: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
        # "\n" only: JSON strings may hold U+2028 and its kin, which splitlines() splits on
        lines = [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]
    except UnicodeDecodeError:
        raise fail(f"batch file is not UTF-8 text: {path}") from None
    for n, line in enumerate(lines, 1):  # one item a line, so outputs line up with inputs
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
        except (ValueError, RecursionError) as exc:
            items.append({"id": n, "question": None, "error": f"line {n}: bad JSON ({exc})"})
            continue
        item.setdefault("id", n)
        items.append(item)
    return items


def answerer_for(settings: Settings):  # -> Answerer
    """The index and the model, loaded for answering; a model that cannot load is one line."""
    from qa.answer import Answerer
    from qa.generate import load_generator
    from qa.generate.files import ModelFileError

    index = open_index(settings)
    try:
        generator = load_generator(settings, log=err, progress=sys.stderr.isatty())
    except (ModelFileError, ValueError, ImportError) as exc:
        raise fail(str(exc)) from None
    return Answerer(index, settings, generator)
