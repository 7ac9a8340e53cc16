# purdah-controller. `make run` and `make test` are all a fresh machine needs (python3 3.11+).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

# uv installs exactly what uv.lock pins, in parallel. It is bootstrapped once into .uv/ with the
# pip that comes with Python, so pip's own configuration (index, proxy, certificates) applies
# to that one download; uv reads its own (UV_INDEX_URL, uv.toml) for the rest.
# Bump together with uv_build's range in pyproject.toml's [build-system].
UV_VERSION := 0.13.9
UV_DIR     := .uv
UV         := $(UV_DIR)/bin/uv
# A new UV_VERSION fetches uv again.
UV_STAMP   := $(UV_DIR)/.stamp-$(UV_VERSION)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# --locked: refuse, rather than quietly ignore, a pyproject.toml that uv.lock no longer matches.
# --compile-bytecode: write the .pyc files at install, as pip does. Where PYTHONDONTWRITEBYTECODE
# is set (this build machine sets it), Python never writes them itself, and every start of the
# service, the CLI and the tests compiled every dependency again (server start 3.3 s, not 1.4 s).
SYNC       := $(UV) sync --locked --compile-bytecode --python $(PYTHON)

# One stamp per set of extras: `make run` installs the service alone, `install-test` adds the
# test runner (no browser driver, no calendar clients), everything else installs `dev`.
RUN_STAMP  := $(VENV)/.stamp-run
TEST_STAMP := $(VENV)/.stamp-test
DEV_STAMP  := $(VENV)/.stamp-dev
# Left at the top of the checkout by an older pip (setuptools) editable install. The editable
# install puts the checkout on sys.path, where this stale metadata would shadow .venv's.
STALE_METADATA := purdah_controller.egg-info

.PHONY: install install-run install-test lock run serve test test-fast bench bench-quick fuzz soak audit lint format clean openapi openapi-check connector

install: $(DEV_STAMP)  ## create .venv with the service and every extra (`dev`) from uv.lock

install-run: $(RUN_STAMP)  ## create .venv with the service's own dependencies only

install-test: $(TEST_STAMP)  ## the service and the `test` extra: enough for unit and integration tests

