"""Text generation: the model in this process, or any OpenAI-compatible server.

Every backend exposes one streaming call (:class:`Generator`). The in-process llama.cpp
model is the default for a laptop; setting ``QA_LLM_URL`` sends generation to a server
that many app processes can share (llama.cpp's server, vLLM, Ollama, …). Models load once
per process and are shared (cached loaders).

>>> # gen = load_generator(Settings(llm_url="http://127.0.0.1:8080/v1"))
>>> # "".join(gen.stream([{"role": "user", "content": "Hi"}], max_tokens=8))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from qa.errors import UserError
from qa.settings import Settings


class Generator(Protocol):
    """What the answering step needs from a model."""

    name: str

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Yield the reply's text piece by piece (greedy decoding).

        Raises :class:`GeneratorUnavailable` when the model cannot be reached."""
        ...


class GeneratorUnavailable(UserError):
    """The model could not answer (server down, timed out or failed): a one-line reason."""


@lru_cache(maxsize=2)
def _load_local(backend: str, model_path: str, n_ctx: int, n_threads: int) -> Generator:
    from qa.generate.local import LlamaCppGenerator, TransformersGenerator

    if backend == "llama_cpp":
        return LlamaCppGenerator(Path(model_path), n_ctx, n_threads)
    if backend == "transformers":
        return TransformersGenerator(Path(model_path), n_threads)
    raise ValueError(f"unknown backend {backend!r}: use 'llama_cpp' or 'transformers'")


def load_generator(
    settings: Settings, log: Callable[[str], None] = print, progress: bool = False
) -> Generator:
    """The generator for these settings: a client of ``settings.llm_url`` when it is set
    (nothing is loaded here), else the shared in-process model (its file verified first)."""
    if settings.llm_url:
        from qa.generate.remote import OpenAIGenerator

        return OpenAIGenerator.from_settings(settings)
    from qa.model_files import ensure_model_file

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = ensure_model_file(settings.model_cache_dir, log, progress)
    return _load_local(settings.backend, str(path), settings.n_ctx, settings.n_threads)
