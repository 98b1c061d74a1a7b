# Each target sets up what it needs: a fresh machine needs nothing but python3 (3.11+).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench docs clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The synthetic council's monthly results and performance report, with the example targets and
# a few lines of the service's own commentary (the rest is drafted from the figures).
demo: $(STAMP)
	$(BIN)/python -m safeguarding_metrics.demo --targets examples/targets.toml \
		--commentary examples/commentary.csv --settings examples/report.toml

# The report's browser tests need Debian's headless Chromium: installed here when missing (and
# possible), else those tests skip with the reason. A screenshot lands in test-artefacts/.
test: $(STAMP)
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_postgres.sh
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src plugins tests scripts benchmarks templates
	$(BIN)/ruff format --check src plugins tests scripts benchmarks templates
	$(BIN)/mypy

# Speed and memory at national size (generated once, cached in .cache/bench/); see
# docs/performance.md. Installs DuckDB, the comparison's engine, into the environment.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/python scripts/make_docs.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis demo-output bench-output test-artefacts
