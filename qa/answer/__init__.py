"""Question in, quote-backed answer out: :class:`Answerer` (``answerer.py``) runs the stages,
``plan.py`` holds the records they pass on, ``fallback.py`` the replies that do not rest on
the model's lead."""

from __future__ import annotations

from qa.answer.answerer import Answerer
from qa.answer.plan import Event, Part, Plan, single_year

__all__ = ["Answerer", "Event", "Part", "Plan", "single_year"]
