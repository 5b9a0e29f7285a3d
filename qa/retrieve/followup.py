"""Turn a follow-up question into a standalone one, using the conversation so far.

Rule-based on purpose: it is instant, predictable, and right for the usual shapes —
"what about in 2017?", "and two years later?", "what did the second one say about X?".

>>> hist = [{"role": "user", "content": "How many states spoke at the 2014 dialogue?"},
...         {"role": "assistant", "content": "69 Member States."}]
>>> rewrite("what about in 2017?", hist)
'How many states spoke at the 2017 dialogue?'
>>> rewrite("and two years later?", hist)
'How many states spoke at the 2016 dialogue?'
>>> rewrite("the year after?", hist)
'How many states spoke at the 2015 dialogue?'
>>> rewrite("Who moderated the 2016 panel?", hist)
'Who moderated the 2016 panel?'

A follow-up that points back at the previous answer carries what that answer named, and a
corpus' year phrases count as years:

>>> hist = [{"role": "user", "content": "Who moderated the 2014 panel?"},
...         {"role": "assistant", "content": "Mr. Adama Dieng [1]."}]
>>> rewrite("what does he head?", hist)
'what does he head? (Who moderated the 2014 panel? Adama Dieng)'
>>> rewrite("and at the jubilee?", hist, CorpusProfile(year_phrases={"the jubilee": 2017}))
'Who moderated the 2017 panel?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.profile import CorpusProfile
from qa.text.numbers import NUMBER_WORDS, word_value
from qa.text.patterns import YEAR_RE

_RELATIVE = re.compile(
    rf"\b(?:(?P<n>\d+|{NUMBER_WORDS}|a)\s+years?\s+(?P<dir>later|after|on|earlier|before)"
    r"|(?P<next>the\s+(?:following|next)\s+year(?:'s)?|next\s+year(?:'s)?"
    r"|the\s+year\s+(?:after|later)(?:\s+that)?)"
    r"|(?P<prev>the\s+(?:previous|preceding|prior)\s+year(?:'s)?|the\s+year\s+before(?:\s+that)?))\b",
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
# Who or what an earlier answer named: capitalised names, identifiers (--port, cockpit.conf).
_NAMED = re.compile(
    r"(?<![\w-])(?:--?[A-Za-z][\w-]*|[A-Za-z_][\w-]*(?:[._/:][\w-]+)+)"
    r"|\b[A-Z][\w'’-]*[a-z][\w'’-]*(?:\s+(?:[A-Z]\.\s*)*[A-Z][\w'’-]*[a-z][\w'’-]*)*"
)


def _years(text: str, profile: CorpusProfile | None) -> list[int]:
    """Years a text names, as numbers or through the profile's year phrases."""
    found = [int(y) for y in YEAR_RE.findall(text)]
    return list(dict.fromkeys(found + (profile.years_named(text) if profile else [])))


def _without_year_phrases(text: str, profile: CorpusProfile | None) -> str:
    for phrase in profile.year_phrases if profile else {}:
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text, flags=re.I)
    return text


def _last_answer(history: Sequence[Any]) -> str:
    """The first line of the last assistant turn (its answer), without citation markers."""
    for turn in reversed(history):
        if isinstance(turn, dict) and turn.get("role") == "assistant":
            lines = str(turn.get("content", "")).strip().splitlines()
            return re.sub(r"\[\d+\]", "", lines[0]) if lines else ""
        if isinstance(turn, dict) and turn.get("role") == "user":
            return ""
    return ""


def named_in(text: str, limit: int = 4) -> list[str]:
    """What an answer names — people, bodies, identifiers — in order, at most ``limit``.

    >>> named_in("Mr. Adama Dieng, Special Adviser, used --verbose and cockpit.conf.")
    ['Adama Dieng', 'Special Adviser', '--verbose', 'cockpit.conf']
    """
    out: list[str] = []
    for m in _NAMED.finditer(text):
        name = re.sub(r"^(?:Mr|Ms|Mrs|Dr|H\.E)\.?\s+", "", m.group(0)).strip(" .,;:")
        if name in ("Mr", "Ms", "Mrs", "Dr") or len(name) < 2 or name in out:
            continue
        out.append(name)
    return out[:limit]


def _last_user(history: Sequence[Any]) -> str | None:
    """The last user turn's text; malformed turns (not role/content objects) are ignored."""
    for turn in reversed(history):
        if not isinstance(turn, dict):
            continue
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return None


def _shift(question: str, previous_years: list[int], profile: CorpusProfile | None) -> list[int]:
    """Years a follow-up means: named ones, or ones relative to the previous question's."""
    named = _years(question, profile)
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
        delta = int(n) if n.isdigit() else (1 if n == "a" else word_value(n) or 0)
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


def _redated(previous: str, years: list[int], profile: CorpusProfile | None) -> str:
    """The previous question asked of ``years`` instead of its own."""
    prev_years = _years(previous, profile)
    if not prev_years:
        return f"{previous} (in {' and '.join(map(str, years))})"
    mapping = dict(zip(prev_years, years))
    if len(years) > len(prev_years):
        mapping[prev_years[-1]] = years[-1]
    base = YEAR_RE.sub(lambda m: str(mapping.get(int(m.group(1)), m.group(1))), previous)
    for phrase, year in (profile.year_phrases if profile else {}).items():
        if year in mapping:
            pattern = rf"(?<!\w){re.escape(phrase)}(?!\w)"
            base = re.sub(pattern, str(mapping[year]), base, flags=re.I)
    return base


def rewrite(
    question: str, history: Sequence[Any] | None, profile: CorpusProfile | None = None
) -> str:
    """A standalone version of ``question`` (unchanged when there is nothing to lean on).

    Years come as numbers or as the ``profile``'s year phrases (from corpus.toml); a
    follow-up that points back ("what does he head?") also carries what the previous answer
    named, so that retrieval can find it.
    """
    question = question.strip()
    previous = _last_user(history or [])
    if not previous or not is_followup(question):
        return question
    prev_years = _years(previous, profile)
    years = _shift(question, prev_years, profile)
    base = _redated(previous, years, profile) if years else previous
    rest = _RELATIVE.sub(" ", YEAR_RE.sub(" ", _without_year_phrases(question, profile)))
    if not re.sub(r"[\W_]+", " ", _FILLER.sub(" ", rest)).strip():
        return base  # nothing but "what about <year>?": the previous question, re-dated
    if years and not _years(question, profile):
        question = f"{question.rstrip('?').rstrip()} in {' and '.join(map(str, years))}?"
    named = named_in(_last_answer(history or [])) if _ANAPHORA.search(question) else []
    named = [n for n in named if n.lower() not in base.lower()]
    context = f"{base} {'; '.join(named)}" if named else base
    return f"{question} ({context})"
