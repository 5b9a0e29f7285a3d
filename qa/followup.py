"""Turn a follow-up question into a standalone one, using the conversation so far.

Rule-based on purpose: it is instant, predictable, and right for the usual shapes —
"what about in 2017?", "and two years later?", "what did the second one say about X?".

>>> hist = [{"role": "user", "content": "How many states spoke at the 2014 dialogue?"},
...         {"role": "assistant", "content": "69 Member States."}]
>>> rewrite("what about in 2017?", hist)
'How many states spoke at the 2017 dialogue?'
>>> rewrite("and two years later?", hist)
'How many states spoke at the 2016 dialogue?'
>>> rewrite("who chaired it?", hist)
'who chaired it? (How many states spoke at the 2014 dialogue?)'
>>> rewrite("Who moderated the 2016 panel?", hist)
'Who moderated the 2016 panel?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "a": 1}
_RELATIVE = re.compile(
    r"\b(?:(?P<n>\d+|one|two|three|four|five|a)\s+years?\s+(?P<dir>later|after|on|earlier|before)"
    r"|(?P<next>the\s+(?:following|next)\s+year(?:'s)?|next\s+year(?:'s)?)"
    r"|(?P<prev>the\s+(?:previous|preceding)\s+year(?:'s)?|the\s+year\s+before))\b",
    re.I,
)
_OPENERS = re.compile(
    r"^\s*(?:and|but|so|also|what about|how about|and what about|same for)\b", re.I
)
_ANAPHORA = re.compile(
    r"\b(?:he|she|him|her|his|hers|it|its|they|them|their|that|this|those|these|there|"
    r"the (?:first|second|third|last|latter|former|other|same) one|the last one|one)\b",
    re.I,
)
_FILLER = re.compile(
    r"\b(?:and|but|so|also|what|how|about|the|same|for|in|at|of|then|year|years|dialogue|one)\b",
    re.I,
)


def _last_user(history: Sequence[Any]) -> str | None:
    """The last user turn's text; malformed turns (not role/content objects) are ignored."""
    for turn in reversed(history):
        if not isinstance(turn, dict):
            continue
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return None


def _shift(question: str, previous_years: list[int]) -> list[int]:
    """Years a follow-up means: named ones, or ones relative to the previous question's."""
    named = [int(y) for y in _YEAR.findall(question)]
    if named:
        return named
    m = _RELATIVE.search(question)
    if not m or not previous_years:
        return []
    if m.group("next"):
        delta = 1
    elif m.group("prev"):
        delta = -1
    else:
        n = m.group("n").lower()
        delta = int(n) if n.isdigit() else _NUMBERS[n]
        if m.group("dir").lower() in ("earlier", "before"):
            delta = -delta
    return [y + delta for y in previous_years]


def is_followup(question: str) -> bool:
    """Whether a question leans on the conversation (elliptical, anaphoric, or very short)."""
    words = question.split()
    return (
        bool(_OPENERS.match(question))
        or bool(_ANAPHORA.search(question))
        or bool(_RELATIVE.search(question))
        or len(words) <= 3
    )


def rewrite(question: str, history: Sequence[Any] | None) -> str:
    """A standalone version of ``question`` (unchanged when there is nothing to lean on)."""
    question = question.strip()
    previous = _last_user(history or [])
    if not previous or not is_followup(question):
        return question
    prev_years = [int(y) for y in _YEAR.findall(previous)]
    years = _shift(question, prev_years)
    base = previous
    if years and prev_years:
        mapping = dict(zip(prev_years, years))
        if len(years) > len(prev_years):
            mapping[prev_years[-1]] = years[-1]
        base = _YEAR.sub(lambda m: str(mapping.get(int(m.group(1)), m.group(1))), previous)
    elif years:
        base = f"{previous} (in {' and '.join(map(str, years))})"
    rest = _RELATIVE.sub(" ", _YEAR.sub(" ", question))
    if not re.sub(r"[\W_]+", " ", _FILLER.sub(" ", rest)).strip():
        return base  # nothing but "what about <year>?": the previous question, re-dated
    if years and not _YEAR.search(question):
        question = f"{question.rstrip('?').rstrip()} in {' and '.join(map(str, years))}?"
    return f"{question} ({base})"
