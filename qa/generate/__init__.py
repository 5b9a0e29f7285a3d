"""Text generation: the model in this process, or any OpenAI-compatible server.

Every backend exposes one streaming call (:class:`Generator`). The in-process llama.cpp
model is the default for a laptop; setting ``QA_LLM_URL`` sends generation to a server
that many app processes can share (llama.cpp's server, vLLM, Ollama, …). Models load once
per process and are shared (cached loaders).

For example, against a running server::

    gen = load_generator(Settings(llm_url="http://127.0.0.1:8080/v1"))
    "".join(gen.stream([{"role": "user", "content": "Hi"}], max_tokens=8))
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

    def judge(self, messages: list[dict[str, str]]) -> float:
        """How much more the model would begin its reply with "Yes" than with "No":
        log P(Yes) − log P(No) of the first token (positive: rather yes).

        Raises :class:`GeneratorUnavailable` when the model cannot be reached."""
        ...


YES_NO = ("Yes", "No")


def yes_minus_no(logprobs: dict[str, float], fallback: str = "") -> float:
    """log P(Yes) − log P(No) from a first token's log-probabilities (top candidates only);
    an answer missing from them counts as far less likely than the least one listed. With no
    probabilities at all, the token the model chose decides: +3 for "Yes", −3 for "No".

    >>> yes_minus_no({"Yes": -0.2, "No": -1.9})
    1.7
    >>> yes_minus_no({"No": -0.1, "The": -3.0}), yes_minus_no({}, "No")
    (-7.9, -3.0)
    """
    if not logprobs:
        word = fallback.strip().split(" ")[0].strip(".,!").capitalize() if fallback else ""
        return {"Yes": 3.0, "No": -3.0}.get(word, 0.0)
    floor = min(logprobs.values()) - 5.0
    yes = max((v for k, v in logprobs.items() if k.strip().lower() == "yes"), default=floor)
    no = max((v for k, v in logprobs.items() if k.strip().lower() == "no"), default=floor)
    return round(yes - no, 6)


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
    from qa.generate.files import ensure_model_file

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = ensure_model_file(settings.model_cache_dir, log, progress)
    return _load_local(settings.backend, str(path), settings.n_ctx, settings.n_threads)
