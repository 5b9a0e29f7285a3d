"""Above ``ann_min_passages``: approximate vector indexes, retrieval over candidates.

A synthetic index (random clustered vectors, generated text; no embedder) is assembled
twice from the same documents — exact, and approximate with every inverted list probed —
and the two retrieval paths must agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index import build as build_mod
from qa.index import dense as dense_index
from qa.index import ensure as ensure_mod
from qa.index.cache import DocEntry
from qa.index.disk import build_lock
from qa.index.store import Index, commit, load_index
from qa.records import Document, Passage
from qa.retrieve import Retriever
from qa.retrieve import exact as exact_path
from qa.retrieve import search as retrieve
from qa.settings import Settings

DIM = 32
YEARS = [2014, 2016, 2017]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _entries(n_docs: int = 40, per_doc: int = 60, seed: int = 0) -> list[DocEntry]:
    """Documents of two-sentence passages; the last document is the only one of 2017."""
    rng = np.random.default_rng(seed)
    words = [f"w{i:03d}x" for i in range(400)]
    centers = _unit(rng.standard_normal((25, DIM)))
    entries = []
    for d in range(n_docs):
        year = 2017 if d == n_docs - 1 else YEARS[d % 2]
        doc_id = f"doc{d:03d}"
        passages, svecs = [], []
        for j in range(per_doc):
            first = " ".join(rng.choice(words, 8)) + "."
            second = " ".join(rng.choice(words, 8)) + "."
            text = f"{first} {second}"
            spans = ((0, len(first)), (len(first) + 1, len(text)))
            pid = f"{doc_id}:{j}"
            passages.append(
                Passage(pid, doc_id, f"{doc_id}.txt", year, j, text, 0, len(text), sentences=spans)
            )
            center = centers[rng.integers(len(centers))]
            svecs.append(_unit(center + 0.6 * rng.standard_normal((2, DIM)) / np.sqrt(DIM)))
        sentence_vectors = np.vstack(svecs)
        passage_vectors = _unit(sentence_vectors.reshape(per_doc, 2, DIM).mean(axis=1))
        doc = Document(doc_id, f"{doc_id}.txt", doc_id, "text", year, "")
        entries.append(DocEntry(doc, passages, passage_vectors, sentence_vectors))
    return entries


@pytest.fixture(scope="module")
def entries() -> list[DocEntry]:
    return _entries()


@pytest.fixture(scope="module")
def exact(entries: list[DocEntry]) -> tuple[Index, Settings]:
    settings = Settings(ann_min_passages=1_000_000)
    return build_mod._assemble(settings, entries), settings


@pytest.fixture(scope="module")
def approximate(entries: list[DocEntry]) -> tuple[Index, Settings]:
    """The same documents over IVF indexes, every list probed (the ANN is then exact)."""
    settings = Settings(ann_min_passages=500, ann_nprobe=65_536)
    return build_mod._assemble(settings, entries), settings


def _questions(index: Index, n: int = 25, seed: int = 1) -> dict[str, np.ndarray]:
    """Questions made of a passage's words, each with a vector near that passage's."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in rng.choice(len(index.passages), n, replace=False):
        words = index.passages[i].text.replace(".", "").split()
        question = " ".join(rng.choice(words, 3))
        vector = index.dense.reconstruct(int(i)) + 0.5 * rng.standard_normal(DIM) / np.sqrt(DIM)
        out[question] = _unit(vector)[None, :]
    return out


@pytest.fixture
def fake_embed(monkeypatch: pytest.MonkeyPatch, exact: tuple[Index, Settings]):
    """qa.retrieve's embedder replaced by a table of question vectors."""
    table = _questions(exact[0])
    rng = np.random.default_rng(2)

    def embed(_name: str, texts: list[str]) -> np.ndarray:
        if texts[0] not in table:  # any other question: a fixed random vector
            table[texts[0]] = _unit(rng.standard_normal(DIM))[None, :]
        return table[texts[0]]

    monkeypatch.setattr(retrieve, "embed", embed)
    return table


def _ids(result: retrieve.Retrieval) -> list[str]:
    return [h.passage.id for h in result.hits]


def test_small_corpora_keep_the_exact_index(exact: tuple[Index, Settings]) -> None:
    index, _ = exact
    assert not dense_index.is_approximate(index.dense)
    assert not dense_index.is_approximate(index.sentences)


def test_large_corpora_get_an_approximate_index(approximate: tuple[Index, Settings]) -> None:
    index, _ = approximate
    assert dense_index.is_approximate(index.dense) and dense_index.is_approximate(index.sentences)
    assert index.dense.ntotal == len(index.passages) == 2400
    assert index.sentences.ntotal == len(index.sentence_owner) == 4800


