# purdah-controller. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run serve test test-fast bench bench-quick fuzz soak audit lint format clean openapi openapi-check

install: $(STAMP)  ## create .venv and install the project with its dev extras (quick when nothing changed)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $(PYTHON))" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: install  ## migrate the SQLite database, seed Redruth (first run: print a Clerk key), serve on 127.0.0.1:8000
	$(BIN)/purdah db upgrade
	$(BIN)/purdah seed
	$(BIN)/purdah status
	$(BIN)/purdah serve

# pytest-xdist workers: one per core; TEST_WORKERS=0 runs the tests in one process. Tests
# marked destructive stop PostgreSQL under every other test, so they run after, alone.
TEST_WORKERS ?= auto
test: install  ## the whole test suite, every marker, on every core ("no tests collected" fails)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not destructive" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m destructive $(PYTEST_ARGS) || test $$? -eq 5

# One process: starting workers costs more than they save on these (48 s against 58 s here).
FAST_WORKERS ?= 0
test-fast: install  ## unit and integration tests only, for the edit loop (under a minute)
	$(BIN)/python -m pytest -q -n $(FAST_WORKERS) tests/unit tests/integration $(PYTEST_ARGS)

bench: install  ## benchmarks: print figures (var/bench/latest.json), never asserted in tests
	$(BIN)/python -m bench

bench-quick: install  ## a short run of every benchmark
	$(BIN)/python -m bench --quick

soak: install  ## ten minutes of mixed traffic on two workers and PostgreSQL; checks every answer afterwards
	$(BIN)/python -m bench.soak $(if $(SOAK_MINUTES),--minutes $(SOAK_MINUTES),)

fuzz: install  ## schemathesis over every operation, 300 examples each (CI runs 10 in make test)
	PURDAH_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/e2e/test_fuzz.py

# PyPI's per-release JSON carries each release's known vulnerabilities (pip-audit's default
# service). Where it cannot be reached (a registry mirror without it), say so loudly and do not
# pretend: set PURDAH_AUDIT_REQUIRED=1 to make that a failure.
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json
audit: install  ## pip-audit over the installed dependencies; fails on any known vulnerability
	@if $(BIN)/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' $(AUDIT_PROBE) 2>/dev/null; then \
		$(BIN)/pip-audit --strict --skip-editable --progress-spinner off; \
	else \
		echo "NOT AUDITED: $(AUDIT_PROBE) cannot be reached from here, so pip-audit cannot look up vulnerabilities" >&2; \
		test -z "$$PURDAH_AUDIT_REQUIRED"; \
	fi

openapi: install  ## regenerate openapi/openapi.json from the app
	$(BIN)/python -m app.openapi > openapi/openapi.json

openapi-check: install  ## fail if openapi/openapi.json no longer matches the app
	@$(BIN)/python -m app.openapi | diff -u openapi/openapi.json - > /dev/null || { echo "openapi/openapi.json is stale: run make openapi" >&2; $(BIN)/python -m app.openapi | diff -u openapi/openapi.json - | head -40; exit 1; }

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
