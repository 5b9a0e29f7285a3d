"""The browser app (what `make run` starts).

For now a search page over the corpus: type a question, see the passages retrieval would give
the answering model, with their documents and years. The cited-answer chat comes next.

    python app.py [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import argparse
import html
import os

import gradio as gr

from qa.index import ensure_index
from qa.question import QuestionError, clean_question
from qa.retrieve import Retriever
from qa.settings import Settings

YEARS = ["All", "2014", "2016", "2017"]


def render(retriever: Retriever, question: str, year: str) -> str:
    """HTML for the passages found; every piece of corpus text is escaped."""
    try:
        question = clean_question(question)
    except QuestionError as exc:
        return f"<p><b>{html.escape(str(exc))}</b></p>"
    years = None if year == "All" else [int(year)]
    result = retriever.search(question, years=years)
    parts = []
    if result.other_years:
        named = ", ".join(map(str, result.other_years))
        parts.append(f"<p><i>The corpus has no dialogue from {named}.</i></p>")
    if not result.hits:
        parts.append("<p>No passages found.</p>")
    for n, hit in enumerate(result.hits, 1):
        p = hit.passage
        doc = retriever.index.documents.get(p.doc_id)
        title = doc.title if doc else p.doc
        parts.append(
            f"<div class='hit'><p><b>[{n}]</b> {html.escape(title)} · {p.year} · "
            f"<code>{html.escape(p.id)}</code></p><p>{html.escape(p.text)}</p></div>"
        )
    return "\n".join(parts)


def build_app(settings: Settings) -> gr.Blocks:
    retriever = Retriever(ensure_index(settings), settings)
    with gr.Blocks(title="qa — R2P dialogues") as demo:
        gr.Markdown(
            "# qa — search the corpus\nAsk a question; the passages an answer would cite "
            "appear below. (Cited answers arrive with the chat.)"
        )
        with gr.Row():
            question = gr.Textbox(label="Question", placeholder="Who moderated in 2014?", scale=4)
            year = gr.Dropdown(YEARS, value="All", label="Year", scale=1)
        out = gr.HTML()
        gr.Examples(
            ["who supported veto restraint in 2016?", "compare the 2014 and 2017 themes"],
            inputs=[question],
        )
        question.submit(lambda q, y: render(retriever, q, y), [question, year], out)
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
    args = parser.parse_args()
    demo = build_app(Settings())
    print(f"qa is running at http://{args.host}:{args.port}/", flush=True)
    demo.queue().launch(server_name=args.host, server_port=args.port, share=False)


if __name__ == "__main__":
    main()
