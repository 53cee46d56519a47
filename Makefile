# Complaint Radar: `make demo` then `make test` on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared/data
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test test-fast lint models bench install install-test postgres-server chromium-browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@$(MAKE) --no-print-directory postgres-server
	touch $@

## postgres-server: Debian's PostgreSQL server (initdb, pg_ctl); the storage tests start a throwaway cluster
postgres-server:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
	  || [ -x "$$COMPLAINT_RADAR_PG_BINDIR/initdb" ]; then :; else \
	  echo "Installing Debian's postgresql package (the storage tests need initdb and pg_ctl)"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
	fi

## chromium-browser: Debian's Chromium and a CJK font; the report tests open the HTML report in headless Chromium
chromium-browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then :; else \
	  echo "Installing Debian's chromium and fonts-wqy-microhei (the HTML report is checked in a real browser)"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei; \
	fi

install: $(STAMP)
install-test: $(TSTAMP)
install-test: chromium-browser
test test-fast: chromium-browser

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

## models: rebuild every bundled model from ../shared/data (deterministic), then the customer profile's
## 7-day complaint model on synthetic training journeys read by those models (about an hour on 2 cores)
models: $(TSTAMP)
	$(BIN)/python -m complaint_radar.models.train --data $(SHARED) --out src/complaint_radar/models/artifacts
	$(BIN)/python -m complaint_radar.services.customers.fit_profile_model

## bench: quality, throughput and memory benchmarks -> docs/benchmarks.md
bench: $(TSTAMP)
	$(BIN)/python bench/run_all.py --data $(SHARED)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
