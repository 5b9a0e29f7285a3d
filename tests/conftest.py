"""Shared fixtures: the real corpus, a real index built once per session, tiny corpora."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.index import Index, build_index
from qa.retrieve import Retriever
from qa.settings import PROJECT_ROOT, Settings

# Fixtures that load the real embedder or model (directly, or by building an index with the
# embedder): a test that uses one is marked `slow` here, so `make test-fast` (-m "not slow")
# leaves it out. A fast run refuses to load either (see _fast_runs_load_no_model): a test that
# does so without the marker fails, naming the marker it lacks.
HEAVY_FIXTURES = {
    "index", "retriever", "engine_index", "tiny_settings", "llm_server", "answerer",
    "app_url", "client", "mixed_index", "milvus_server",
}  # fmt: skip
NO_EMBEDDER = "fast-run-has-no-embedder"  # QA_EMBEDDER in a fast run's subprocesses


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _refuse(what: str):
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"this test loads {what}: mark it @pytest.mark.slow")

    return refuse


@pytest.fixture(autouse=True)
def _fast_runs_load_no_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """In a run that deselects slow tests, loading the embedder or the model fails."""
    fast = "not slow" in (request.config.option.markexpr or "")
    if fast and request.node.get_closest_marker("slow") is None:
        import qa.generate
        import qa.generate.files
        import qa.index.embedder

        monkeypatch.setattr(qa.index.embedder, "load_embedder", _refuse("the real embedder"))
        # Before the model file is hashed (1.1 GB), not only before it is loaded.
        monkeypatch.setattr(qa.generate.files, "ensure_model_file", _refuse("the real model"))
        monkeypatch.setattr(qa.generate, "_load_local", _refuse("the real model"))
        monkeypatch.setenv("QA_EMBEDDER", NO_EMBEDDER)  # for the processes it starts
    yield


CORPUS = PROJECT_ROOT / "corpus"
SHARED_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"

# The five real documents, by role.
SUMMARY_2016 = "000_98ff3c4ef40c74ff"
SUMMARY_2017 = "001_b868a9c5cff6fdd6"
SUMMARY_2014 = "002_8ba637476d638c63"
CONCEPT_NOTE_2016 = "003_20996dafca81128e"
CIVIL_SOCIETY_2016 = "004_0ad2c3894086749f"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the real corpus (tests may not touch the project's)."""
    target = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.iterdir():
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def settings(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def index(settings: Settings) -> Index:
    """The real index over the real corpus, with the real embedder, built once."""
    return build_index(settings, log=lambda _: None, progress=False)


@pytest.fixture(scope="session")
def retriever(index: Index, settings: Settings) -> Retriever:
    return Retriever(index, settings)


@pytest.fixture(scope="session")
def engine_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus with its vectors in a real Milvus Lite engine (QA_VECTOR_URI)."""
    pytest.importorskip("milvus_lite")
    root = tmp_path_factory.mktemp("engine")
    update = {"index_dir": root / "index", "vector_uri": str(root / "vectors.db")}
    return settings.model_copy(update=update)


@pytest.fixture(scope="session")
def engine_index(engine_settings: Settings) -> Index:
    """The real index built for the engine: loaded without vectors (the engine holds them)."""
    return build_index(engine_settings, log=lambda _: None, progress=False)


TINY_DOCS = {
    "a.txt": (
        "**Meeting on Widgets**\n\nNew York, 8 September 2014\n\n"
        "1. The chair, Mr. Alpha Beta, opened the meeting on widgets and gadgets. "
        "Delegates discussed the supply of widgets at length. Several noted shortages.\n\n"
        "2. Twelve delegations spoke about gadget safety. They agreed on a review.\n"
    ),
    "b.md": (
        "# Notes\n\nNew York, 6 September 2016\n\n"
        "The second meeting focused on sprockets. Ms. Gamma Delta moderated the panel. "
        "Participants praised the sprocket standard and asked for more funding.\n"
    ),
}


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """Two small documents (2014 and 2016): enough for index mechanics, fast to embed."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    for name, text in TINY_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_settings(tiny_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", min_words=5)


@pytest.fixture(scope="session")
def llm_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """llama-cpp-python's OpenAI-compatible server on the real model, on a free loopback
    port, started once (what `make serve-llm` runs); yields its API root."""
    from qa.generate.files import ensure_model_file
    from qa.generate.server import start_server, stop

    path = ensure_model_file(settings.model_cache_dir, log=lambda _: None)
    log = tmp_path_factory.mktemp("llm") / "server.log"
    process, url = start_server(path, settings, log=log)
    yield url
    stop(process)
