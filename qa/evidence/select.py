"""Pick the few sentences of the retrieved passages that the model gets to read.

Prompt length is the latency on a 2-core CPU, so the model sees only the best-scoring
sentences of the retrieved passages within a word budget, grouped by passage in reading order,
the passage with the best sentence first. (A comparison gets one selection per year, so every
year stays represented.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from qa.ingest.passages import without_enumerator
from qa.records import Hit
from qa.retrieve.query import NAME, answer_shape
from qa.text.patterns import YEAR
from qa.text.tokenize import IDENTIFIER, tokenize

COMMON_IDF = 1.3  # idf below this: in more than about a quarter of the passages

_YEAR = re.compile(YEAR)


@dataclass(frozen=True)
class Source:
    """One numbered source in the prompt: a passage and the sentences shown of it."""

    n: int
    hit: Hit
    sentences: list[int]  # indexes into hit.passage.sentence_texts(), in order
    best: int = 0  # the best-scoring of them
    best_score: float = 0.0

    def sentence_list(self) -> list[str]:
        """The sentences shown, in reading order (without paragraph numbers, which the model
        took for answers: "how many States spoke?" → "6")."""
        texts = self.hit.passage.sentence_texts()
        return [without_enumerator(texts[i]) for i in self.sentences]

    def best_sentence(self) -> str:
        return without_enumerator(self.hit.passage.sentence_texts()[self.best])

    def text(self) -> str:
        texts = [without_enumerator(t) for t in self.hit.passage.sentence_texts()]
        parts: list[str] = []
        last = None
        for i in self.sentences:
            if last is not None and i != last + 1:
                parts.append("…")
            parts.append(texts[i])
            last = i
        return " ".join(parts)


_WORD = re.compile(r"[^\W\d_]{2,}")


def states_something(sentence: str) -> bool:
    """Whether a sentence can be evidence: it has at least three words of letters and is
    mostly words — not a bare number or label ("7.5.", "Chapter 3"), not a row of an index
    or table of contents ("| | options: | | diff3 Options | |").

    >>> [states_something(s) for s in ("7.5.", "Summary 6.", "| | a: | | b c | | d |",
    ...                                 "The fee is 5 euros.")]
    [False, False, False, True]
    """
    words = _WORD.findall(sentence)
    tokens = sentence.split()
    return len(words) >= 3 and len(words) >= 0.6 * len(tokens)


def sentence_relevance(question: str, sentences: list[str], idf: dict[str, float]) -> np.ndarray:
    """Share of the question's (idf-weighted) terms each sentence contains; years are left
    out (the year filter has used them, and every boilerplate line names its year)."""
    q_terms = {t for t in tokenize([question])[0] if not _YEAR.fullmatch(t)}
    total = sum(idf.get(t, 1.0) for t in q_terms) or 1.0
    scores = []
    for tokens in tokenize(sentences):
        shared = q_terms & set(tokens)
        scores.append(sum(idf.get(t, 1.0) for t in shared) / total)
    return np.array(scores)


def sentence_scores(
    question: str, hits: list[Hit], dense: list[np.ndarray], idf: dict[str, float],
    shape_boost: float = 0.0,
) -> list[np.ndarray]:  # fmt: skip
    """Each sentence's score: its vector similarity to the question plus its share of the
    question's terms, plus ``shape_boost`` when it holds the kind of answer asked for."""
    shape = answer_shape(question)
    out = []
    for hit, sims in zip(hits, dense):
        texts = hit.passage.sentence_texts()
        score = np.asarray(sims[: len(texts)], dtype=float) + sentence_relevance(
            question, texts, idf
        )
        if shape is not None and shape_boost:
            holds = [bool(shape.search(without_enumerator(t))) for t in texts]
            score = score + shape_boost * np.array(holds)
        out.append(score)
    return out


