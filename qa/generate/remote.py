"""Generation by an OpenAI-compatible chat-completions server, shared by many app processes.

llama.cpp's server (``make serve-llm`` starts llama-cpp-python's), vLLM, Ollama and others
speak this API. qa asks for greedy decoding (``temperature`` 0) and a short reply
(``max_tokens``), both standard; anything server-specific — llama.cpp's ``repeat_penalty``
(the in-process default), vLLM's ``repetition_penalty``, a ``grammar`` or ``json_schema`` —
goes in ``QA_LLM_OPTIONS`` and is sent as extra fields of the request body.

Every failure to get a reply — a refused connection, a timeout, an error status, a stream
cut short — becomes :class:`qa.generate.GeneratorUnavailable` with a one-line reason; the
client keeps no state between calls, so the next question works when the server is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qa.generate import GeneratorUnavailable, yes_minus_no
from qa.settings import Settings


class OpenAIGenerator:
    """Streams chat completions from ``url`` (the API root, e.g. ``http://host:8080/v1``)."""

    name = "openai"

    def __init__(
        self,
        url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        options: dict[str, Any] | None = None,
    ) -> None:
        import openai

        self.url = url.rstrip("/")
        self.model = model
        self.options = dict(options or {})
        self.timeout = timeout
        # The library retries by itself; a reader would rather see the evidence now.
        self.client = openai.OpenAI(
            base_url=self.url, api_key=api_key or "none", timeout=timeout, max_retries=0
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIGenerator:
        return cls(
            settings.llm_url,
            settings.llm_model,
            settings.llm_api_key.get_secret_value(),
            settings.llm_timeout,
            settings.llm_options,
        )

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        import httpx
        import openai

        started = False
        try:
            with self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=0.0,
                stream=True,
                extra_body=self.options or None,
            ) as chunks:  # closed even when the caller stops reading early
                for chunk in chunks:
                    started = True
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except openai.APIStatusError as exc:
            why = f"answered HTTP {exc.status_code} ({_first_line(exc.message)})"
            raise GeneratorUnavailable(f"the model server at {self.url} {why}") from None
        except (openai.OpenAIError, httpx.HTTPError, ValueError) as exc:
            if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
                why = f"was silent for {self.timeout:g} s"
            elif started:  # e.g. the server died while it was writing
                why = f"failed mid-answer ({_first_line(str(exc))})"
            elif isinstance(exc, openai.APIConnectionError):
                why = "cannot be reached (`make serve-llm` starts one)"
            else:  # e.g. a reply that is not the API's JSON
                why = f"failed ({_first_line(str(exc))})"
            raise GeneratorUnavailable(f"the model server at {self.url} {why}") from None

    def judge(self, messages: list[dict[str, str]]) -> float:
        """One token, with its top log-probabilities where the server gives them (llama.cpp's
        and vLLM's do); else the token itself decides (see :func:`yes_minus_no`)."""
        import httpx
        import openai

        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=10,
                extra_body=self.options or None,
            )
        except openai.APIStatusError as exc:
            why = f"answered HTTP {exc.status_code} ({_first_line(exc.message)})"
            raise GeneratorUnavailable(f"the model server at {self.url} {why}") from None
        except (openai.OpenAIError, httpx.HTTPError, ValueError) as exc:
            why = _first_line(str(exc))
            raise GeneratorUnavailable(f"the model server at {self.url} failed ({why})") from None
        choice = reply.choices[0] if reply.choices else None
        text = (choice.message.content or "") if choice else ""
        found: dict[str, float] = {}
        content = choice.logprobs.content if choice and choice.logprobs else None
        if content:
            for top in content[0].top_logprobs or []:
                found[top.token] = max(top.logprob, found.get(top.token, -1e9))
        return yes_minus_no(found, text)

    def check(self) -> str | None:
        """None when the server lists its models, else why not (a start-up check)."""
        import openai

        try:
            self.client.with_options(timeout=min(self.timeout, 5.0)).models.list()
        except openai.APIError as exc:
            return f"the model server at {self.url} is not answering ({_first_line(str(exc))})"
        return None


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "no details"
    return line if len(line) <= limit else line[: limit - 1] + "…"
