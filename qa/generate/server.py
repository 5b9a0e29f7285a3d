"""Run llama-cpp-python's own OpenAI-compatible server on the installed model.

``make serve-llm`` (``qa serve-llm``) runs it in the foreground; tests, the load check and
benchmarks start it in the background with :func:`start_server`. It listens on loopback
only. llama-cpp-python's server answers one request at a time (no parallel slots), and by
default cuts a streaming reply short when another request arrives: qa turns that off
(``--interrupt_requests False``) so requests queue instead.

>>> server_command(Path("m.gguf"), Settings(), port=8080)[:3]  # doctest: +ELLIPSIS
['...', '-m', 'llama_cpp.server']
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from qa.settings import Settings


def server_command(
    model_path: Path, settings: Settings, host: str = "127.0.0.1", port: int = 8080
) -> list[str]:
    """The command line that serves ``model_path`` with qa's context and thread settings."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", settings.llm_model,
        "--host", host,
        "--port", str(port),
        "--n_ctx", str(settings.n_ctx),
        "--n_threads", str(settings.n_threads),
        "--n_threads_batch", str(settings.n_threads),
        "--interrupt_requests", "False",
    ]  # fmt: skip


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen | None = None, seconds: float = 120) -> None:
    """Block until ``url``/models answers; raise RuntimeError if the process dies or time runs
    out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the model server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, http.client.HTTPException):  # not up yet, or half up
            time.sleep(0.3)
    raise RuntimeError(f"the model server at {url} did not come up within {seconds:g} s")


def start_server(
    model_path: Path, settings: Settings, port: int | None = None, log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Start the server in the background; return it and its API root once it answers."""
    port = port or free_port()
    command = server_command(model_path, settings, port=port)
    if log is None:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    else:
        with log.open("ab") as out:  # the child keeps its own copy of the handle
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(url, process)
    except BaseException:  # never leave a 2 GB server behind (Ctrl-C included)
        stop(process)
        raise
    return process, url


def stop(process: subprocess.Popen, seconds: float = 30) -> None:
    """Terminate ``process`` and reap it; kill it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
