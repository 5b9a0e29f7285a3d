"""Evidence: from retrieved passages to what the model reads — the premise checks
(:mod:`premise`), the best sentences, numbered (:mod:`select`), and the prompt
(:mod:`prompt`)."""
