"""Checks made before the model is asked: can the corpus answer this at all, as asked?

Three cheap, exact signals that the small model cannot be trusted with (it was seen inventing
a cited answer to a question the passages did not cover):

- the question asks about a dialogue in a year the corpus does not cover;
- it names someone or something that appears nowhere in the corpus;
- it names something that the corpus mentions, but never for the year the question asks
  about (a false premise about the year) — then the answer corrects it, citing where it does
  appear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from qa.evidence.select import COMMON_IDF
from qa.profile import CorpusProfile
from qa.text.fold import fold
from qa.text.tokenize import tokenize

_DIALOGUE = re.compile(r"\b(dialogues?|meetings?|sessions?|debates?|event|summit)\b", re.I)
_WORD = r"[A-Z][A-Za-z0-9-]*[a-z][A-Za-z0-9-]*"  # "GA's" is no name; "China's" is "China"
_RELEASE = re.compile(r"(?<=[a-z])v?\d+(?:\.\d+)*$")  # "gplv3" is "gpl", version 3
# A run of capitalised words after the first word: "Kofi Annan", "Trusteeship Council Chamber".
_NAME = re.compile(rf"(?<!^)(?<![.?!] )\b{_WORD}(?:\s+{_WORD})*")


def coverage_note(years: list[int], kinds: list[str], profile: CorpusProfile | None = None) -> str:
    """One sentence on what the corpus covers, from its profile and the index.

    >>> coverage_note([2014, 2016], ["letter"], CorpusProfile(description="club minutes"))
    'The corpus holds club minutes, of 2014 and 2016 (letter).'
    """
    about = (profile.description if profile else "") or "documents"
    kinds_part = f" ({', '.join(sorted(set(kinds)))})" if kinds else ""
    if not years:
        return f"The corpus holds {about}{kinds_part}."
    listed = ", ".join(map(str, years[:-1])) + (" and " if len(years) > 1 else "")
    return f"The corpus holds {about}, of {listed}{years[-1]}{kinds_part}."


def _generic(word: str, idf: dict[str, float]) -> bool:
    """A word found all over the corpus ("General", "Assembly") identifies nothing."""
    tokens = tokenize([word])[0]
    return not tokens or all(idf.get(t, 99.0) < COMMON_IDF for t in tokens)


def uncovered_year(question: str, covered: list[int], other: list[int]) -> str | None:
    """The uncovered year the question asks about as a dialogue year, if any."""
    if other and not covered and _DIALOGUE.search(question):
        return ", ".join(map(str, other))
    return None


def _rare_tokens(name: str, idf: dict[str, float]) -> set[str]:
    """The BM25 tokens of a name's words that identify something (generic words left out)."""
    return set(tokenize([" ".join(w for w in name.split() if not _generic(w, idf))])[0])


def unknown_names(question: str, vocabulary: AbstractSet[str], idf: dict[str, float]) -> list[str]:
    """Capitalised names in the question that occur nowhere in the corpus (a name with a
    release number, "GPLv3", is known when its stem is).

    >>> unknown_names("Does the GPLv3 or Zorblax allow it?", {"gpl", "allow"}, {})
    ['Zorblax']
    """
    missing = []
    for name in _NAME.findall(question):
        name = re.sub(r"['’]s?$", "", name)
        parts = [p for p in re.split(r"[\s'’-]+", name) if len(p) > 1]
        parts = [fold(p) for p in parts if not _generic(p, idf)]
        known = [p in vocabulary or _RELEASE.sub("", p) in vocabulary for p in parts]
        # Unknown when the last word (a surname) or every word is absent: "Ed Luck" is known
        # (as Edward Luck), "Kofi Annan" is not.
        if parts and (not known[-1] or not any(known)):
            missing.append(name)
    return missing


def misplaced_names(
    question: str,
    years: list[int],
    year_tokens: Mapping[int, AbstractSet[str]],
    idf: dict[str, float],
    profile: CorpusProfile | None = None,
) -> list[tuple[str, list[int]]]:
    """Names the question ties to ``years`` that the corpus mentions only for other years
    (under any of their spellings in the profile's aliases)."""
    if not years:
        return []
    out = []
    for name in _NAME.findall(question):
        spellings = profile.spellings(name) if profile else [name]
        forms = [t for t in (_rare_tokens(s, idf) for s in spellings) if t]
        if not forms:
            continue
        inside = any(t <= year_tokens.get(y, frozenset()) for t in forms for y in years)
        elsewhere = [y for y, toks in sorted(year_tokens.items()) if any(t <= toks for t in forms)]
        if not inside and elsewhere:
            out.append((name, elsewhere))
    return out
