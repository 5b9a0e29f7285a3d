"""Benchmark: how retrieval cost grows with the corpus (10 k, 100 k, 1 M passages).

    make bench-scale     # or: .venv/bin/python eval/bench_scale.py [--sizes 10k,100k]

For each size it builds, from synthetic data, BM25, the exact FAISS index (IndexFlatIP) and
the approximate one qa switches to above ``QA_ANN_MIN_PASSAGES`` (IVF-Flat, see
qa/index/dense.py), and reports build time, memory (bytes of the index, the process' RSS
growth) and query latency (p50/p95 over ``--queries`` questions, one at a time as qa asks
them), the approximate index's recall@10 against the exact one, and qa's own
``Retriever.search`` over a synthetic index, on the exact path and on the candidate path.
Then (unless ``--no-engine``) the same index with its vectors in a Milvus server process
(eval/bench_engine.py): build time, the engine's search, qa's search through it, top-5
agreement with the exact path, and a fresh app process' memory.

Synthetic data, and why:

- Vectors: 384 dimensions (MiniLM's), a mixture of Gaussians — one component per 100
  passages (a bigger corpus covers more topics), a passage at cosine ≈ 0.7 to its
  component's centre — L2-normalised. Uniform random vectors would be an unrealistic worst
  case for any ANN (no neighbourhoods to find); how hard real MiniLM vectors are lies
  somewhere else, so the recall figures say how the index behaves on clustered data, not
  what it will do on a given corpus. Questions are data points moved by noise (cosine ≈ 0.9
  to their source).
- Text: 60 words a passage from a 50 000-word Zipf-distributed (s = 1.1) vocabulary of
  made-up words; a question is 4 words of its source passage.
- qa's index: one sentence per passage (a real corpus has 3-4), whose vector is then the
  passage's (as ``passage_vectors = sentence_mean`` makes it); the passage and sentence
  indexes are the same object. A real corpus' sentence index is 3-4 times the size.
- The question embedder is replaced by a table of the synthetic question vectors (they
  must be near the data); the real embedder's time for one question is reported apart.

The report is printed and written to ``eval/reports/bench-scale-<UTC timestamp>.md``.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
import faiss  # noqa: E402
import numpy as np  # noqa: E402

from eval import bench_engine  # noqa: E402
from qa.index import dense as dense_index  # noqa: E402
from qa.index.store import Index  # noqa: E402
from qa.records import Document, Passage  # noqa: E402
from qa.retrieve import Retrieval, Retriever  # noqa: E402
from qa.retrieve import search as retrieve  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.text.tokenize import tokenize  # noqa: E402

DIM = 384
WORDS_PER_PASSAGE = 60
VOCABULARY = 50_000
PASSAGES_PER_COMPONENT = 100
PASSAGES_PER_DOCUMENT = 1_000
YEARS = (2014, 2016, 2017)
SWEEP = (8, 16, 32, 64)
EXACT_PATH_QUERIES = 20  # qa's exact path at 1 M takes seconds a question


def _rss() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def _ms(times: list[float]) -> str:
    """'p50 / p95' in milliseconds."""
    p50 = statistics.median(times) * 1000
    p95 = float(np.percentile(times, 95)) * 1000
    return f"{p50:.1f} / {p95:.1f}"


def _each(fn: Callable[..., object], items: list) -> list[float]:
    """Seconds of ``fn(item)`` for each item, one at a time."""
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    return times


@dataclass
class Corpus:
    """One synthetic corpus: texts, vectors, and questions near some of its passages."""

    texts: list[str]
    vectors: np.ndarray
    question_rows: np.ndarray
    questions: list[str]
    question_vectors: np.ndarray


def make_corpus(n: int, n_questions: int, seed: int = 0) -> Corpus:
    """Clustered unit vectors and Zipf text (see the module docstring)."""
    rng = np.random.default_rng(seed)
    components = _unit(rng.standard_normal((max(1, n // PASSAGES_PER_COMPONENT), DIM), "f4"))
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        noise = rng.standard_normal((stop - start, DIM), "f4") / np.sqrt(DIM)
        owner = rng.integers(0, len(components), stop - start)
        vectors[start:stop] = _unit(components[owner] + noise)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables, 3)) + rng.choice(["", "n", "r", "l"]))
    vocabulary = np.array(sorted(words), dtype=object)
    rng.shuffle(vocabulary)
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.1
    cdf = np.cumsum(weights / weights.sum())
    texts = []
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        ids = np.searchsorted(cdf, rng.random((stop - start, WORDS_PER_PASSAGE)))
        ids = np.minimum(ids, VOCABULARY - 1)
        texts += [" ".join(row) for row in vocabulary[ids].tolist()]
    rows = rng.choice(n, n_questions, replace=False)
    moved = vectors[rows] + 0.5 * rng.standard_normal((n_questions, DIM), "f4") / np.sqrt(DIM)
    questions = [" ".join(rng.choice(texts[i].split(), 4, replace=False)) for i in rows]
    return Corpus(texts, vectors, rows, questions, _unit(moved))


@dataclass
class Row:
    """One size's measurements."""

    n: int
    build: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)
    latency: dict[str, str] = field(default_factory=dict)
    recall: float = 0.0
    nlist: int = 0
    sweep: list[tuple[int, float, str]] = field(default_factory=list)
    qa: dict[str, str] = field(default_factory=dict)
    qa_p50: dict[str, float] = field(default_factory=dict)
    qa_agreement: float = 0.0  # top-5 shared by the candidate and the exact path
    peak_rss: int = 0
    engines: list[bench_engine.EngineRow] = field(default_factory=list)


