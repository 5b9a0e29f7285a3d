"""Build, persist, verify and load the hybrid index (FAISS dense + bm25s sparse).

Layout under the index folder (see index/README.md): content-addressed data files plus a
``manifest.json`` written last and atomically. The manifest is the commit point: a build
that dies half-way leaves the previous manifest and the files it names untouched.

Loading checks the manifest against the corpus and settings and every file's sha256;
:func:`ensure_index` turns any mismatch into a one-line message and a rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np
from tqdm.auto import tqdm

from qa import __version__
from qa.corpus import LoadedCorpus, corpus_hash, load_corpus
from qa.embedder import embed
from qa.passages import split_passages
from qa.profile import CorpusProfile, load_profile
from qa.records import Document, Passage
from qa.settings import Settings
from qa.tokenize import tokenize

FORMAT = 1
MANIFEST = "manifest.json"

Log = Callable[[str], None]


class IndexError_(Exception):
    """Base class: the index on disk cannot be used as it is."""


class IndexMissing(IndexError_):
    """No index has been built in this folder yet."""


class IndexCorrupt(IndexError_):
    """A file of the index is missing, damaged or unreadable."""


class IndexStale(IndexError_):
    """The index was built from another corpus, embedder or passage settings."""


@dataclass
class Index:
    """Everything retrieval needs, loaded in memory."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    passages: list[Passage]
    dense: faiss.Index
    sentences: faiss.Index
    sentence_owner: np.ndarray
    bm25: bm25s.BM25

    @property
    def profile(self) -> CorpusProfile:
        """The corpus' own settings (corpus.toml), as they were when the index was built."""
        return CorpusProfile.from_dict(self.manifest.get("profile", {}))

    @property
    def years(self) -> list[int]:
        """The dialogue years the corpus covers."""
        return sorted({d.year for d in self.documents.values() if d.year is not None})


def pipeline_hash() -> str:
    """A digest of the code that turns files into indexed passages: a change rebuilds."""
    import qa.clean
    import qa.corpus
    import qa.passages
    import qa.tokenize

    h = hashlib.sha256()
    for module in (qa.clean, qa.corpus, qa.passages, qa.tokenize):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


def build_key(settings: Settings) -> dict[str, Any]:
    """What, besides the corpus, decides the index's contents."""
    return {
        "format": FORMAT,
        "pipeline": pipeline_hash(),
        "embedder": settings.embedder,
        "min_words": settings.min_words,
        "max_words": settings.max_words,
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (a second builder waits)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _versions() -> dict[str, str]:
    import sentence_transformers

    return {
        "qa": __version__,
        "python": platform.python_version(),
        "sentence_transformers": sentence_transformers.__version__,
        "faiss": faiss.__version__,
        "bm25s": bm25s.__version__,
        "numpy": np.__version__,
    }


def build_index(settings: Settings, log: Log = print, progress: bool = True) -> Index:
    """Build the index for ``settings.corpus_dir`` into ``settings.index_dir`` and load it."""
    t0 = time.perf_counter()
    loaded = load_corpus(settings.corpus_dir)
    profile = load_profile(settings.corpus_dir)
    for path, reason in loaded.skipped:
        log(f"skipped {path}: {reason}")
    if not loaded.documents:
        from qa.corpus import CorpusError

        raise CorpusError(f"no readable .txt or .md documents in {settings.corpus_dir}")
    passages = _all_passages(loaded, settings)
    sentences = [t for p in passages for t in p.sentence_texts()]
    vectors = _embed([embedding_text(p) for p in passages] + sentences, settings, progress)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors[: len(passages)])
    sentence_index = faiss.IndexFlatIP(vectors.shape[1])
    sentence_index.add(vectors[len(passages) :])
    bm25 = bm25s.BM25()
    bm25.index(tokenize([p.text for p in passages]), show_progress=False)

    index_dir = settings.index_dir
    with _build_lock(index_dir):
        files = _write_files(index_dir, loaded, passages, dense, sentence_index, bm25)
        manifest = {
            **build_key(settings),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - t0, 2),
            "corpus_dir": str(settings.corpus_dir),
            "corpus_hash": loaded.content_hash,
            "profile": profile.to_dict(),
            "dim": int(vectors.shape[1]),
            "counts": {
                "documents": len(loaded.documents),
                "passages": len(passages),
                "sentences": len(sentences),
                "skipped": len(loaded.skipped),
            },
            "skipped": [{"path": p, "reason": r} for p, r in loaded.skipped],
            "versions": _versions(),
            "files": files,
        }
        _write_atomic(index_dir / MANIFEST, json.dumps(manifest, indent=2).encode())
        _remove_unreferenced(index_dir, files)
    log(
        f"indexed {len(loaded.documents)} documents, {len(passages)} passages "
        f"in {time.perf_counter() - t0:.1f} s → {index_dir}"
    )
    return load_index(settings.index_dir)


