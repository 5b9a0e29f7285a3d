"""Embed new or changed documents' passages and sentences, a group of documents at a time.

A group holds about ``GROUP_TEXTS`` texts (one document at least), so a build hands each
finished group to the cache before embedding the next: a stopped build keeps what it did.

>>> rows = np.array([[1, 0], [0, 1], [3, 4]], dtype=np.float32)
>>> _means(rows, [2, 1]).astype(float).round(3).tolist()
[[0.707, 0.707], [0.6, 0.8]]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from qa.embedder import embed
from qa.index.cache import DocEntry
from qa.records import Passage
from qa.settings import Settings

# Texts embedded before their documents are written to the cache.
GROUP_TEXTS = 4096


def texts_to_embed(todo: list[tuple[str, DocEntry]], settings: Settings) -> int:
    """How many texts embedding ``todo`` takes (the progress total)."""
    own = settings.passage_vectors == "embed"
    return sum(len(_texts(entry, own)) for _, entry in todo)


def embedding_text(passage: Passage) -> str:
    """What the embedder sees for a passage: its text (metadata lives in BM25 and filters)."""
    return passage.text


def _embed(texts: list[str], settings: Settings, bar: Any) -> np.ndarray:
    """Embed texts in batches of similar length (little padding), counting them on ``bar``.

    Texts are sorted by length before batching and the vectors put back in input order: a
    batch pads every text to its longest, so mixing a 5-word heading with a 200-word
    sentence wastes most of the work.
    """
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    step = settings.embed_batch_size
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: np.ndarray | None = None
    for i in range(0, len(texts), step):
        rows = order[i : i + step]
        vectors = embed(settings.embedder, [texts[j] for j in rows], step)
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[rows] = vectors
        bar.update(len(rows))
    assert out is not None
    return out


def _texts(entry: DocEntry, own: bool) -> list[str]:
    """What gets embedded for a document: its passages (when they get their own vectors),
    then every passage's sentences."""
    passages = [embedding_text(p) for p in entry.passages] if own else []
    return passages + [t for p in entry.passages for t in p.sentence_texts()]


def embed_entries(
    todo: list[tuple[str, DocEntry]], settings: Settings, bar: Any
) -> Iterator[tuple[str, DocEntry]]:
    """Embed new or changed documents a group at a time (about ``GROUP_TEXTS`` texts, one
    document at least), yielding each document as soon as its group is done."""
    own = settings.passage_vectors == "embed"
    group: list[tuple[str, DocEntry]] = []
    size = 0
    for n, (key, entry) in enumerate(todo):
        group.append((key, entry))
        size += len(_texts(entry, own))
        if size >= GROUP_TEXTS or n == len(todo) - 1:
            yield from _embed_group(group, settings, own, bar)
            group, size = [], 0


def _embed_group(
    group: list[tuple[str, DocEntry]], settings: Settings, own: bool, bar: Any
) -> list[tuple[str, DocEntry]]:
    vectors = _embed([t for _, e in group for t in _texts(e, own)], settings, bar)
    out = []
    pos = 0
    for key, entry in group:
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
