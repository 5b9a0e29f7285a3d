"""The transformers backend runs the same GGUF weights (de-quantised) and answers too.

Slow (loads 3.5 GB of bfloat16 weights, decodes ~5 tokens/s); one question is enough to show
the backend works end to end through the same verification.
"""

from __future__ import annotations

import pytest

from qa.answer import Answerer
from qa.generate import load_generator
from qa.generate.local import TransformersGenerator
from qa.settings import Settings

pytestmark = pytest.mark.slow


def test_transformers_backend_answers_with_a_citation(index, settings: Settings) -> None:
    tf_settings = settings.model_copy(update={"backend": "transformers", "max_answer_tokens": 24})
    generator = load_generator(tf_settings, log=lambda _: None)
    assert isinstance(generator, TransformersGenerator)
    answer = Answerer(index, tf_settings, generator).ask(
        "How many Member States intervened in the 2017 dialogue?"
    )
    assert not answer.abstained, answer.draft
    assert "73" in answer.answer
    assert answer.citations and "73 Member States" in answer.citations[0].quote
