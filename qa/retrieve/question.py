"""Validate and tidy a user's question before anything else sees it.

>>> clean_question("  who\\x00 spoke\\tfirst?\\n")
'who spoke first?'
>>> clean_question("   ")
Traceback (most recent call last):
...
qa.retrieve.question.QuestionError: the question is empty
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


class QuestionError(ValueError):
    """The question cannot be used (empty, too long, or not text)."""


def clean_question(text: object, max_chars: int = MAX_CHARS) -> str:
    """The question with control characters removed and white space folded."""
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = text.replace("\ufffd", " ")
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is too long ({len(text):,} characters; the limit is {max_chars:,})"
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("the question has no words in it")
    return text
