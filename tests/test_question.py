"""Bad questions get a clear message, never a crash."""

from __future__ import annotations

import pytest

from qa.retrieve.question import MAX_CHARS, QuestionError, clean_question


@pytest.mark.parametrize(
    "raw,message",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\x00\x01\x02", "empty"),
        ("?!?!", "no words"),
        ("x" * (MAX_CHARS + 1), "too long"),
        (None, "must be text"),
        (b"bytes", "must be text"),
    ],
)
def test_rejected(raw: object, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        clean_question(raw)


def test_control_characters_and_junk_are_removed() -> None:
    assert clean_question("who\x00 spoke\u200b\x1b[31m first?\ufffd") == "who spoke [31m first?"
    assert clean_question("  a\n\nb  ") == "a b"
