"""Embed new or changed documents' passages and sentences, a group of documents at a time.

Documents arrive one at a time, as they are read and split; a group holds about
``GROUP_TEXTS`` texts (one document at least) and is handed to the cache as soon as it is
embedded. So a build holds one group beyond the index it is making, and a stopped build keeps
what it finished.

>>> rows = np.array([[1, 0], [0, 1], [3, 4]], dtype=np.float32)
>>> _means(rows, [2, 1]).astype(float).round(3).tolist()
[[0.707, 0.707], [0.6, 0.8]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from qa.index.cache import DocEntry
from qa.index.embedder import embed
from qa.records import Passage
from qa.settings import Settings

# Texts embedded before their documents are written to the cache.
GROUP_TEXTS = 4096


def embedding_text(passage: Passage) -> str:
    """What the embedder sees for a passage: its text (metadata lives in BM25 and filters)."""
    return passage.text


def _embed(texts: list[str], settings: Settings, done: Callable[[list[int]], None]) -> np.ndarray:
    """Embed texts in batches of similar length (little padding); ``done`` gets each batch's
    rows.

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
        done(rows)
    assert out is not None
    return out


def sentence_embedding_texts(passage: Passage, headings: bool) -> list[str]:
    """What the embedder sees for each sentence: the sentence, after its heading path when
    ``headings`` ("Options › --port: Serve HTTP requests on PORT.")."""
    texts = passage.sentence_texts()
    return [passage.read_in_section(t) for t in texts] if headings else texts


def _texts(entry: DocEntry, own: bool, headings: bool) -> list[str]:
    """What gets embedded for a document: its passages (when they get their own vectors),
    then every passage's sentences."""
    passages = [embedding_text(p) for p in entry.passages] if own else []
    return passages + [t for p in entry.passages for t in sentence_embedding_texts(p, headings)]


def embed_entries(
    items: Iterable[tuple[str, DocEntry, int]], settings: Settings, bar: Any
) -> Iterator[tuple[str, DocEntry]]:
    """Embed documents as they come, a group at a time (about ``GROUP_TEXTS`` texts, one
    document at least), yielding each as soon as its group is done.

    ``items`` are (cache key, entry without vectors, size of its file in bytes); ``bar``
    counts the bytes, each text carrying an even share of its file's.
    """
    own = settings.passage_vectors == "embed"
    group: list[tuple[str, DocEntry, list[str], int]] = []
    n = 0
    for key, entry, size in items:
        texts = _texts(entry, own, settings.embed_headings)
        group.append((key, entry, texts, size))
        n += len(texts)
        if n >= GROUP_TEXTS:
            yield from _embed_group(group, settings, own, bar)
            group, n = [], 0
    if group:
        yield from _embed_group(group, settings, own, bar)


def _embed_group(
    group: list[tuple[str, DocEntry, list[str], int]], settings: Settings, own: bool, bar: Any
) -> list[tuple[str, DocEntry]]:
    share = np.concatenate(
        [np.full(len(texts), size / max(1, len(texts))) for _, _, texts, size in group]
    )
    vectors = _embed(
        [t for *_, texts, _ in group for t in texts], settings,
        lambda rows: bar.update(float(share[rows].sum())),
    )  # fmt: skip
    bar.update(sum(size for _, _, texts, size in group if not texts))
    out = []
    pos = 0
    for key, entry, _, _ in group:
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
