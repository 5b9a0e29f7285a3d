"""Evaluation, never imported when answering: the question sets (:mod:`evalset`), scoring
retrieval, evidence and answers against them (:mod:`score`), and the written report
(:mod:`report`). `qa eval` and the benchmarks in ``eval/`` use it."""
