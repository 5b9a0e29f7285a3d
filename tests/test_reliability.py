"""Faults a user can meet end in one line that says what to do, never a traceback.

Each runs the real command or the real app as a process, as a user would.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.generate.files import MODEL_FILE
from qa.generate.server import free_port
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


def test_the_app_started_without_its_corpus_folder_says_so(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "gone", index_dir=tmp_path / "index")
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py"), "--port", str(free_port())],
        capture_output=True, text=True, env=_env(settings), timeout=300,
    )  # fmt: skip
    _one_error_line(proc, f"corpus folder not found: {settings.corpus_dir}")


def test_the_app_started_on_a_port_in_use_says_so(tiny_settings: Settings) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "app.py"), "--port", str(port)],
            capture_output=True, text=True, env=_env(tiny_settings), timeout=600,
        )  # fmt: skip
    _one_error_line(proc, str(port))


def _qa(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = _env(settings, **extra)
    return subprocess.run([QA, *args], capture_output=True, text=True, env=env, timeout=600)


def _as_user(*cmd: str) -> list[str]:
    """``cmd`` run without the power to write others' folders: root ignores file modes, so as
    root the command runs with that capability dropped."""
    if os.geteuid() != 0:
        return list(cmd)
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a read-only folder cannot be made")
    drop = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", *cmd]


def test_links_and_special_files_never_leak_into_the_index(
    tiny_settings: Settings, tmp_path: Path
) -> None:
    corpus = tiny_settings.corpus_dir
    private = tmp_path / "private.txt"
    private.write_text("New York, 8 September 2014\n\nThe vault passphrase is swordfish.")
    (corpus / "notes.txt").symlink_to(private)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    os.mkfifo(corpus / "pipe.txt")  # reading it would hang the build
    proc = _qa(tiny_settings, "index")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert f"skipped notes.txt: a link to a file outside the corpus folder ({private})" in (
        proc.stderr
    )
    assert "skipped passwd.txt: a link to a file outside the corpus folder" in proc.stderr
    assert "skipped pipe.txt: not a regular file (a named pipe)" in proc.stderr
    assert "index ready: 2 documents" in proc.stderr
    found = _qa(tiny_settings, "search", "vault passphrase swordfish", "--json")
    assert found.returncode == 0, found.stderr
    texts = " ".join(p["text"] for p in json.loads(found.stdout)["passages"])
    assert texts and "swordfish" not in texts and "root:" not in texts


def test_a_large_file_shows_progress_lines_and_one_over_the_limit_is_skipped(
    tiny_settings: Settings,
) -> None:
    corpus = tiny_settings.corpus_dir
    words = [f"w{i}" for i in range(2000)]
    sentences = (" ".join(words[(i * 7 + j) % 2000] for j in range(14)) + "." for i in range(6000))
    (corpus / "long.txt").write_text("New York, 2016\n\n" + " ".join(sentences))  # ~0.5 MB
    (corpus / "huge.txt").write_text("word " * 700_000)  # 3.5 MB
    proc = _qa(tiny_settings, "index", QA_MAX_FILE_MB="3", QA_PROGRESS_SECONDS="0.5")
    assert proc.returncode == 0, proc.stderr
    assert "skipped huge.txt: 3.5 MB is over the 3 MB limit (QA_MAX_FILE_MB)" in proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("indexing: ")]
    assert len(progress) >= 2, proc.stderr  # not a terminal: plain lines, not a bar
    assert "\r" not in proc.stderr and all(" B (" in line for line in progress)
    assert "index ready: 3 documents" in proc.stderr


def _damage(index_dir: Path) -> None:
    dense = next(index_dir.glob("dense-*.faiss"))
    dense.write_bytes(dense.read_bytes()[:-64])


def test_a_read_only_index_folder(tiny_settings: Settings) -> None:
    """Stale but intact: used as built, with a warning. Damaged: one line saying what to do."""
    assert _qa(tiny_settings, "index").returncode == 0
    index_dir = tiny_settings.index_dir
    (tiny_settings.corpus_dir / "c.txt").write_text("New York, 2017\n\nA third meeting on cogs.")
    for folder in (index_dir, index_dir / "docs"):
        folder.chmod(0o555)
    try:
        env = _env(tiny_settings)
        run = [*_as_user(QA, "search", "gadget safety", "--json")]
        stale = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
        assert stale.returncode == 0 and "Traceback" not in stale.stderr, stale.stderr
        assert f"warning: the index folder {index_dir} cannot be written" in stale.stderr
        assert "Twelve delegations" in stale.stdout  # answered from the index as built
        strict = subprocess.run(
            _as_user(QA, "index"), capture_output=True, text=True, env=env, timeout=300
        )
        _one_error_line(strict, f"the index folder {index_dir} cannot be written")
        index_dir.chmod(0o755)
        _damage(index_dir)
        index_dir.chmod(0o555)
        damaged = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
        _one_error_line(damaged, "set QA_INDEX_DIR to a folder you can write")
        assert "is corrupt (checksum mismatch); rebuilding the index" in damaged.stderr
    finally:
        for folder in (index_dir, index_dir / "docs"):
            folder.chmod(0o755)
    healed = _qa(tiny_settings, "index")  # writable again: rebuilt, nothing lost
    assert healed.returncode == 0 and "index ready: 3 documents" in healed.stderr


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 32 MB tmpfs (a disk that fills up), or a skip where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk(tiny_settings: Settings, small_disk: Path) -> None:
    """The update fails with one line and leaves no partial files; the built index still
    answers; freeing space heals it."""
    settings = tiny_settings.model_copy(update={"index_dir": small_disk / "index"})
    assert _qa(settings, "index").returncode == 0
    before = sorted(p.name for p in settings.index_dir.rglob("*"))
    (settings.corpus_dir / "c.txt").write_text("New York, 2017\n\n" + "Cogs and wheels. " * 300)
    filler = _fill(small_disk)
    full = _qa(settings, "index")
    _one_error_line(full, f"no space left on the disk holding {settings.index_dir}")
    assert sorted(p.name for p in settings.index_dir.rglob("*")) == before  # no debris
    answered = _qa(settings, "search", "gadget safety", "--json")
    assert answered.returncode == 0 and "Twelve delegations" in answered.stdout
    assert "warning: no space left on the disk" in answered.stderr
    new = small_disk.parent / "minutes.txt"
    new.write_text("New York, 2018\n\nThe fourth meeting on levers and pulleys.")
    added = _qa(settings, "add", str(new))  # the index cannot take it: nor does the folder
    _one_error_line(added, "no space left on the disk")
    assert "not added: minutes.txt" in added.stderr
    assert not (settings.corpus_dir / "minutes.txt").exists()
    filler.unlink()
    healed = _qa(settings, "index")
    assert healed.returncode == 0 and "index ready: 3 documents" in healed.stderr, healed.stderr
