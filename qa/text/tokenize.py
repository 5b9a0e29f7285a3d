"""The one tokenizer BM25 uses for passages and questions alike.

Lower-cased word tokens, English stop words and question words removed, Snowball-stemmed;
then each identifier whole ("-b", "--horizon-lines", "cockpit.conf").
(A corpus' own synonyms are its profile's aliases, added to the question: see qa/profile.py.)

>>> tokenize(["Who supported the veto initiatives?"])
[['support', 'veto', 'initi']]
"""

from __future__ import annotations

import re
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


# Code-like tokens: options (-i, --port=N), dotted or slashed names (cockpit.conf, /etc/x),
# names with digits (diff3, GPLv3), snake_case, and `quoted code`.
IDENTIFIER = re.compile(
    r"(?<![\w-])(?:--?[A-Za-z][\w-]*(?:=[\w.-]+)?|[A-Za-z_][\w-]*(?:[._/:][\w-]+)+"
    r"|[A-Za-z_]+\d\w*|\w*_\w+)|`[^`]+`"
)
_OPTION_VALUE = re.compile(r"=.*$")


def identifier_tokens(text: str) -> list[str]:
    """Each identifier of ``text`` as one token, lower-cased, an option without its value:
    "-b" and "--horizon-lines=N" are words of their own, which the word tokenizer drops
    ("b" is too short) or splits ("horizon", "lines").

    >>> identifier_tokens("Use -b or --horizon-lines=5 in cockpit.conf, not diff3.")
    ['-b', '--horizon-lines', 'cockpit.conf', 'diff3']
    """
    out = []
    for m in IDENTIFIER.finditer(text):
        token = _OPTION_VALUE.sub("", m.group(0).strip("`").lower()).rstrip(".:")
        if len(token) > 1 and not token.isdigit():
            out.append(token)
    return out


def tokenize(texts: list[str]) -> list[list[str]]:
    """Token lists, one per text: stemmed words, then the text's identifiers whole."""
    tokens = bm25s.tokenize(
        [t.lower() for t in texts],
        stopwords=_stopwords(),
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )
    return [list(t) + identifier_tokens(text) for t, text in zip(tokens, texts)]
