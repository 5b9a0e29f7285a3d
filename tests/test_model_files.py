"""The model file: assembled from the part packages, verified, refused when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.generate import files as model_files
from qa.generate.files import MODEL_SHA256, MODEL_SIZE, ModelFileError, ensure_model_file, verify
from qa.settings import Settings


def test_parts_are_installed_and_add_up() -> None:
    parts = model_files.part_paths()
    assert len(parts) == 22
    assert sum(p.stat().st_size for p in parts) == MODEL_SIZE


def test_truncated_file_is_refused_with_a_repair_hint(tmp_path: Path) -> None:
    bad = tmp_path / model_files.MODEL_FILE
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelFileError, match="truncated or wrong file") as err:
        ensure_model_file(tmp_path, log=lambda _: None, progress=False)
    assert "qa model" in str(err.value)


def test_corrupted_file_of_the_right_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, one byte flipped: only the hash can tell (size pinned small for speed)."""
    good = tmp_path / "model.gguf"
    good.write_bytes(b"abc" * 1000)
    import hashlib

    monkeypatch.setattr(model_files, "MODEL_SIZE", 3000)
    monkeypatch.setattr(model_files, "MODEL_SHA256", hashlib.sha256(b"abc" * 1000).hexdigest())
    verify(good)
    good.write_bytes(b"abd" + b"abc" * 999)
    with pytest.raises(ModelFileError, match="corrupt or wrong file"):
        verify(good)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        verify(tmp_path / "nothing.gguf")


@pytest.mark.slow
def test_installed_model_file_verifies() -> None:
    path = ensure_model_file(Settings().model_cache_dir, log=lambda _: None, progress=False)
    assert path.stat().st_size == MODEL_SIZE
    assert model_files.sha256_file(path) == MODEL_SHA256


def _pin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    import hashlib

    monkeypatch.setattr(model_files, "MODEL_SIZE", len(data))
    monkeypatch.setattr(model_files, "MODEL_SHA256", hashlib.sha256(data).hexdigest())


def _unhashable(*_args: object, **_kwargs: object) -> str:
    raise AssertionError("hashed again")


def test_a_verified_file_is_not_hashed_again_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stamp spares the next process the hash; a same-size change with a new
    modification time is hashed, and refused."""
    import os
    import time

    good = tmp_path / "model.gguf"
    good.write_bytes(b"abc" * 1000)
    _pin(monkeypatch, b"abc" * 1000)
    an_hour_ago = time.time() - 3600
    os.utime(good, (an_hour_ago, an_hour_ago))
    # The file's change time (ctime) is now: shrink the racy window so that the test need
    # not wait 2 s for the file to be older than it.
    monkeypatch.setattr(model_files, "RACY_NS", 50_000_000)
    time.sleep(0.1)
    verify(good)
    assert (tmp_path / "model.gguf.verified").is_file()
    with monkeypatch.context() as m:
        m.setattr(model_files, "sha256_file", _unhashable)
        verify(good)  # stamped: no hash
    good.write_bytes(b"abd" + b"abc" * 999)
    os.utime(good, (an_hour_ago + 60, an_hour_ago + 60))
    with pytest.raises(ModelFileError, match="corrupt or wrong file"):
        verify(good)


def test_a_file_changed_just_before_its_stamp_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written within the racy window of its stamp: its time cannot tell a later same-size
    rewrite (timestamps are coarse), so the next verify hashes instead of trusting it."""
    good = tmp_path / "model.gguf"
    good.write_bytes(b"abc" * 1000)
    _pin(monkeypatch, b"abc" * 1000)
    verify(good)
    with monkeypatch.context() as m:
        m.setattr(model_files, "sha256_file", _unhashable)
        with pytest.raises(AssertionError, match="hashed again"):
            verify(good)