def select_sources(
    question: str,
    hits: list[Hit],
    dense: list[np.ndarray],
    idf: dict[str, float],
    budget_words: int,
    first: int = 1,
    shape_boost: float = 0.0,
    every_passage: bool = True,
    neighbours: int = 0,
    anchors: list[str] | None = None,
) -> list[Source]:
    """Sources [first..] with the sentences to show, within ``budget_words``; the source
    with the best sentence comes first.

    ``dense[i]`` holds the question's similarity to each sentence of ``hits[i]``. With
    ``every_passage`` each passage's best sentence is taken before any second sentence.
    ``anchors`` are what the question names (options, programs, people): the best sentence
    that mentions each is taken right after the best sentence of all, so both sides of
    "how does -b differ from -w?" are shown.
    """
    scores = sentence_scores(question, hits, dense, idf, shape_boost)
    candidates: list[tuple[float, int, int, int]] = []  # (score, hit, sentence, words)
    for h, hit in enumerate(hits):
        for s, text in enumerate(hit.passage.sentence_texts()):
            if states_something(text):
                candidates.append((float(scores[h][s]), h, s, len(text.split())))
    chosen: dict[int, set[int]] = {h: set() for h in range(len(hits))}
    used = 0
    best_each = {}
    for c in sorted(candidates, reverse=True):
        best_each.setdefault(c[1], c)
    order = [best_each[h] for h in sorted(best_each)] if every_passage else []
    order += sorted((c for c in candidates if c not in order), reverse=True)
    if neighbours and order:  # the sentences after the best one often finish its thought
        top = order[0]
        after = [c for c in candidates if c[1] == top[1] and top[2] < c[2] <= top[2] + neighbours]
        order = [top, *after, *(c for c in order[1:] if c not in after)]
    named = _naming(anchors or [], candidates, hits)
    if named and order:
        order = [*order[:1], *named, *(c for c in order[1:] if c not in named)]
    for _score, h, s, words in order:
        if used + words > budget_words and (chosen[h] or not every_passage):
            continue
        if used + words > budget_words * 1.5:
            continue
        chosen[h].add(s)
        used += words
    kept = sorted((h for h in range(len(hits)) if chosen[h]), key=lambda h: -best_each[h][0])
    return [
        Source(n, hits[h], sorted(chosen[h]), best_each[h][2], best_each[h][0])
        for n, h in enumerate(kept, first)
    ]


def anchors_of(question: str, idf: dict[str, float]) -> list[str]:
    """What a question names, for the evidence to show each: its identifiers ("-b",
    "--set-utc", "cockpit.conf") and its capitalised names that are not common words of
    the corpus ("Pitsuwan", not "Assembly"). A follow-up's context in parentheses counts.

    >>> anchors_of("How does diff -b differ from -w, says Kofi Annan?", {"kofi": 5.0})
    ['-b', '-w', 'Kofi']
    """
    found = [m.group(0).strip("`") for m in IDENTIFIER.finditer(question)]
    for name in NAME.findall(question):
        tokens = tokenize([name])[0]
        if tokens and all(idf.get(t, 0.0) >= COMMON_IDF for t in tokens):
            found.append(re.sub(r"['’]s?$", "", name))
    return list(dict.fromkeys(a for a in found if len(a) > 1))


def _naming(
    anchors: list[str], candidates: list[tuple[float, int, int, int]], hits: list[Hit]
) -> list[tuple[float, int, int, int]]:
    """For each anchor, the best-scoring candidate sentence that mentions it (if any)."""
    out: list[tuple[float, int, int, int]] = []
    for anchor in anchors:
        pattern = re.compile(rf"(?<![\w-]){re.escape(anchor)}(?![\w-])", re.I)
        mentions = [
            c for c in candidates if pattern.search(hits[c[1]].passage.sentence_texts()[c[2]])
        ]
        best = max(mentions, default=None)
        if best is not None and best not in out:
            out.append(best)
    return out


def idf_table(df: dict[str, int], n: int) -> dict[str, float]:
    """Inverse document frequency of each token, from how many of the ``n`` passages hold it
    (BM25's idf).

    >>> round(idf_table({"veto": 2, "panel": 1}, 3)["panel"], 3)
    0.981
    """
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