def _bm25_bytes(model: bm25s.BM25) -> int:
    arrays = sum(v.nbytes for v in model.scores.values() if isinstance(v, np.ndarray))
    vocab = sum(sys.getsizeof(k) + 8 for k in model.vocab_dict)  # keys and their int ids
    return arrays + vocab + sys.getsizeof(model.vocab_dict)


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth)]))


def bench_size(
    n: int, n_questions: int, settings: Settings, log: Callable[[str], None], engines: list[str]
) -> Row:
    row = Row(n)
    log(f"{n:,} passages: generating data")
    corpus = make_corpus(n, n_questions)
    queries = [q[None, :] for q in corpus.question_vectors]

    log("  BM25")
    rss, t0 = _rss(), time.perf_counter()
    model = _bm25(corpus.texts)
    row.build["BM25"], row.rss["BM25"] = time.perf_counter() - t0, _rss() - rss
    row.bytes["BM25"] = _bm25_bytes(model)
    times = _each(lambda q: _top(model.get_scores(q), 10), tokenize(corpus.questions))
    row.latency["BM25 top-10"] = _ms(times)

    log("  exact FAISS")
    rss, t0 = _rss(), time.perf_counter()
    flat = dense_index.build([corpus.vectors], {"type": "flat"}, DIM)
    row.build["exact"], row.rss["exact"] = time.perf_counter() - t0, _rss() - rss
    row.bytes["exact"] = flat.ntotal * DIM * 4
    _, truth = flat.search(corpus.question_vectors, 10)
    row.latency["exact top-10"] = _ms(_each(partial(flat.search, k=10), queries))

    log("  IVF")
    spec = dense_index.plan(n, n, 1)
    row.nlist = spec["nlist"]
    rss, t0 = _rss(), time.perf_counter()
    ivf = dense_index.build([corpus.vectors], spec, DIM)
    row.build["IVF"], row.rss["IVF"] = time.perf_counter() - t0, _rss() - rss
    row.bytes["IVF"] = len(faiss.serialize_index(ivf))
    nprobe = settings.ann_nprobe
    for probes in sorted({*SWEEP, nprobe}):
        params = faiss.SearchParametersIVF(nprobe=probes)
        _, found = ivf.search(corpus.question_vectors, 10, params=params)
        times = _each(partial(ivf.search, k=10, params=params), queries)
        row.sweep.append((probes, _recall(found, truth), _ms(times)))
        if probes == nprobe:
            row.recall = _recall(found, truth)
            row.latency[f"IVF top-10 (nprobe {nprobe})"] = _ms(times)
    top = settings.ann_candidates
    times = _each(partial(dense_index.search, ivf, k=top, nprobe=nprobe), queries)
    row.latency[f"IVF top-{top}"] = _ms(times)

    log("  qa Retriever")
    index, exact = bench_qa(row, corpus, model, flat, ivf, settings, log)
    for kind in engines:
        if kind == "lite" and n > bench_engine.LITE_MAX:
            log(f"  Milvus (lite): skipped above {bench_engine.LITE_MAX:,} passages")
            continue
        row.engines.append(
            bench_engine.measure(index, corpus.vectors, corpus.questions,
                                 corpus.question_vectors, exact, settings, log, kind)
        )  # fmt: skip
    row.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return row


