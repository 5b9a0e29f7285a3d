"""Persist, verify and load the hybrid index (FAISS dense + bm25s sparse).

Layout under the index folder (see index/README.md): content-addressed data files plus a
``manifest.json`` written last and atomically. The manifest is the commit point: a build
that dies half-way leaves the previous manifest and the files it names untouched.

Loading checks every file's sha256; :func:`qa.index.ensure.ensure_index` turns a mismatch
with the corpus or settings into a one-line message and an update.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from qa import __version__
from qa.errors import UserError, writing
from qa.index import dense as dense_index
from qa.index import facts as corpus_facts
from qa.index.disk import sha256_of, write_atomic
from qa.index.table import PassageTable
from qa.profile import CorpusProfile
from qa.records import Document, Passage

FORMAT = 2
MANIFEST = "manifest.json"


class IndexError_(UserError):
    """Base class: the index on disk cannot be used as it is."""


class IndexMissing(IndexError_):
    """No index has been built in this folder yet."""


class IndexCorrupt(IndexError_):
    """A file of the index is missing, damaged or unreadable."""


class IndexStale(IndexError_):
    """The index was built from another corpus, embedder or passage settings."""


@dataclass
class Index:
    """Everything retrieval needs.

    Loaded from disk (:func:`load_index`), ``passages`` is a
    :class:`~qa.index.table.PassageTable` (each read on demand) and ``documents`` hold each
    file's record without its text (``text`` is ""): :meth:`source` reads one whole, text
    included. An index made in memory holds lists and whole documents.

    ``dense`` and ``sentences`` are None when the index was loaded for a vector engine
    (``load_index(..., vectors=False)``): the engine holds and searches the vectors.
    ``stored_facts`` are the corpus facts committed with it (:mod:`qa.index.facts`); an
    index made with ``replace()`` keeps them, so one given other passages or another BM25
    must be given ``stored_facts=None`` too.
    """

    manifest: dict[str, Any]
    documents: dict[str, Document]
    passages: Sequence[Passage]
    dense: faiss.Index | None
    sentences: faiss.Index | None
    sentence_owner: np.ndarray
    bm25: bm25s.BM25
    read_document: Callable[[str], Document | None] | None = None
    stored_facts: corpus_facts.CorpusFacts | None = None

    def source(self, doc_id: str) -> Document | None:
        """The document whole, its extracted text included (None: no such document)."""
        return self.read_document(doc_id) if self.read_document else self.documents.get(doc_id)

    @cached_property
    def facts(self) -> corpus_facts.CorpusFacts:
        """The corpus facts: as committed, or derived now (an index made in memory, or
        committed before they were stored)."""
        if self.stored_facts is not None:
            return self.stored_facts
        titles = (d.title for d in self.documents.values())
        return corpus_facts.derive(self.bm25, self.passages, titles)

    @cached_property
    def passage_counts(self) -> Counter[str]:
        """Document id → how many passages it has (counted once: a pass over the file)."""
        return Counter(p.doc_id for p in self.passages)

    @property
    def profile(self) -> CorpusProfile:
        """The corpus' own settings (corpus.toml), as they were when the index was built."""
        return CorpusProfile.from_dict(self.manifest.get("profile", {}))

    @property
    def years(self) -> list[int]:
        """The dialogue years the corpus covers."""
        return sorted({d.year for d in self.documents.values() if d.year is not None})


def _versions() -> dict[str, str]:
    from importlib.metadata import version  # importing sentence_transformers takes ~7 s

    return {
        "qa": __version__,
        "python": platform.python_version(),
        "sentence_transformers": version("sentence-transformers"),
        "faiss": faiss.__version__,
        "bm25s": bm25s.__version__,
        "numpy": np.__version__,
    }


def commit(index_dir: Path, index: Index, manifest: dict[str, Any]) -> None:
    """Write the index's data files, then the manifest naming them (the commit point), then
    delete files no manifest names. Call under :func:`build_lock`."""
    try:
        files = _write_files(index_dir, index)
        manifest = {
            **manifest,
            "dim": int(index.dense.d),
            "versions": _versions(),
            "files": files,
        }
        write_atomic(index_dir / MANIFEST, json.dumps(manifest, indent=2).encode())
    except BaseException:  # e.g. a full disk: keep the committed index, drop what was new
        try:
            committed = read_manifest(index_dir)["files"]
        except Exception:  # no usable manifest: nothing new to keep
            committed = {}
        _remove_unreferenced(index_dir, committed)
        raise
    _remove_unreferenced(index_dir, files)


