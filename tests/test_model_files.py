"""The model file: assembled from the part packages, verified, refused when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import model_files
from qa.model_files import MODEL_SHA256, MODEL_SIZE, ModelFileError, ensure_model_file, verify
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
