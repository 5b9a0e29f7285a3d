"""The one tokenizer BM25 uses for passages and questions alike.

Lower-cased word tokens, English stop words removed, Snowball-stemmed; the corpus' spellings
of the principle (R2P, RtoP) are folded together.

>>> tokenize(["Who supported the R2P initiatives?"])
[['support', 'rtop', 'initi']]
"""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
import Stemmer

# Spellings folded to one token before stemming.
_ALIASES = {"r2p": "rtop"}
_ALIAS_RE = re.compile(r"\b(?:" + "|".join(_ALIASES) + r")\b")
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
    lowered = [t.lower() for t in texts]
    folded = [_ALIAS_RE.sub(lambda m: _ALIASES[m.group(0)], t) for t in lowered]
    tokens = bm25s.tokenize(
        folded, stopwords=_stopwords(), stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]
