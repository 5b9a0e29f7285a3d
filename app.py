"""The browser app (what `make run` starts): a chat that answers with checkable citations.

    python app.py [--host 127.0.0.1] [--port 7860]

Programs can call it too (gradio_client): ``/chat`` returns the answer text with its ``[n]``
markers, ``/ask`` the full ``qa ask --json`` object. A reader sees the evidence, with its
sources, as soon as retrieval is done (every reader at once); the model then writes one
answer per slot (``QA_LLM_SLOTS``, 1 for the in-process model) and the others wait in line,
seeing their place. With ``QA_LLM_URL`` several app processes share one model server.

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
from qa.errors import explain
from qa.index import ensure_index
from qa.ingest.formats import SUFFIXES
from qa.serve.live import COLUMNS, LiveLibrary
from qa.serve.render import answer_markdown, evidence_html, source_html
from qa.settings import load_settings

CSS = """
.qa-source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.qa-quote { margin: 4px 0 4px 8px; font-style: italic; }
mark { background: #fff1a8; }
"""


PROGRESS = gr.Progress(track_tqdm=True)  # shows the build's reading and embedding bars
EVIDENCE_AT_ONCE = 8  # readers whose evidence is looked up at the same time


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
    slots = answerer.settings.llm_slots

    def year_choices() -> list[str]:
        return ["All", *map(str, live.answerer.index.years)]

    def find_evidence(
        message: str, history: list[dict[str, Any]], year: str
    ) -> tuple[list[dict[str, Any]], str, str, Any]:
        """Step 1, for up to EVIDENCE_AT_ONCE readers at once: retrieval and the evidence,
        with its sources."""
        answerer = live.answerer  # the newest index, fixed for this answer
        names = {d.id: d.title for d in answerer.index.documents.values()}
        history = list(history or [])
        plan = answerer.prepare(message, _history(history), _years(year))
        history.append({"role": "user", "content": message})
        if plan.done is not None:  # answered without the model
            history.append({"role": "assistant", "content": answer_markdown(plan.done)})
            return history, "", source_html(plan.done.citations, names), None
        waiting = "*The evidence is on the right; the model is writing the answer…*"
        history.append({"role": "assistant", "content": waiting})
        return history, "", evidence_html(plan.evidence(), names), (answerer, plan)

    def write_answer(
        history: list[dict[str, Any]], pending: Any
    ) -> Iterator[tuple[list[dict[str, Any]], Any, Any]]:
        """Step 2, one reader at a time per model slot: the lead, checked, then the reply."""
        if pending is None:
            return
        answerer, plan = pending
        names = {d.id: d.title for d in answerer.index.documents.values()}
        history = list(history)
        draft = ""
        for event in answerer.compose(plan):
            if event.kind == "token":
                draft += event.data
                history[-1] = {"role": "assistant", "content": f"*{draft}*  \n(checking…)"}
                yield history, gr.skip(), None
            elif event.kind == "answer":
                history[-1] = {"role": "assistant", "content": answer_markdown(event.data)}
                yield history, source_html(event.data.citations, names), None

    def respond(
        message: str, history: list[dict[str, Any]], year: str
    ) -> Iterator[tuple[list[dict[str, Any]], str, Any]]:
        """Both steps in one call, for programs (``/respond``)."""
        first, box, panel, pending = find_evidence(message, history, year)
        yield first, box, panel
        for chat, panel, _ in write_answer(first, pending):
            yield chat, box, panel

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
        # Evidence first (EVIDENCE_AT_ONCE readers at a time); then the model, one reader per
        # slot: the queue shows each reader's place on the conversation, the evidence stays up.
        # The input is locked from the question to its answer: a second question from the
        # same reader would otherwise replace the first one's pending plan.
        pending = gr.State(None)

        def lock_and_find(message: str, history: list[dict[str, Any]], year: str):
            chat, _, panel, plan = find_evidence(message, history, year)
            locked = gr.update(interactive=False)
            return chat, gr.update(value="", interactive=False), panel, plan, locked, locked

        def unlock() -> tuple[Any, Any, Any]:
            return (gr.update(interactive=True),) * 3

        for trigger, api in ((box.submit, "evidence"), (send.click, False)):
            trigger(
                lock_and_find, [box, chatbot, year], [chatbot, box, sources, pending, send, new],
                concurrency_id="evidence", concurrency_limit=EVIDENCE_AT_ONCE, api_name=api,
            ).then(
                write_answer, [chatbot, pending], [chatbot, sources, pending],
                concurrency_id="model", concurrency_limit=slots, api_name=False,
                show_progress="minimal", show_progress_on=[chatbot],
            ).then(unlock, None, [box, send, new], api_name=False, queue=False)  # fmt: skip
        new.click(lambda: ([], "", "", None), None, [chatbot, box, sources, pending],
                  api_name=False)  # fmt: skip
        hidden_q = gr.Textbox(visible=False)
        hidden_history = gr.Textbox(visible=False)
        hidden_out = gr.Textbox(visible=False)
        hidden_json = gr.JSON(visible=False)
        hidden_chat = gr.Chatbot(visible=False)
        hidden_html = gr.HTML(visible=False)
        model = {"concurrency_id": "model", "concurrency_limit": slots}
        gr.Button(visible=False).click(chat, [hidden_q, year], hidden_out, api_name="chat", **model)
        gr.Button(visible=False).click(
            ask, [hidden_q, year, hidden_history], hidden_json, api_name="ask", **model
        )
        gr.Button(visible=False).click(
            respond, [hidden_q, hidden_chat, year], [hidden_chat, hidden_q, hidden_html],
            api_name="respond", **model,
        )  # fmt: skip
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument(
        "--port", type=int, default=os.environ.get("GRADIO_SERVER_PORT", "7860"),
        help="port to listen on (GRADIO_SERVER_PORT)",
    )  # fmt: skip
    args = parser.parse_args()
    try:
        serve(args.host, args.port)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:  # what a user can fix is one line that says what to do
        message = explain(exc)
        if message is None:
            raise
        raise SystemExit(f"error: {message}") from None


def serve(host: str, port: int) -> None:
    """Load the index and the model, then serve the app until stopped."""
    settings = load_settings()
    answerer = Answerer(ensure_index(settings), settings)
    generator = answerer.warm()  # the first visitor waits for no loading
    problem = generator.check() if hasattr(generator, "check") else None
    if problem:  # the app still starts: answers show their evidence until the server is up
        print(f"qa: warning: {problem}", flush=True)
    demo = build_app(answerer)
    print(f"qa is running at http://{host}:{port}/", flush=True)
    demo.queue(default_concurrency_limit=1).launch(
        server_name=host,
        server_port=port,
        share=False,
        css=CSS,
        max_file_size=f"{int(settings.max_file_mb)}mb",
    )


if __name__ == "__main__":
    main()
