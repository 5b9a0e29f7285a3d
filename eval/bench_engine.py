"""The Milvus engine's part of `make bench-scale` (eval/bench_scale.py makes the data).

For one synthetic corpus it starts a Milvus server in its own process (Milvus Lite's
``milvus-lite server``: to qa an ``http://`` URI, as a cluster is), sends it the passage and
sentence vectors as ``qa index`` does (:meth:`qa.index.engine.VectorEngine.sync`), and
reports:

- build: seconds until every row is sent and searchable, and the server's RSS after;
- the engine's own search (passages top-``ann_candidates``; sentences grouped by passage),
  and qa's ``Retriever.search`` through it (p50 / p95, question embedding excluded);
- top-5 agreement of that search with qa's exact in-process path;
- the app process: a fresh Python process that loads the index from disk without its
  vectors, the real question embedder, and an ``Answerer`` (what ``make run`` holds but
  the model, which a server holds: ``QA_LLM_URL``), answers the questions' retrieval and
  evidence reads, and reports its RSS (now, and peak).

    .venv/bin/python eval/bench_engine.py --app INDEX_DIR --uri URI --questions Q.json
    (run by bench_scale.py; prints one JSON line)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.index.cache import DocEntry  # noqa: E402
from qa.index.engine import EngineUnavailable, VectorEngine  # noqa: E402
from qa.index.store import Index, commit, load_index  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402
from qa.retrieve import search as retrieve  # noqa: E402
from qa.settings import Settings  # noqa: E402

COLLECTION = "bench"
AGREEMENT_QUERIES = 20


@dataclass
class EngineRow:
    """One size's engine measurements (latencies as 'p50 / p95' ms)."""

    kind: str = "lite"
    build_s: float = 0.0
    settle_s: float | None = None  # until compacted segments were re-indexed (None: not)
    segments: str = ""  # segments the server searches: passages / sentences
    server_rss: int = 0
    search: str = ""
    search_sentences: str = ""
    qa: str = ""
    qa_p50: float = 0.0
    agreement: float = 0.0
    app: dict | None = None


def _ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f} / {np.percentile(times, 95) * 1000:.1f}"


