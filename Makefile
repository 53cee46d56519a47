# Complaint Radar: `make demo` then `make test` on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared/data
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test test-fast lint models bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

install: $(STAMP)
install-test: $(TSTAMP)

## demo: install everything and assess the bundled demo messages
demo: $(STAMP)
	$(BIN)/complaint-radar demo

## test: lint, type-check, architecture contracts and the whole test suite (slow tests included)
test: $(TSTAMP) lint
	$(BIN)/python -m pytest -n 2 -q

## test-fast: the quick local loop (skips tests marked slow)
test-fast: $(TSTAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(TSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## models: rebuild every bundled model from ../shared/data (deterministic)
models: $(TSTAMP)
	$(BIN)/python -m complaint_radar.models.train --data $(SHARED) --out src/complaint_radar/models/artifacts

## bench: quality, throughput and memory benchmarks -> docs/benchmarks.md
bench: $(TSTAMP)
	$(BIN)/python bench/run_all.py --data $(SHARED)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
