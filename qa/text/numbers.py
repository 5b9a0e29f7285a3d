"""Numbers written as words, from one source (num2words): a number given in digits is
matched to a text that spells it, and a spelt number is read back.

Cardinals are made for 0 to 100 (beyond that, texts write digits); ordinals for 2 to 10
only: "the third time" counts, while a large ordinal names an edition or an anniversary
("the fiftieth anniversary"), not a count. "hundred" alone counts as 100.

>>> number_words(42), number_words(8, ordinal=True), number_words(42, ordinal=True)
(['forty-two'], ['eighth'], [])
>>> number_words(100)
['one hundred', 'hundred']
>>> word_value("Forty-two"), word_value("twenty first"), word_value("walk")
(42, None, None)
>>> import re
>>> [w for w in ("forty-two", "nineteen", "one hundred", "fortyish")
...  if re.fullmatch(NUMBER_WORDS, w, re.I)]
['forty-two', 'nineteen', 'one hundred']
"""

from __future__ import annotations

from functools import lru_cache

from num2words import num2words

LARGEST = 100
LARGEST_ORDINAL = 10


@lru_cache(maxsize=1)
def _cardinals() -> dict[str, int]:
    """Word → value, 0 to 100, lower case."""
    table = {num2words(n): n for n in range(LARGEST + 1)}
    table["hundred"] = 100
    return table


def number_words(n: int, ordinal: bool = False) -> list[str]:
    """How a text may spell ``n`` (none outside the ranges above)."""
    if ordinal:
        return [num2words(n, to="ordinal")] if 1 < n <= LARGEST_ORDINAL else []
    return [word for word, value in _cardinals().items() if value == n]


def word_value(word: str) -> int | None:
    """The number a cardinal word spells (None: it spells none)."""
    return _cardinals().get(word.lower())


def _pattern() -> str:
    """Every cardinal word as one compact expression (tens with an optional unit, then
    zero to nineteen, then the hundred) behind a guard on the first letter: it is run over
    every passage when an index is loaded, and a list of 102 alternatives tried at every
    word took 4.7 times as long as the old 15-word list (the guard makes it faster)."""
    units = "|".join(num2words(n) for n in range(1, 10))
    small = "|".join(num2words(n) for n in range(20))
    tens = "|".join(num2words(n) for n in range(20, 100, 10))
    first = "".join(sorted({w[0] for w in _cardinals()}))
    return rf"(?=[{first}])(?:(?:{tens})(?:-(?:{units}))?|(?:{small})|(?:one )?hundred)"


# Any cardinal word, 0 to 100 (case as the caller's flags say).
NUMBER_WORDS = _pattern()
