"""The model file and its server: model, serve-llm."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli.common import BackendOpt, app, cli_settings, err


@app.command()
def model(backend: BackendOpt = None) -> None:
    """Assemble (once) and verify the model file; show where it is."""
    from qa.generate.files import ensure_model_file

    settings = cli_settings(backend=backend)
    path = ensure_model_file(settings.model_cache_dir, log=err, progress=True)
    err(f"model ok (sha256 verified): {path}")


@app.command("serve-llm")
def serve_llm(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 to listen on.")] = 8080,
) -> None:
    """Serve the installed model over an OpenAI-compatible API (llama-cpp-python's server),
    for app processes started with QA_LLM_URL=http://127.0.0.1:PORT/v1."""
    import os

    from qa.generate.files import ensure_model_file
    from qa.generate.server import server_command

    settings = cli_settings()
    path = ensure_model_file(settings.model_cache_dir, log=err, progress=True)
    command = server_command(path, settings, port=port)
    err(f"serving {path.name} at http://127.0.0.1:{port}/v1 (one request at a time)")
    os.execv(command[0], command)
