"""The messages the model reads. The system prompt is fixed for a corpus (its description
comes from the corpus profile), so llama.cpp reuses its cached prefix; the evidence and the
question come after it, the question last and once."""

from __future__ import annotations

from qa.evidence.select import Source

# No "say NOT IN SOURCES" instruction: with one, this 1.5B model declined half of the
# answerable questions (measured on eval/); abstention is decided around it, and by asking it
# of one sentence at a time whether that sentence states the answer (:func:`judge_messages`).

# Worked examples for that question, in no corpus' domain: each "No" mentions what is asked
# about without stating what is asked, or states it of something else. They sit in the fixed
# system prompt, whose evaluation is cached: they cost nothing per question.
JUDGE_EXAMPLES = [
    ("The server listens on port 8080 unless the --port option is given.",
     "What port does the server use by default?", "Yes"),
    ("The --timeout option sets how long the client waits for a reply.",
     "What is the default timeout of the client?", "No"),
    ("The meeting was opened by its chair, Ms. Ana Ruiz, who welcomed the delegates.",
     "Who chaired the meeting?", "Yes"),
    ("The library was written by John Smith and is maintained by volunteers.",
     "In which year was the library first released?", "No"),
    ("Forty-two delegations took the floor during the debate.",
     "How many delegations spoke?", "Yes"),
    ("The -r option makes grep search every file under a directory.",
     "Which option makes sed search directories?", "No"),
]  # fmt: skip
JUDGE_ASK = "Does the sentence state the answer to the question?"


def system_prompt(description: str = "") -> str:
    """The fixed instructions for answering; ``description`` says what the documents are.

    >>> system_prompt("minutes of a club").startswith("You answer questions about minutes")
    True
    """
    about = description or "a collection of documents"
    return (
        f"You answer questions about {about}, using only the numbered sources you are given. "
        "Answer with the shortest phrase that answers the question, at most 12 words, copying "
        "names, numbers and options exactly as the sources write them; for a list, name "
        "every item the sources give."
    )


def judge_prompt(description: str = "") -> str:
    """The fixed instructions and worked examples for the support check (a prompt of its
    own: in the answering prompt, its yes/no examples made the model answer "No")."""
    about = description or "a collection of documents"
    examples = "\n\n".join(
        f"Sentence: {sentence}\nQuestion: {question}\n{JUDGE_ASK} {verdict}"
        for sentence, question, verdict in JUDGE_EXAMPLES
    )
    return (
        f"You check whether a sentence from {about} states the answer to a question. Reply "
        "Yes only if the sentence itself gives what the question asks for, for the very thing "
        "the question names; reply No if it only mentions the topic, or answers about "
        f"something else. Reply Yes or No.\n\n{examples}"
    )


def judge_messages(system: str, question: str, sentence: str) -> list[dict]:
    """The messages that ask whether ``sentence`` (read in its section:
    :meth:`qa.records.Passage.read_in_section`) states the answer.

    >>> m = judge_messages("S", "Who chaired it?", "Minutes: Ms. Ruiz chaired it.")
    >>> m[1]["content"].splitlines()[:2]
    ['Sentence: Minutes: Ms. Ruiz chaired it.', 'Question: Who chaired it?']
    """
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sentence: {sentence}\nQuestion: {question}\n{JUDGE_ASK}"},
    ]


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
    """``[n] (year) Section:``: the number, the year (which keeps years apart) and the
    section the sentences stand in, those that are known.

    >>> from qa.records import Hit, Passage
    >>> p = Passage("d#0", "d", "d.html", None, 0, "x", 0, 1, heading="Options › --port")
    >>> label(Source(2, Hit(p, 1.0), [0]))
    '[2] Options › --port:'
    """
    p = source.hit.passage
    year = f" ({p.year})" if p.year is not None else ""
    section = f" {p.heading}:" if p.heading else ""
    return f"[{source.n}]{year}{section}"


def messages(system: str, question: str, sources: list[Source]) -> list[dict[str, str]]:
    """Chat messages: fixed system prompt, then the sources and the question."""
    body = "\n".join(f"{label(s)} {s.text()}" for s in sources)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sources:\n{body}\n\nQuestion: {question}\nAnswer:"},
    ]
