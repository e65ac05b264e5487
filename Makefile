# Guanxi. Every target works from a fresh clone on Debian 12 with Python 3.11, pip, node 20
# and PostgreSQL 15; `make setup` installs the rest and is quick when nothing changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-builtin-rules --no-print-directory
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.NOTPARALLEL:  # `make test` runs its steps in order and stops at the first failure

# uv: the local certificate authority re-signs registry traffic; Python builds can't be downloaded.
export UV_SYSTEM_CERTS := 1
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11

PYTHON ?= python3
UV := $(if $(shell command -v uv 2>/dev/null),uv,$(PYTHON) -m uv)
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
SYNC_STAMP := $(STAMPS)/sync
MESSAGES_STAMP := $(STAMPS)/messages
NPM_STAMP := node_modules/.guanxi-npm-ci
VENDOR_DIR := src/guanxi/web/static/vendor
VENDOR_STAMP := $(VENDOR_DIR)/.copied
VAR_DIR := $(or $(GUANXI_VAR_DIR),var)
STATIC_ROOT := $(or $(GUANXI_STATIC_ROOT),staticfiles)
STATIC_MANIFEST := $(STATIC_ROOT)/staticfiles.json
STATIC_SOURCES := $(shell find src/guanxi -path '*/static/*' -type f -not -path '$(VENDOR_DIR)/*' 2>/dev/null)
PO_FILES := $(shell find src/guanxi -name '*.po' -type f 2>/dev/null)
MISSING_MO := $(filter-out $(wildcard $(PO_FILES:.po=.mo)),$(PO_FILES:.po=.mo))

# Management commands run at setup time need no secret: development settings will do.
MANAGE := GUANXI_DEBUG=$${GUANXI_DEBUG:-1} $(abspath $(BIN)/python) $(abspath manage.py)
# The suite picks its own database: SQLite in memory, or the one tools/with-postgres starts.
PYTEST := env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest
PYTEST_ARGS ?=
SERVE_ARGS ?=
BENCH_SIZE ?= smoke
LOCK_ARGS ?=

.PHONY: help setup run test test-deps lint check-locks typecheck test-sqlite test-postgres test-e2e \
	bench fmt lock clean messages FORCE

help:
	@echo "make setup          install everything (idempotent; fast when nothing changed)"
	@echo "make run            setup, then start Guanxi on http://127.0.0.1:8000/ (SERVE_ARGS=...)"
	@echo "make test           setup + test-deps, then lint, typecheck, test-sqlite, test-postgres, test-e2e"
	@echo "make lint | typecheck | test-sqlite | test-postgres | test-e2e | test-deps"
	@echo "make bench          run bench/bench_*.py (BENCH_SIZE=smoke|full), results in bench/results/"
	@echo "make fmt            format and auto-fix"
	@echo "make lock           re-resolve uv.lock and requirements.lock (LOCK_ARGS=--upgrade)"
	@echo "make clean          remove everything setup made, except the data in $(VAR_DIR)/"

# --- setup --------------------------------------------------------------------------------

setup: $(SYNC_STAMP) $(VENDOR_STAMP) messages $(STATIC_MANIFEST) | $(VAR_DIR)

define ensure_uv
	@$(UV) --version >/dev/null 2>&1 || { echo "installing uv with pip"; \
		$(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user --break-system-packages uv; }
endef

$(SYNC_STAMP): requirements.lock pyproject.toml
	$(ensure_uv)
	@if [ ! -x $(BIN)/python ]; then rm -rf $(VENV) && $(UV) venv --quiet $(VENV); fi
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR_STAMP): $(NPM_STAMP) tools/copy-assets
	$(PYTHON) tools/copy-assets
	@touch $@

$(VAR_DIR):
	mkdir -p $@

messages: $(if $(PO_FILES),$(MESSAGES_STAMP))

# Run from src/guanxi: compilemessages walks the working directory for locale/ folders.
$(MESSAGES_STAMP): $(PO_FILES) $(SYNC_STAMP) $(if $(MISSING_MO),FORCE) | $(VAR_DIR)
	cd src/guanxi && $(MANAGE) compilemessages --verbosity 0
	@touch $@

$(STATIC_MANIFEST): $(SYNC_STAMP) $(VENDOR_STAMP) $(STATIC_SOURCES) | $(VAR_DIR)
	$(MANAGE) collectstatic --noinput --verbosity 0
	@touch $@

FORCE:

# --- run ----------------------------------------------------------------------------------

run: setup
	$(BIN)/guanxi serve $(SERVE_ARGS)

bench: setup
	$(BIN)/guanxi bench all --size $(BENCH_SIZE)

# --- checks and tests ---------------------------------------------------------------------

test: setup test-deps lint typecheck test-sqlite test-postgres test-e2e

test-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -q && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	fi

lint: $(SYNC_STAMP) check-locks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# No committed file may name a package registry's host.
check-locks:
	@if grep -nE '://' requirements.lock; then echo "requirements.lock names a host" >&2; exit 1; fi
	@if grep -nE '"resolved"|registry\.|npmjs' package-lock.json; then \
		echo "package-lock.json names a registry" >&2; exit 1; fi

typecheck: $(SYNC_STAMP) | $(VAR_DIR)
	GUANXI_DEBUG=$${GUANXI_DEBUG:-1} $(BIN)/mypy src/guanxi

test-sqlite: setup
	$(PYTEST) -n 2 --ignore=tests/e2e $(PYTEST_ARGS)

test-postgres: setup
	tools/with-postgres env -u REDIS_URL $(BIN)/pytest -n 2 --ignore=tests/e2e $(PYTEST_ARGS)

# pytest exits 5 when it collects nothing: make counts that as the failure it is.
test-e2e: setup test-deps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PYTEST) tests/e2e $(PYTEST_ARGS)

# --- maintenance --------------------------------------------------------------------------

fmt: $(SYNC_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock:
	$(ensure_uv)
	$(UV) lock $(LOCK_ARGS)
	@rm -f requirements.lock.new
	$(UV) export --quiet --frozen --no-emit-project --all-groups -o requirements.lock.new
	@sed -i 's/requirements\.lock\.new$$/requirements.lock/' requirements.lock.new
	@# keep the old file (and its mtime) when nothing changed: setup re-syncs only on a real change
	@if cmp -s requirements.lock.new requirements.lock; then rm requirements.lock.new; \
		else mv requirements.lock.new requirements.lock; echo "requirements.lock updated"; fi
	@$(MAKE) check-locks

clean:
	rm -rf $(VENV) node_modules $(VENDOR_DIR) staticfiles .mypy_cache .ruff_cache .pytest_cache .hypothesis test-results
	find src tests bench tools -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
	find src -name '*.mo' -type f -delete
