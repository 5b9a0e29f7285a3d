"""Benchmark: index builds (from scratch, one-file update, growth with size) and query latency.

    make bench            # or: .venv/bin/python eval/bench.py [--runs 3] [--corpus DIR]

- The from-scratch build runs as a fresh `qa index --force` process into a temporary folder,
  so its time includes starting Python and loading the embedder — what a user waits for.
- Throughput (kB of extracted text a second) is measured in-process with the embedder
  loaded, on the held-out mixed-format folder (eval/techdocs/corpus) by default.
- A one-file update: one file of that folder changes, the index is brought up to date.
- Growth: the shipped corpus copied 1×, 4× and 16× into one folder, built from scratch.
- Answers: seconds to the first cited evidence (what the app shows before the model's
  phrasing) and to the finished answer, p50/p95, on the first questions of the frozen test part.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation.evalset import load_questions  # noqa: E402
from qa.evaluation.score import percentile  # noqa: E402
from qa.index import build_index, ensure_index  # noqa: E402
from qa.index.embedder import load_embedder  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402
from qa.retrieve.followup import rewrite  # noqa: E402
from qa.settings import Settings  # noqa: E402


def _build(corpus: Path, index: Path) -> tuple[float, float]:
    """(seconds, kB of extracted text) of bringing ``index`` up to date, in this process."""
    settings = Settings(corpus_dir=corpus, index_dir=index)
    t0 = time.perf_counter()
    built = build_index(settings, log=lambda _: None, progress=False)
    seconds = time.perf_counter() - t0
    return seconds, sum(len(built.source(d).text) for d in built.documents) / 1000


def bench_throughput(corpus: Path) -> dict:
    """From scratch and after changing one file, with the embedder already loaded."""
    load_embedder(Settings().embedder)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        shutil.copytree(corpus, folder)
        scratch, kb = _build(folder, Path(tmp) / "index")
        changed = next(p for p in sorted(folder.iterdir()) if p.suffix in (".txt", ".md"))
        changed.write_text(changed.read_text() + "\n\nOne more paragraph, added for the bench.\n")
        update, _ = _build(folder, Path(tmp) / "index")
    return {
        "corpus": str(corpus),
        "text_kb": round(kb, 1),
        "scratch_s": round(scratch, 2),
        "kb_per_s": round(kb / scratch, 1),
        "one_file_update_s": round(update, 2),
    }


def bench_growth(corpus: Path, factors: tuple[int, ...] = (1, 4, 16)) -> list[dict]:
    """Build time from scratch as the folder grows (copies of ``corpus``)."""
    rows = []
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            for i in range(factor):
                shutil.copytree(corpus, folder / f"copy{i}")
            seconds, kb = _build(folder, Path(tmp) / "index")
        rows.append({"factor": factor, "text_kb": round(kb, 1), "seconds": round(seconds, 2)})
    return rows


def bench_answers(settings: Settings, questions: list, n: int) -> dict:
    """Seconds until a reader sees the cited evidence, and until the finished answer, for
    ``n`` questions answered one after another with the model loaded (as in the app)."""
    from qa.answer import Answerer

    answerer = Answerer(ensure_index(settings, progress=False), settings)
    answerer.warm()
    evidence, final = [], []
    for q in questions[:n]:
        t0 = time.perf_counter()
        plan = answerer.prepare(q.question, q.history)
        evidence.append(time.perf_counter() - t0)
        for _ in answerer.compose(plan):
            pass
        final.append(time.perf_counter() - t0)
    return {
        "n": len(final),
        "evidence_s": [round(percentile(evidence, p), 2) for p in (0.5, 0.95)],
        "answer_s": [round(percentile(final, p), 2) for p in (0.5, 0.95)],
    }


def bench_build(runs: int, corpus: Path) -> list[float]:
    times = []
    qa = Path(sys.executable).with_name("qa")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run(
                [str(qa), "index", "--force", "--corpus", str(corpus), "--index", tmp],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="index builds to time")
    parser.add_argument("--answers", type=int, default=40, help="questions to answer")
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "eval" / "techdocs" / "corpus",
        help="folder for the build benchmarks",
    )  # fmt: skip
    args = parser.parse_args()

    builds = bench_build(args.runs, args.corpus)
    throughput = bench_throughput(args.corpus)
    growth = bench_growth(Settings().corpus_dir)
    settings = Settings()
    retriever = Retriever(ensure_index(settings, progress=False), settings)
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    queries = [rewrite(q.question, q.history) for q in questions]
    retriever.search(queries[0])  # warm the embedder
    latencies = []
    for query in queries:
        t0 = time.perf_counter()
        retriever.search(query)
        latencies.append((time.perf_counter() - t0) * 1000)
    test_part = load_questions(ROOT / "eval" / "questions.jsonl", "test")
    answers = bench_answers(settings, test_part, args.answers)
    result = {
        "answers": answers,
        "index_build_s": {
            "runs": [round(b, 2) for b in builds],
            "median": statistics.median(builds),
        },
        "query_ms": {
            "n": len(latencies),
            "p50": round(percentile(latencies, 0.5), 1),
            "p95": round(percentile(latencies, 0.95), 1),
        },
        "throughput": throughput,
        "growth": growth,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(
        f"`qa index` from scratch on {args.corpus}: median "
        f"{result['index_build_s']['median']:.1f} s (runs: {result['index_build_s']['runs']})"
    )
    t = throughput
    print(
        f"in-process build, embedder loaded: {t['text_kb']} kB of text in {t['scratch_s']} s "
        f"= {t['kb_per_s']} kB/s (target ≥ 25); one-file update {t['one_file_update_s']} s "
        f"(target ≤ 3 s)"
    )
    for row in growth:
        f, kb, s = row["factor"], row["text_kb"], row["seconds"]
        print(f"growth: {f:>2}× the shipped corpus, {kb} kB of text: {s} s")
    print(
        f"query latency (hybrid, warm, {len(latencies)} questions): "
        f"p50 {result['query_ms']['p50']} ms, p95 {result['query_ms']['p95']} ms"
    )
    a = answers
    print(
        f"{a['n']} questions answered one by one (model loaded): first cited evidence p50 "
        f"{a['evidence_s'][0]} s / p95 {a['evidence_s'][1]} s (target ≤ 1 s); finished "
        f"answer p50 {a['answer_s'][0]} s / p95 {a['answer_s'][1]} s"
    )
    print(f"peak RSS of the query process (model loaded): {result['peak_rss_mb']} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
