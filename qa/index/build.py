"""Build the index from a corpus folder, re-reading and re-embedding only what changed.

Each file is hashed; a file whose bytes, path and build settings match a cached entry (see
:mod:`qa.index.cache`) reuses its passages and vectors. New and changed files are extracted,
split and embedded together (one batched pass); removed files simply drop out. The dense
and BM25 indexes are then assembled from all entries, which is cheap, and committed with the
manifest (see :mod:`qa.index.store`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from tqdm.auto import tqdm

from qa.embedder import embed
from qa.index import dense as dense_index
from qa.index.cache import DocCache, DocEntry, entry_key
from qa.index.store import (
    FORMAT,
    Index,
    IndexCorrupt,
    IndexMissing,
    build_lock,
    commit,
    load_index,
)
from qa.ingest.corpus import (
    CorpusError,
    corpus_files,
    corpus_hash,
    document_ids,
    load_document,
    read_file,
)
from qa.ingest.formats import SUFFIXES, Unreadable
from qa.ingest.passages import split_passages
from qa.profile import load_profile
from qa.records import Passage
from qa.settings import Settings
from qa.tokenize import tokenize

Log = Callable[[str], None]
# How the per-document entries are assembled (BM25 text, fusion inputs): a change re-assembles
# the index from the cache without re-embedding anything.
ASSEMBLY = 1


def pipeline_hash() -> str:
    """A digest of the code that turns files into indexed passages: a change rebuilds."""
    import qa.ingest
    import qa.profile
    import qa.records
    import qa.tokenize

    h = hashlib.sha256()
    for path in sorted(Path(qa.ingest.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    for module in (qa.tokenize, qa.records, qa.profile):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


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
        "readers": _reader_versions(),
    }


def embedding_text(passage: Passage) -> str:
    """What the embedder sees for a passage: its text (metadata lives in BM25 and filters)."""
    return passage.text


def _embed(texts: list[str], settings: Settings, progress: bool) -> np.ndarray:
    """Embed texts in batches of similar length (little padding), with a progress bar.

    Texts are sorted by length before batching and the vectors put back in input order: a
    batch pads every text to its longest, so mixing a 5-word heading with a 200-word
    sentence wastes most of the work.
    """
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    step = settings.embed_batch_size
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    chunks = []
    bar = tqdm(total=len(texts), desc="embedding", unit="text", disable=not progress)
    for i in range(0, len(texts), step):
        rows = order[i : i + step]
        chunks.append(embed(settings.embedder, [texts[j] for j in rows], step))
        bar.update(len(rows))
    bar.close()
    vectors = np.vstack(chunks)
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def _embed_new(
    todo: list[tuple[str, DocEntry]], settings: Settings, progress: bool
) -> list[tuple[str, DocEntry]]:
    """Embed the passages and sentences of new or changed documents in one batched pass."""
    own = settings.passage_vectors == "embed"
    texts: list[str] = []
    for _, entry in todo:
        texts += [embedding_text(p) for p in entry.passages] if own else []
        texts += [t for p in entry.passages for t in p.sentence_texts()]
    vectors = _embed(texts, settings, progress)
    out = []
    pos = 0
    for key, entry in todo:
        n_p = len(entry.passages) if own else 0
        counts = [len(p.sentence_texts()) for p in entry.passages]
        svec = vectors[pos + n_p : pos + n_p + sum(counts)]
        pvec = vectors[pos : pos + n_p] if own else _means(svec, counts)
        pos += n_p + sum(counts)
        out.append((key, replace(entry, passage_vectors=pvec, sentence_vectors=svec)))
    return out


def _means(vectors: np.ndarray, counts: list[int]) -> np.ndarray:
    """Unit-length mean of each consecutive run of ``counts`` rows."""
    if not counts:
        return vectors[:0]
    owner = np.repeat(np.arange(len(counts)), counts)
    sums = np.zeros((len(counts), vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, owner, vectors)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def build_index(settings: Settings, log: Log = print, progress: bool = True) -> Index:
    """Bring ``settings.index_dir`` up to date with ``settings.corpus_dir`` and load it."""
    t0 = time.perf_counter()
    folder = Path(settings.corpus_dir)
    profile = load_profile(folder)
    files = corpus_files(folder)
    rels = [p.relative_to(folder).as_posix() for p in files]
    ids = document_ids(rels)
    key_base = build_key(settings)
    cache = DocCache(settings.index_dir / "docs")
    entries: dict[str, tuple[str, DocEntry]] = {}
    todo: list[tuple[str, DocEntry]] = []
    skipped: list[tuple[str, str]] = []
    hashes: dict[str, str] = {}
    bar = tqdm(total=len(files), desc="reading", unit="file", disable=not progress)
    for path, rel in zip(files, rels):
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
            continue
        try:
            doc, ct = load_document(rel, ids[rel], data, profile)
        except Unreadable as exc:
            skipped.append((rel, str(exc)))
            log(f"skipped {rel}: {exc}")
            continue
        passages = [
            replace(p, page=doc.page_at(p.char_start))
            for p in split_passages(
                doc.id, doc.path, doc.year, ct, settings.min_words, settings.max_words
            )
        ]
        empty = np.zeros((0, 0), dtype=np.float32)
        todo.append((key, DocEntry(doc, passages, empty, empty)))
    bar.close()
    if not entries and not todo:
        kinds = ", ".join(SUFFIXES)
        raise CorpusError(f"no readable documents ({kinds}) in {settings.corpus_dir}")
    for key, entry in _embed_new(todo, settings, progress):
        cache.put(key, entry)
        entries[entry.document.path] = (key, entry)
    ordered = [entries[rel][1] for rel in rels if rel in entries]
    with build_lock(settings.index_dir):
        index = _assemble(settings, ordered)
        manifest = {
            **key_base,
            "assembly": ASSEMBLY,
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
                "embedded": len(todo),
                "reused": len(ordered) - len(todo),
            },
            "skipped": [{"path": p, "reason": r} for p, r in skipped],
        }
        commit(settings.index_dir, index, manifest)
        cache.prune({key for key, _ in entries.values()})
    log(
        f"indexed {len(ordered)} documents ({len(todo)} read and embedded, "
        f"{len(ordered) - len(todo)} unchanged), {len(index.passages)} passages "
        f"in {time.perf_counter() - t0:.1f} s → {settings.index_dir}"
    )
    return load_index(settings.index_dir)


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
        bm25.index(tokenize([p.text for p in passages]), show_progress=False)
    owner = np.repeat(np.arange(len(passages)), [max(1, len(p.sentences)) for p in passages])
    return Index({"dim": dim}, documents, passages, dense, sentences, owner, bm25)


def staleness(manifest: dict[str, Any], settings: Settings, corpus_hash: str | None) -> str | None:
    """Why an index no longer matches the corpus or settings, or None when it does."""
    for key, value in {**build_key(settings), "assembly": ASSEMBLY}.items():
        if manifest.get(key) != value:
            return f"{key} changed ({manifest.get(key)!r} → {value!r})"
    dense_change = dense_index.change(manifest, settings.ann_min_passages)
    if dense_change:
        return dense_change
    if corpus_hash is not None and manifest.get("corpus_hash") != corpus_hash:
        return "the corpus changed since the index was built"
    return None


def ensure_index(settings: Settings, log: Log = print, progress: bool = True) -> Index:
    """A loaded index that matches the corpus and settings, updating it when it does not."""
    current = _corpus_hash(settings.corpus_dir, log)
    try:
        index = load_index(settings.index_dir)
    except IndexMissing:
        log(f"no index yet in {settings.index_dir}; building it")
    except IndexCorrupt as exc:
        log(f"{exc}; rebuilding the index")
    else:
        reason = staleness(index.manifest, settings, current)
        if reason is None:
            return index
        log(f"{reason}; updating the index")
    return build_index(settings, log, progress)


def _corpus_hash(corpus_dir: Path, log: Log) -> str | None:
    """The corpus' content hash, or None (use the index as built) when the folder is gone."""
    if not corpus_dir.is_dir():
        log(f"corpus folder {corpus_dir} not found; using the index as built")
        return None
    return corpus_hash(corpus_dir)
