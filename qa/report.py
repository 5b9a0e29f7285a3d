"""Write an evaluation report: dated markdown with a plot, plus JSON, and the change since
the previous report in the same folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

METRICS = [
    ("correct", "correct", "{:.2f}"),
    ("citation_precision", "cite prec.", "{:.2f}"),
    ("citation_recall", "cite recall", "{:.2f}"),
    ("answerable_refused", "refused (answerable)", "{:.2f}"),
    ("recall_at_5", "retrieval R@5", "{:.2f}"),
    ("p50_ms", "p50 ms", "{:.0f}"),
    ("p95_ms", "p95 ms", "{:.0f}"),
    ("first_token_p50_ms", "first token p50 ms", "{:.0f}"),
]


def _fmt(value: Any, spec: str) -> str:
    return "–" if value is None else spec.format(value)


def previous_report(folder: Path, before: str) -> dict[str, Any] | None:
    """The newest report JSON in ``folder`` older than the stem ``before``."""
    older = sorted(p for p in folder.glob("eval-*.json") if p.stem < before)
    return json.loads(older[-1].read_text()) if older else None


def table(summary: dict[str, dict[str, Any]]) -> str:
    head = ["group", "n", *[label for _, label, _ in METRICS], "unanswerable declined"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    order = ["overall", *sorted(k for k in summary if k != "overall")]
    for group in order:
        row = summary[group]
        cells = [group, str(row["n"])]
        cells += [_fmt(row.get(key), spec) for key, _, spec in METRICS]
        declined = (
            f"{row['unanswerable_abstained']}/{row['unanswerable']}" if row["unanswerable"] else "–"
        )
        lines.append("| " + " | ".join([*cells, declined]) + " |")
    return "\n".join(lines)


def changes(now: dict[str, Any], before: dict[str, Any] | None) -> str:
    if before is None:
        return "No earlier report to compare with."
    a, b = now["summary"]["overall"], before["summary"]["overall"]
    lines = [f"Change since {before['stem']} (overall):", ""]
    for key, label, spec in METRICS:
        if a.get(key) is None or b.get(key) is None:
            continue
        delta = a[key] - b[key]
        lines.append(f"- {label}: {_fmt(b[key], spec)} → {_fmt(a[key], spec)} ({delta:+.3g})")
    return "\n".join(lines)


def plot(summary: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = sorted(k for k in summary if k != "overall")
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.4
    xs = range(len(kinds))
    ax.bar([x - width / 2 for x in xs], [summary[k]["correct"] for k in kinds], width,
           label="correct")  # fmt: skip
    ax.bar(
        [x + width / 2 for x in xs],
        [summary[k]["citation_precision"] or 0 for k in kinds],
        width,
        label="citation precision",
    )
    ax.set_xticks(list(xs), kinds, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.axhline(0.85, color="grey", linestyle=":", linewidth=1)
    ax.set_title(f"qa eval — overall correct {summary['overall']['correct']:.2f}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    folder: Path,
    summary: dict[str, dict[str, Any]],
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
) -> Path:
    """Write eval-<timestamp>.md/.json/.png into ``folder``; return the markdown path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = "eval-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    data = {"stem": stem, "meta": meta, "summary": summary, "rows": rows}
    before = previous_report(folder, stem)
    (folder / f"{stem}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    plot(summary, folder / f"{stem}.png")
    failures = [r for r in rows if not r["correct"]]
    md = [
        f"# qa evaluation — {stem[5:]}",
        "",
        f"{meta.get('questions', '?')} questions from `{meta.get('question_file', '')}`, "
        f"backend {meta.get('backend', '?')}, {meta.get('wall_s', 0):.0f} s wall.",
        "",
        table(summary),
        "",
        f"![per kind]({stem}.png)",
        "",
        changes(data, before),
        "",
        f"## Not correct ({len(failures)})",
        "",
    ]
    for r in failures:
        md.append(f"- **{r['id']}** ({r['kind']}) {r['question']} → {r['answer'][:200]}")
    (folder / f"{stem}.md").write_text("\n".join(md) + "\n")
    return folder / f"{stem}.md"
