# svcnotes: `make demo` builds and serves the bundled records; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DIR ?= .demo-repo
SVCNOTES_TODAY ?= 2026-11-23
export SVCNOTES_TODAY

.PHONY: demo test bench venv install install-test docs lint clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

venv install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/svcnotes validate
	@if [ -d $(DEMO_DIR)/.git ] && [ -z "$$(find svcnotes.toml records -newer $(DEMO_DIR)/.git/HEAD -print -quit)" ]; then \
		echo "$(DEMO_DIR) is current"; \
	else \
		rm -rf $(DEMO_DIR) && $(BIN)/svcnotes demo $(DEMO_DIR); \
	fi
	@echo "Building the demo records and serving them on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/svcnotes -C $(DEMO_DIR) serve --out site --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $${BENCH_SIZES:+--sizes $$BENCH_SIZES} $${BENCH_STEPS:+--steps $$BENCH_STEPS}

screenshots: $(VENV)/.installed-test  ## docs/screenshots/: every page type of the demo site, in headless Chromium
	$(BIN)/python -m tests.site.screenshots docs/screenshots

docs: $(VENV)/.installed
	$(BIN)/python -m svcnotes.model.docs > docs/records.md
	$(BIN)/python -m svcnotes.model.config > docs/config.md
	$(BIN)/python -m svcnotes.workflow.docs > docs/workflow.md
	$(BIN)/python -m svcnotes.cli.reference > docs/cli.md

lint: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet ruff mypy
	$(BIN)/ruff check svcnotes tests
	$(BIN)/mypy

clean:
	rm -rf site .svcnotes-cache $(DEMO_DIR)
