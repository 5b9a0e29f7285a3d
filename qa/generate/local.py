"""The model in this process: llama-cpp-python (default) or transformers.

Both run the same weights — Qwen2.5-Coder-1.5B-Instruct, from the verified GGUF file — and
expose one streaming call (:class:`qa.generate.Generator`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from qa.generate import YES_NO

_SAVED_PREFIXES = 4


class LlamaCppGenerator:
    """llama.cpp through llama-cpp-python, deterministic whatever came before.

    llama.cpp reuses the KV cache of the prompt prefix it shares with the previous call, and
    a prompt evaluated in other chunks gives slightly different logits: the same question
    could get another greedy reply alone, in a batch, or in the app. So the cache is cut back
    to the system prompt (evaluated once, on its own) before every call: the rest of each
    prompt is always evaluated from the same state, and the fixed prefix stays free.
    """

    name = "llama_cpp"

    def __init__(self, model_path: Path, n_ctx: int, n_threads: int) -> None:
        from llama_cpp import Llama

        self.llm = Llama(
            model_path=str(model_path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
        )
        self._template = _chat_template(self.llm.metadata.get("tokenizer.chat_template"))
        self._lock = threading.Lock()  # one llama context: one generation at a time
        self._states: dict[tuple[int, ...], bytes] = {}  # saved KV states of fixed prefixes

    def prompt_tokens(self, messages: list[dict[str, str]]) -> tuple[list[int], int]:
        """The prompt's tokens and how many of them are the fixed system prefix."""
        full = self._template.render(messages=messages, add_generation_prompt=True)
        head = self._template.render(messages=messages[:1], add_generation_prompt=False)
        tokens = self.llm.tokenize(full.encode(), add_bos=False, special=True)
        prefix = self.llm.tokenize(head.encode(), add_bos=False, special=True)
        fixed = messages[0]["role"] == "system" and tokens[: len(prefix)] == prefix
        return tokens, len(prefix) if fixed else 0

    def _restore(self, tokens: list[int], prefix: int) -> None:
        """Leave exactly the system prefix in the KV cache: cut back to it when it is there,
        else load its saved state, else evaluate it (once) and save that state. Two fixed
        system prompts (the answer's and the support check's) thus both stay free."""
        llm = self.llm
        cached = list(llm.input_ids[: llm.n_tokens]) if llm.n_tokens >= prefix else []
        if prefix and cached[:prefix] == tokens[:prefix]:
            llm.n_tokens = prefix
            return
        key = tuple(tokens[:prefix])
        if key in self._states:
            self._load(key)
            return
        llm.reset()
        if prefix:
            llm.eval(tokens[:prefix])
            self._save(key)

    def _save(self, key: tuple[int, ...]) -> None:
        """Keep the KV state of a just-evaluated prefix (a few MB; the logits are not kept)."""
        import ctypes

        import llama_cpp

        ctx = self.llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * size)()
        used = llama_cpp.llama_state_get_data(ctx, buffer, size)
        self._states[key] = bytes(buffer[:used])
        while len(self._states) > _SAVED_PREFIXES:
            self._states.pop(next(iter(self._states)))

    def _load(self, key: tuple[int, ...]) -> None:
        import ctypes

        import llama_cpp

        data = self._states[key]
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_set_data(self.llm._ctx.ctx, buffer, len(data)) != len(data):
            self.llm.reset()  # a state that does not fit: evaluate the prefix again
            self.llm.eval(list(key))
            return
        self.llm.input_ids[: len(key)] = key
        self.llm.n_tokens = len(key)

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        with self._lock:
            tokens, prefix = self.prompt_tokens(messages)
            self._restore(tokens, prefix)
            chunks = self.llm.create_completion(
                tokens,
                temperature=0.0,
                repeat_penalty=1.1,
                max_tokens=max_tokens,
                stream=True,
            )
            for chunk in chunks:
                text = chunk["choices"][0].get("text")
                if text:
                    yield text

    def judge(self, messages: list[dict[str, str]]) -> float:
        import numpy as np

        with self._lock:
            tokens, prefix = self.prompt_tokens(messages)
            self._restore(tokens, prefix)
            self.llm.eval(tokens[prefix:])
            logits = np.ctypeslib.as_array(
                self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),)
            ).astype(np.float64)
            self._restore(tokens, prefix)  # leave the cache as every call expects it
        return _yes_minus_no(logits, self._yes_no)

    @property
    def _yes_no(self) -> tuple[int, int]:
        return tuple(self.llm.tokenize(w.encode(), add_bos=False)[0] for w in YES_NO)  # type: ignore[return-value]


def _yes_minus_no(logits, ids: tuple[int, int]) -> float:  # logits: np.ndarray
    """log P(first id) − log P(second id) under the softmax of ``logits``."""
    return float(logits[ids[0]] - logits[ids[1]])


def _chat_template(source: str | None):  # -> jinja2.Template
    """The model's own chat template (from the GGUF file)."""
    import jinja2

    if not source:
        raise ValueError("the model file has no chat template")
    env = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"])
    return env.from_string(source)


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

    def judge(self, messages: list[dict[str, str]]) -> float:
        import torch

        with self._lock:
            prompt = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            inputs = self.tokenizer(prompt, return_tensors="pt")
            with torch.no_grad():
                logits = self.model(**inputs).logits[0, -1].float()
        ids = [self.tokenizer.encode(w, add_special_tokens=False)[0] for w in YES_NO]
        return float(logits[ids[0]] - logits[ids[1]])
