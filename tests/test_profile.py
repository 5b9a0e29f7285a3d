"""The corpus profile: what a corpus folder's corpus.toml says, and how a bad one is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.profile import CorpusProfile, ProfileError, load_profile
from qa.settings import PROJECT_ROOT


def test_missing_file_gives_a_neutral_profile(tmp_path: Path) -> None:
    assert load_profile(tmp_path) == CorpusProfile()


def test_fields_are_read(tmp_path: Path) -> None:
    (tmp_path / "corpus.toml").write_text(
        'title = "Club"\ndescription = "minutes"\naliases = [["AGM", "annual meeting"]]\n'
        '[year_phrases]\n"the jubilee" = 2020\n'
    )
    profile = load_profile(tmp_path)
    assert (profile.title, profile.description) == ("Club", "minutes")
    assert profile.expand("When was the AGM?") == "When was the AGM? (annual meeting)"
    assert profile.expand("When was the annual meeting?") == "When was the annual meeting? (AGM)"
    assert profile.expand("When was the agmx?") == "When was the agmx?"  # whole words only
    assert profile.years_named("what happened at The Jubilee?") == [2020]


@pytest.mark.parametrize(
    "text,message",
    [("title = ", "not valid TOML"), ("year_phrases = 3", "wrong type"), (b"\xff\xfe", "TOML")],
)
def test_bad_file_is_named(tmp_path: Path, text: str | bytes, message: str) -> None:
    path = tmp_path / "corpus.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ProfileError, match=message):
        load_profile(tmp_path)


def test_shipped_corpus_knowledge_lives_in_its_profile() -> None:
    profile = load_profile(PROJECT_ROOT / "corpus")
    assert "Responsibility to Protect" in profile.description
    assert profile.years_named("at the 71st session") == [2017]
    assert "RtoP" in profile.expand("who backed R2P?")


# Every module of the package (the profile's own reader and settings excepted) and the app.
ANSWERING_PATH = sorted(
    str(p.relative_to(PROJECT_ROOT))
    for p in [*(PROJECT_ROOT / "qa").rglob("*.py"), PROJECT_ROOT / "app.py"]
    if p.name not in ("profile.py", "settings.py")
)
assert "qa/answer/answerer.py" in ANSWERING_PATH and "qa/generate/remote.py" in ANSWERING_PATH


@pytest.mark.parametrize("path", ANSWERING_PATH)
def test_no_corpus_knowledge_in_the_answering_path(path: str) -> None:
    import re

    text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    found = re.findall(
        r"R2P|RtoP|Responsibility to Protect|General Assembly|United Nations|\b\d\d(?:st|nd|th)"
        r" session|sixty-|seventieth|seventy-",
        text,
        re.I,
    )
    assert not found, f"{path} mentions {sorted(set(found))}: that belongs in corpus.toml"
