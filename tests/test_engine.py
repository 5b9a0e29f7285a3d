"""The Milvus vector engine (qa.index.engine) on the real Milvus Lite, not a mock: index,
search within facets, update and remove a document, and an unreachable engine's message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index.cache import DocEntry
from qa.index.engine import EngineUnavailable, VectorEngine
from qa.records import Document, Passage
from qa.settings import Settings

pytest.importorskip("milvus_lite")
DIM = 8


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _entry(doc_id: str, year: int | None, n: int, seed: int, version: str | None = None):
    doc = Document(doc_id, f"{doc_id}.txt", doc_id, "text", year, "x", version=version)
    passages, sentence_rows = [], []
    for i in range(n):
        text = "One. Two."
        passages.append(
            Passage(f"{doc_id}#{i}", doc_id, doc.path, year, i, text, 0, 9, None,
                    ((0, 4), (5, 9)))
        )  # fmt: skip
        sentence_rows += [_unit(seed * 100 + 2 * i), _unit(seed * 100 + 2 * i + 1)]
    sentences = np.stack(sentence_rows)
    vectors = sentences.reshape(n, 2, DIM).mean(axis=1)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return DocEntry(doc, passages, vectors, sentences)


def _settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index",
                    vector_uri=str(tmp_path / "vectors.db"))  # fmt: skip


@pytest.fixture()
def engine(tmp_path: Path):
    opened = VectorEngine.open(_settings(tmp_path))
    yield opened
    opened.close()


ENTRIES = {"k-a": _entry("a", 2014, 3, 1), "k-b": _entry("b", 2016, 4, 2, "2.1"),
           "k-c": _entry("c", None, 2, 3)}  # fmt: skip


def test_sync_then_search_finds_the_nearest_passage_within_the_facets(engine) -> None:
    assert engine.sync(ENTRIES) == (3, 0)
    assert engine.count() == 9 and engine.count(sentences=True) == 18
    target = ENTRIES["k-b"].passage_vectors[2]
    found = engine.search(target, 3)
    assert found.ids[0] == "b#2" and found.scores[0] == pytest.approx(1.0, abs=1e-5)
    assert set(engine.search(target, 9, years=[2014]).ids) == {"a#0", "a#1", "a#2"}
    assert set(engine.search(target, 9, versions=["2.1"]).ids) == {f"b#{i}" for i in range(4)}
    assert engine.search(target, 9, years=[2017]).ids == []
    # By best sentence: the sentence's own passage first, each passage once.
    by_sentence = engine.search(ENTRIES["k-a"].sentence_vectors[3], 5, sentences=True)
    assert by_sentence.ids[0] == "a#1" and len(set(by_sentence.ids)) == len(by_sentence.ids)


def test_sync_sends_only_what_changed_and_removes_what_is_gone(engine) -> None:
    engine.sync(ENTRIES)
    assert engine.sync(ENTRIES) == (0, 0)  # nothing changed: nothing sent
    changed = {"k-a": ENTRIES["k-a"], "k-b2": _entry("b", 2016, 1, 7, "2.1")}
    assert engine.sync(changed) == (1, 1)  # b replaced, c removed
    assert engine.stored_keys() == {"a": "k-a", "b": "k-b2"}
    assert engine.count() == 4 and engine.count(sentences=True) == 8
    assert set(engine.search(ENTRIES["k-b"].passage_vectors[0], 9, years=[2016]).ids) == {"b#0"}
    engine.remove(["a"])
    assert engine.count() == 1 and "a" not in engine.stored_keys()


def test_a_later_client_of_the_same_engine_sees_the_rows(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = VectorEngine.open(settings)
    first.sync(ENTRIES)
    first.close()
    again = VectorEngine.open(settings)
    try:
        assert again.stored_keys() == {"a": "k-a", "b": "k-b", "c": "k-c"}
        assert again.search(ENTRIES["k-c"].passage_vectors[1], 1).ids == ["c#1"]
        assert again.sync(ENTRIES) == (0, 0)
    finally:
        again.close()


def test_another_index_type_makes_the_collections_anew_and_resends(tmp_path: Path) -> None:
    """QA_VECTOR_INDEX changed: the engine no longer holds the index as asked (so start-up
    brings it up to date), the next sync re-sends every document into collections with
    the new index, and search still finds the nearest passage through it."""
    from qa.index.engine import engine_holds

    settings = _settings(tmp_path)
    first = VectorEngine.open(settings)
    first.sync(ENTRIES)
    first.close()
    assert engine_holds(settings, {"a", "b", "c"})
    ivf = settings.model_copy(update={"vector_index": "IVF_FLAT"})
    assert not engine_holds(ivf, {"a", "b", "c"})
    again = VectorEngine.open(ivf)
    try:
        assert again.sync(ENTRIES) == (3, 0)
        assert again.client.describe_index(again.names["passages"], "vec")["index_type"] == (
            "IVF_FLAT"
        )
        assert again.count() == 9
        assert again.search(ENTRIES["k-b"].passage_vectors[3], 1).ids == ["b#3"]
    finally:
        again.close()
    assert engine_holds(ivf, {"a", "b", "c"})


def test_an_unreachable_engine_is_one_line_naming_it(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index",
                        vector_uri="http://127.0.0.1:9", vector_timeout=2)  # fmt: skip
    with pytest.raises(EngineUnavailable) as caught:
        VectorEngine.open(settings)
    message = str(caught.value)
    assert "http://127.0.0.1:9" in message and "\n" not in message


def test_a_collection_prefix_must_be_a_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Settings(corpus_dir=tmp_path, index_dir=tmp_path, vector_collection="my corpus")


def test_retrieval_through_the_engine_agrees_with_the_in_process_index(
    settings: Settings, index, engine_settings: Settings, engine_index, tmp_path: Path
) -> None:
    """The real corpus and embedder: the build sends every document to the engine, the app
    loads the index without its FAISS vectors, and the engine-backed search (same BM25 and
    fusion over its candidates) finds what the in-process index finds, within the asked
    years; the sentence similarities evidence selection reads come back from the engine."""
    from qa.evaluation.evalset import load_questions
    from qa.index import ensure_index
    from qa.retrieve import Retriever

    assert engine_index.dense is None and engine_index.sentences is None
    lines: list[str] = []
    again = ensure_index(engine_settings, log=lines.append, progress=False)
    assert again.manifest == engine_index.manifest and not lines  # current: nothing rebuilt
    engine = VectorEngine.open(engine_settings)
    try:
        assert set(engine.stored_keys()) == set(engine_index.documents)
        assert engine.count() == len(engine_index.passages)
    finally:
        engine.close()
    exact, through = Retriever(index, settings), Retriever(engine_index, engine_settings)
    root = Path(__file__).resolve().parent.parent
    questions = [q.question for q in load_questions(root / "eval" / "questions.jsonl", "dev")]
    overlap = []
    for question in questions:
        a = exact.search(question, k=5).hits
        b = through.search(question, k=5)
        overlap.append(len({h.passage.id for h in a} & {h.passage.id for h in b.hits}) / 5)
        if len(b.years) == 1 and not b.other_years:
            assert b.hits[0].passage.year == b.years[0], question
        if b.hits:
            mine = through.sentence_similarities(question, b.hits)
            theirs = exact.sentence_similarities(question, b.hits)
            assert [len(m) for m in mine] == [len(t) for t in theirs]
            assert np.allclose(np.concatenate(mine), np.concatenate(theirs), atol=1e-4)
    assert sum(overlap) / len(overlap) >= 0.9


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def milvus_server(tmp_path: Path):
    """A Milvus server in its own process (Milvus Lite's `milvus-lite server`): what a
    cluster's address looks like to qa — an http:// URI, the same client code."""
    import subprocess
    import sys
    import time

    port = _free_port()
    command = [str(Path(sys.executable).parent / "milvus-lite"), "server",
               "--data-dir", str(tmp_path / "milvus"), "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    uri = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to 60 s on a busy machine
            if server.poll() is not None:
                raise RuntimeError(f"milvus-lite server ended: {server.stderr.read()[-500:]}")
            try:
                probe = VectorEngine.open(Settings(corpus_dir=tmp_path, index_dir=tmp_path,
                                                   vector_uri=uri, vector_timeout=2))  # fmt: skip
            except EngineUnavailable:
                time.sleep(0.1)
                continue
            probe.close()
            break
        yield uri
    finally:
        server.terminate()
        server.wait(timeout=30)


def _json_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("{"))


def test_several_app_processes_share_one_engine(tiny_corpus: Path, tmp_path: Path,
                                                milvus_server: str) -> None:  # fmt: skip
    """One process indexes into a Milvus server; a second app, from its own index folder
    over the same documents, finds the engine current and sends nothing; two processes
    then search it at once and see the same passages; a removal reaches the engine."""
    import json
    import os
    import subprocess
    import sys

    qa = str(Path(sys.executable).parent / "qa")
    env = {**os.environ, "QA_VECTOR_URI": milvus_server, "QA_MIN_WORDS": "5"}

    def run(index: str, *args: str) -> subprocess.Popen:
        command = [qa, *args, "--corpus", str(tiny_corpus), "--index", str(tmp_path / index)]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip

    def finish(proc: subprocess.Popen) -> str:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-800:]
        return out + err

    first = finish(run("one", "index"))
    assert "vector engine" in first and "2 documents sent" in first
    second = finish(run("two", "index"))
    assert "documents sent" not in second  # the engine already holds these builds
    question = "What did the 2016 dialogue discuss?"
    searches = [run(name, "search", question, "--json", "--k", "3") for name in ("one", "two")]
    found = [[hit["passage_id"] for hit in json.loads(_json_line(finish(p)))["passages"]]
             for p in searches]  # fmt: skip
    assert found[0] and found[0] == found[1]
    engine = VectorEngine.open(Settings(corpus_dir=tiny_corpus, index_dir=tmp_path,
                                        vector_uri=milvus_server))  # fmt: skip
    try:
        assert len(engine.stored_keys()) == 2
        finish(run("one", "remove", "a.txt"))
        assert len(engine.stored_keys()) == 1
    finally:
        engine.close()