def _all_passages(loaded: LoadedCorpus, settings: Settings) -> list[Passage]:
    passages: list[Passage] = []
    for doc in loaded.documents:
        passages.extend(
            split_passages(
                doc.id,
                doc.path,
                doc.year,
                loaded.cleaned[doc.id],
                settings.min_words,
                settings.max_words,
            )
        )
    return passages


def embedding_text(passage: Passage) -> str:
    """What the embedder sees for a passage: its text (metadata lives in BM25 and filters)."""
    return passage.text


def _embed(texts: list[str], settings: Settings, progress: bool) -> np.ndarray:
    """Embed passages and sentences in batches, with a progress bar."""
    step = settings.embed_batch_size
    chunks = []
    bar = tqdm(total=len(texts), desc="embedding", unit="text", disable=not progress)
    for i in range(0, len(texts), step):
        chunks.append(embed(settings.embedder, texts[i : i + step], step))
        bar.update(len(texts[i : i + step]))
    bar.close()
    return np.vstack(chunks)


def _write_files(
    index_dir: Path,
    loaded: LoadedCorpus,
    passages: list[Passage],
    dense: faiss.Index,
    sentences: faiss.Index,
    bm25: bm25s.BM25,
) -> dict[str, dict[str, Any]]:
    """Write the data files under content-derived names; return their manifest entries."""
    files: dict[str, dict[str, Any]] = {}

    lines = [json.dumps({"document": asdict(d)}, ensure_ascii=False) for d in loaded.documents]
    lines += [json.dumps({"passage": p.to_dict()}, ensure_ascii=False) for p in passages]
    data = ("\n".join(lines) + "\n").encode()
    files["passages"] = _store(index_dir, "passages", ".jsonl", data)
    files["dense"] = _store(index_dir, "dense", ".faiss", faiss.serialize_index(dense).tobytes())
    files["sentences"] = _store(
        index_dir, "sentences", ".faiss", faiss.serialize_index(sentences).tobytes()
    )

    tmp_dir = index_dir / f".bm25.{os.getpid()}.tmp"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    bm25.save(str(tmp_dir), show_progress=False)
    hashes = {p.name: _sha256(p) for p in sorted(tmp_dir.iterdir())}
    digest = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
    final = index_dir / f"bm25-{digest[:16]}"
    if final.exists() and _matches(final, hashes):
        shutil.rmtree(tmp_dir)
    else:
        shutil.rmtree(final, ignore_errors=True)  # a damaged copy of the same content
        os.rename(tmp_dir, final)
    files["bm25"] = {"path": final.name, "sha256": hashes}
    return files


def _matches(folder: Path, hashes: dict[str, str]) -> bool:
    try:
        return {p.name: _sha256(p) for p in folder.iterdir()} == hashes
    except OSError:
        return False


