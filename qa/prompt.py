"""The messages the model reads. The system prompt never changes, so llama.cpp reuses its
cached prefix; the evidence and the question come after it."""

from __future__ import annotations

import re

from qa.evidence import Source

_INLINE_SOURCES = re.compile(r"\(?\b(?:sources?|see)\b\s*:?\s*\[?\d.*$", re.I)

SYSTEM = (
    "You answer questions about records of United Nations General Assembly dialogues on the "
    "Responsibility to Protect, using only the numbered sources you are given. Answer in at "
    "most 30 words. Copy names and numbers exactly as the sources write them. When the "
    "question names several years, answer year by year."
)
# No "say NOT IN SOURCES" instruction: with one, this 1.5B model declined half of the
# answerable questions (measured on eval/); abstention is decided by the checks around it.


def label(source: Source, kind: str | None) -> str:
    year = source.hit.passage.year
    return f"[{source.n}] ({year if year is not None else 'undated'}{', ' + kind if kind else ''})"


def messages(question: str, sources: list[Source], kinds: dict[str, str]) -> list[dict[str, str]]:
    """Chat messages: fixed system prompt, then the sources and the question."""
    body = "\n".join(f"{label(s, kinds.get(s.hit.passage.doc_id))} {s.text()}" for s in sources)
    return [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": f"Question: {question}\n\nSources:\n{body}\n\nQuestion: {question}\nAnswer:",
        },
    ]


def parse_reply(reply: str) -> tuple[str, list[int]]:
    """(answer text, cited source numbers) from the model's two-line reply (lenient).

    >>> parse_reply("ANSWER: 73 States spoke.\\nSOURCES: 2 3")
    ('73 States spoke.', [2, 3])
    >>> parse_reply("ANSWER: NOT IN SOURCES\\nSOURCES: none")
    ('NOT IN SOURCES', [])
    >>> parse_reply("ANSWER: Peter Thomson. Sources: [1] and [3]\\nSOURCES: none")
    ('Peter Thomson.', [1, 3])
    """
    answer, _, sources = reply.partition("SOURCES:")
    answer = answer.replace("ANSWER:", "", 1).strip()
    numbers = [int(tok) for tok in re.findall(r"\d+", sources)]
    inline = _INLINE_SOURCES.search(answer)
    if inline:  # "… Sources: [3] and [4]" written into the answer line
        numbers += [int(tok) for tok in re.findall(r"\d+", inline.group(0))]
        answer = answer[: inline.start()].strip()
    numbers += [int(tok) for tok in re.findall(r"\[(\d{1,2})\]", answer)]
    return answer, list(dict.fromkeys(numbers))
