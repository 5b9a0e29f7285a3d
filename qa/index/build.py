"""Build the index from a corpus folder, re-reading and re-embedding only what changed.

Each file is hashed; a file whose bytes, path and build settings match a cached entry (see
:mod:`qa.index.cache`) reuses its passages and vectors. New and changed files stream
through: each is read, extracted and split in turn, and they are embedded a few thousand
texts at a time, each group written to the cache as soon as it is embedded (a build that is
stopped keeps what it finished; see :mod:`qa.index.vectors`); removed files drop out. The
dense and BM25 indexes are then assembled from all entries, which is cheap, and committed
with the manifest (see :mod:`qa.index.store`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from qa.index import dense as dense_index
from qa.index.cache import DocCache, DocEntry, entry_key
from qa.index.disk import build_lock, check_writable
from qa.index.engine import sync_engine
from qa.index.store import (
    FORMAT,
    Index,
    commit,
    load_index,
)
from qa.index.vectors import embed_entries
from qa.ingest.corpus import (
    CorpusError,
    corpus_hash,
    document_ids,
    list_corpus,
    load_document,
    read_file,
)
from qa.ingest.formats import SUFFIXES, Unreadable, reader_warnings, warned
from qa.ingest.passages import split_passages
from qa.profile import CorpusProfile, load_profile
from qa.progress import Steps, steps
from qa.settings import Settings
from qa.text.tokenize import tokenize

Log = Callable[[str], None]
# How the per-document entries are assembled (BM25 text, fusion inputs): a change re-assembles
# the index from the cache without re-embedding anything.
ASSEMBLY = 3  # 3: corpus facts stored (qa.index.facts): year terms, vocabulary, languages


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def pipeline_hash() -> str:
    """A digest of the code that turns files into indexed passages: a change re-reads and
    re-embeds every document. That is ``qa/ingest/``, the patterns and tokens it and BM25
    read text with, the records and the corpus profile — not the rest of ``qa/text/``."""
    import qa.ingest
    import qa.profile
    import qa.records
    import qa.text.patterns
    import qa.text.tokenize

    ingest = sorted(Path(qa.ingest.__file__).parent.glob("*.py"))
    modules = (qa.text.tokenize, qa.text.patterns, qa.records, qa.profile)
    return _digest(ingest + [Path(m.__file__) for m in modules])  # type: ignore[arg-type]


def assembly_key() -> str:
    """``ASSEMBLY`` and a digest of the code that derives the corpus facts committed with
    the index: a change re-assembles the index from the cache, re-embedding nothing."""
    import qa.index.facts
    import qa.index.postings
    import qa.text.fold
    import qa.text.language

    modules = (qa.index.facts, qa.index.postings, qa.text.fold, qa.text.language)
    return f"{ASSEMBLY}-{_digest([Path(m.__file__) for m in modules])}"  # type: ignore[arg-type]


_READERS = ("pypdf", "python-docx", "trafilatura", "python-frontmatter", "lxml")


def _reader_versions() -> dict[str, str]:
    """Versions of the libraries that extract text: an upgrade may change the text."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in _READERS:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out


def build_key(settings: Settings) -> dict[str, Any]:
    """What, besides the corpus, decides the index's contents."""
    return {
        "format": FORMAT,
        "pipeline": pipeline_hash(),
        "embedder": settings.embedder,
        "min_words": settings.min_words,
        "max_words": settings.max_words,
        "passage_vectors": settings.passage_vectors,
        "embed_headings": settings.embed_headings,
        "readers": _reader_versions(),
    }


def _split(
    rel: str, doc_id: str, data: bytes, profile: CorpusProfile, settings: Settings
) -> DocEntry:
    """A new or changed file read and split into passages, not yet embedded."""
    doc, ct = load_document(rel, doc_id, data, profile)
    passages = [
        replace(p, page=doc.page_at(p.char_start))
        for p in split_passages(
            doc.id,
            doc.path,
            doc.year,
            ct,
            settings.min_words,
            settings.max_words,
            tuple(tuple(h) for h in doc.headings),
        )
    ]
    empty = np.zeros((0, 0), dtype=np.float32)
    return DocEntry(doc, passages, empty, empty)


