"""Text primitives every stage uses: BM25 tokens (:mod:`tokenize`), the year and month
patterns (:mod:`patterns`), number words (:mod:`numbers`), case and accent folding
(:mod:`fold`), and languages (:mod:`language`)."""
