"""The Gradio app, launched in-process with the real model, driven through gradio_client."""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

import pytest

import app as qa_app
from qa.answer import Answerer
from qa.generate import load_generator
from qa.index import build_index
from qa.settings import Settings

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert('x')</script>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(answerer: Answerer):
    demo = qa_app.build_app(answerer)
    port = _free_port()
    demo.queue(default_concurrency_limit=1).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True
    )
    return demo, f"http://127.0.0.1:{port}/"


PATIENCE = 300.0  # seconds any one request may take on a busy machine


@pytest.fixture(scope="module")
def app_url(index, settings: Settings):
    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    demo, url = _launch(answerer)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(app_url: str):
    """A client whose every request (a cancel included) may wait for a busy machine: the
    library's default is httpx's 5 s, which a loaded 2-core machine can exceed."""
    from gradio_client import Client

    return Client(app_url, verbose=False, httpx_kwargs={"timeout": PATIENCE})


def test_chat_endpoint_returns_cited_text(client) -> None:
    text = client.predict(
        "How many Member States intervened in the 2017 dialogue?", "All", api_name="/chat"
    )
    assert "73" in text and "[1]" in text


def test_ask_endpoint_returns_the_contract(client) -> None:
    out = client.predict("Who moderated the panel at the 2014 dialogue?", "All", "",
                         api_name="/ask")  # fmt: skip
    assert not out["abstained"] and "Dieng" in out["answer"]
    assert out["citations"] and out["citations"][0]["quote"] in out["citations"][0]["text"]


def test_follow_up_uses_history(client) -> None:
    history = [
        {"role": "user", "content": "How many Member States intervened in the 2014 dialogue?"},
        {"role": "assistant", "content": "69 Member States [1]."},
    ]
    out = client.predict("what about in 2017?", "All", json.dumps(history), api_name="/ask")
    assert out["rewritten_question"].endswith("2017 dialogue?")
    assert "73" in out["answer"]


def test_abstention(client) -> None:
    out = client.predict("What did Kofi Annan say at the 2014 dialogue?", "All", "",
                         api_name="/ask")  # fmt: skip
    assert out["abstained"] and "does not mention Kofi Annan" in out["answer"]


def test_ordinary_variations_of_a_question(client) -> None:
    """Found wrong by the fault battery (issue 11): "spoke" for "intervened" answered with a
    paragraph number, and a French question named the speaker who opened the meeting."""
    out = client.predict("How many Member States spoke in 2014?", "All", "", api_name="/ask")
    assert "69" in out["answer"] and out["citations"], out["answer"]
    assert not re.match(r"\W*7\b", out["answer"])
    out = client.predict("Qui était le modérateur du dialogue de 2014 ?", "All", "",
                         api_name="/ask")  # fmt: skip
    assert out["abstained"] and out["reason"] == "other language"
    assert "in French" in out["answer"] and "English" in out["answer"]
    assert "Picco" not in out["answer"]


def test_year_filter(client) -> None:
    out = client.predict("Who moderated the panel?", "2014", "", api_name="/ask")
    assert out["passages"] and {p["year"] for p in out["passages"]} == {2014}


def test_respond_streams_into_the_chat_with_sources(client) -> None:
    chat, box, sources = client.predict(
        "Who moderated the panel at the 2014 dialogue?", [], "All", api_name="/respond"
    )
    assert box == ""
    assert chat[-1]["role"] == "assistant" and "[1]" in str(chat[-1]["content"])
    assert "<mark>" in sources and "qa-source" in sources


def test_corpus_script_is_shown_as_text(tmp_path: Path) -> None:
    """A document containing <script> is escaped in the chat and the source view."""
    from gradio_client import Client

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text(
        "New York, 8 September 2014\n\n"
        f"The widget council met to review widget exports. Its chair wrote {SCRIPT} on the "
        "board to test the display. The council approved twelve new widget standards."
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", min_words=5)
    index = build_index(settings, log=lambda _: None, progress=False)
    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    demo, url = _launch(answerer)
    try:
        chat, _, sources = Client(url, verbose=False, httpx_kwargs={"timeout": PATIENCE}).predict(
            "What did the chair write on the board?", [], "All", api_name="/respond"
        )
    finally:
        demo.close()
    assert SCRIPT not in sources and SCRIPT not in str(chat[-1]["content"])
    assert "&lt;script&gt;" in sources or "&lt;script&gt;" in str(chat[-1]["content"])


def test_the_app_answers_as_the_command_line_does(client, index, settings: Settings) -> None:
    """The mission's example: the same answer in the app as in-process (issue: a question
    gave one answer alone and another in a batch or the app)."""
    mission = "who supported veto restraint in 2016?"
    in_app = client.predict(mission.capitalize(), "All", api_name="/chat")
    answerer = Answerer(index, settings, load_generator(settings, log=lambda _: None))
    answerer.ask("How many Member States intervened in the 2017 dialogue?")  # a batch before
    assert answerer.ask(mission).answer == in_app


QUESTION_2014 = "Who moderated the panel at the 2014 dialogue?"


def _mid_answer(job, seconds: float = 300) -> None:
    """Wait until ``job`` has streamed at least one update (the model is writing)."""
    import time

    deadline = time.monotonic() + seconds
    while not job.outputs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.outputs(), "the answer never started streaming"


def test_a_cancelled_and_a_killed_client_leave_the_next_reader_answered(
    client, app_url: str, tmp_path: Path
) -> None:
    """A reader who cancels mid-answer, and one whose process dies mid-answer, hold nothing:
    the next question is answered in full."""
    import subprocess

    job = client.submit(QUESTION_2014, [], "All", api_name="/respond")
    _mid_answer(job)
    job.cancel()
    script = tmp_path / "reader.py"
    script.write_text(
        "import sys\nfrom gradio_client import Client\n"
        f"job = Client({app_url!r}, verbose=False, httpx_kwargs={{'timeout': {PATIENCE}}})"
        f".submit({QUESTION_2014!r}, [], 'All', "
        "api_name='/respond')\n"
        "for _ in job:\n    print('streaming', flush=True)\n"
    )
    reader = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "streaming"
    finally:
        reader.kill()  # SIGKILL: no goodbye to the server
        reader.wait()
    question = "How many Member States intervened in the 2017 dialogue?"
    out = client.submit(question, "All", "", api_name="/ask").result(timeout=300)
    assert "73" in out["answer"] and out["citations"] and out["reason"] is None
