"""Does a sentence state a claim? The word-level check every reply's items pass.

A sentence supports a claim when it states every number, name and identifier of the claim
and most of its other content words (weighted by rarity); the best such sentence is the
claim's quote. :mod:`qa.answer.claims` cuts the model's lead into items and asks this of
each; the support judge (:mod:`qa.answer.support`) then decides whether the quote answers.

>>> support("73 Member States spoke", "73 Member States spoke. The EU spoke too.", {})
(1.0, '73 Member States spoke.')
>>> support("75 Member States spoke", "73 Member States spoke. The EU spoke too.", {})
(0.0, '')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.passages import sentence_spans, without_enumerator
from qa.text.fold import fold
from qa.text.numbers import number_words
from qa.text.tokenize import IDENTIFIER, tokenize

MIN_COVERAGE = 0.5

_NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,:]\d+)*(?![\w/])")
_NAME = re.compile(r"(?<!^)(?<![.?!:] )\b[A-Z][\w'’-]*[a-z][\w'’-]*|\b[A-Z]{2,}[a-z]?[A-Z]*\b")
_NEGATIVE = re.compile(
    r"NOT IN SOURCES|\b(?:(?:is|are|was|were) not (?:mentioned|specified|stated|given|provided|"
    r"found|included|available|named|listed|clear)|no (?:information|mention|details?|data)|"
    r"(?:do|does|did) not (?:say|mention|specify|state|provide|name|include|contain|list)|"
    r"cannot be determined|not possible to (?:say|determine)|unknown)\b",
    re.I,
)
# Capitalised words that begin a clause or carry no identity of their own.
_NOT_NAMES = {
    "The", "This", "That", "These", "Those", "It", "In", "On", "At", "And", "But", "He", "She",
    "They", "Member", "States", "State", "Yes", "No", "According", "A", "An", "As", "By",
    "For", "From", "Of", "To", "With", "Several", "Many", "Some", "Most", "All", "Both",
    "Each", "Other", "Others", "Delegations", "Participants", "Speakers", "Countries",
    "Panelists", "There", "During", "After", "Before", "Following", "Among", "Under", "While",
    "Although", "None", "Only", "Overall", "Throughout", "Its", "Their", "His", "Her", "We",
    "You", "I", "Also", "However", "Furthermore", "Additionally", "Then", "When", "Where",
    "Who", "What", "Which", "Why", "How", "NOT", "IN", "SOURCES",
}  # fmt: skip
_FIRST_WORD = re.compile(r"^\W*([A-Z][\w'’-]*[a-z][\w'’-]*)")


@dataclass(frozen=True)
class Claim:
    """A verified claim: its text, the source index it rests on and the supporting quote."""

    text: str
    source: int
    quote: str


def is_negative(draft: str) -> bool:
    """Whether a draft says the sources do not answer."""
    return bool(_NEGATIVE.search(draft))


def number_forms(number: str) -> list[str]:
    """Ways a source may write a number: 8 → 8, eight, eighth. "first" is no form of 1: it
    is as often an order as a count ("the first lines").

    >>> number_forms("8"), number_forms("1"), number_forms("42")
    (['8', 'eight', 'eighth'], ['1', 'one'], ['42', 'forty-two'])
    """
    forms = [number]
    if number.isdigit():
        n = int(number)
        forms += number_words(n)
        forms += number_words(n, ordinal=True)
    return forms


def has_number(number: str, text: str) -> bool:
    """Whether ``text`` states ``number`` (as digits or, for small numbers, in words); a
    part of another number ("10" in "10:00", "10.5" or "2,10"; "forty" in "forty-two")
    does not count.

    >>> has_number("10", "from 10:00 am"), has_number("10", "a 10-day visit, 10.")
    (False, True)
    >>> [has_number(n, "forty-two states") for n in ("40", "2", "42")]
    [False, False, True]
    """
    return any(re.search(_number_pattern(form), text, re.I) for form in number_forms(number))


def _number_pattern(form: str) -> str:
    """``form`` standing alone: not a part of another number; a word form not a part of a
    compound ("forty" or "two" in "forty-two")."""
    word = form.replace("-", "").replace(" ", "").isalpha()
    before, after = (r"(?<!\w-)", r"(?!-[a-z])") if word else ("", "")
    return rf"(?<![\w/])(?<!\d[.,:]){before}{re.escape(form)}(?![\w/])(?![.,:]\d){after}"


def numbers_in(text: str) -> set[str]:
    return {n.rstrip(".,:") for n in _NUMBER.findall(text)}


def identifiers_in(text: str) -> set[str]:
    """Code-like tokens of a text, which a sentence must state literally to back it.

    >>> sorted(identifiers_in("Use -i or --port=9090 in cockpit.conf with diff3, not `ls`"))
    ['--port=9090', '-i', '`ls`', 'cockpit.conf', 'diff3']
    """
    return {m.group(0) for m in IDENTIFIER.finditer(text) if not m.group(0).isdigit()}


def _states_identifier(identifier: str, sentence: str) -> bool:
    literal = identifier.strip("`")
    pattern = rf"(?<![\w-]){re.escape(literal)}(?![\w-])"
    return re.search(pattern, sentence, re.I) is not None


def names_in(text: str) -> set[str]:
    """Capitalised words (and acronyms) that name someone or something."""
    names = set(_NAME.findall(text))
    first = _FIRST_WORD.match(text)
    if first and tokenize([first.group(1)])[0]:  # "Your", "If": stop words name nothing
        names.add(first.group(1))
    stripped = {re.sub(r"['’]s?$", "", n) for n in names}
    return {n for n in stripped if n not in _NOT_NAMES}


def support(
    claim: str,
    passage_text: str,
    idf: dict[str, float],
    question: str = "",
    year: int | None = None,
    sentences: list[str] | None = None,
) -> tuple[float, str]:
    """(coverage of the claim by its best supporting sentence, that sentence).

    A sentence supports the claim only if it states every number, name and identifier
    ("-i", "cockpit.conf") of the claim (the passage's own year counts as stated, and so does
    what the question itself states); among
    those, coverage is the idf-weighted share of the claim's content words it holds, measured
    on what the claim adds to the question — an answer that restates the question must still
    be backed on its new words. A claim that adds nothing (it only repeats the question, and
    so asserts its premise: "X moderated the panel.") must be stated in full by one sentence.
    ``sentences`` are the candidate sentences (default: all of the passage's).
    """
    asked = fold(question)
    numbers = {n for n in numbers_in(claim) - numbers_in(question) if n != str(year)}
    codes = {c for c in identifiers_in(claim) if fold(c.strip("`")) not in asked}
    names = {fold(n) for n in names_in(claim) if fold(n) not in asked}
    names -= {fold(c) for c in codes}
    code_words = set(tokenize([" ".join(codes)])[0])
    terms = set(tokenize([claim])[0]) - {str(year)} - code_words
    new = terms - set(tokenize([question])[0]) if question else terms
    restates = bool(question) and not new and not numbers and not codes
    if new:
        terms = new
    if sentences is None:
        sentences = [passage_text[s:e] for s, e in sentence_spans(passage_text)] or [passage_text]
    # A stated identifier weighs as much as the rarest word: it is the answer's core.
    code_weight = len(codes) * max(idf.values(), default=1.0)
    total = sum(idf.get(t, 1.0) for t in terms) + code_weight
    stems = {n: set(tokenize([n])[0]) for n in names}
    literal = " ".join(claim.split())
    best, quote = 0.0, ""
    for sentence, tokens in zip(sentences, tokenize(sentences)):
        folded = fold(sentence)
        if not all(has_number(n, without_enumerator(sentence)) for n in numbers):
            continue
        if not all(_states_identifier(c, sentence) for c in codes):
            continue
        # A name is stated as written, or in another form of the same word ("Compiles").
        if not all(n in folded or (stems[n] and stems[n] <= set(tokens)) for n in names):
            continue
        if not terms:  # a bare number ("8") or symbol ("//!"): a sentence stating it backs it
            symbolic = (
                len(literal) >= 2
                and bool(re.search(r"[^\w\s]", literal))
                and re.search(rf"(?<!\S){re.escape(literal)}(?!\S)", sentence) is not None
            )
            covered = 1.0 if numbers or codes or symbolic else 0.0
        else:
            covered = (sum(idf.get(t, 1.0) for t in terms & set(tokens)) + code_weight) / total
            if restates and covered < 1.0:
                continue
        if covered > best:
            best, quote = covered, sentence
    return best, quote
