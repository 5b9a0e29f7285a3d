"""The index: per-document build results (:mod:`cache`), incremental building
(:mod:`build`, embedding in :mod:`vectors` with :mod:`embedder`), an index that matches the
corpus (:mod:`ensure`), the committed, verified files on disk (:mod:`store`, written safely
by :mod:`disk`, passages read on demand by :mod:`table`, corpus facts in :mod:`facts`), the
vector indexes (:mod:`dense` in process, :mod:`engine` in Milvus) and BM25's postings
(:mod:`postings`)."""

from qa.index.build import build_index, build_key, pipeline_hash
from qa.index.disk import IndexUnwritable
from qa.index.ensure import ensure_index, staleness
from qa.index.store import (
    FORMAT,
    MANIFEST,
    Index,
    IndexCorrupt,
    IndexError_,
    IndexMissing,
    IndexStale,
    load_index,
    read_manifest,
)

__all__ = [
    "FORMAT", "MANIFEST", "Index", "IndexCorrupt", "IndexError_", "IndexMissing", "IndexStale",
    "IndexUnwritable", "build_index", "build_key", "ensure_index", "load_index", "pipeline_hash",
    "read_manifest", "staleness",
]  # fmt: skip
