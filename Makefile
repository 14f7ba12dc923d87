# Compute Deal Tracker — the two promises: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install lock run dev test pytest lint typecheck fmt migrate revision bench clean

# Every dependency comes pinned, with its hashes, from requirements.lock (`make lock` renews it).
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## Pin every dependency (pyproject.toml's, with the dev extra) and its hashes in requirements.lock.
lock:
	$(PYTHON) -m pip install --quiet uv
	UV_PYTHON_DOWNLOADS=never $(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal \
		--python-version 3.11 --generate-hashes --quiet -o requirements.lock

## Serve http://$(HOST):$(PORT) with the demo data (SQLite in var/ unless DATABASE_URL says otherwise).
run: install
	$(BIN)/deals db upgrade
	$(BIN)/deals demo
	$(BIN)/deals users bootstrap --url http://$(HOST):$(PORT)
	$(BIN)/deals serve --host $(HOST) --port $(PORT)

dev: install
	$(BIN)/deals db upgrade
	$(BIN)/deals demo
	$(BIN)/deals users bootstrap --url http://$(HOST):$(PORT)
	$(BIN)/deals serve --host $(HOST) --port $(PORT) --reload

## Lint, type-check and run every test on SQLite and Postgres, browser tests included.
test: install lint typecheck pytest

pytest: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/deals db upgrade

revision: install
	$(BIN)/alembic revision --autogenerate -m "$(m)"

## Time the pages and the CSV export on generated data, SQLite and Postgres; see bench/README.md.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/artifacts
