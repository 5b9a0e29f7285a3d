"""The browser app (what `make run` starts): a chat that answers with checkable citations.

    python app.py [--host 127.0.0.1] [--port 7860]

Programs can call it too (gradio_client): ``/chat`` returns the answer text with its ``[n]``
markers, ``/ask`` the full ``qa ask --json`` object. Gradio's queue runs one answer at a time
on the one model; other users wait in line and see their place.

The Library tab lists the indexed documents, adds files (drag and drop, several at once) and
removes them; the chat keeps answering from the previous index while a file is indexed.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa.answer import Answerer
from qa.index import ensure_index
from qa.ingest.formats import SUFFIXES
from qa.render import answer_markdown, evidence_html, retrieved_html, source_html
from qa.serve.live import COLUMNS, LiveLibrary
from qa.settings import Settings

CSS = """
.qa-source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.qa-quote { margin: 4px 0 4px 8px; font-style: italic; }
mark { background: #fff1a8; }
"""


PROGRESS = gr.Progress(track_tqdm=True)  # shows the build's reading and embedding bars


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


def build_app(answerer: Answerer, library: LiveLibrary | None = None) -> gr.Blocks:
    live = library or LiveLibrary(answerer, answerer.settings)
    profile = answerer.profile

    def year_choices() -> list[str]:
        return ["All", *map(str, live.answerer.index.years)]

    def respond(
        message: str, history: list[dict[str, Any]], year: str
    ) -> Iterator[tuple[list[dict[str, Any]], str, str]]:
        answerer = live.answerer  # the newest index, fixed for this answer
        names = {d.id: d.title for d in answerer.index.documents.values()}
        history = list(history or [])
        turns = _history(history)
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": "…"})
        yield history, "", ""
        draft = ""
        for event in answerer.stream(message, turns, _years(year)):
            if event.kind == "sources":
                yield history, "", retrieved_html(event.data, names)
            elif event.kind == "evidence":
                yield history, "", evidence_html(event.data)
            elif event.kind == "token":
                draft += event.data
                history[-1] = {"role": "assistant", "content": f"*{draft}*  \n(checking…)"}
                yield history, "", gr.skip()
            elif event.kind == "answer":
                answer = event.data
                history[-1] = {"role": "assistant", "content": answer_markdown(answer)}
                yield history, "", source_html(answer.citations, names)

    def chat(question: str, year: str = "All") -> str:
        """Answer text with [n] markers."""
        return live.answerer.ask(question, None, _years(year)).answer

    def ask(question: str, year: str = "All", history: str = "") -> dict[str, Any]:
        """The full qa ask --json object; ``history`` is a JSON list of role/content turns."""
        try:
            turns = json.loads(history) if history else None
        except ValueError:
            turns = None
        if not isinstance(turns, list):
            turns = None
        return live.answerer.ask(question, turns, _years(year)).to_dict()

    def heading() -> str:
        return (
            f"# {profile.title}\nAnswers come only from the documents. {live.answerer.note} "
            "Every claim stands on a quote you can check, and when the corpus does not say, "
            "the answer says so."
        )

    def library_view(message: str = "") -> tuple[Any, Any, Any, str, str]:
        paths = live.paths()
        return (
            live.rows(),
            gr.update(choices=paths, value=None),
            gr.update(choices=year_choices(), value="All"),
            message,
            heading(),
        )

    def upload(files: list[str] | None, progress: gr.Progress = PROGRESS):
        progress(0, desc="storing files")
        uploaded = [Path(f) for f in files or []]
        message = live.add(uploaded)
        for f in uploaded:  # Gradio's temporary copy is not kept, nor served back
            f.unlink(missing_ok=True)
        return (*library_view(message), None)

    def remove(path: str | None) -> tuple[Any, Any, Any, str, str]:
        return library_view(live.remove(path or ""))

    with gr.Blocks(title=profile.title) as demo:
        header = gr.Markdown(heading())
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=460)
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask a question…", show_label=False, scale=5, autofocus=True
                    )
                    year = gr.Dropdown(year_choices(), value="All", label="Year", scale=1)
                with gr.Row():
                    send = gr.Button("Ask", variant="primary")
                    new = gr.Button("New conversation")
                if profile.examples:
                    gr.Examples(profile.examples, inputs=[box])
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML("<p>Cited passages appear here, with the quote marked.</p>")
        with gr.Tab("Library"):
            table = gr.Dataframe(
                value=live.rows, headers=COLUMNS, interactive=False, label="Documents", wrap=True
            )
            files = gr.File(
                label=f"Add documents ({' '.join(SUFFIXES)}; up to "
                f"{live.settings.max_file_mb:g} MB each): drop files here",
                file_count="multiple",
                file_types=list(SUFFIXES),
                elem_id="qa-upload",
            )
            status = gr.Textbox(label="Library status", interactive=False, elem_id="qa-status")
            with gr.Row():
                doomed = gr.Dropdown(live.paths(), label="Document to remove", scale=4)
                drop = gr.Button("Remove", variant="stop", scale=1)
        lib_out = [table, doomed, year, status, header]
        files.upload(upload, files, [*lib_out, files], concurrency_id="library", api_name="upload")
        drop.click(remove, doomed, lib_out, concurrency_id="library", api_name="remove")
        demo.load(library_view, None, lib_out, api_name=False)  # each visit: the newest index
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
        server_name=args.host,
        server_port=args.port,
        share=False,
        css=CSS,
        max_file_size=f"{int(settings.max_file_mb)}mb",
    )


if __name__ == "__main__":
    main()