def _bm25(texts: list[str]) -> bm25s.BM25:
    model = bm25s.BM25()
    model.index(tokenize(texts), show_progress=False)
    return model


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best rows without sorting them all (what the candidate path does)."""
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best])]


def _synthetic_index(corpus: Corpus, model: bm25s.BM25, vectors: faiss.Index) -> Index:
    """An index record over the synthetic corpus: one sentence per passage."""
    n = len(corpus.texts)
    documents, passages = {}, []
    for d, start in enumerate(range(0, n, PASSAGES_PER_DOCUMENT)):
        doc_id, year = f"doc{d:06d}", YEARS[d % len(YEARS)]
        documents[doc_id] = Document(doc_id, f"{doc_id}.txt", doc_id, "text", year, "")
        for j in range(start, min(n, start + PASSAGES_PER_DOCUMENT)):
            text = corpus.texts[j]
            spans = ((0, len(text)),)
            passages.append(
                Passage(f"{doc_id}:{j}", doc_id, doc_id, year, j, text, 0, 0, sentences=spans)
            )
    owner = np.arange(n)
    return Index({"dim": DIM}, documents, passages, vectors, vectors, owner, model)


def bench_qa(
    row: Row,
    corpus: Corpus,
    model: bm25s.BM25,
    flat: faiss.Index,
    ivf: faiss.Index,
    settings: Settings,
    log: Callable[[str], None],
) -> tuple[Index, Retriever]:
    """qa's Retriever.search on the candidate path (IVF) and on the exact path (flat);
    returns the index record and the exact-path Retriever (the engine is checked on it)."""
    table = dict(zip(corpus.questions, corpus.question_vectors[:, None, :]))
    rss, t0 = _rss(), time.perf_counter()
    index = _synthetic_index(corpus, model, ivf)
    row.build["qa passages"], row.rss["qa passages"] = time.perf_counter() - t0, _rss() - rss
    rss, t0 = _rss(), time.perf_counter()
    fast = Retriever(index, settings)
    row.build["qa Retriever start"] = time.perf_counter() - t0
    row.rss["qa Retriever start"] = _rss() - rss
    # The same Retriever on the flat index: the exact path (start-up is the same work).
    slow = copy.copy(fast)
    slow.index = replace(index, dense=flat, sentences=flat)
    slow._candidates = None
    paths = (
        ("candidates (IVF)", fast, len(corpus.questions)),
        ("exact (flat)", slow, min(len(corpus.questions), EXACT_PATH_QUERIES)),
    )
    with mock.patch.object(retrieve, "embed", lambda _name, texts: table[texts[0]]):
        for name, retriever, count in paths:
            log(f"    {name}")
            questions = corpus.questions[:count]
            retriever.search(questions[0])  # warm
            every = _each(partial(retriever.search, k=5), questions)
            year = _each(partial(retriever.search, k=5, years=[2016]), questions)
            row.qa[name] = f"{_ms(every)} | {_ms(year)} | {count}"
            row.qa_p50[name] = statistics.median(every)
        shared = corpus.questions[:EXACT_PATH_QUERIES]
        row.qa_agreement = statistics.mean(
            len(_ids(fast.search(q, k=5)) & _ids(slow.search(q, k=5))) / 5 for q in shared
        )
    return index, slow


def _ids(found: Retrieval) -> set[str]:
    return {h.passage.id for h in found.hits}


def embed_time(settings: Settings) -> float | None:
    """The real embedder's time for one question (warm), or None if it is not installed."""
    try:
        from qa.index.embedder import embed, load_embedder

        load_embedder(settings.embedder)
    except Exception:  # the benchmark runs without it
        return None
    embed(settings.embedder, ["warm up"])
    questions = [["who moderated the panel in 2016?"]] * 20
    return statistics.median(_each(partial(embed, settings.embedder), questions))


