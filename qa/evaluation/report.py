"""Write an evaluation report: dated markdown with a plot, plus JSON, and the change since
the previous report in the same folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

METRICS = [
    ("correct", "correct", "{:.2f}"),
    ("facts_passages", "facts in top-5", "{:.2f}"),
    ("facts_evidence", "facts in evidence", "{:.2f}"),
    ("facts_answer", "facts in reply", "{:.2f}"),
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


def changes(now: dict[str, Any], before: dict[str, Any] | None, split: str) -> str:
    earlier = (before or {}).get("summaries", {}).get(split)
    if before is None or earlier is None:
        return f"No earlier report of the {split} part to compare with."
    a, b = now["summaries"][split]["overall"], earlier["overall"]
    lines = [f"Change since {before['stem']} ({split}, overall):", ""]
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


FUNNEL_NOTE = (
    "Funnel columns: share of answerable questions whose key phrases all stand in the top-5 "
    "passages, in the evidence sentences the model read, and in the reply."
)


def write_report(
    folder: Path,
    summaries: dict[str, dict[str, dict[str, Any]]],
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
) -> Path:
    """Write eval-<timestamp>.md/.json/.png into ``folder``; return the markdown path.

    ``summaries`` maps each split evaluated (``test`` first: the figures to report) to its
    metrics by group; the plot shows the first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = "eval-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    data = {"stem": stem, "meta": meta, "summaries": summaries, "rows": rows}
    before = previous_report(folder, stem)
    (folder / f"{stem}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    first = next(iter(summaries))
    plot(summaries[first], folder / f"{stem}.png")
    failures = [r for r in rows if not r["correct"]]
    md = [
        f"# qa evaluation — {stem[5:]}",
        "",
        f"{meta.get('questions', '?')} questions from `{meta.get('question_file', '')}`, "
        f"backend {meta.get('backend', '?')}, {meta.get('wall_s', 0):.0f} s wall.",
        "",
        FUNNEL_NOTE,
        "",
    ]
    for split, summary in summaries.items():
        md += [f"## {split} ({summary['overall']['n']} questions)", "", table(summary), ""]
        md += [changes(data, before, split), ""]
    md += [f"![per kind, {first}]({stem}.png)", "", f"## Not correct ({len(failures)})", ""]
    for r in failures:
        md.append(
            f"- **{r['id']}** ({r.get('split', 'dev')}, {r['kind']}) {r['question']} → "
            f"{r['answer'][:200]}"
        )
    (folder / f"{stem}.md").write_text("\n".join(md) + "\n")
    return folder / f"{stem}.md"
