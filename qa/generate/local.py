"""The model in this process: llama-cpp-python (default) or transformers.

Both run the same weights — Qwen2.5-Coder-1.5B-Instruct, from the verified GGUF file — and
expose one streaming call (:class:`qa.generate.Generator`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path


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

    def prompt_tokens(self, messages: list[dict[str, str]]) -> tuple[list[int], int]:
        """The prompt's tokens and how many of them are the fixed system prefix."""
        full = self._template.render(messages=messages, add_generation_prompt=True)
        head = self._template.render(messages=messages[:1], add_generation_prompt=False)
        tokens = self.llm.tokenize(full.encode(), add_bos=False, special=True)
        prefix = self.llm.tokenize(head.encode(), add_bos=False, special=True)
        fixed = messages[0]["role"] == "system" and tokens[: len(prefix)] == prefix
        return tokens, len(prefix) if fixed else 0

    def _restore(self, tokens: list[int], prefix: int) -> None:
        """Leave exactly the system prefix in the KV cache (evaluating it if needed)."""
        llm = self.llm
        cached = list(llm.input_ids[: llm.n_tokens]) if llm.n_tokens >= prefix else []
        if prefix and cached[:prefix] == tokens[:prefix]:
            llm.n_tokens = prefix
            return
        llm.reset()
        if prefix:
            llm.eval(tokens[:prefix])

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