def report(rows: list[Row], settings: Settings, embed_s: float | None, total_s: float) -> str:
    mb = 1024 * 1024
    lines = [
        f"# How retrieval cost grows — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Synthetic data (eval/bench_scale.py): {DIM}-dim clustered unit vectors, Zipf text. "
        f"{os.cpu_count()} cores, faiss {faiss.__version__}, bm25s {bm25s.__version__}. "
        f"Settings: ann_min_passages {settings.ann_min_passages:,}, ann_candidates "
        f"{settings.ann_candidates}, ann_nprobe {settings.ann_nprobe}. "
        f"Whole run: {total_s / 60:.1f} min.",
        "",
        "## Build and memory",
        "",
        "'index MB': the FAISS index's serialized bytes (flat: the vectors), BM25's arrays and "
        "vocabulary. 'RSS growth': what the process grew by while building it, a lower bound "
        "(Python reuses memory freed before); qa's passages and Retriever have only that.",
        "",
        "| passages | structure | build s | index MB | MB per 1 M passages | RSS growth MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        for name in ("BM25", "exact", "IVF"):
            label = {"exact": "FAISS exact (flat)", "IVF": f"FAISS IVF{r.nlist},Flat"}.get(
                name, name
            )
            per_m = r.bytes[name] / r.n * 1_000_000 / mb
            lines.append(
                f"| {r.n:,} | {label} | {r.build[name]:.1f} | {r.bytes[name] / mb:.0f} | "
                f"{per_m:.0f} | {r.rss[name] / mb:.0f} |"
            )
        for name in ("qa passages", "qa Retriever start"):
            per_m = r.rss[name] / r.n * 1_000_000 / mb
            lines.append(
                f"| {r.n:,} | {name} | {r.build[name]:.1f} | — | {per_m:.0f} (RSS) | "
                f"{r.rss[name] / mb:.0f} |"
            )
    peaks = ", ".join(f"{r.n:,}: {r.peak_rss / 1024**3:.1f} GiB" for r in rows)
    lines += [
        "",
        f"Peak RSS of the benchmark process (everything above held at once): {peaks}.",
        "",
        "## Query latency, one question at a time (ms, p50 / p95)",
        "",
        "| passages | " + " | ".join(rows[0].latency) + " | recall@10 IVF vs exact |",
        "|---:|" + "---:|" * (len(rows[0].latency) + 1),
    ]
    for r in rows:
        lines.append(f"| {r.n:,} | " + " | ".join(r.latency.values()) + f" | {r.recall:.3f} |")
    lines += [
        "",
        "## IVF: recall@10 against exact, and latency, by lists probed",
        "",
        "| passages | nlist | nprobe | recall@10 | top-10 ms p50 / p95 |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for probes, recall, ms in r.sweep:
            lines.append(f"| {r.n:,} | {r.nlist} | {probes} | {recall:.3f} | {ms} |")
    lines += [
        "",
        "## qa's Retriever.search (hybrid, k = 5; ms, p50 / p95; question embedding excluded)",
        "",
        "| passages | path | all years | one year (hard filter) | questions | p50 vs 10 k |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    base = next((r for r in rows if r.n == min(x.n for x in rows)), rows[0])
    configured = "exact (flat)" if base.n < settings.ann_min_passages else "candidates (IVF)"
    for r in rows:
        for name, cells in r.qa.items():
            ratio = r.qa_p50[name] / base.qa_p50[configured]
            used = (name == "exact (flat)") == (r.n < settings.ann_min_passages)
            mark = " **(qa uses)**" if used else ""
            lines.append(f"| {r.n:,} | {name}{mark} | {cells} | {ratio:.1f}× |")
    lines += [
        "",
        f"'p50 vs 10 k': against the path qa uses at {base.n:,} ({configured}). ",
    ]
    if embed_s is not None:
        lines[-1] += (
            f"Embedding the question (MiniLM, warm, one question) adds {embed_s * 1000:.1f} ms "
            "at every size."
        )
    agreement = ", ".join(f"{r.n:,}: {r.qa_agreement:.2f}" for r in rows)
    lines += [
        "",
        f"Top-5 passages the candidate path shares with the exact path (the first "
        f"{EXACT_PATH_QUERIES} questions, all years): {agreement}.",
    ]
    if any(r.engines for r in rows):
        lines += engine_report(rows)
    return "\n".join(lines) + "\n"


def engine_report(rows: list[Row]) -> list[str]:
    """The Milvus engine's section (eval/bench_engine.py measured it)."""
    gb = 1024**3
    lines = [
        "",
        "## Vectors in a Milvus engine (QA_VECTOR_URI; eval/bench_engine.py)",
        "",
        "A Milvus server in its own process, reached over http:// as a cluster is, holds the "
        "passage and sentence vectors; BM25 stays in the app. 'standalone': Milvus 2.3's own "
        "server (the engine a cluster runs; PyPI package `milvus`, AUTOINDEX = HNSW); "
        "'standalone-ivf': the same server with QA_VECTOR_INDEX=IVF_FLAT (1024 lists a "
        "segment, 32 searched); 'lite': "
        "Milvus Lite 3's server (`milvus-lite server`, pure Python). 'build': sending every "
        "row (`VectorEngine.sync`, as `qa index` does) until the server's indexes cover them; "
        "'settled': until it has also re-indexed the segments its compaction merged (searches "
        "were measured after that; '—': not within the wait); 'segments': those it searches, "
        "passages / sentences. "
        "'app process': a fresh process that loads the index without vectors, the question "
        "embedder and an Answerer, then runs every question's retrieval and evidence read "
        "(RSS now / peak; anonymous memory). 'p50 vs smallest': qa's search, against the "
        "same server at the smallest size.",
        "",
        "| passages | server | build s | settled s | segments | server RSS GB "
        "| engine top-200 passages ms "
        "| by sentence ms | qa search: all years | one year | p50 vs smallest "
        "| top-5 agreement with exact | app start s | app RSS GB (peak; anon) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base: dict[str, float] = {}
    for r in rows:
        for e in r.engines:
            assert e.app is not None
            base.setdefault(e.kind, e.qa_p50)
            every, year = e.qa.split(" | ")
            app = e.app
            settled = "—" if e.settle_s is None else f"{e.settle_s:.0f}"
            lines.append(
                f"| {r.n:,} | {e.kind} | {e.build_s:.1f} | {settled} | {e.segments or '—'} | "
                f"{e.server_rss / gb:.2f} | "
                f"{e.search} | {e.search_sentences} | {every} | {year} | "
                f"{e.qa_p50 / base[e.kind]:.1f}× | {e.agreement:.2f} | {app['start_s']} | "
                f"{app['rss'] / gb:.2f} ({app['peak'] / gb:.2f}; {app['anon'] / gb:.2f}) |"
            )
    if not all(e.app.get("embedder") for r in rows for e in r.engines):  # type: ignore[union-attr]
        lines += ["", "(The question embedder was not installed: the app figures lack it.)"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated, e.g. 10k,100k")
    parser.add_argument("--queries", type=int, default=200, help="questions per size")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    parser.add_argument(
        "--no-engine", action="store_true", help="skip the Milvus engine (eval/bench_engine.py)"
    )
    parser.add_argument(
        "--servers",
        default=",".join(k for k in bench_engine.SERVERS if bench_engine.server_available(k)),
        help="Milvus servers to measure: standalone (PyPI `milvus`, which `make bench-scale` "
        "installs; AUTOINDEX), standalone-ivf (the same, QA_VECTOR_INDEX=IVF_FLAT), lite "
        "(milvus-lite); default: those installed",
    )  # fmt: skip
    args = parser.parse_args()
    settings = Settings()
    t0 = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f} s] {message}", flush=True)

    sizes = [_parse_size(s) for s in args.sizes.split(",")]
    servers = [] if args.no_engine else [k for k in args.servers.split(",") if k]
    for kind in servers:
        if not bench_engine.server_available(kind):
            parser.error(f"no {kind} Milvus server in {sys.executable}'s folder (see Makefile)")
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-scale-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    for n in sizes:
        rows.append(bench_size(n, args.queries, settings, log, servers))
        # Written after each size: a run stopped later (1 M takes hours) keeps what it measured.
        path.write_text(report(rows, settings, None, time.perf_counter() - t0))
        gc.collect()  # the previous size's data goes before the next is made
    log("question embedding")
    text = report(rows, settings, embed_time(settings), time.perf_counter() - t0)
    print(text)
    path.write_text(text)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
