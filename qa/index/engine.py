"""The index's vectors in Milvus: a distributed vector engine instead of in-process FAISS.

``settings.vector_uri`` names the engine: a file path (``index/vectors.db``) runs Milvus Lite
embedded, ``http://host:19530`` talks to a Milvus server or cluster with the same code
(pymilvus' ``MilvusClient`` takes either). Each index keeps three collections, named after
``settings.vector_collection``:

- ``<name>_passages``: one row per passage — its vector, document, year and version;
- ``<name>_sentences``: one row per sentence — its vector and its passage's facets;
- ``<name>_documents``: one row per document — the build key its rows were made from, so
  that :meth:`VectorEngine.sync` re-sends only what changed (add or remove a document
  without a rebuild) and several app processes can share one engine.

Searches filter on the facets in the engine (``year in [2016]``), so a small year is found
whole however large the collection. Every engine failure becomes one
:class:`EngineUnavailable` line naming the URI, never a traceback.

For example (tests/test_engine.py runs this on a real Milvus Lite)::

    engine = VectorEngine.open(settings)
    engine.sync(entries)
    engine.search(query_vector, 10, years=[2016]).ids[:1]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.errors import UserError
from qa.index.cache import DocEntry
from qa.settings import Settings

_NO_YEAR = -1  # Milvus scalars are not nullable here: -1 stands for "no year"
_ID_LENGTH = 512
_BATCH = 2000  # rows per insert call (the gRPC message limit is 64 MB)
# IVF_FLAT is built per segment (~55 k rows each on a default server): 1024 lists is about
# 4·√rows, as qa's own IVF (qa.index.dense); 32 lists searched hold ~1,700 rows a segment,
# enough for 200 candidates.
_IVF_BUILD = {"nlist": 1024}
_IVF_SEARCH = {"nprobe": 32}


class EngineUnavailable(UserError):
    """The vector engine cannot be reached, or refused a request."""


@dataclass(frozen=True)
class EngineHits:
    """One engine search: passage ids, best first, and their inner products."""

    ids: list[str]
    scores: np.ndarray


@contextmanager
def _engine_errors(uri: str) -> Iterator[None]:
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        why = str(getattr(exc, "message", "") or exc).splitlines()[0][:160]
        raise EngineUnavailable(f"vector engine {uri}: {why}") from None


def _filter(years: list[int] | None, versions: list[str] | None) -> str:
    """A Milvus boolean expression over the facets ('' when nothing is filtered).

    >>> _filter([2014, 2016], ["2.1"])
    'year in [2014, 2016] and version in ["2.1"]'
    """
    terms = []
    if years is not None:
        terms.append(f"year in {sorted(int(y) for y in years)}")
    if versions is not None:
        terms.append(f"version in {json.dumps(sorted(versions))}")
    return " and ".join(terms)


class VectorEngine:
    """Passage and sentence vectors of one index, kept in a Milvus engine."""

    def __init__(self, client: Any, uri: str, name: str, index_type: str = "AUTOINDEX") -> None:
        self.client = client
        self.uri = uri
        self.names = {part: f"{name}_{part}" for part in ("passages", "sentences", "documents")}
        self.index_type = index_type

    @classmethod
    def open(cls, settings: Settings) -> VectorEngine:
        """Connect to ``settings.vector_uri`` (a Milvus Lite file is created if missing)."""
        from pymilvus import MilvusClient

        uri = settings.vector_uri
        with _engine_errors(uri):
            client = MilvusClient(uri=uri, timeout=settings.vector_timeout)
        return cls(client, uri, settings.vector_collection, settings.vector_index)

    def close(self) -> None:
        self.client.close()

    # -- collections ------------------------------------------------------------------

    def index_matches(self) -> bool:
        """Whether the vector collections (if any) carry the index ``vector_index`` names."""
        with _engine_errors(self.uri):
            for part in ("passages", "sentences"):
                name = self.names[part]
                if not self.client.has_collection(name):
                    continue
                if self.client.describe_index(name, "vec").get("index_type") != self.index_type:
                    return False
        return True

    def _ensure(self, dim: int) -> None:
        from pymilvus import DataType

        if not self.index_matches():  # another index type: made anew, every row re-sent
            for name in self.names.values():
                self.client.drop_collection(name)
        for part, name in self.names.items():
            if self.client.has_collection(name):
                continue
            schema = self.client.create_schema(auto_id=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=_ID_LENGTH)
            schema.add_field("doc", DataType.VARCHAR, max_length=_ID_LENGTH)
            if part == "documents":
                schema.add_field("key", DataType.VARCHAR, max_length=64)
                schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs one
            else:
                schema.add_field("passage", DataType.VARCHAR, max_length=_ID_LENGTH)
                schema.add_field("year", DataType.INT64)
                schema.add_field("version", DataType.VARCHAR, max_length=64)
                schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
            index = self.client.prepare_index_params()
            # Inner product on normalised vectors is the cosine, as in the FAISS path. The
            # documents' placeholder vector gets the engine's own choice.
            kind = self.index_type if part != "documents" else "AUTOINDEX"
            params = _IVF_BUILD if kind == "IVF_FLAT" else {}
            index.add_index("vec", index_type=kind, metric_type="IP", params=params)
            self.client.create_collection(name, schema=schema, index_params=index)
            made = self.client.describe_index(name, "vec").get("index_type")
            if made != kind:  # else every start would find a mismatch and re-send it all
                raise EngineUnavailable(
                    f"vector engine {self.uri}: made a {made} index for {name} where "
                    f"QA_VECTOR_INDEX asks for {kind}; this engine cannot take that setting"
                )

    def stored_keys(self) -> dict[str, str]:
        """Document id → the build key its rows were made from."""
        with _engine_errors(self.uri):
            if not self.client.has_collection(self.names["documents"]):
                return {}
            rows = self.client.query(
                self.names["documents"], filter='id != ""', output_fields=["id", "key"]
            )
        return {r["id"]: r["key"] for r in rows}

    # -- updates ----------------------------------------------------------------------

    def sync(self, entries: dict[str, DocEntry]) -> tuple[int, int]:
        """Make the engine hold exactly ``entries`` (build key → entry): documents whose key
        changed are replaced, new ones added, absent ones removed. Returns (sent, removed)."""
        dim = next((e.passage_vectors.shape[1] for e in entries.values() if e.passages), 384)
        with _engine_errors(self.uri):
            self._ensure(dim)
            stored = self.stored_keys()
            wanted = {e.document.id: (key, e) for key, e in entries.items()}
            gone = [d for d, key in stored.items() if wanted.get(d, (None,))[0] != key]
            self.remove(gone)
            sent = 0
            for doc_id, (key, entry) in wanted.items():
                if stored.get(doc_id) == key:
                    continue
                self._insert(entry)
                row = {"id": doc_id, "doc": doc_id, "key": key, "vec": [0.0, 0.0]}
                self.client.insert(self.names["documents"], [row])
                sent += 1
            removed = len([d for d in gone if d not in wanted])
            if sent or gone:
                # Seal what was written: Milvus Lite searches rows still in its write
                # buffer by brute force (700 ms a search at 10 k rows, 75 ms flushed).
                for name in self.names.values():
                    self.client.flush(name)
        return sent, removed

    def _insert(self, entry: DocEntry) -> None:
        doc = entry.document
        facets = {"doc": doc.id, "version": doc.version or ""}
        passages, sentences = [], []
        rows = iter(entry.sentence_vectors)
        for p, vector in zip(entry.passages, entry.passage_vectors):
            year = p.year if p.year is not None else _NO_YEAR
            own = {**facets, "passage": p.id, "year": year}
            passages.append({**own, "id": p.id, "vec": vector.tolist()})
            for i in range(max(1, len(p.sentences))):
                sentences.append({**own, "id": f"{p.id}/{i}", "vec": next(rows).tolist()})
        for name, rows_ in (
            (self.names["passages"], passages),
            (self.names["sentences"], sentences),
        ):
            for start in range(0, len(rows_), _BATCH):
                self.client.insert(name, rows_[start : start + _BATCH])

    def remove(self, doc_ids: list[str]) -> None:
        """Drop every row of these documents."""
        if not doc_ids:
            return
        expression = f"doc in {json.dumps(sorted(doc_ids))}"
        with _engine_errors(self.uri):
            for name in self.names.values():
                if self.client.has_collection(name):
                    self.client.delete(name, filter=expression)

    # -- search -----------------------------------------------------------------------

    def search(
        self,
        query: np.ndarray,
        k: int,
        years: list[int] | None = None,
        versions: list[str] | None = None,
        sentences: bool = False,
    ) -> EngineHits:
        """The ``k`` passages nearest ``query`` within the facets; with ``sentences``, by
        each passage's best sentence (a passage appears once)."""
        name = self.names["sentences" if sentences else "passages"]
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        kwargs: dict[str, Any] = {"limit": k, "output_fields": ["passage"]}
        if self.index_type == "IVF_FLAT":
            kwargs["search_params"] = {"params": _IVF_SEARCH}
        if sentences:
            kwargs["group_by_field"] = "passage"  # the best sentence of each passage
        with _engine_errors(self.uri):
            found = self.client.search(
                name, [vector], filter=_filter(years, versions), anns_field="vec", **kwargs
            )[0]
        ids = [hit["entity"]["passage"] for hit in found]
        return EngineHits(ids, np.array([hit["distance"] for hit in found], dtype=np.float32))

    def sentence_vectors(self, ids: list[str]) -> np.ndarray:
        """The vectors of these sentence rows (``<passage id>/<i>``), in that order."""
        if not ids:
            return np.zeros((0, 1), dtype=np.float32)
        with _engine_errors(self.uri):
            rows = self.client.get(self.names["sentences"], ids=ids, output_fields=["vec"])
        found = {row["id"]: row["vec"] for row in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise EngineUnavailable(
                f"vector engine {self.uri}: holds no vector for sentence {missing[0]}; "
                "run `qa index` to send this index to it"
            )
        return np.array([found[i] for i in ids], dtype=np.float32)

    def count(self, sentences: bool = False) -> int:
        """Rows held: passages (or sentences)."""
        name = self.names["sentences" if sentences else "passages"]
        with _engine_errors(self.uri):
            if not self.client.has_collection(name):
                return 0
            rows = self.client.query(name, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])


def sync_engine(
    settings: Settings, entries: dict[str, DocEntry], log: Callable[[str], None]
) -> None:
    """Send the vectors of new and changed documents to the engine; drop the rest."""
    engine = VectorEngine.open(settings)
    try:
        sent, removed = engine.sync(entries)
    finally:
        engine.close()
    if sent or removed:
        log(f"vector engine {settings.vector_uri}: {sent} documents sent, {removed} removed")


def engine_holds(settings: Settings, doc_ids: set[str]) -> bool:
    """Whether the engine holds exactly these documents (a new engine holds none), indexed
    as ``settings.vector_index`` says."""
    engine = VectorEngine.open(settings)
    try:
        return engine.index_matches() and set(engine.stored_keys()) == doc_ids
    finally:
        engine.close()
