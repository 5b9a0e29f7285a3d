"""Load check: concurrent readers against the app, in-process model vs a shared model server.

    make load-check          # or: .venv/bin/python eval/load_check.py [-n 16] [--modes ...]
                             #     [--stagger 2]: readers arrive 2 s apart instead of at once

Two set-ups, side by side in one run, each started fresh as separate processes:
- **in-process**: one app process (``python app.py``) holding the model;
- **server**: ``qa serve-llm``'s llama-cpp-python server and two app processes started with
  ``QA_LLM_URL`` pointing at it; readers alternate between the two apps.

Each reader asks its question through the app's API: first ``/evidence`` (retrieval and the
quotes a reader sees before the model's phrasing), then ``/ask`` (the full answer). Prints a
table — readers, cited answers, wall time, per-reader p50/p95 of first evidence and of the
answer, and each process's peak memory (VmHWM) — writes it to eval/reports/, and exits 1 if
any reader got no cited answer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation.score import percentile  # noqa: E402
from qa.generate.files import ensure_model_file  # noqa: E402
from qa.generate.server import free_port, start_server, stop  # noqa: E402
from qa.settings import Settings  # noqa: E402

QUESTIONS = [
    "Who moderated the panel at the 2014 dialogue?",
    "How many Member States intervened in the 2017 dialogue?",
    "Which two countries led the request to put R2P on the formal agenda in 2017?",
    "Who was the moderator at the 2016 dialogue?",
    "Which treaty did states mention in 2014 about denying perpetrators the means?",
    "Who was on the 2017 panel?",
    "Which countries led the veto restraint initiative?",
    "How many Member States intervened in the 2014 dialogue?",
    "Who opened the 2014 dialogue?",
    "What was the theme of the 2017 dialogue?",
    "Who chaired the 2016 dialogue?",
    "Which code of conduct did states mention in 2016?",
    "What was the theme of the 2014 dialogue?",
    "How many Member States spoke in the 2016 dialogue?",
    "Who gave the closing remarks in 2017?",
    "Which regional organisations were mentioned in 2014?",
]


def _peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """The process's peak resident memory so far (VmHWM; "VmRSS": now), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    from gradio_client import Client

    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited with code {process.returncode}; see {log}")
            try:
                Client(url, verbose=False)
                return process, url
            except Exception:
                time.sleep(1)
        raise RuntimeError(f"the app did not start within 300 s; see {log}")
    except BaseException:
        stop(process)
        raise


def _reader(client, question: str, delay: float = 0.0) -> tuple[str, float, float, dict]:
    """(question, seconds to the evidence, seconds to the answer, the answer's JSON), timed
    from when the reader asks, ``delay`` seconds after the start; a failed call is an answer
    with an ``error``, so one reader cannot stop the run."""
    time.sleep(delay)
    t0 = time.perf_counter()
    evidence = float("nan")
    try:
        client.predict(question, [], "All", api_name="/evidence")
        evidence = time.perf_counter() - t0
        out = client.predict(question, "All", "", api_name="/ask")
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    return question, evidence, time.perf_counter() - t0, out


def _answered(out: dict) -> bool:
    """A cited answer the model wrote (not an error, an abstention or evidence alone)."""
    return bool(out.get("citations")) and not out.get("abstained") and out.get("reason") is None


def run(mode: str, n: int, reports: Path, stagger: float = 0.0) -> dict:
    """Start the set-up, let ``n`` readers ask at once, stop it; return the measurements."""
    from gradio_client import Client

    settings = Settings()
    log = reports / f"load-{mode}.log"
    log.write_bytes(b"")
    processes: dict[str, subprocess.Popen] = {}
    try:
        if mode == "in-process":
            processes["app"], url = _start_app({"QA_LLM_URL": ""}, log)
            urls = [url]
        else:
            model = ensure_model_file(settings.model_cache_dir, log=lambda _: None)
            processes["server"], api = start_server(model, settings, log=log)
            urls = []
            for name in ("app 1", "app 2"):
                processes[name], url = _start_app({"QA_LLM_URL": api}, log)
                urls.append(url)
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(n)]
        clients = [Client(urls[i % len(urls)], verbose=False) for i in range(n)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            delays = [i * stagger for i in range(n)]
            results = list(pool.map(_reader, clients, questions, delays))
        wall = time.perf_counter() - t0
        memory = {name: _peak_rss_mb(p.pid) for name, p in processes.items()}
    finally:
        for p in processes.values():
            stop(p, seconds=60)
    cited = [_answered(out) for *_, out in results]
    for (question, evidence, total, out), ok in sorted(zip(results, cited), key=lambda r: r[0][2]):
        print(f"  {mode:10} evidence {evidence:5.1f} s  answer {total:5.1f} s  "
              f"{'cited' if ok else 'NOT CITED'}  {question}  {out.get('error', '')}")  # fmt: skip
    evidence = [r[1] for r in results if r[1] == r[1]]  # NaN: the reader's call failed
    totals = [r[2] for r in results]
    return {
        "mode": mode + (f", one reader every {stagger:g} s" if stagger else ", all at once"),
        "readers": n, "cited": sum(cited), "wall": wall,
        "evidence": (statistics.median(evidence or [float("nan")]),
                     percentile(evidence, 0.95) or float("nan")),
        "answer": (statistics.median(totals), percentile(totals, 0.95)),
        "memory": memory,
    }  # fmt: skip


def table(rows: list[dict]) -> str:
    lines = [
        "| set-up | readers | cited answers | wall | first evidence p50 / p95 | answer p50 / p95 "
        "| peak RSS per process |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        memory = ", ".join(f"{name} {mb / 1024:.2f} GB" for name, mb in r["memory"].items())
        lines.append(
            f"| {r['mode']} | {r['readers']} | {r['cited']}/{r['readers']} | {r['wall']:.1f} s "
            f"| {r['evidence'][0]:.2f} / {r['evidence'][1]:.2f} s "
            f"| {r['answer'][0]:.1f} / {r['answer'][1]:.1f} s | {memory} |"
        )
    return "\n".join(lines)


def write_report(reports: Path, name: str, title: str, intro: str, text: str) -> Path:
    """Print ``text`` (a table) and write it, dated, to ``reports/<name>-<stamp>.md``."""
    print("\n" + text)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = reports / f"{name}-{stamp}.md"
    out.write_text(f"# {title} ({stamp})\n\n{intro}\n\n{text}\n")
    print(f"\nreport: {out}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="concurrent readers")
    parser.add_argument("--modes", nargs="+", default=["in-process", "server"],
                        choices=["in-process", "server"])  # fmt: skip
    parser.add_argument(
        "--stagger",
        type=float,
        default=0.0,
        help="seconds between readers' arrivals (0: all at once)",
    )
    args = parser.parse_args()
    reports = ROOT / "eval" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    rows = [run(mode, args.n, reports, args.stagger) for mode in args.modes]
    write_report(
        reports, "load-check", "Load check",
        f"`make load-check`: {args.n} concurrent readers, each asking `/evidence` then `/ask`; "
        "the server set-up is one `qa serve-llm` server shared by two app processes.",
        table(rows),
    )  # fmt: skip
    return 0 if all(r["cited"] == r["readers"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
