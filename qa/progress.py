"""Progress on long work, in any output: a live bar on a terminal, a line now and then elsewhere.

A log file or a pipe cannot redraw a bar, and a bar written there is one endless line; so when
stderr is not a terminal the same tqdm counter writes plain lines through the caller's ``log``,
at most one per ``every`` seconds and one per twentieth of the work.

>>> lines = []
>>> with steps(40, "embedding", "texts", log=lines.append, every=0, tty=False) as bar:
...     for _ in range(4):
...         _ = bar.update(10)
>>> lines[-1]
'embedding: 40/40 texts (100 %), 00:00 so far, ~00:00 left'
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")
LINE = (
    "{desc}: {n_fmt}/{total_fmt} {unit} ({percentage:.0f} %), {elapsed} so far, ~{remaining} left"
)


class Steps(tqdm):
    """tqdm that, used as a context manager, leaves no final status when the work failed:
    the error is the last line."""

    def __exit__(self, exc_type, exc_value, traceback):  # type: ignore[no-untyped-def]
        if exc_type is not None:
            self.leave = False
        return super().__exit__(exc_type, exc_value, traceback)

    def update(self, n: float = 1) -> bool | None:
        """Count ``n`` more, never past the total (shares of a whole add up to a hair more)."""
        if self.total is not None:
            n = min(n, self.total - self.n)
        return super().update(n)

    def wrap(self, items: list[T]) -> Iterator[T]:
        """Each of ``items``, counted as it is done; closes the counter at the end."""
        with self:
            for item in items:
                yield item
                self.update(1)


class _Lines:
    """A file-like target for tqdm that hands each status it draws to ``log`` as one line."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.last = ""

    def write(self, text: str) -> None:
        text = text.strip("\r\n ")
        if text and text != self.last:
            self.last = text
            self.log(text)

    def flush(self) -> None:
        pass


def steps(
    total: float,
    desc: str,
    unit: str,
    log: Callable[[str], None] = print,
    show: bool = True,
    every: float = 5.0,
    scale: bool = False,
    tty: bool | None = None,
) -> Steps:
    """A tqdm counter of ``total`` units: a bar on a terminal, else lines through ``log``
    (one per twentieth of the work, at most one each ``every`` seconds, none in the first
    ``every``). ``scale`` writes large counts with SI prefixes (bytes: "2.10M").

    ``tty`` defaults to whether stderr is a terminal; ``show=False`` shows nothing.
    """
    tty = sys.stderr.isatty() if tty is None else tty
    common = {"total": total, "desc": desc, "unit": unit, "unit_scale": scale}
    if not show or tty:
        return Steps(**common, disable=not show)
    return Steps(
        **common, file=_Lines(log), bar_format=LINE, miniters=max(1, total // 20),
        mininterval=every, delay=every, maxinterval=float("inf"),  # no monitor-thread lines
    )  # fmt: skip
