"""The ``qa`` command line: index, search, ask, chat, eval, model.

Messages and progress go to stderr; ``--json`` output alone goes to stdout, so it can be piped.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.errors import explain
from qa.settings import PROJECT_ROOT, Settings, SettingsError, load_settings

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


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _settings(corpus: Path | None = None, index: Path | None = None, **extra: Any) -> Settings:
    update: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if corpus is not None:
        update["corpus_dir"] = corpus.resolve()
    if index is not None:
        update["index_dir"] = index.resolve()
    try:
        return load_settings().model_copy(update=update)
    except SettingsError as exc:
        raise _fail(str(exc), code=2) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    _err(f"error: {message}")
    return typer.Exit(code)


def _open_index(settings: Settings, quiet: bool = False, strict: bool = False):  # -> Index
    from qa.index import ensure_index

    return ensure_index(settings, log=_err, progress=not quiet, strict=strict)


@app.command()
def index(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if up to date.")] = False,
) -> None:
    """Build (or verify) the search index for a corpus folder."""
    from qa.index import build_index

    settings = _settings(corpus, index)
    if force:  # from scratch: forget every document's cached build
        shutil.rmtree(settings.index_dir / "docs", ignore_errors=True)
    built = build_index(settings, log=_err) if force else _open_index(settings, strict=True)
    counts = built.manifest["counts"]
    _err(
        f"index ready: {counts['documents']} documents, {counts['passages']} passages "
        f"({', '.join(map(str, built.years)) or 'no years found'}) in {settings.index_dir}"
    )


def _documents_table(built: Any) -> None:
    """One line a document: path, format, kind, date or version, passages, pages, title."""
    counts = built.passage_counts
    for doc in built.documents.values():
        facet = str(doc.year) if doc.year else (f"v{doc.version}" if doc.version else "-")
        pages = f"{len(doc.pages)} pp." if doc.pages else ""
        typer.echo(
            f"{doc.path}\t{doc.format}\t{doc.kind}\t{facet}\t{counts[doc.id]} passages"
            f"\t{pages}\t{doc.title}"
        )
    for item in built.manifest.get("skipped", []):
        typer.echo(f"{item['path']}\tskipped: {item['reason']}")


@app.command()
def library(corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """List the indexed documents (and the files skipped, with why)."""
    _documents_table(_open_index(_settings(corpus, index)))


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Files to add (.pdf .docx .html .md .txt).")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Copy files into the corpus folder (safe names) and index them."""
    from qa.ingest.library import add_files, unadd

    settings = _settings(corpus, index)
    added = add_files(settings.corpus_dir, files, settings.max_file_bytes)
    try:
        built = _open_index(settings, strict=True)
    except BaseException:  # the index could not take them: the folder stays as it was
        unadd(settings.corpus_dir, added)
        _err(f"not added: {', '.join(item.source for item in added)}")
        raise
    for item in added:
        _err(f"added {item.source} as {item.path}")
    skipped = {s["path"]: s["reason"] for s in built.manifest.get("skipped", [])}
    failed = [item for item in added if item.path in skipped]
    for item in failed:
        _err(f"error: {item.path} could not be read ({skipped[item.path]}); it stays skipped")
    if failed:
        raise typer.Exit(1)


