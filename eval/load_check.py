"""Load check: 8 concurrent API sessions against the app; all must get cited answers.

    make load-check          # or: .venv/bin/python eval/load_check.py [--url URL] [-n 8]

Without --url it starts the app in this process (real index, real model) on a free port.
Gradio's queue runs one answer at a time on the one model; the others wait their turn.
Prints the wall time and the slowest answer; exits 1 if any session failed or got no citation.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "Who moderated the panel at the 2014 dialogue?",
    "How many Member States intervened in the 2017 dialogue?",
    "Which two countries led the request to put R2P on the formal agenda in 2017?",
    "Who was the moderator at the 2016 dialogue?",
    "Which treaty did states mention in 2014 about denying perpetrators the means?",
    "Who was on the 2017 panel?",
    "Which countries led the veto restraint initiative?",
    "How many Member States intervened in the 2014 dialogue?",
]


def start_app() -> tuple[object, str]:
    from app import build_app
    from qa.answer import Answerer
    from qa.index import ensure_index
    from qa.settings import Settings

    settings = Settings()
    answerer = Answerer(ensure_index(settings, progress=False), settings)
    answerer.generator  # load the model first  # noqa: B018
    demo = build_app(answerer)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.queue(default_concurrency_limit=1).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True
    )
    return demo, f"http://127.0.0.1:{port}/"


def one_session(url: str, question: str) -> tuple[str, float, dict]:
    from gradio_client import Client

    t0 = time.perf_counter()
    out = Client(url, verbose=False).predict(question, "All", "", api_name="/ask")
    return question, time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app (default: start one here)")
    parser.add_argument("-n", type=int, default=8, help="concurrent sessions (≤ 8 questions)")
    args = parser.parse_args()
    demo, url = (None, args.url) if args.url else start_app()
    questions = QUESTIONS[: args.n]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        results = list(pool.map(lambda q: one_session(url, q), questions))
    wall = time.perf_counter() - t0
    failed = 0
    for question, seconds, out in sorted(results, key=lambda r: r[1]):
        cited = bool(out.get("citations")) and not out.get("abstained")
        failed += not cited
        print(f"{seconds:6.1f} s  {'cited' if cited else 'NOT CITED'}  {question}")
    slowest = max(r[1] for r in results)
    print(
        f"\n{len(results)} concurrent sessions: wall {wall:.1f} s, slowest answer "
        f"{slowest:.1f} s, {len(results) - failed}/{len(results)} cited answers"
    )
    if demo is not None:
        demo.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
