"""Text generation backends for the local model: llama-cpp-python (default) or transformers.

Both run the same weights — Qwen2.5-Coder-1.5B-Instruct, from the verified GGUF file — and
expose one streaming call. Models load once per process and are shared (cached loaders).

>>> # gen = load_generator(settings); "".join(gen.stream(messages, max_tokens=40))
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from qa.model_files import ensure_model_file
from qa.settings import Settings


class Generator(Protocol):
    """What the answering step needs from a model."""

    name: str

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Yield the reply's text piece by piece (greedy decoding)."""
        ...


class LlamaCppGenerator:
    """llama.cpp through llama-cpp-python."""

    name = "llama_cpp"

    def __init__(self, model_path: Path, n_ctx: int, n_threads: int) -> None:
        from llama_cpp import Llama

        self.llm = Llama(
            model_path=str(model_path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
        )
        self._lock = threading.Lock()  # one llama context: one generation at a time

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        with self._lock:
            chunks = self.llm.create_chat_completion(
                messages,
                temperature=0.0,
                repeat_penalty=1.1,
                max_tokens=max_tokens,
                stream=True,
            )
            for chunk in chunks:
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text


class TransformersGenerator:
    """Hugging Face transformers, de-quantising the same GGUF to bfloat16 (slower, no grammar)."""

    name = "transformers"

    def __init__(self, model_path: Path, n_threads: int) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(n_threads)
        folder, file = str(model_path.parent), model_path.name
        self.tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file)
        self.model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=file, torch_dtype=torch.bfloat16
        )
        self.model.eval()
        self._lock = threading.Lock()

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        with self._lock:
            prompt = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            inputs = self.tokenizer(prompt, return_tensors="pt")
            streamer = TextIteratorStreamer(
                self.tokenizer, skip_prompt=True, skip_special_tokens=True
            )
            kwargs = dict(**inputs, max_new_tokens=max_tokens, do_sample=False, streamer=streamer)
            worker = threading.Thread(target=self.model.generate, kwargs=kwargs, daemon=True)
            worker.start()
            yield from streamer
            worker.join()


@lru_cache(maxsize=2)
def _load(backend: str, model_path: str, n_ctx: int, n_threads: int) -> Generator:
    if backend == "llama_cpp":
        return LlamaCppGenerator(Path(model_path), n_ctx, n_threads)
    if backend == "transformers":
        return TransformersGenerator(Path(model_path), n_threads)
    raise ValueError(f"unknown backend {backend!r}: use 'llama_cpp' or 'transformers'")


def load_generator(
    settings: Settings, log: Callable[[str], None] = print, progress: bool = False
) -> Generator:
    """The shared generator for these settings (the model file is verified first)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = ensure_model_file(settings.model_cache_dir, log, progress)
    return _load(settings.backend, str(path), settings.n_ctx, settings.n_threads)