$(UV_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $(PYTHON))" >&2; exit 1; }
	@rm -rf $(UV_DIR)
	@# --target needs no venv, so it is quick; without a pip of its own, Python makes one with ensurepip.
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_DIR) uv==$(UV_VERSION) \
		|| { rm -rf $(UV_DIR) && $(PYTHON) -m venv $(UV_DIR) && $(UV_DIR)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
	@touch $@

# These two add what they need and remove nothing, so an installed `dev` stays whole.
$(RUN_STAMP): pyproject.toml uv.lock | $(UV_STAMP)
	@rm -rf $(STALE_METADATA)
	$(SYNC) --inexact --quiet
	@$(BIN)/python -m compileall -q -j 0 app > /dev/null
	@touch $@

$(TEST_STAMP): pyproject.toml uv.lock | $(UV_STAMP)
	@rm -rf $(STALE_METADATA)
	$(SYNC) --inexact --extra test --quiet
	@$(BIN)/python -m compileall -q -j 0 app > /dev/null
	@touch $@ $(RUN_STAMP)

# Exactly the locked `dev` set: anything else in .venv is removed.
$(DEV_STAMP): pyproject.toml uv.lock | $(UV_STAMP)
	@rm -rf $(STALE_METADATA)
	$(SYNC) --extra dev --quiet
	@$(BIN)/python -m compileall -q -j 0 app > /dev/null
	@touch $@ $(TEST_STAMP) $(RUN_STAMP)

lock: | $(UV_STAMP)  ## re-resolve uv.lock after editing dependencies in pyproject.toml (upgrade: UV_ARGS=--upgrade)
	$(UV) lock --python $(PYTHON) $(UV_ARGS)

# `purdah db upgrade`, `seed`, `status`, `serve` in turn, in one process (tools/run.py): one
# import of the app, not four. Only the service's own dependencies are installed for it.
run: $(RUN_STAMP)  ## migrate the SQLite database, seed Redruth (first run: print a Clerk key), serve on 127.0.0.1:8000
	$(BIN)/python tools/run.py

# pytest-xdist workers: one more than the cores (many tests wait on a server or a subprocess;
# on this 2-core machine 3 workers beat 2 and 4).
# TEST_WORKERS=0 runs the tests in one process. Tests marked destructive stop PostgreSQL under
# every other test, so they run after, alone.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: install  ## the whole test suite, every marker, on every core ("no tests collected" fails)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not destructive" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m destructive $(PYTEST_ARGS) || test $$? -eq 5

# One process: starting workers costs more than they save on these (48 s against 58 s here).
FAST_WORKERS ?= 0
test-fast: install-test  ## unit and integration tests only, for the edit loop (under a minute)
	$(BIN)/python -m pytest -q -n $(FAST_WORKERS) tests/unit tests/integration $(PYTEST_ARGS)

bench: install  ## benchmarks: print figures (var/bench/latest.json), never asserted in tests
	$(BIN)/python -m bench

bench-quick: install  ## a short run of every benchmark
	$(BIN)/python -m bench --quick

soak: install  ## ten minutes of mixed traffic on two workers and PostgreSQL; checks every answer afterwards
	$(BIN)/python -m bench.soak $(if $(SOAK_MINUTES),--minutes $(SOAK_MINUTES),)

fuzz: install  ## schemathesis over every operation, 300 examples each (CI runs 10 in make test)
	PURDAH_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/e2e/test_fuzz.py

# Every locked package, every extra, for every platform uv.lock covers (not only what this .venv
# holds). Where pip-audit cannot reach its vulnerability service, tools/audit.py says NOT AUDITED
# and exits 0; PURDAH_AUDIT_REQUIRED=1 makes that a failure.
audit: install  ## pip-audit over uv.lock; fails on any known vulnerability
	@mkdir -p var
	@$(UV) export --frozen --all-extras --no-emit-project --format requirements-txt --quiet -o var/audit-requirements.txt
	$(BIN)/python tools/audit.py var/audit-requirements.txt

openapi: install  ## regenerate openapi/openapi.json and docs/problems.md from the app
	$(BIN)/python -m app.openapi > openapi/openapi.json
	$(BIN)/python -m app.openapi --problems > docs/problems.md

# The Power Automate custom connector: Swagger 2.0 of the scheduling operations, from the app.
# CONNECTOR_PUBLIC_URL=https://purdah.council.gov.uk names a deployment's host (write it to
# another CONNECTOR_DIR: the checked-in files keep the placeholder host).
CONNECTOR_DIR ?= integrations/power-automate
connector: install  ## regenerate integrations/power-automate/ (apiDefinition.swagger.json, apiProperties.json)
	$(BIN)/python -m app.openapi_connector $(CONNECTOR_DIR) $(if $(CONNECTOR_PUBLIC_URL),--public-url $(CONNECTOR_PUBLIC_URL),)

openapi-check: install  ## fail if openapi/openapi.json, docs/problems.md or the connector no longer match the app
	@$(BIN)/python -m app.openapi | diff -u openapi/openapi.json - > /dev/null || { echo "openapi/openapi.json is stale: run make openapi" >&2; $(BIN)/python -m app.openapi | diff -u openapi/openapi.json - | head -40; exit 1; }
	@$(BIN)/python -m app.openapi --problems | diff -u docs/problems.md - || { echo "docs/problems.md is stale: run make openapi" >&2; exit 1; }
	@$(BIN)/python -m app.openapi_connector --check integrations/power-automate

# .pre-commit-config.yaml runs the same checks before each commit (.venv/bin/pre-commit install).
lint: install  ## ruff, mypy (strict on the domain), import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app tools
	$(BIN)/mypy --strict app/domain
	$(BIN)/mypy --strict clients/python
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(UV_DIR) $(STALE_METADATA) .pytest_cache .mypy_cache .ruff_cache var
