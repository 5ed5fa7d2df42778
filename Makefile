# Blocklake — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= demo
SERVE ?= 1
export BLOCKLAKE_SCALE := $(SCALE)

.PHONY: install run test test-full test-cluster ui bench reliability lint services constraints clean

## install: virtual environment, pinned packages (constraints.txt), DuckDB extensions from PyPI
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/blocklake setup
	@touch $@

## run: generate the demo district (SCALE=tiny|demo|district|city), run every DAG, then serve the catalog (SERVE=0: don't)
run: install
	$(BIN)/blocklake run --scale $(SCALE) $(if $(filter 0,$(SERVE)),--no-serve,)

## test: lint and the import rules, then unit, integration (PostgreSQL, MariaDB, S3, Airflow) and browser tests
test: install services lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

## test-full: the heavy reliability tests too (district scale, the real scheduler killed mid-pipeline); ~40 min
test-full: test
	$(BIN)/python -m pytest -q -p no:cacheprovider -m full

## test-cluster: the cluster profile on this machine (Celery with 2 workers, Redis, PostgreSQL, S3) vs a clean run; ~15 min
test-cluster: install services
	$(BIN)/python -m pytest -q -rP -p no:cacheprovider -m cluster

## ui: Airflow (scheduler, API server, UI) with Blocklake's DAGs; prints the URL and login
ui: install
	$(BIN)/blocklake ui

## bench: benchmarks, written as JSON under bench/results/; the whole pipeline at SCALE (default here: district)
bench: install services
	$(BIN)/python -m bench.pipeline --scale $(if $(filter command line,$(origin SCALE)),$(SCALE),district)
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.peers
	$(BIN)/python -m bench.many_tables
	$(BIN)/python -m bench.nanhai
	$(BIN)/python -m bench.lake_catalog_growth
	$(BIN)/python -m bench.baselayer
	$(BIN)/python -m bench.discover
	$(BIN)/python -m bench.catalog
	$(BIN)/python -m bench.exports
	$(BIN)/python -m bench.address
	$(BIN)/python -m bench.directory_import

## reliability: the reliability suite with the heavy tests, counted into bench/results/reliability.json (~45 min)
reliability: install services
	$(BIN)/python -m bench.reliability

## services: make sure PostgreSQL, MariaDB and Chromium are there (installs and starts them as root)
services:
	@scripts/ensure-services.sh

## lint: ruff, and the import contracts of pyproject.toml (which way imports run; docs/design.md)
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

## constraints: re-freeze the tried package set after changing dependencies
constraints:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf var/ .pytest_cache
