"""The passages file read on demand (qa.index.table), checked against the list it was written
from: what a loaded index hands the Retriever must be the same passages, in the same order."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from qa.index.table import PassageFileDamaged, PassageRows, PassageTable
from qa.records import Document, Passage


def _write(path: Path, n: int) -> tuple[list[Document], list[Passage]]:
    """A passages file as the index commits it: documents first, then passages."""
    docs = [Document(f"d{i}", f"d{i}.txt", f"Doc {i}", "text", 2014 + i, "x" * 9) for i in range(3)]
    passages = [
        Passage(f"d{i % 3}#{i}", f"d{i % 3}", f"d{i % 3}.txt", 2014 + i % 3, i,
                f"Passage {i} says “{'é' * (i % 7)}”. Second {i}.", 0, 9,
                sentences=((0, 12), (13, 22)), page=i or None, heading="H › é" * (i % 2))
        for i in range(n)
    ]  # fmt: skip
    lines = [json.dumps({"document": asdict(d)}, ensure_ascii=False) for d in docs]
    lines += [json.dumps({"passage": p.to_dict()}, ensure_ascii=False) for p in passages]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return docs, passages


def test_table_reads_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "passages-x.jsonl"
    docs, passages = _write(path, 500)
    documents, source, table = PassageTable.open(path)
    assert list(documents.values()) == [replace(d, text="") for d in docs]  # text: on demand
    assert [source(d.id) for d in docs] == docs and source("nope") is None
    assert len(table) == 500
    assert list(table) == passages and table == passages
    assert table[0] == passages[0] and table[-1] == passages[-1]
    assert table[10:40:7] == passages[10:40:7]
    assert table[::-50] == passages[::-50]
    for i in random.Random(0).sample(range(500), 50):
        assert table[i] == passages[i]
    with pytest.raises(IndexError):
        table[500]


def test_line_ends_across_scan_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.index import table as table_mod

    monkeypatch.setattr(table_mod, "_CHUNK", 64)  # lines and reads cross every chunk edge
    path = tmp_path / "passages-y.jsonl"
    _, passages = _write(path, 40)
    _, _, table = PassageTable.open(path)
    assert list(table) == passages
    assert [table[i] for i in range(40)] == passages


def test_a_table_keeps_reading_its_file_once_a_rebuild_deleted_it(tmp_path: Path) -> None:
    path = tmp_path / "passages-z.jsonl"
    _, passages = _write(path, 30)
    _, _, table = PassageTable.open(path)
    path.unlink()  # a later commit removes files no manifest names
    assert list(table) == passages and table[29] == passages[29]


def test_a_file_damaged_in_place_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "passages-w.jsonl"
    _write(path, 30)
    _, _, table = PassageTable.open(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(PassageFileDamaged, match="changed on disk"):
        list(table)
    _, source, _ = PassageTable.open(path)
    path.write_bytes(b"\xff" * 30 + bytes(data[30:]))  # the first document's line
    with pytest.raises(PassageFileDamaged, match="changed on disk"):
        source("d0")


def test_empty_file_has_no_passages(tmp_path: Path) -> None:
    path = tmp_path / "passages-e.jsonl"
    path.write_bytes(b"")
    documents, _, table = PassageTable.open(path)
    assert documents == {} and len(table) == 0 and list(table) == []


def test_rows_find_every_id_and_nothing_else() -> None:
    ids = [f"doc{i // 10}#{i % 10}" for i in range(5000)]
    rows = PassageRows.of(ids)
    assert len(rows) == 5000
    assert all(rows[i] == n for n, i in enumerate(ids))
    assert rows.get("doc9999#0") == -1 and rows.get("doc1#10", 7) == 7
    with pytest.raises(KeyError):
        rows["nope"]


def test_ids_whose_hashes_collide_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PassageRows, "key", staticmethod(len))  # 'ab' and 'cd' collide
    ids = ["ab", "xyz", "cd", "q"]
    rows = PassageRows.of(ids)
    assert [rows[i] for i in ids] == [0, 1, 2, 3]
    assert rows.get("ef") == -1  # collides with two ids, is neither
    assert rows.get("uvw") == 1  # shares one id's hash: taken for it (see the docstring)
