"""The messages the model reads. The system prompt is fixed for a corpus (its description
comes from the corpus profile), so llama.cpp reuses its cached prefix; the evidence and the
question come after it, the question last and once."""

from __future__ import annotations

import re

from qa.evidence import Source

_INLINE_SOURCES = re.compile(r"\(?\b(?:sources?|see)\b\s*:?\s*\[?\d.*$", re.I)

# No "say NOT IN SOURCES" instruction: with one, this 1.5B model declined half of the
# answerable questions (measured on eval/); abstention is decided by the checks around it.


def system_prompt(description: str = "") -> str:
    """The fixed instructions; ``description`` says what the documents are.

    >>> system_prompt("minutes of a club").startswith("You answer questions about minutes")
    True
    """
    about = description or "a collection of documents"
    return (
        f"You answer questions about {about}, using only the numbered sources you are given. "
        "Answer with the shortest phrase that answers the question, at most 12 words, copying "
        "names and numbers exactly as the sources write them."
    )


def canonical(question: str) -> str:
    """One spelling of a question for the model, so that casing and end punctuation do not
    change the answer.

    >>> canonical("who supported veto restraint in 2016")
    'Who supported veto restraint in 2016?'
    >>> canonical("Who supported veto restraint in 2016 ?!")
    'Who supported veto restraint in 2016?'
    """
    q = " ".join(question.split()).rstrip(" ?!.")
    return (q[:1].upper() + q[1:] + "?") if q else q


def label(source: Source) -> str:
    """``[n] (year)``: the number to cite and the year, which keeps years apart."""
    year = source.hit.passage.year
    return f"[{source.n}] ({year if year is not None else 'undated'})"


def messages(system: str, question: str, sources: list[Source]) -> list[dict[str, str]]:
    """Chat messages: fixed system prompt, then the sources and the question."""
    body = "\n".join(f"{label(s)} {s.text()}" for s in sources)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sources:\n{body}\n\nQuestion: {question}\nAnswer:"},
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
