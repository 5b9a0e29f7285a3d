"""Pick the few sentences of the retrieved passages that the model gets to read.

Prompt length is the latency on a 2-core CPU, so the model sees only the best sentences of
each retrieved passage, in reading order, within a word budget — every passage keeps at least
its best sentence, so every year of a comparison stays represented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qa.records import Hit
from qa.tokenize import tokenize


@dataclass(frozen=True)
class Source:
    """One numbered source in the prompt: a passage and the sentences shown of it."""

    n: int
    hit: Hit
    sentences: list[int]  # indexes into hit.passage.sentence_texts(), in order

    def text(self) -> str:
        texts = self.hit.passage.sentence_texts()
        parts: list[str] = []
        last = None
        for i in self.sentences:
            if last is not None and i != last + 1:
                parts.append("…")
            parts.append(texts[i])
            last = i
        return " ".join(parts)


def sentence_relevance(question: str, sentences: list[str], idf: dict[str, float]) -> np.ndarray:
    """Share of the question's (idf-weighted) terms each sentence contains."""
    q_terms = set(tokenize([question])[0])
    total = sum(idf.get(t, 1.0) for t in q_terms) or 1.0
    scores = []
    for tokens in tokenize(sentences):
        shared = q_terms & set(tokens)
        scores.append(sum(idf.get(t, 1.0) for t in shared) / total)
    return np.array(scores)


def select_sources(
    question: str,
    hits: list[Hit],
    dense: list[np.ndarray],
    idf: dict[str, float],
    budget_words: int,
) -> list[Source]:
    """Sources [1..k] with the sentences to show, within ``budget_words``.

    ``dense[i]`` holds the question's similarity to each sentence of ``hits[i]``.
    """
    candidates: list[tuple[float, int, int, int]] = []  # (score, hit, sentence, words)
    for h, (hit, sims) in enumerate(zip(hits, dense)):
        texts = hit.passage.sentence_texts()
        lexical = sentence_relevance(question, texts, idf)
        for s, text in enumerate(texts):
            score = float(sims[s]) + float(lexical[s])
            candidates.append((score, h, s, len(text.split())))
    chosen: dict[int, set[int]] = {h: set() for h in range(len(hits))}
    used = 0
    # Every passage's best sentence first (best passages first), then the rest by score.
    best_each = {}
    for c in sorted(candidates, reverse=True):
        best_each.setdefault(c[1], c)
    order = [best_each[h] for h in sorted(best_each)]
    order += sorted((c for c in candidates if c not in order), reverse=True)
    for _score, h, s, words in order:
        if used + words > budget_words and chosen[h]:
            continue
        if used + words > budget_words * 1.5:
            continue
        chosen[h].add(s)
        used += words
    kept = [(hit, sorted(chosen[h])) for h, hit in enumerate(hits) if chosen[h]]
    return [Source(n, hit, sentences) for n, (hit, sentences) in enumerate(kept, 1)]


def idf_table(token_sets: list[set[str]]) -> dict[str, float]:
    """Inverse document frequency of each token over the passages."""
    df: dict[str, int] = {}
    for tokens in token_sets:
        for t in tokens:
            df[t] = df.get(t, 0) + 1
    n = len(token_sets)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