def _write_files(index_dir: Path, index: Index) -> dict[str, dict[str, Any]]:
    """Write the data files under content-derived names; return their manifest entries."""
    files: dict[str, dict[str, Any]] = {}
    dense, sentences, bm25 = index.dense, index.sentences, index.bm25
    lines = [
        json.dumps({"document": asdict(d)}, ensure_ascii=False) for d in index.documents.values()
    ]
    lines += [json.dumps({"passage": p.to_dict()}, ensure_ascii=False) for p in index.passages]
    data = ("\n".join(lines) + "\n").encode()
    files["passages"] = _store(index_dir, "passages", ".jsonl", data)
    files["dense"] = _store(index_dir, "dense", ".faiss", faiss.serialize_index(dense).tobytes())
    files["sentences"] = _store(
        index_dir, "sentences", ".faiss", faiss.serialize_index(sentences).tobytes()
    )
    files["facts"] = _store(index_dir, "facts", ".json", corpus_facts.to_bytes(index.facts))

    tmp_dir = index_dir / f".bm25.{os.getpid()}.tmp"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    try:
        with writing(index_dir):
            bm25.save(str(tmp_dir), show_progress=False)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    hashes = {p.name: sha256_of(p) for p in sorted(tmp_dir.iterdir())}
    digest = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
    final = index_dir / f"bm25-{digest[:16]}"
    if final.exists() and _matches(final, hashes):
        shutil.rmtree(tmp_dir)
    else:
        shutil.rmtree(final, ignore_errors=True)  # a damaged copy of the same content
        os.rename(tmp_dir, final)
    files["bm25"] = {"path": final.name, "sha256": hashes}
    return files


def _matches(folder: Path, hashes: dict[str, str]) -> bool:
    try:
        return {p.name: sha256_of(p) for p in folder.iterdir()} == hashes
    except OSError:
        return False


def _store(index_dir: Path, stem: str, suffix: str, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = index_dir / f"{stem}-{digest[:16]}{suffix}"
    if not (path.exists() and sha256_of(path) == digest):
        write_atomic(path, data)
    return {"path": path.name, "sha256": digest}


def _remove_unreferenced(index_dir: Path, files: dict[str, dict[str, Any]]) -> None:
    keep = {entry["path"] for entry in files.values()} | {MANIFEST, ".lock", "README.md", "docs"}
    for path in index_dir.iterdir():
        if path.name in keep:
            continue
        if path.name.startswith(("passages-", "dense-", "sentences-", "bm25-", "facts-", ".")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, or IndexMissing / IndexCorrupt."""
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissing(f"no index in {index_dir}")
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict) or "files" not in manifest:
            raise ValueError("not a manifest")
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{path.name} is unreadable ({exc})") from None
    return manifest


def load_index(index_dir: Path, vectors: bool = True) -> Index:
    """Load and verify the index; raise IndexMissing or IndexCorrupt, never a raw traceback.

    Without ``vectors`` the FAISS files are neither read nor checked (a vector engine holds
    their contents): at 1 M passages that keeps gigabytes out of the process.
    """
    manifest = read_manifest(index_dir)
    roles = ("passages", "dense", "sentences", "bm25") if vectors else ("passages", "bm25")
    try:
        files = manifest["files"]
        stored = "facts" in files  # an index committed before facts were stored has none
        _verify(index_dir, files, (*roles, "facts") if stored else roles)
        facts = None
        if stored:
            with suppress(ValueError, KeyError, TypeError):  # an older form: derived instead
                facts = corpus_facts.from_bytes((index_dir / files["facts"]["path"]).read_bytes())
        documents, source, passages = PassageTable.open(index_dir / files["passages"]["path"])
        dense = sentences = None
        if vectors:
            dense = dense_index.prepare(faiss.read_index(str(index_dir / files["dense"]["path"])))
            sentences = dense_index.prepare(
                faiss.read_index(str(index_dir / files["sentences"]["path"]))
            )
        # Memory-mapped: a question reads its terms' postings, not the whole index.
        bm25 = bm25s.BM25.load(
            str(index_dir / files["bm25"]["path"]), mmap=True, show_progress=False
        )
        counts = np.fromiter((max(1, len(p.sentences)) for p in passages), np.int64, len(passages))
    except IndexCorrupt:
        raise
    except Exception as exc:  # any damage below the checksums (e.g. a format change)
        raise IndexCorrupt(f"index files in {index_dir} are unreadable ({exc})") from None
    owner = np.repeat(np.arange(len(passages)), counts)
    if (
        dense is not None
        and sentences is not None
        and (dense.ntotal != len(passages) or sentences.ntotal != len(owner))
    ):
        raise IndexCorrupt(f"dense vectors do not match the {len(passages)} passages")
    return Index(manifest, documents, passages, dense, sentences, owner, bm25, source, facts)


def _verify(index_dir: Path, files: dict[str, Any], roles: tuple[str, ...]) -> None:
    for role in roles:
        entry = files.get(role)
        if not entry:
            raise IndexCorrupt(f"manifest names no {role} file")
        path = index_dir / entry["path"]
        if isinstance(entry["sha256"], dict):
            for name, digest in entry["sha256"].items():
                _check(path / name, digest)
        else:
            _check(path, entry["sha256"])


def _check(path: Path, digest: str) -> None:
    if not path.is_file():
        raise IndexCorrupt(f"index file {path.name} is missing")
    if sha256_of(path) != digest:
        raise IndexCorrupt(f"index file {path.name} is corrupt (checksum mismatch)")
