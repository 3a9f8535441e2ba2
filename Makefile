# The two commands: `make demo` and `make test`. Both install what they need on a fresh Debian
# machine (as root: system packages and a docker engine; always: the project's .venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := docker.io mmdebstrap bubblewrap uidmap chromium chromium-driver \
	fonts-liberation git patch

.PHONY: demo test lint format venv system clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray,postgres]'
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

test: lint system
	$(BIN)/pytest

# The main job on the embedded defaults (offline mode, SQLite, docker or the bubblewrap fallback):
# a fresh run for a few generations, then the best agent, its lineage and what to look at next.
DEMO_RUN ?= demo-run
DEMO_ITERATIONS ?= 4

demo: system
	rm -rf $(DEMO_RUN)
	$(BIN)/godelbox run $(DEMO_RUN) --iterations $(DEMO_ITERATIONS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
