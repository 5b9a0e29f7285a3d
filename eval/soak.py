"""Soak: 16 readers ask the app question after question for a bounded time.

    make soak                # or: .venv/bin/python eval/soak.py [-n 16] [--minutes 10]

Starts the app as a user does (``python app.py``, the model in process) and lets ``n``
readers loop, each asking ``/evidence`` then ``/ask`` for one question after another (the
frozen test part of the eval set, in a different order per reader) until the time is up; a
question started before then is finished. The app's resident memory is sampled every 5 s.

Reports readers answered (each got at least one reply and met no failure), replies and
failures (an error, or no reply), cited replies, p50 / p95 of the time to a reply, and the
app's memory at start, peak (VmHWM) and end; writes the table to eval/reports/ and exits 1
if any reader met a failure or the peak passes ``--max-rss-gb`` (3).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

from load_check import (  # noqa: E402
    _answered,
    _peak_rss_mb,
    _reader,
    _start_app,
    write_report,
)

from qa.evaluation.score import percentile  # noqa: E402
from qa.generate.server import stop  # noqa: E402


def _rss_mb(pid: int) -> float:
    """The process's resident memory now, in MB."""
    return _peak_rss_mb(pid, "VmRSS")


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").open()]
    return [r["question"] for r in rows if r.get("split") == "test"]


def _loop(client, questions: list[str], until: float) -> list[tuple[str, float, dict]]:
    """One reader: ask the next question until ``until``; (question, seconds, reply) each."""
    out = []
    i = 0
    while time.monotonic() < until:
        question, _, seconds, reply = _reader(client, questions[i % len(questions)])
        out.append((question, seconds, reply))
        i += 1
    return out


def _sample(pid: int, stop_at: threading.Event, samples: list[float]) -> None:
    while not stop_at.wait(5):
        try:
            samples.append(_rss_mb(pid))
        except OSError:  # the app is gone: its readers' failures say so
            return


def run(n: int, minutes: float, log: Path) -> dict:
    from gradio_client import Client

    process, url = _start_app({"QA_LLM_URL": ""}, log)
    samples = [_rss_mb(process.pid)]
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(process.pid, done, samples), daemon=True)
    try:
        clients = [Client(url, verbose=False) for _ in range(n)]
        questions = _questions()
        orders = [questions[i * 7 % len(questions) :] + questions[: i * 7 % len(questions)]
                  for i in range(n)]  # fmt: skip
        sampler.start()
        t0 = time.perf_counter()
        until = time.monotonic() + minutes * 60
        with ThreadPoolExecutor(max_workers=n) as pool:
            per_reader = list(pool.map(_loop, clients, orders, [until] * n))
        wall = time.perf_counter() - t0
        peak = _peak_rss_mb(process.pid)
        samples.append(_rss_mb(process.pid))
    finally:
        done.set()
        stop(process, seconds=60)
    replies = [r for reader in per_reader for r in reader]
    failed = [r for r in replies if _failed(r[2])]
    for question, seconds, reply in failed:
        print(f"  FAILED after {seconds:.1f} s: {question}  {reply.get('error', 'no reply')}")
    times = [seconds for _, seconds, reply in replies if not _failed(reply)]
    return {
        "readers": n, "minutes": minutes, "wall": wall,
        "readers_answered": sum(
            bool(reader) and not any(_failed(r[2]) for r in reader) for reader in per_reader
        ),
        "replies": len(times), "failed": len(failed),
        "cited": sum(_answered(r[2]) for r in replies),
        "p50": statistics.median(times) if times else float("nan"),
        "p95": percentile(times, 0.95) if times else float("nan"),
        "rss": (samples[0], peak, samples[-1]),
    }  # fmt: skip


def _failed(reply: dict) -> bool:
    """An error, or no reply text (an abstention is a reply)."""
    return "error" in reply or not reply.get("answer")


def table(r: dict) -> str:
    start, peak, end = (mb / 1024 for mb in r["rss"])
    return "\n".join([
        "| readers answered | replies | failed | cited replies | reply p50 / p95 "
        "| app RSS start / peak / end | wall |",
        "|---|---|---|---|---|---|---|",
        f"| {r['readers_answered']}/{r['readers']} | {r['replies']} | {r['failed']} "
        f"| {r['cited']} | {r['p50']:.1f} / {r['p95']:.1f} s "
        f"| {start:.2f} / {peak:.2f} / {end:.2f} GB | {r['wall'] / 60:.1f} min |",
    ])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="concurrent readers")
    parser.add_argument("--minutes", type=float, default=10, help="how long readers keep asking")
    parser.add_argument("--max-rss-gb", type=float, default=3.0, help="the app's memory budget")
    args = parser.parse_args()
    reports = ROOT / "eval" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    result = run(args.n, args.minutes, reports / "soak.log")
    write_report(
        reports, "soak", "Soak",
        f"`make soak`: {args.n} readers, each asking `/evidence` then `/ask` for one test-part "
        f"question after another for {args.minutes:g} min, against one app process holding "
        "the model.",
        table(result),
    )  # fmt: skip
    ok = result["failed"] == 0 and result["readers_answered"] == args.n
    return 0 if ok and result["rss"][1] <= args.max_rss_gb * 1024 else 1


if __name__ == "__main__":
    raise SystemExit(main())
