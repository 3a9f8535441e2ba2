# The two commands: `make demo` and `make test`. Both install what they need on a fresh Debian
# machine (as root: system packages and a docker engine; always: the project's .venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint format venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/pytest

demo: venv
	@echo "godelbox: the evolution daemon is not yet available; 'make demo' will run it once it lands."
	$(BIN)/godelbox --help

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
