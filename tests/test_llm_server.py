"""Generation through an OpenAI-compatible server: outages give a message and the evidence,
never a traceback, and the next question works when the server is back.

The end-to-end answers through the real server run in tests/test_answer.py (every test
there runs in-process and through the server). Here: the real server stopped and restarted
mid-conversation, and small fake servers for a timeout, an error status and a cut stream.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from qa.answer import Answerer
from qa.generate import load_generator
from qa.generate.files import ensure_model_file
from qa.generate.server import free_port, start_server, stop, wait_until_up
from qa.records import Answer
from qa.settings import Settings

pytestmark = pytest.mark.slow

FIRST = "How many Member States intervened in the 2014 dialogue?"
FOLLOW_UP = "what about in 2017?"


def _answerer(index, settings: Settings, url: str, **extra) -> Answerer:
    settings = settings.model_copy(update={"llm_url": url, **extra})
    return Answerer(index, settings, load_generator(settings))


def _shows_evidence_only(answer: Answer, says: str) -> None:
    """The outage is named in one line, and the best evidence is still quoted and cited."""
    assert answer.reason == "model unavailable"
    assert not answer.abstained
    first = answer.answer.splitlines()[0]
    assert first.startswith("The model could not write this answer:") and says in first
    assert "Traceback" not in answer.answer
    assert answer.citations
    for c in answer.citations:
        assert c.quote in c.text and f"“{c.quote}” [{c.n}]" in answer.answer


def test_qa_serve_llm_serves_the_command_line(settings: Settings, index) -> None:
    """What `make serve-llm` runs, then `qa ask` pointed at it with QA_LLM_URL."""
    qa = str(Path(sys.executable).with_name("qa"))
    port = free_port()
    server = subprocess.Popen(
        [qa, "serve-llm", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(url, server)
        env = {**os.environ, "QA_LLM_URL": url, "QA_CORPUS_DIR": str(settings.corpus_dir),
               "QA_INDEX_DIR": str(settings.index_dir)}  # fmt: skip
        proc = subprocess.run(
            [qa, "ask", "Who moderated the panel at the 2014 dialogue?", "--json"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
    finally:
        stop(server)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["reason"] is None and "Dieng" in result["answer"] and result["citations"]
    assert "Dieng" in result["draft"]  # the server wrote the lead


def test_server_stopped_mid_conversation_then_back(index, settings: Settings, tmp_path) -> None:
    model = ensure_model_file(settings.model_cache_dir, log=lambda _: None)
    port = free_port()
    server, url = start_server(model, settings, port=port, log=tmp_path / "server.log")
    answerer = _answerer(index, settings, url)
    try:
        first = answerer.ask(FIRST)
        assert first.reason is None and first.citations
        history = [
            {"role": "user", "content": FIRST},
            {"role": "assistant", "content": first.answer},
        ]
        stop(server)

        down = answerer.ask(FOLLOW_UP, history)
        _shows_evidence_only(down, "cannot be reached")
        assert all(c.year == 2017 for c in down.citations)  # the follow-up was still resolved

        server, _ = start_server(model, settings, port=port, log=tmp_path / "server.log")
        back = answerer.ask(FOLLOW_UP, history)
        assert back.reason is None and "73" in back.answer, back.answer
    finally:
        stop(server)


class _Fake(BaseHTTPRequestHandler):
    """Answers every POST with ``self.server.reply(handler)``."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.reply(self)  # type: ignore[attr-defined]

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def _serve(reply) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    httpd.reply = reply  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _unavailable(handler: BaseHTTPRequestHandler) -> None:
    body = b'{"error": {"message": "model is loading\\nretry later"}}'
    handler.send_response(503)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _cut_short(handler: BaseHTTPRequestHandler) -> None:
    """Starts a stream, sends one piece, then drops the connection (a crash mid-answer)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    event = (
        b'data: {"id":"x","object":"chat.completion.chunk","created":0,"model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"Seventy"},"finish_reason":null}]}\n\n'
    )
    handler.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
    handler.wfile.flush()
    handler.connection.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize(
    "reply,says",
    [(_unavailable, "answered HTTP 503"), (_cut_short, "failed mid-answer")],
)
def test_server_errors_give_a_message_and_the_evidence(index, settings, reply, says) -> None:
    with _serve(reply) as url:
        answer = _answerer(index, settings, url).ask(FIRST)
        _shows_evidence_only(answer, says)
        assert "Seventy" not in answer.answer  # a half-written lead is never shown


def test_a_server_that_never_answers_times_out(index, settings: Settings) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        answer = _answerer(index, settings, url, llm_timeout=1.0).ask(FIRST)
    _shows_evidence_only(answer, "was silent for 1 s")


def test_an_unreachable_server_is_reported_at_start_up(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    generator = load_generator(settings.model_copy(update={"llm_url": url}))
    problem = generator.check()  # type: ignore[attr-defined]
    assert problem is not None and url in problem
