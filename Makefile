# Complaint Radar: `make demo` then `make test` on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared/data
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test test-fast lint models bench install install-test system-deps postgres-server chromium-browser java redis-server redis clean lock audit pip-audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
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

## chromium-browser: Debian's Chromium and a CJK font: the dashboard's browser tests and the HTML report (never `playwright install`)
chromium-browser:
	@if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then :; else \
	  echo "Installing Debian's chromium and fonts-wqy-microhei (the dashboard's and the report's browser tests)"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei; \
	fi

## java: Debian's Java 17 runtime (`batch --engine spark` and its tests run PySpark, which needs it)
java:
	@if command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then :; else \
	  echo "Installing Debian's openjdk-17-jre-headless (batch --engine spark needs Java 17)"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO mkdir -p /usr/share/man/man1; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; \
	fi
## redis-server: Debian's Redis server; the streaming tests start a throwaway one on loopback
redis-server:
	@if command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] \
	  || [ -x "$$COMPLAINT_RADAR_REDIS_SERVER" ]; then :; else \
	  echo "Installing Debian's redis-server package (the streaming tests need redis-server)"; \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	  && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; \
	fi

## redis: a local Redis for `complaint-radar worker` in the foreground (127.0.0.1, REDIS_PORT, default 6379)
REDIS_PORT ?= 6379
redis: redis-server
	redis-server --bind 127.0.0.1 --port $(REDIS_PORT) --save '' --appendonly no --dir $${TMPDIR:-/tmp}

install: $(STAMP)
install-test: $(TSTAMP) system-deps

## system-deps: the Debian packages the tests start for real (each target installs only what is missing)
system-deps: postgres-server chromium-browser java redis-server
test test-fast: system-deps

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
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

## models: rebuild every bundled model from ../shared/data (deterministic), then the customer profile's
## 7-day complaint model on synthetic training journeys read by those models (about an hour on 2 cores; the
## fitter runs its seeds and folds on every core, `--jobs`)
models: $(TSTAMP)
	$(BIN)/python -m complaint_radar.models.train --data $(SHARED) --out src/complaint_radar/models/artifacts
	$(BIN)/python -m complaint_radar.services.customers.fit_profile_model

## bench: quality, throughput and memory benchmarks -> docs/benchmarks.md
bench: $(TSTAMP)
	$(BIN)/python bench/run_all.py --data $(SHARED)

## lock: pin the tested environment's versions (what `make audit` checks)
lock: $(TSTAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^pip-audit==' > requirements.lock

## audit: known vulnerabilities in the locked versions, from the PyPI JSON API (per release, else the project
## JSON of the latest release: works through an index mirror that serves only that; see docs/reliability.md)
audit:
	$(PYTHON) tools/audit_lock.py -r requirements.lock

## pip-audit: the same with pip-audit itself (needs PyPI's per-release JSON API or OSV reachable)
pip-audit: $(TSTAMP)
	$(BIN)/pip-audit --strict --progress-spinner off --no-deps --disable-pip -r requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
