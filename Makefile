# purdah-controller. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test bench lint format clean

install: $(STAMP)  ## create .venv and install the project with its dev extras (quick when nothing changed)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $(PYTHON))" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: install  ## show the Redruth policy and its current and next restricted periods
	$(BIN)/purdah status

test: install  ## the whole test suite (pytest; "no tests collected" is a failure)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install  ## benchmarks: print figures, never asserted in tests
	$(BIN)/python -m bench

lint: install  ## ruff, mypy (strict on the domain), import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app
	$(BIN)/mypy --strict app/domain
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache var
