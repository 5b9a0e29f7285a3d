"""Benchmark: index build from scratch, and query latency (warm) over the eval questions.

    make bench            # or: .venv/bin/python eval/bench.py [--runs 3]

The build runs as a fresh `qa index --force` process into a temporary folder, so its time
includes starting Python and loading the embedder — what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evalset import load_questions  # noqa: E402
from qa.evaluate import percentile  # noqa: E402
from qa.followup import rewrite  # noqa: E402
from qa.index import ensure_index  # noqa: E402
from qa.retrieve import Retriever  # noqa: E402
from qa.settings import Settings  # noqa: E402


def bench_build(runs: int) -> list[float]:
    times = []
    qa = Path(sys.executable).with_name("qa")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run(
                [str(qa), "index", "--force", "--index", tmp],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="index builds to time")
    args = parser.parse_args()

    builds = bench_build(args.runs)
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
    result = {
        "index_build_s": {
            "runs": [round(b, 2) for b in builds],
            "median": statistics.median(builds),
        },
        "query_ms": {
            "n": len(latencies),
            "p50": round(percentile(latencies, 0.5), 1),
            "p95": round(percentile(latencies, 0.95), 1),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(
        f"index build from scratch: median {result['index_build_s']['median']:.1f} s "
        f"(runs: {result['index_build_s']['runs']}; target ≤ 30 s)"
    )
    print(
        f"query latency (hybrid, warm, {len(latencies)} questions): "
        f"p50 {result['query_ms']['p50']} ms, p95 {result['query_ms']['p95']} ms"
    )
    print(f"peak RSS of the query process: {result['peak_rss_mb']} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
