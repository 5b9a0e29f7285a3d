"""The one tokenizer BM25 uses for passages and questions alike.

Lower-cased word tokens, English stop words and question words removed, Snowball-stemmed.
(A corpus' own synonyms are its profile's aliases, added to the question: see qa/profile.py.)

>>> tokenize(["Who supported the veto initiatives?"])
[['support', 'veto', 'initi']]
"""

from __future__ import annotations

from functools import lru_cache

import bm25s
import Stemmer

# Question words carry no topic; bm25s' English list keeps them.
_QUESTION_WORDS = ["who", "whom", "whose", "what", "which", "when", "where", "why", "how"]


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(set(STOPWORDS_EN) | set(_QUESTION_WORDS))


def tokenize(texts: list[str]) -> list[list[str]]:
    """Token lists, one per text."""
    tokens = bm25s.tokenize(
        [t.lower() for t in texts],
        stopwords=_stopwords(),
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )
    return [list(t) for t in tokens]
