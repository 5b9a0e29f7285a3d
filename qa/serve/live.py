"""The app's live library: answer from the current index while files are added or removed.

Adding or removing a document stores or deletes the file, brings the index up to date (only
the changed file is read and embedded) and then swaps in a new answerer that shares the
loaded model. A question asked meanwhile is answered from the index as it was; nothing
waits for the build but the next build.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from qa.answer import Answerer
from qa.errors import explain
from qa.index import build_index
from qa.ingest.library import LibraryError, add_files, check_file, remove_file, unadd
from qa.settings import Settings

COLUMNS = ["Title", "File", "Type", "Date or version", "Passages", "Pages", "Status"]


class LiveLibrary:
    """Holds the current answerer; adds and removes documents one build at a time."""

    def __init__(self, answerer: Answerer, settings: Settings) -> None:
        self._answerer = answerer
        self.settings = settings
        self._build = threading.Lock()

    @property
    def answerer(self) -> Answerer:
        """The answerer for the newest finished index (read once per question)."""
        return self._answerer

    def rows(self) -> list[list[Any]]:
        """One row a document, then one a skipped file: what the library view shows."""
        index = self._answerer.index
        counts = index.passage_counts
        rows: list[list[Any]] = []
        for d in sorted(index.documents.values(), key=lambda d: d.path):
            facet = str(d.year) if d.year else (f"version {d.version}" if d.version else "")
            pages = len(d.pages) if d.pages else ""
            rows.append([d.title, d.path, d.kind, facet, counts[d.id], pages, "indexed"])
        for item in index.manifest.get("skipped", []):
            rows.append(["", item["path"], "", "", 0, "", f"skipped: {item['reason']}"])
        return rows

    def paths(self) -> list[str]:
        """Every file the library lists (removable)."""
        return [row[1] for row in self.rows()]

    def add(self, files: list[Path]) -> str:
        """Store the acceptable files, index them, and say what happened to each."""
        limit = self.settings.max_file_bytes
        good: list[Path] = []
        lines: list[str] = []
        for f in files:
            try:
                check_file(f.name, f.stat().st_size, limit)
            except (LibraryError, OSError) as exc:
                lines.append(f"✗ {exc}")
                continue
            good.append(f)
        if good:
            with self._build:
                added = []
                try:
                    added = add_files(self.settings.corpus_dir, good, limit)
                    self._rebuild()
                except Exception as exc:  # disk full, an embedder fault: say so, keep serving
                    unadd(self.settings.corpus_dir, added)  # "not added" must be true
                    return "\n".join([*lines, f"✗ not added: {explain(exc) or exc}"])
            skipped = {s["path"]: s["reason"] for s in self.answerer.index.manifest["skipped"]}
            index = self.answerer.index
            counts = {d.path: index.passage_counts[d.id] for d in index.documents.values()}
            for item in added:
                if item.path in skipped:
                    lines.append(f"✗ {item.source}: could not be read ({skipped[item.path]})")
                else:
                    n = counts.get(item.path, 0)
                    lines.append(f"✓ {item.source}: {n} passage{'s' * (n != 1)}, searchable now")
        return "\n".join(lines) or "No files given."

    def remove(self, rel: str) -> str:
        """Delete one document's file and drop its passages."""
        if rel not in self.paths():
            return f"✗ {rel or 'nothing'}: not in the library"
        if [d.path for d in self.answerer.index.documents.values()] == [rel]:
            return f"✗ {rel} is the last document; add another before removing it"
        with self._build:
            try:
                remove_file(self.settings.corpus_dir, rel)
                self._rebuild()
            except Exception as exc:  # a file gone already, an index fault: say so
                return f"✗ {rel}: {exc}"
        return f"✓ removed {rel}"

    def _rebuild(self) -> None:
        index = build_index(self.settings, log=lambda _: None, progress=True)
        old = self._answerer
        self._answerer = Answerer(index, self.settings, old._generator)
