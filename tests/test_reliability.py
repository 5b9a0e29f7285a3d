"""Faults a user can meet end in one line that says what to do, never a traceback.

Each runs the real command or the real app as a process, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.generate.server import free_port
from qa.model_files import MODEL_FILE
from qa.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

QA = str(Path(sys.executable).with_name("qa"))


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "QA_CORPUS_DIR": str(settings.corpus_dir),
        "QA_INDEX_DIR": str(settings.index_dir),
        **extra,
    }


def _one_error_line(proc: subprocess.CompletedProcess, says: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and says in last, proc.stderr


def test_a_broken_embedder_folder_is_one_line(tiny_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "embedder"
    folder.mkdir()
    (folder / "config.json").write_text("{ this is not json")
    env = _env(tiny_settings, QA_EMBEDDER=str(folder))
    proc = subprocess.run([QA, "index"], capture_output=True, text=True, env=env, timeout=300)
    _one_error_line(proc, f"the embedder in {folder} cannot be loaded")


def test_the_app_started_with_a_truncated_model_says_so(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    cache = tmp_path / "models"
    cache.mkdir()
    (cache / MODEL_FILE).write_bytes(b"GGUF" + bytes(1000))  # a download cut short
    env = _env(tiny_settings, QA_MODEL_CACHE_DIR=str(cache))
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py"), "--port", str(free_port())],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    _one_error_line(proc, "truncated or wrong file")
    model = subprocess.run([QA, "model"], capture_output=True, text=True, env=env, timeout=120)
    _one_error_line(model, "truncated or wrong file")  # the same message as `qa model`
