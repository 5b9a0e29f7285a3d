"""Build the index and manage the library: index, library, add, remove."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.cli.common import CorpusOpt, IndexOpt, app, cli_settings, err, fail, open_index


@app.command()
def index(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if up to date.")] = False,
) -> None:
    """Build (or verify) the search index for a corpus folder."""
    from qa.index import build_index

    settings = cli_settings(corpus, index)
    if force:  # from scratch: forget every document's cached build
        shutil.rmtree(settings.index_dir / "docs", ignore_errors=True)
    built = build_index(settings, log=err) if force else open_index(settings, strict=True)
    counts = built.manifest["counts"]
    err(
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
    _documents_table(open_index(cli_settings(corpus, index)))


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="Files to add (.pdf .docx .html .md .txt).")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
) -> None:
    """Copy files into the corpus folder (safe names) and index them."""
    from qa.ingest.library import add_files, unadd

    settings = cli_settings(corpus, index)
    added = add_files(settings.corpus_dir, files, settings.max_file_bytes)
    try:
        built = open_index(settings, strict=True)
    except BaseException:  # the index could not take them: the folder stays as it was
        unadd(settings.corpus_dir, added)
        err(f"not added: {', '.join(item.source for item in added)}")
        raise
    for item in added:
        err(f"added {item.source} as {item.path}")
    skipped = {s["path"]: s["reason"] for s in built.manifest.get("skipped", [])}
    failed = [item for item in added if item.path in skipped]
    for item in failed:
        err(f"error: {item.path} could not be read ({skipped[item.path]}); it stays skipped")
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

    settings = cli_settings(corpus, index)
    built = open_index(settings, quiet=True)
    by_name = {d.id: d.path for d in built.documents.values()}
    by_name.update({d.path: d.path for d in built.documents.values()})
    by_name.update({s["path"]: s["path"] for s in built.manifest.get("skipped", [])})
    for name in docs:
        if name not in by_name:
            raise fail(f"no document {name!r} in the index (see `qa library`)")
    for name in docs:
        remove_file(settings.corpus_dir, by_name[name])
        err(f"removed {by_name[name]}")
    open_index(settings, strict=True)
