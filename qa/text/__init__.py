"""Text primitives every stage uses: BM25 tokens (:mod:`tokenize`), case and accent folding
(:mod:`fold`), and languages (:mod:`language`)."""
