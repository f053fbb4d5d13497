# svcnotes: `make demo` builds and serves the bundled records; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DIR ?= .demo-repo
SVCNOTES_TODAY ?= 2026-11-23
export SVCNOTES_TODAY

.PHONY: demo test bench venv install install-test docs lint floors messages clean screenshots

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

# ruff and mypy at the versions pinned in the dev extra (pyproject.toml): a new release cannot turn lint red.
lint: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check svcnotes tests
	$(BIN)/mypy

# The CLI's message catalogues: extract every tr("..."), ntr(...) and Msg("...") with Babel, add every
# command's help text (the click tree) and click's own messages (.ci/messages.py), merge into each
# language's .po (translate the new entries there), compile the .mo files that ship in the package.
messages: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/pybabel extract -F babel.cfg -k tr -k ntr:1,2 -k Msg -k msg --no-location --sort-output --project svcnotes -o svcnotes/locale/svcnotes.pot .
	$(BIN)/python .ci/messages.py svcnotes/locale/svcnotes.pot
	$(BIN)/pybabel update -i svcnotes/locale/svcnotes.pot -d svcnotes/locale -D svcnotes --no-fuzzy-matching
	$(BIN)/pybabel compile -d svcnotes/locale -D svcnotes --statistics

# The oldest dependency versions pyproject.toml allows (.ci/floors.py), in their own venv, and a smoke
# subset of the tests that exercises every dependency: proves the lower bounds.
FLOORS_VENV := .venv-floors
SMOKE := tests/cli/test_records_cli.py tests/cli/test_i18n_help.py tests/store tests/site/test_build.py tests/site/test_fragments.py \
	tests/site/test_xss.py tests/io/test_export.py tests/io/test_io_tabular.py tests/editing/test_lsp_server.py \
	tests/editing/test_vscode_task.py tests/history/test_gate.py tests/workflow/test_validation_paths.py
floors:
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(PYTHON) .ci/floors.py > $(FLOORS_VENV)/floors.txt
	PIP_CONSTRAINT= $(FLOORS_VENV)/bin/python -m pip install --quiet --only-binary=:all: -c $(FLOORS_VENV)/floors.txt -e . pytest
	$(FLOORS_VENV)/bin/python .ci/floors.py --check
	$(FLOORS_VENV)/bin/python -m pytest -q -p no:cacheprovider $(SMOKE)

clean:
	rm -rf site .svcnotes-cache $(DEMO_DIR) $(FLOORS_VENV)