@app.command()
def remove(
    docs: Annotated[list[str], typer.Argument(help="Document ids or paths (see `qa library`).")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Delete documents from the corpus folder and drop their passages from the index."""
    from qa.ingest.library import remove_file

    settings = _settings(corpus, index)
    built = _open_index(settings, quiet=True)
    by_name = {d.id: d.path for d in built.documents.values()}
    by_name.update({d.path: d.path for d in built.documents.values()})
    by_name.update({s["path"]: s["path"] for s in built.manifest.get("skipped", [])})
    for name in docs:
        if name not in by_name:
            raise _fail(f"no document {name!r} in the index (see `qa library`)")
    for name in docs:
        remove_file(settings.corpus_dir, by_name[name])
        _err(f"removed {by_name[name]}")
    _open_index(settings, strict=True)


def _read_batch(path: Path) -> list[dict[str, Any]]:
    """Lines of a JSONL file; a bad line becomes an item with an ``error``."""
    if not path.is_file():
        raise _fail(f"batch file not found: {path}")
    items: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
        # "\n" only: JSON strings may hold U+2028 and its kin, which splitlines() splits on
        lines = [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]
    except UnicodeDecodeError:
        raise _fail(f"batch file is not UTF-8 text: {path}") from None
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

    if (question is None) == (batch is None):
        raise _fail("give a QUESTION or --batch FILE (one of the two)", 2)
    settings = _settings(corpus, index, top_k=k)
    items = _read_batch(batch) if batch else [{"id": None, "question": question}]
    retriever = Retriever(_open_index(settings, quiet=as_json), settings)
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
        _err(f"error: {result['error']}")
        return
    if result["other_years"]:
        years = ", ".join(map(str, result["other_years"]))
        _err(f"note: the corpus has no dialogue from {years}; searched everything")
    if not result["passages"]:
        typer.echo("no passages found")
    for n, p in enumerate(result["passages"], 1):
        typer.echo(f"[{n}] {p['doc']} · {p['year']} · score {p['score']:.4f}")
        typer.echo(textwrap.indent(textwrap.fill(p["text"], 96), "    "))


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

    settings = _settings(corpus, index, backend=backend)
    try:
        items = load_questions(questions, split)[:limit]
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if evidence:
        _evaluate_evidence(settings, items, as_json)
        return
    if retrieval:
        from qa.retrieve import Retriever

        retriever = Retriever(_open_index(settings), settings)
        try:
            scores = score_retrieval(retriever, items, settings.corpus_dir)
        except (OSError, ValueError) as exc:
            raise _fail(str(exc)) from None
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

    answerer = Answerer(_open_index(settings), settings)  # the model is never loaded
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

    answerer = _answerer(settings)
    t0 = time.perf_counter()
    scores, rows = [], []
    bar = steps(len(items), "answering", "questions", _err, not as_json, settings.progress_seconds)
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


def _answerer(settings: Settings):  # -> Answerer
    from qa.answer import Answerer
    from qa.generate import load_generator
    from qa.generate.files import ModelFileError

    index = _open_index(settings)
    try:
        generator = load_generator(settings, log=_err, progress=sys.stderr.isatty())
    except (ModelFileError, ValueError, ImportError) as exc:
        raise _fail(str(exc)) from None
    return Answerer(index, settings, generator)


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
    if (question is None) == (batch is None):
        raise _fail("give a QUESTION or --batch FILE (one of the two)", 2)
    settings = _settings(corpus, index, backend=backend)
    items = _read_batch(batch) if batch else [{"id": None, "question": question}]
    answerer = _answerer(settings)
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
            _err(f"error: {result['error']}")
        else:
            _print_answer(result)


@app.command()
def chat(
    backend: BackendOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Talk in the terminal: follow-ups use the conversation. /new starts over, /quit ends."""
    settings = _settings(corpus, index, backend=backend)
    answerer = _answerer(settings)
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


@app.command()
def model(backend: BackendOpt = None) -> None:
    """Assemble (once) and verify the model file; show where it is."""
    from qa.generate.files import ensure_model_file

    settings = _settings(backend=backend)
    path = ensure_model_file(settings.model_cache_dir, log=_err, progress=True)
    _err(f"model ok (sha256 verified): {path}")


@app.command("serve-llm")
def serve_llm(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to listen on.")] = 8080,
) -> None:
    """Serve the installed model over an OpenAI-compatible API (llama-cpp-python's server),
    for app processes started with QA_LLM_URL=http://127.0.0.1:PORT/v1."""
    import os

    from qa.generate.files import ensure_model_file
    from qa.generate.server import server_command

    settings = _settings()
    path = ensure_model_file(settings.model_cache_dir, log=_err, progress=True)
    command = server_command(path, settings, port=port)
    _err(f"serving {path.name} at http://127.0.0.1:{port}/v1 (one request at a time)")
    os.execv(command[0], command)


def main() -> None:
    """Console-script entry point: a failure a user can fix is one line and exit 1."""
    try:
        app()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        _err(f"error: {message}")
        sys.exit(1)


if __name__ == "__main__":
    main()
