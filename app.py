"""The browser app (what `make run` starts): a chat that answers with checkable citations.

    python app.py [--host 127.0.0.1] [--port 7860]

Programs can call it too (gradio_client): ``/chat`` returns the answer text with its ``[n]``
markers, ``/ask`` the full ``qa ask --json`` object. Gradio's queue runs one answer at a time
on the one model; other users wait in line and see their place.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from qa.answer import Answerer
from qa.index import ensure_index
from qa.render import answer_markdown, evidence_html, retrieved_html, source_html
from qa.settings import Settings

CSS = """
.qa-source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.qa-quote { margin: 4px 0 4px 8px; font-style: italic; }
mark { background: #fff1a8; }
"""


def _years(year: str | None) -> list[int] | None:
    return None if not year or year == "All" else [int(year)]


def _history(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Chat history as plain role/content turns (citations markdown stripped to the answer)."""
    out = []
    for m in messages or []:
        content = m.get("content")
        if isinstance(content, str) and m.get("role") in ("user", "assistant"):
            out.append({"role": m["role"], "content": content})
    return out


def build_app(answerer: Answerer) -> gr.Blocks:
    titles = {d.id: d.title for d in answerer.index.documents.values()}
    profile = answerer.profile
    year_choices = ["All", *map(str, answerer.index.years)]

    def respond(
        message: str, history: list[dict[str, Any]], year: str
    ) -> Iterator[tuple[list[dict[str, Any]], str, str]]:
        history = list(history or [])
        turns = _history(history)
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": "…"})
        yield history, "", ""
        draft = ""
        for event in answerer.stream(message, turns, _years(year)):
            if event.kind == "sources":
                yield history, "", retrieved_html(event.data, titles)
            elif event.kind == "evidence":
                yield history, "", evidence_html(event.data)
            elif event.kind == "token":
                draft += event.data
                history[-1] = {"role": "assistant", "content": f"*{draft}*  \n(checking…)"}
                yield history, "", gr.skip()
            elif event.kind == "answer":
                answer = event.data
                history[-1] = {"role": "assistant", "content": answer_markdown(answer)}
                yield history, "", source_html(answer.citations, titles)

    def chat(question: str, year: str = "All") -> str:
        """Answer text with [n] markers."""
        return answerer.ask(question, None, _years(year)).answer

    def ask(question: str, year: str = "All", history: str = "") -> dict[str, Any]:
        """The full qa ask --json object; ``history`` is a JSON list of role/content turns."""
        try:
            turns = json.loads(history) if history else None
        except ValueError:
            turns = None
        if not isinstance(turns, list):
            turns = None
        return answerer.ask(question, turns, _years(year)).to_dict()

    with gr.Blocks(title=profile.title) as demo:
        gr.Markdown(
            f"# {profile.title}\nAnswers come only from the documents. {answerer.note} "
            f"Every claim stands on a quote you can check, and when the corpus does not say, "
            f"the answer says so."
        )
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=460)
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask a question…", show_label=False, scale=5, autofocus=True
                    )
                    year = gr.Dropdown(year_choices, value="All", label="Year", scale=1)
                with gr.Row():
                    send = gr.Button("Ask", variant="primary")
                    new = gr.Button("New conversation")
                if profile.examples:
                    gr.Examples(profile.examples, inputs=[box])
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML("<p>Cited passages appear here, with the quote marked.</p>")
        box.submit(respond, [box, chatbot, year], [chatbot, box, sources], api_name="respond")
        send.click(respond, [box, chatbot, year], [chatbot, box, sources], api_name=False)
        new.click(lambda: ([], "", ""), None, [chatbot, box, sources], api_name=False)
        hidden_q = gr.Textbox(visible=False)
        hidden_history = gr.Textbox(visible=False)
        hidden_out = gr.Textbox(visible=False)
        hidden_json = gr.JSON(visible=False)
        gr.Button(visible=False).click(chat, [hidden_q, year], hidden_out, api_name="chat")
        gr.Button(visible=False).click(
            ask, [hidden_q, year, hidden_history], hidden_json, api_name="ask"
        )
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
    args = parser.parse_args()
    settings = Settings()
    answerer = Answerer(ensure_index(settings), settings)
    answerer.generator  # load the model before the first visitor waits for it  # noqa: B018
    demo = build_app(answerer)
    print(f"qa is running at http://{args.host}:{args.port}/", flush=True)
    demo.queue(default_concurrency_limit=1).launch(
        server_name=args.host, server_port=args.port, share=False, css=CSS
    )


if __name__ == "__main__":
    main()
