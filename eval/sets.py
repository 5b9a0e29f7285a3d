"""Every evaluation set side by side: the frozen R2P test part and the outside sets.

Each set is a question file over its own corpus (see eval/README.md). For each, the corpus
is indexed into its own folder (``--index-root``, default ``.cache/eval-index/``) and
answered end to end with ``qa eval`` (the real model); the figures of all sets are then
written into one report, ``eval/reports/sets-<part>-<UTC timestamp>.md``, beside each set's
own dated report.

    .venv/bin/python eval/sets.py              # the test sets (report these)
    .venv/bin/python eval/sets.py --part dev   # the sets that were tuned on
    .venv/bin/python eval/sets.py --sets cockpit,manuals

``make eval-sets`` runs the test sets. Outside sets were written by helpers who read only the
documents (never qa's code or answers) and are never tuned on.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QA = [sys.executable, "-m", "qa.cli"]

OUT = "eval/outside"
# name: (question file, corpus folder, split or None for the whole file, part)
SETS: dict[str, tuple[str, str, str | None, str]] = {
    "r2p": ("eval/questions.jsonl", "corpus", "test", "test"),
    "cockpit": (
        "eval/outside/cockpit/questions.jsonl",
        "eval/outside/cockpit/corpus",
        None,
        "test",
    ),
    "manuals": (
        "eval/outside/manuals/questions.jsonl",
        "eval/outside/manuals/corpus",
        None,
        "test",
    ),
    "techdocs": ("eval/techdocs/questions.jsonl", "eval/techdocs/corpus", None, "test"),
    "r2p-dev": ("eval/questions.jsonl", "corpus", "dev", "dev"),
    "diffutils": (f"{OUT}/diffutils/dev.jsonl", f"{OUT}/diffutils/corpus", None, "dev"),
    "techdocs-dev": ("eval/techdocs/dev.jsonl", "eval/techdocs/corpus", None, "dev"),
}
COLUMNS = [
    ("n", "n", "{:d}"),
    ("correct", "correct", "{:.2f}"),
    ("facts_passages", "facts in top-5", "{:.2f}"),
    ("facts_evidence", "facts in evidence", "{:.2f}"),
    ("facts_answer", "facts in reply", "{:.2f}"),
    ("citation_precision", "cite prec.", "{:.2f}"),
    ("answerable_refused", "refused (answerable)", "{:.2f}"),
    ("recall_at_5", "R@5", "{:.2f}"),
    ("p50_ms", "p50 s", "{:.1f}"),
    ("p95_ms", "p95 s", "{:.1f}"),
]


def run_set(name: str, index_root: Path, out: Path) -> dict:
    """Index the set's corpus and answer its questions; the summary ``qa eval`` prints."""
    questions, corpus, split, _ = SETS[name]
    index = index_root / name.removesuffix("-dev")
    where = ["--corpus", str(ROOT / corpus), "--index", str(index)]
    subprocess.run([*QA, "index", *where], check=True, cwd=ROOT)
    command = [*QA, "eval", "--questions", str(ROOT / questions), "--out", str(out), *where]
    if split:
        command += ["--split", split]
    done = subprocess.run([*command, "--json"], check=True, cwd=ROOT, stdout=subprocess.PIPE)
    return json.loads(done.stdout)


def cell(row: dict, key: str, form: str) -> str:
    value = row.get(key)
    if value is None:
        return "–"
    return form.format(value / 1000 if key.endswith("_ms") else value)


def table(results: dict[str, dict]) -> str:
    """One row per set: its overall figures and how many unanswerable questions it declined."""
    head = ["set", *(title for _, title, _ in COLUMNS), "unanswerable declined"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, result in results.items():
        row = next(iter(result["summaries"].values()))["overall"]
        declined = f"{row['unanswerable_abstained']}/{row['unanswerable']}"
        cells = [name, *(cell(row, key, form) for key, _, form in COLUMNS), declined]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("test", "dev"), default="test")
    parser.add_argument("--sets", help="Comma-separated set names (default: all of the part).")
    parser.add_argument("--index-root", type=Path, default=ROOT / ".cache" / "eval-index")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports")
    args = parser.parse_args()
    names = args.sets.split(",") if args.sets else [n for n, s in SETS.items() if s[3] == args.part]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        parser.error(f"unknown set(s): {', '.join(unknown)} (known: {', '.join(SETS)})")
    t0 = time.perf_counter()
    results = {}
    for name in names:
        print(f"set {name}", file=sys.stderr, flush=True)
        results[name] = run_set(name, args.index_root, args.out)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    report = args.out / f"sets-{args.part}-{stamp}.md"
    body = [
        f"# qa on every evaluation set ({args.part}) — {stamp}",
        "",
        f"{len(names)} sets, {time.perf_counter() - t0:.0f} s wall. Each set's own report "
        "(by kind, wrong answers) is named below the table.",
        "",
        table(results),
        "",
        *(f"- {name}: `{Path(r['report']).name}`" for name, r in results.items()),
        "",
    ]
    report.write_text("\n".join(body), encoding="utf-8")
    print("\n".join(body))
    print(f"report: {report}")


if __name__ == "__main__":
    main()
