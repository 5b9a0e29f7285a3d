"""Numbers written as words, from one source (num2words): a number given in digits is
matched to a text that spells it, and a spelt number is read back.

Words are made for 0 to 100 (beyond that, texts write digits), cardinals and ordinals;
"hundred" alone counts as 100.

>>> number_words(42), number_words(8, ordinal=True), number_words(100)
(['forty-two'], ['eighth'], ['one hundred', 'hundred'])
>>> word_value("Forty-two"), word_value("twenty first"), word_value("walk")
(42, None, None)
>>> re.fullmatch(NUMBER_WORDS, "forty-two", re.I) is not None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

LARGEST = 100


@lru_cache(maxsize=1)
def _cardinals() -> dict[str, int]:
    """Word → value, 0 to 100, lower case."""
    table = {num2words(n): n for n in range(LARGEST + 1)}
    table["hundred"] = 100
    return table


def number_words(n: int, ordinal: bool = False) -> list[str]:
    """How a text may spell ``n`` (none above 100 or below 0)."""
    if not 0 <= n <= LARGEST:
        return []
    if ordinal:
        return [num2words(n, to="ordinal")]
    return [word for word, value in _cardinals().items() if value == n]


def word_value(word: str) -> int | None:
    """The number a cardinal word spells (None: it spells none)."""
    return _cardinals().get(word.lower())


# Any cardinal word, longest first so that "forty-two" is matched whole.
NUMBER_WORDS = "|".join(sorted(map(re.escape, _cardinals()), key=len, reverse=True))