def _each(fn: Callable[..., object], items: list) -> list[float]:
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_of(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM (peak) and RssAnon of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon"):
            out[key] = int(value.split()[0]) * 1024
    return out


def _tree_rss(pid: int) -> int:
    """VmRSS of a process and all its descendants, in bytes."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        with suppress(OSError, KeyError):  # a process that ended meanwhile
            total += _rss_of(p)["VmRSS"]
    return total


# The servers measured: Milvus Lite 3's own server (pure Python) and a Milvus standalone
# server (the C++/Go engine a cluster runs), from the PyPI package `milvus` (its binary,
# etcd embedded; `make bench-scale` installs it into .venv for the benchmark only).
# 'standalone-ivf': the standalone server with QA_VECTOR_INDEX=IVF_FLAT (the others: AUTOINDEX).
SERVERS = ("standalone-ivf", "standalone", "lite")
LITE_MAX = 100_000  # Milvus Lite searches every row in Python (measured): 1 M takes too long
SETTLE_S = 600  # how long to wait for compaction's re-indexing (it stalled once: see notes)


def _server(kind: str) -> str:
    """The server a measured kind runs on ('standalone-ivf' → 'standalone')."""
    return kind.split("-")[0]


def _index_type(kind: str) -> str:
    return "IVF_FLAT" if kind.endswith("-ivf") else "AUTOINDEX"


def server_available(kind: str) -> bool:
    name = "milvus-server" if _server(kind) == "standalone" else "milvus-lite"
    return (Path(sys.executable).parent / name).exists()


@contextmanager
def milvus_server(data_dir: Path, kind: str = "lite") -> Iterator[tuple[str, int]]:
    """A Milvus server process on a free port: (its URI, its pid)."""
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    if kind == "standalone":
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [str(bin_dir / "milvus-server"), "--data", str(data_dir),
                   "--proxy-port", str(port)]  # fmt: skip
    else:
        command = [str(bin_dir / "milvus-lite"), "server", "--data-dir", str(data_dir),
                   "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{kind} Milvus server ended at start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} Milvus server did not answer within 300 s")
            try:
                _open(uri).close()
                break
            except EngineUnavailable:
                time.sleep(0.5)
        yield uri, server.pid
    finally:
        family = _descendants(server.pid)  # the standalone wrapper starts milvus apart
        for pid in [server.pid, *family]:
            _signal(pid, signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        deadline = time.monotonic() + 60
        while any(Path(f"/proc/{p}").exists() for p in family) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in family:
            _signal(pid, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, theirs, …), read from /proc."""
    out, todo = [], [pid]
    while todo:
        try:
            for task in Path(f"/proc/{todo.pop()}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                out += children
                todo += children
        except OSError:
            continue
    return out


def _signal(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def _settings(uri: str, folder: Path, base: Settings, index_type: str) -> Settings:
    update = {"vector_uri": uri, "vector_collection": COLLECTION, "vector_timeout": 600.0,
              "index_dir": folder, "corpus_dir": folder, "vector_index": index_type}  # fmt: skip
    return base.model_copy(update=update)


def _open(uri: str) -> VectorEngine:
    return VectorEngine.open(Settings(vector_uri=uri, vector_collection=COLLECTION))


def _entries(index: Index, vectors: np.ndarray) -> dict[str, DocEntry]:
    """One DocEntry per synthetic document (one sentence per passage: its vector)."""
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(index.passages):
        rows.setdefault(p.doc_id, []).append(i)
    return {
        f"build-{doc}": DocEntry(index.documents[doc], [index.passages[i] for i in r],
                                 vectors[r[0] : r[-1] + 1], vectors[r[0] : r[-1] + 1])
        for doc, r in rows.items()
    }  # fmt: skip


def measure(
    index: Index,
    vectors: np.ndarray,
    questions: list[str],
    question_vectors: np.ndarray,
    exact: Retriever,
    settings: Settings,
    log: Callable[[str], None],
    kind: str = "lite",
) -> EngineRow:
    """Build, search and the app process over one synthetic corpus (see the docstring)."""
    row = EngineRow(kind)
    with tempfile.TemporaryDirectory(prefix="qa-bench-engine-") as tmp:
        folder = Path(tmp)
        with milvus_server(folder / "milvus", _server(kind)) as (uri, pid):
            engine_settings = _settings(uri, folder / "index", settings, _index_type(kind))
            log(f"  Milvus ({kind}): sending the vectors")
            engine = VectorEngine.open(engine_settings)
            t0 = time.perf_counter()
            engine.sync(_entries(index, vectors))
            _wait_indexed(engine)
            engine.search(question_vectors[0], 10)  # searchable (indexes built)
            row.build_s = time.perf_counter() - t0
            log(f"  Milvus: indexed in {row.build_s:.0f} s; waiting for compaction to settle")
            if _wait_settled(engine):
                row.settle_s = time.perf_counter() - t0
            row.segments = _segments(engine)
            row.server_rss = _tree_rss(pid)
            top = settings.ann_candidates
            queries = list(question_vectors)
            row.search = _ms(_each(partial(engine.search, k=top), queries))
            by_sentence = partial(engine.search, k=top, sentences=True)
            row.search_sentences = _ms(_each(by_sentence, queries))
            log("  Milvus: qa's Retriever through it")
            through = Retriever(replace(index, dense=None, sentences=None), engine_settings)
            table = dict(zip(questions, question_vectors[:, None, :]))
            with mock.patch.object(retrieve, "embed", lambda _name, texts: table[texts[0]]):
                through.search(questions[0])
                every = _each(partial(through.search, k=5), questions)
                year = _each(partial(through.search, k=5, years=[2016]), questions)
                row.qa, row.qa_p50 = f"{_ms(every)} | {_ms(year)}", statistics.median(every)
                shared = questions[:AGREEMENT_QUERIES]
                row.agreement = statistics.mean(
                    len(_ids(through.search(q, k=5)) & _ids(exact.search(q, k=5))) / 5
                    for q in shared
                )
            engine.close()
            log("  Milvus: the app process")
            row.app = _app_process(index, questions, question_vectors, folder, engine_settings)
    return row


def _wait_indexed(engine: VectorEngine, limit_s: float = 3600) -> None:
    """Until the server's vector indexes cover every row (a server builds them after the
    rows arrive; until then it searches the rows without one). Its later re-indexing of
    compacted segments ('pending_index_rows') is not waited for: on Milvus 2.3 that count
    stalled above zero for good at 1 M rows (seen 2026-12-07)."""
    t0 = time.perf_counter()
    for name in engine.names.values():
        while True:
            info = engine.client.describe_index(name, "vec")
            if not info:
                raise RuntimeError(f"{name}: the server reports no vector index")
            if info.get("indexed_rows", 0) >= info.get("total_rows", 0):
                break
            if time.perf_counter() - t0 > limit_s:
                raise RuntimeError(f"{name}: indexes cover {info} after {limit_s:.0f} s")
            time.sleep(1)


def _wait_settled(engine: VectorEngine, limit_s: float = SETTLE_S) -> bool:
    """Until the server has re-indexed the segments its compaction merged (searches meanwhile
    go to the smaller segments they replace); False if that has not happened in time."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        infos = [engine.client.describe_index(name, "vec") for name in engine.names.values()]
        if all(info.get("pending_index_rows", 0) == 0 for info in infos):
            return True
        time.sleep(5)
    return False


def _segments(engine: VectorEngine) -> str:
    """How many sealed segments the server holds, passages / sentences ('' if it cannot say)."""
    try:
        counts = [len(engine.client.list_persistent_segments(engine.names[part]))
                  for part in ("passages", "sentences")]  # fmt: skip
    except Exception:  # a server that does not list them
        return ""
    return " / ".join(map(str, counts))


def _ids(found: retrieve.Retrieval) -> set[str]:
    return {h.passage.id for h in found.hits}


def _app_process(
    index: Index,
    questions: list[str],
    question_vectors: np.ndarray,
    folder: Path,
    settings: Settings,
) -> dict:
    """Commit the index to disk (placeholder vector files: the app never reads them) and
    measure a fresh process answering from it through the engine."""
    import faiss

    empty = faiss.IndexFlatIP(question_vectors.shape[1])
    (folder / "index").mkdir()
    committed = replace(index, dense=empty, sentences=empty, stored_facts=index.facts)
    commit(folder / "index", committed, {"format": 2})  # facts derived once, not per server
    data = folder / "questions.json"
    data.write_text(json.dumps({"questions": questions, "vectors": question_vectors.tolist()}))
    command = [sys.executable, __file__, "--app", str(folder / "index"),
               "--uri", settings.vector_uri, "--index-type", settings.vector_index,
               "--questions", str(data)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"app process failed: {done.stderr[-1000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def app_main(index_dir: Path, uri: str, questions_file: Path, index_type: str) -> None:
    """The app process: load, start, answer retrieval and evidence reads, report memory."""
    from qa.answer import Answerer

    data = json.loads(questions_file.read_text())
    table = {q: np.array([v], dtype=np.float32) for q, v in zip(data["questions"], data["vectors"])}
    settings = _settings(uri, index_dir, Settings(), index_type)
    t0 = time.perf_counter()
    index = load_index(index_dir, vectors=False)
    embedder = True
    try:
        from qa.index.embedder import embed, load_embedder

        load_embedder(settings.embedder)
        embed(settings.embedder, ["warm up"])
    except Exception:  # the benchmark runs without it
        embedder = False
    answerer = Answerer(index, settings)
    start_s = time.perf_counter() - t0
    with mock.patch.object(retrieve, "embed", lambda _name, texts: table[texts[0]]):
        for question in data["questions"]:
            hits = answerer.retriever.search(question, k=5).hits
            answerer.retriever.sentence_similarities(question, hits)
    memory = _rss_of()
    out = {"start_s": round(start_s, 1), "embedder": embedder, "rss": memory["VmRSS"],
           "peak": memory["VmHWM"], "anon": memory["RssAnon"]}  # fmt: skip
    print(json.dumps(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the app-process part of bench-scale")
    parser.add_argument("--app", type=Path, required=True, help="index folder")
    parser.add_argument("--uri", required=True, help="the Milvus server's URI")
    parser.add_argument("--index-type", default="AUTOINDEX", help="QA_VECTOR_INDEX")
    parser.add_argument("--questions", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    app_main(args.app, args.uri, args.questions, args.index_type)
