"""The ``qa`` command line: index, library, add, remove, search, ask, chat, eval, model,
serve-llm — one module per command group, all on one Typer app (:mod:`qa.cli.common`)."""

from __future__ import annotations

import importlib
import sys

from qa.cli.common import app, err
from qa.errors import explain

for _group in ("library", "search", "evaluate", "ask", "model"):  # registers, in help's order
    importlib.import_module(f"qa.cli.{_group}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: a failure a user can fix is one line and exit 1."""
    try:
        app()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        err(f"error: {message}")
        sys.exit(1)
