"""What a question names and asks for: the years and versions it names, and the shape of the
answer it wants (a person for "who", a number for "how many", a date for "when").

>>> parse_years("Compare the 2014 and 2017 themes", [2014, 2016, 2017])
([2014, 2017], [])
>>> profile = CorpusProfile(year_phrases={"the jubilee": 2017})
>>> parse_years("What happened at the jubilee? And in 2015?", [2014, 2016, 2017], profile)
([2017], [2015])
"""

from __future__ import annotations

import re

from qa.ingest.facets import VERSION
from qa.profile import CorpusProfile
from qa.text.numbers import NUMBER_WORDS
from qa.text.patterns import MONTHS, YEAR, YEAR_RE

# What kind of answer a question asks for, and what such an answer looks like in a passage.
ANSWER_TYPES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"\bwho(?:m|se)?\b", re.I),
        re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Drs|H\.E)\.?\s+[A-Z]"),
    ),
    (
        re.compile(r"\bhow (?:many|much|big|large|long)\b|\bnumber of\b", re.I),
        re.compile(
            rf"\b(?!{YEAR}\b)\d+\b|\b(?:{NUMBER_WORDS})\b",
            re.I,
        ),
    ),
    (
        re.compile(r"\bwhen\b|\bwhat (?:date|day|time)s?\b|\bwhich (?:date|day)s?\b", re.I),
        re.compile(
            rf"\b\d{{1,2}}:\d\d\b|\b\d{{1,2}}\s+(?:{MONTHS})\b|\b(?:Monday|Tuesday|Wednesday|"
            r"Thursday|Friday|Saturday|Sunday)\b"
        ),
    ),
]


def answer_shape(question: str) -> re.Pattern[str] | None:
    """What the answer to ``question`` looks like in a text (a person for "who", a number
    for "how many", a date for "when"), or None when the question does not say.

    >>> bool(answer_shape("how many States spoke?").search("69 Member States"))
    True
    """
    return next((shape for asks, shape in ANSWER_TYPES if asks.search(question)), None)


# Capitalised words after the first: names of people, states, bodies and initiatives.
NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*[a-z][\w'’-]*")


def parse_years(
    question: str, corpus_years: list[int], profile: CorpusProfile | None = None
) -> tuple[list[int], list[int]]:
    """(years named that the corpus covers, years named that it does not), in order."""
    named: list[int] = [int(y) for y in YEAR_RE.findall(question)]
    named += profile.years_named(question) if profile else []
    ordered = list(dict.fromkeys(named))
    covered = [y for y in ordered if y in corpus_years]
    return covered, [y for y in ordered if y not in corpus_years]


def _release(version: str) -> tuple[int, ...]:
    """'2.0' → (2,): trailing zeros do not change a release number."""
    parts = [int(x) for x in re.findall(r"\d+", version)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def parse_versions(question: str, versions: list[str]) -> list[str]:
    """The documents' versions that ``question`` names ("version 2", "v3.2", "release 4.19").

    >>> parse_versions("What does version 2 of the licence say?", ["2.0", "3", "0.21"])
    ['2.0']
    >>> parse_versions("What is new?", ["2.0"])
    []
    """
    named = {_release(v) for v in VERSION.findall(question)}
    return [v for v in versions if _release(v) in named]
