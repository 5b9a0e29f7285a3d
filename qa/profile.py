"""What a corpus says about itself: the optional ``corpus.toml`` in the corpus folder.

Knowledge about one corpus lives here as data, never in the prompt, retriever or verifier:
a one-line description the prompt and the "not in the corpus" note use, spellings that mean
the same thing (aliases), phrases that name a year ("the jubilee"), the app's title
and example questions, phrases that tell a kind of document ("minutes" → "minutes of a
meeting"), and per-file metadata (``[documents."a.pdf"]`` title, kind, year, version).
Every field is optional; a folder without the file gets a neutral profile.

>>> p = CorpusProfile(aliases=[["AGM", "annual meeting"]], year_phrases={"the jubilee": 2017})
>>> p.expand("Who chaired the AGM at the jubilee?")
'Who chaired the AGM at the jubilee? (annual meeting)'
>>> p.years_named("what happened at The Jubilee?")
[2017]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import UserError

FILE = "corpus.toml"


class ProfileError(UserError, ValueError):
    """The corpus folder's ``corpus.toml`` cannot be read."""


@dataclass(frozen=True)
class CorpusProfile:
    """The corpus' own settings (see corpus/corpus.toml for a documented example)."""

    title: str = "qa"
    description: str = ""
    examples: list[str] = field(default_factory=list)
    aliases: list[list[str]] = field(default_factory=list)
    year_phrases: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def expand(self, question: str) -> str:
        """The question with the other spellings of any alias it uses appended, so that
        every ranker sees them; the model still reads the question as asked."""
        extra: list[str] = []
        for group in self.aliases:
            if any(_mentions(question, term) for term in group):
                extra += [t for t in group if not _mentions(question, t) and t not in extra]
        return f"{question} ({', '.join(extra)})" if extra else question

    def spellings(self, term: str) -> list[str]:
        """Every spelling of ``term``: its alias group, or the term alone.

        >>> CorpusProfile(aliases=[["AGM", "annual meeting"]]).spellings("agm")
        ['AGM', 'annual meeting']
        """
        for group in self.aliases:
            if any(t.lower() == term.lower() for t in group):
                return list(group)
        return [term]

    def years_named(self, question: str) -> list[int]:
        """Years the question names through one of the corpus' year phrases."""
        return [year for phrase, year in self.year_phrases.items() if _mentions(question, phrase)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CorpusProfile:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            profile = cls(**known)
            profile = cls(
                title=str(profile.title),
                description=str(profile.description).strip(),
                examples=[str(e) for e in profile.examples],
                aliases=[[str(t) for t in group] for group in profile.aliases],
                year_phrases={str(k): int(v) for k, v in profile.year_phrases.items()},
                kinds={str(k): [str(p) for p in v] for k, v in profile.kinds.items()},
                documents={str(k): dict(v) for k, v in profile.documents.items()},
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"{FILE}: a field has the wrong type ({exc})") from None
        return profile


def _mentions(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I) is not None


def profile_bytes(folder: Path) -> bytes:
    """The raw ``corpus.toml`` (empty when absent): part of the corpus' content hash."""
    path = Path(folder) / FILE
    return path.read_bytes() if path.is_file() else b""


def load_profile(folder: Path) -> CorpusProfile:
    """The profile of a corpus folder; ProfileError names a malformed file."""
    raw = profile_bytes(folder)
    if not raw:
        return CorpusProfile()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{Path(folder) / FILE}: not valid TOML ({exc})") from None
    return CorpusProfile.from_dict(data)