def build_index(settings: Settings, log: Log = print, progress: bool = True) -> Index:
    """Bring ``settings.index_dir`` up to date with ``settings.corpus_dir`` and load it."""
    t0 = time.perf_counter()
    check_writable(settings.index_dir)
    folder = Path(settings.corpus_dir)
    profile = load_profile(folder)
    listing = list_corpus(folder, settings.max_file_bytes)
    rels = listing.rel(folder)
    ids = document_ids(rels)
    key_base = build_key(settings)
    cache = DocCache(settings.index_dir / "docs")
    entries: dict[str, tuple[str, DocEntry]] = {}
    new: list[tuple[Path, str, str, int]] = []  # (path, rel, cache key, bytes): to embed
    skipped: list[tuple[str, str]] = list(listing.skipped.items())
    hashes: dict[str, str] = dict(listing.skipped)
    for rel, reason in skipped:
        log(f"skipped {rel}: {reason}")
    with steps(len(rels), "checking", "files", log, progress, settings.progress_seconds) as bar:
        for path, rel in zip(listing.files, rels):
            bar.update(1)
            data, hashes[rel] = read_file(path)
            if data is None:
                skipped.append((rel, hashes[rel]))
                log(f"skipped {rel}: {hashes[rel]}")
                continue
            facets = {
                "kinds": profile.kinds,
                "year_phrases": profile.year_phrases,
                "meta": profile.documents.get(rel, {}),
            }
            key = entry_key(key_base, facets, rel, ids[rel], hashes[rel])
            cached = cache.get(key)
            if cached is not None:
                entries[rel] = (key, cached)
            else:
                new.append((path, rel, key, len(data)))

    def split_new(bar: Steps) -> Iterator[tuple[str, DocEntry, int]]:
        for path, rel, key, size in new:  # read again: one file in memory at a time
            data, digest = read_file(path)
            try:
                if data is None or digest != hashes[rel]:
                    raise Unreadable("it changed while being indexed; index again")
                with reader_warnings() as notes:
                    entry = _split(rel, ids[rel], data, profile, settings)
                if notes:
                    log(warned(rel, notes))
                yield key, entry, size
            except Unreadable as exc:
                skipped.append((rel, str(exc)))
                log(f"skipped {rel}: {exc}")
                bar.update(size)

    total = sum(size for *_, size in new)
    with steps(total, "indexing", "B", log, progress, settings.progress_seconds, True) as bar:
        for key, entry in embed_entries(split_new(bar), settings, bar):
            cache.put(key, entry)
            entries[entry.document.path] = (key, entry)
    if not entries:
        kinds = ", ".join(SUFFIXES)
        raise CorpusError(f"no readable documents ({kinds}) in {settings.corpus_dir}")
    embedded = sum(rel in entries for _, rel, _, _ in new)
    ordered = [entries[rel][1] for rel in rels if rel in entries]
    with build_lock(settings.index_dir):
        index = _assemble(settings, ordered)
        manifest = {
            **key_base,
            "assembly": assembly_key(),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - t0, 2),
            "corpus_dir": str(settings.corpus_dir),
            "corpus_hash": corpus_hash(folder, hashes),
            "profile": profile.to_dict(),
            "dense_index": {
                "passages": dense_index.describe(index.dense),
                "sentences": dense_index.describe(index.sentences),
            },
            "counts": {
                "documents": len(ordered),
                "passages": len(index.passages),
                "sentences": int(index.sentences.ntotal),
                "skipped": len(skipped),
                "embedded": embedded,
                "reused": len(ordered) - embedded,
            },
            "skipped": [{"path": p, "reason": r} for p, r in sorted(skipped)],
        }
        commit(settings.index_dir, index, manifest)
        if settings.vector_uri:
            sync_engine(settings, {key: entry for key, entry in entries.values()}, log)
        cache.prune({key for key, _ in entries.values()})
    log(
        f"indexed {len(ordered)} documents ({embedded} read and embedded, "
        f"{len(ordered) - embedded} unchanged), {len(index.passages)} passages "
        f"in {time.perf_counter() - t0:.1f} s → {settings.index_dir}"
    )
    return load_index(settings.index_dir, vectors=not settings.vector_uri)


def _assemble(settings: Settings, entries: list[DocEntry]) -> Index:
    """One in-memory index from per-document entries (vectors are only copied).

    The vector indexes are exact (flat) below ``settings.ann_min_passages`` passages and
    approximate above it (see :mod:`qa.index.dense`).
    """
    passages = [p for e in entries for p in e.passages]
    dim = next((e.passage_vectors.shape[1] for e in entries if len(e.passages)), 384)
    with_passages = [e for e in entries if len(e.passages)]
    passage_vectors = [e.passage_vectors for e in with_passages]
    sentence_vectors = [e.sentence_vectors for e in with_passages]
    n_sentences = sum(len(v) for v in sentence_vectors)
    limit = settings.ann_min_passages
    dense_plan = dense_index.plan(len(passages), len(passages), limit)
    dense = dense_index.build(passage_vectors, dense_plan, dim)
    sentence_plan = dense_index.plan(len(passages), n_sentences, limit)
    sentences = dense_index.build(sentence_vectors, sentence_plan, dim)
    documents = {e.document.id: e.document for e in entries}
    bm25 = bm25s.BM25()
    if passages:
        bm25.index(tokenize([p.searched_text() for p in passages]), show_progress=False)
    owner = np.repeat(np.arange(len(passages)), [max(1, len(p.sentences)) for p in passages])
    return Index({"dim": dim}, documents, passages, dense, sentences, owner, bm25)