def _store(index_dir: Path, stem: str, suffix: str, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = index_dir / f"{stem}-{digest[:16]}{suffix}"
    if not (path.exists() and _sha256(path) == digest):
        _write_atomic(path, data)
    return {"path": path.name, "sha256": digest}


def _remove_unreferenced(index_dir: Path, files: dict[str, dict[str, Any]]) -> None:
    keep = {entry["path"] for entry in files.values()} | {MANIFEST, ".lock", "README.md"}
    for path in index_dir.iterdir():
        if path.name in keep:
            continue
        if path.name.startswith(("passages-", "dense-", "sentences-", "bm25-", ".")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, or IndexMissing / IndexCorrupt."""
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissing(f"no index in {index_dir}")
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict) or "files" not in manifest:
            raise ValueError("not a manifest")
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{path.name} is unreadable ({exc})") from None
    return manifest


def load_index(index_dir: Path) -> Index:
    """Load and verify the index; raise IndexMissing or IndexCorrupt, never a raw traceback."""
    manifest = read_manifest(index_dir)
    try:
        files = manifest["files"]
        _verify(index_dir, files)
        documents: dict[str, Document] = {}
        passages: list[Passage] = []
        with (index_dir / files["passages"]["path"]).open(encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                if "document" in record:
                    doc = Document(**record["document"])
                    documents[doc.id] = doc
                else:
                    fields = record["passage"]
                    fields["sentences"] = tuple(tuple(span) for span in fields["sentences"])
                    passages.append(Passage(**fields))
        dense = faiss.read_index(str(index_dir / files["dense"]["path"]))
        sentences = faiss.read_index(str(index_dir / files["sentences"]["path"]))
        bm25 = bm25s.BM25.load(str(index_dir / files["bm25"]["path"]), show_progress=False)
    except IndexCorrupt:
        raise
    except Exception as exc:  # any damage below the checksums (e.g. a format change)
        raise IndexCorrupt(f"index files in {index_dir} are unreadable ({exc})") from None
    owner = np.repeat(np.arange(len(passages)), [max(1, len(p.sentences)) for p in passages])
    if dense.ntotal != len(passages) or sentences.ntotal != len(owner):
        raise IndexCorrupt(f"dense vectors do not match the {len(passages)} passages")
    return Index(manifest, documents, passages, dense, sentences, owner, bm25)


def _verify(index_dir: Path, files: dict[str, Any]) -> None:
    for role in ("passages", "dense", "sentences", "bm25"):
        entry = files.get(role)
        if not entry:
            raise IndexCorrupt(f"manifest names no {role} file")
        path = index_dir / entry["path"]
        if isinstance(entry["sha256"], dict):
            for name, digest in entry["sha256"].items():
                _check(path / name, digest)
        else:
            _check(path, entry["sha256"])


def _check(path: Path, digest: str) -> None:
    if not path.is_file():
        raise IndexCorrupt(f"index file {path.name} is missing")
    if _sha256(path) != digest:
        raise IndexCorrupt(f"index file {path.name} is corrupt (checksum mismatch)")


def staleness(manifest: dict[str, Any], settings: Settings, corpus_hash: str | None) -> str | None:
    """Why an index no longer matches the corpus or settings, or None when it does."""
    for key, value in build_key(settings).items():
        if manifest.get(key) != value:
            return f"{key} changed ({manifest.get(key)!r} → {value!r})"
    if corpus_hash is not None and manifest.get("corpus_hash") != corpus_hash:
        return "the corpus changed since the index was built"
    return None


def ensure_index(settings: Settings, log: Log = print, progress: bool = True) -> Index:
    """A loaded index that matches the corpus and settings, rebuilding it when it does not."""
    corpus_hash = _corpus_hash(settings.corpus_dir, log)
    try:
        index = load_index(settings.index_dir)
    except IndexMissing:
        log(f"no index yet in {settings.index_dir}; building it")
    except IndexCorrupt as exc:
        log(f"{exc}; rebuilding the index")
    else:
        reason = staleness(index.manifest, settings, corpus_hash)
        if reason is None:
            return index
        log(f"{reason}; rebuilding the index")
    return build_index(settings, log, progress)


def _corpus_hash(corpus_dir: Path, log: Log) -> str | None:
    """The corpus' content hash, or None (use the index as built) when the folder is gone."""
    if not corpus_dir.is_dir():
        log(f"corpus folder {corpus_dir} not found; using the index as built")
        return None
    return corpus_hash(corpus_dir)
