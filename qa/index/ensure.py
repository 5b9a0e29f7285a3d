"""A loaded index that matches the corpus and the settings: :func:`ensure_index` loads
the committed index, says in one line why it no longer matches (:func:`staleness`), and
brings it up to date with :func:`qa.index.build.build_index` — or, when the folder cannot
be written, answers from the index as it was built, with a warning.
"""

from __future__ import annotations

from typing import Any

from qa.errors import cannot_write, explain
from qa.index import dense as dense_index
from qa.index.build import Log, assembly_key, build_index, build_key
from qa.index.disk import IndexUnwritable
from qa.index.engine import engine_holds
from qa.index.store import Index, IndexCorrupt, IndexMissing, load_index
from qa.ingest.corpus import corpus_hash
from qa.settings import Settings


def staleness(manifest: dict[str, Any], settings: Settings, corpus_hash: str | None) -> str | None:
    """Why an index no longer matches the corpus or settings, or None when it does."""
    for key, value in {**build_key(settings), "assembly": assembly_key()}.items():
        if manifest.get(key) != value:
            return f"{key} changed ({manifest.get(key)!r} → {value!r})"
    dense_change = dense_index.change(manifest, settings.ann_min_passages)
    if dense_change:
        return dense_change
    if corpus_hash is not None and manifest.get("corpus_hash") != corpus_hash:
        return "the corpus changed since the index was built"
    return None


def ensure_index(
    settings: Settings, log: Log = print, progress: bool = True, strict: bool = False
) -> Index:
    """A loaded index that matches the corpus and settings, updating it when it does not.

    When an update for a changed corpus fails because the index folder cannot be written
    (read-only, full), the intact index is still used as built, with a warning; ``strict``
    raises instead. An index built with other settings (embedder, passages) is never used.
    """
    current = _corpus_hash(settings, log)
    built: Index | None = None
    try:
        index = load_index(settings.index_dir, vectors=not settings.vector_uri)
    except IndexMissing:
        log(f"no index yet in {settings.index_dir}; building it")
    except IndexCorrupt as exc:
        log(f"{exc}; rebuilding the index")
    else:
        reason = staleness(index.manifest, settings, current)
        check_engine = reason is None and settings.vector_uri
        if check_engine and not engine_holds(settings, set(index.documents)):
            reason = f"the vector engine {settings.vector_uri} does not hold this index"
        if reason is None:
            return index
        log(f"{reason}; updating the index")
        built = index if staleness(index.manifest, settings, None) is None else None
    try:
        return build_index(settings, log, progress)
    except (IndexUnwritable, OSError) as exc:
        if built is None or strict or not (isinstance(exc, IndexUnwritable) or cannot_write(exc)):
            raise
        log(f"warning: {explain(exc)}; answering from the index as it was built")
        return built


def _corpus_hash(settings: Settings, log: Log) -> str | None:
    """The corpus' content hash, or None (use the index as built) when the folder is gone."""
    if not settings.corpus_dir.is_dir():
        log(f"corpus folder {settings.corpus_dir} not found; using the index as built")
        return None
    return corpus_hash(settings.corpus_dir, max_bytes=settings.max_file_bytes)
