"""What a reader makes of one file: :class:`Extracted`, or :class:`Unreadable` and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Unreadable(ValueError):
    """A file whose text cannot be extracted (the message is the one-line reason)."""


@dataclass(frozen=True)
class Extracted:
    """A file's readable text, its format, what it says about itself, its page starts and
    its headings.

    ``pages[i]`` is the offset in ``text`` where page ``i + 1`` begins (empty: not paged).
    ``headings`` are ``(offset, level, title)``: where a heading of that level (1 = top)
    stands in ``text``; a passage's heading path is read from them.
    """

    text: str
    format: str
    meta: dict[str, Any] = field(default_factory=dict)
    pages: tuple[int, ...] = ()
    headings: tuple[tuple[int, int, str], ...] = ()