def test_approximate_path_finds_what_the_exact_path_finds(
    exact: tuple[Index, Settings], approximate: tuple[Index, Settings], fake_embed: dict
) -> None:
    slow = Retriever(*exact)
    fast = Retriever(*approximate)
    questions = list(fake_embed)
    for question in questions:
        for method in ("hybrid", "dense", "bm25"):
            want = slow.search(question, k=5, method=method)
            got = fast.search(question, k=5, method=method)
            assert _ids(got) == _ids(want), (question, method)
            assert [h.ranks for h in got.hits[:1]] == [h.ranks for h in want.hits[:1]]
    # The sentence similarities a hit's evidence is chosen by, from a few stored vectors.
    hits = slow.search(questions[0], k=5).hits
    got_similarities = fast.sentence_similarities(questions[0], hits)
    want_similarities = slow.sentence_similarities(questions[0], hits)
    assert [len(a) for a in got_similarities] == [2] * 5
    for a, b in zip(got_similarities, want_similarities):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_approximate_path_respects_the_year_filter(
    exact: tuple[Index, Settings], approximate: tuple[Index, Settings], fake_embed: dict
) -> None:
    """A hard filter, a soft one from the question, and a year too small for the
    candidates (2017: one document of 40), which is searched again within the year."""
    slow = Retriever(*exact)
    fast = Retriever(*approximate)
    for question in list(fake_embed)[:10]:
        for years in ([2016], [2017], [2014, 2017]):
            got = fast.search(question, k=5, years=years)
            assert {h.passage.year for h in got.hits} == set(years), (question, years)
            assert _ids(got) == _ids(slow.search(question, k=5, years=years))
        asked = f"{question} in 2017"
        assert _ids(fast.search(asked, k=5)) == _ids(slow.search(asked, k=5))


def test_approximate_path_never_scores_every_vector(
    approximate: tuple[Index, Settings], fake_embed: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    def scan(*_args: object) -> np.ndarray:
        raise AssertionError("a full scan of the vectors")

    monkeypatch.setattr(exact_path, "all_scores", scan)
    retriever = Retriever(*approximate)
    question = next(iter(fake_embed))
    hits = retriever.search(question, k=5).hits
    assert len(hits) == 5
    assert len(retriever.sentence_similarities(question, hits)) == 5


def test_approximate_index_round_trips_through_the_store(
    approximate: tuple[Index, Settings], fake_embed: dict, tmp_path: Path
) -> None:
    index, settings = approximate
    manifest = {
        "counts": {"passages": len(index.passages), "sentences": int(index.sentences.ntotal)},
        "dense_index": {
            "passages": dense_index.describe(index.dense),
            "sentences": dense_index.describe(index.sentences),
        },
    }
    with build_lock(tmp_path):
        commit(tmp_path, index, manifest)
    loaded = load_index(tmp_path)
    assert dense_index.is_approximate(loaded.dense)
    assert dense_index.describe(loaded.sentences) == dense_index.describe(index.sentences)
    assert loaded.dense.ntotal == len(loaded.passages) == len(index.passages)
    rows = np.arange(0, len(index.passages), 97)
    np.testing.assert_array_equal(
        dense_index.vectors(loaded.dense, rows), dense_index.vectors(index.dense, rows)
    )
    question = next(iter(fake_embed))
    assert _ids(Retriever(loaded, settings).search(question)) == _ids(
        Retriever(index, settings).search(question)
    )


def test_crossing_the_threshold_rebuilds_without_re_embedding(tiny_settings: Settings) -> None:
    """The tiny real corpus (a few passages) is built exact, then crosses a lowered
    threshold: the index is stale, and the rebuild only re-assembles it."""
    built = build_mod.build_index(tiny_settings, log=lambda _: None, progress=False)
    assert built.manifest["dense_index"]["passages"] == {"type": "flat"}
    moved = tiny_settings.model_copy(update={"ann_min_passages": 50})
    assert ensure_mod.staleness(built.manifest, moved, None) is None  # not crossed
    lowered = tiny_settings.model_copy(update={"ann_min_passages": 1})
    assert "dense_index changed" in ensure_mod.staleness(built.manifest, lowered, None)
    lines: list[str] = []
    rebuilt = ensure_mod.ensure_index(lowered, log=lines.append, progress=False)
    assert any("dense_index changed" in line for line in lines)
    assert rebuilt.manifest["counts"]["embedded"] == 0
    assert dense_index.is_approximate(rebuilt.dense)
    assert ensure_mod.staleness(rebuilt.manifest, lowered, None) is None
    hits = Retriever(rebuilt, lowered).search("who moderated the sprocket panel?").hits
    assert hits and hits[0].passage.doc_id == next(
        d.id for d in rebuilt.documents.values() if d.path == "b.md"
    )
