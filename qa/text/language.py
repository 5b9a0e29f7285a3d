"""Which languages a corpus is written in, and whether a question is asked in another one.

Retrieval matches the question's words and an English-trained embedding against the
passages; a question in another language finds passages by accident (a French "modérateur"
matches no "moderator"), and the model then names whoever the accident found. So a question
confidently in a language the corpus is not written in, most of whose words the corpus never
uses, is answered with a request to ask in the corpus' language instead of a guess.

Language identification is py3langid's (its model ships in the package); names come from
pycountry.

>>> foreign("Qui était le modérateur du dialogue de 2014 ?", {"en"}, {"dialogue", "the"})
'French'
>>> foreign("Who moderated the 2014 dialogue?", {"en"}, {"dialogue", "the"}) is None
True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import TypeVar

import pycountry
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from qa.text.fold import fold

# A question is foreign when identified at least this surely as another language...
MIN_CONFIDENCE = 0.7
# ...among the widely written languages (a keyword query, identified among all 97, is too
# often a near-miss: "Burkina Faso Niger Nigeria" reads as Nigerian Pidgin)...
WIDELY_WRITTEN = [
    "ar", "bn", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu", "id",
    "it", "ja", "ko", "ms", "nl", "no", "pl", "pt", "ro", "ru", "sv", "sw", "ta", "th", "tr",
    "uk", "ur", "vi", "zh",
]  # fmt: skip
# ...and it has at least this many words in lower case (names say little of a language),
MIN_WORDS = 3
# ...fewer than this share of which occur anywhere in the corpus, and the corpus' own
# languages all but ruled out (an English keyword query keeps some English in the running).
MAX_KNOWN_WORDS = 0.5
MAX_OWN = 0.01
# A language is the corpus' own when at least this share of sampled passages is in it.
MIN_SHARE = 0.1
_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...] = ()) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:
        identifier.set_languages(list(languages))
    return identifier


def identify(text: str, among: tuple[str, ...] = ()) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of ``text``'s language, among ``among`` (or all 97)."""
    code, probability = _identifier(among).classify(text)
    return code, float(probability)


def name(code: str) -> str:
    """The English name of a language code ("fr" → "French")."""
    found = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
    return found.name.split(" (")[0] if found else code


T = TypeVar("T")
SAMPLE = 200  # texts a corpus' languages are judged on


def even_sample(items: Sequence[T], n: int = SAMPLE) -> Sequence[T]:
    """Every k-th item, about ``n`` in all (all of them when there are fewer).

    >>> even_sample(list(range(10)), 4)
    [0, 2, 4, 6, 8]
    """
    return items[:: max(1, len(items) // n)]


def corpus_languages(texts: Sequence[str], sample: int = SAMPLE) -> set[str]:
    """The languages at least ``MIN_SHARE`` of (an even sample of) ``texts`` are in."""
    picked = [t for t in even_sample(texts, sample) if _WORD.search(t)]
    counts = Counter(identify(t)[0] for t in picked)
    return {code for code, n in counts.items() if n >= MIN_SHARE * len(picked)}


def foreign(question: str, languages: AbstractSet[str], vocabulary: AbstractSet[str]) -> str | None:
    """The name of the question's language when it is surely not one of ``languages`` and
    the corpus' ``vocabulary`` (words as :func:`qa.text.fold.fold` leaves them) holds few of its
    words; else None."""
    if not languages:
        return None
    words = [w for w in _WORD.findall(question) if not w[0].isupper()]
    if len(words) < MIN_WORDS:
        return None
    ranked = dict(_identifier(tuple(sorted({*WIDELY_WRITTEN, *languages}))).rank(question))
    code = max(ranked, key=ranked.__getitem__)
    own = sum(ranked.get(language, 0.0) for language in languages)
    if code in languages or ranked[code] < MIN_CONFIDENCE or own >= MAX_OWN:
        return None
    known = sum(fold(w) in vocabulary for w in words)
    if known >= MAX_KNOWN_WORDS * len(words):
        return None
    return name(code)
