# Cloudstore: `make run` serves the demo, `make test` runs every test.
# Both work on a fresh clone with only Python 3.11, pip, apt and npm.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
ASSETS := app/static/govuk
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-dev assets run test test-fast bench lint clean

install: $(VENV)/.runtime assets

install-dev: $(VENV)/.dev assets

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

assets: $(ASSETS)/.built

# GOV.UK Frontend comes from npm and is compiled without the GDS Transport
# font; nothing under app/static/govuk is committed.
$(ASSETS)/.built: node_modules/.package-lock.json app/assets/scss/cloudstore.scss
	mkdir -p $(ASSETS)
	node_modules/.bin/sass --pkg-importer=node --style=compressed --quiet-deps --no-source-map \
		app/assets/scss/cloudstore.scss $(ASSETS)/cloudstore.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(ASSETS)/
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	$(FLASK) search reindex
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

# Seeds 50,000 services into a temporary instance and prints every search figure
# with its target; then loads gunicorn on PostgreSQL with searches, page views and
# supplier edits while killing workers, and checks nothing was half-applied or lost
# (skipped, saying why, without PostgreSQL). BENCH_QUICK=1 for a quick run.
# The search figures are a report; the load bench exits 1 if a correctness check fails.
bench: install-dev
	$(BIN)/python -m tests.bench.run
	$(BIN)/python -m tests.bench.load_faults

clean:
	rm -rf $(VENV) node_modules $(ASSETS)
