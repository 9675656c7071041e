# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export CCR_HOME ?= $(CURDIR)/data
DBT := $(BIN)/dbt
DBT_FLAGS := --project-dir dbt_project --profiles-dir dbt_project --quiet

.PHONY: install demo test test-ahead dev lint format lock bench bench-scoring bench-french clean dbt-parse docs system-deps

# The venv is rebuilt whenever the lock changes; uv installs exactly what the lock pins.
$(VENV)/.installed: requirements.lock pyproject.toml
	@echo "installing $(VENV) from requirements.lock (about a minute)"
	@$(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	@# Byte-compiled once here: every worker process would otherwise compile what it imports
	@# (about 2 s each where PYTHONDONTWRITEBYTECODE is set, as on CI).
	@$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

# Dagster loads the dbt manifest when the definitions load: parse before anything runs.
dbt-parse: $(VENV)/.installed
	@$(DBT) parse $(DBT_FLAGS)

install: $(VENV)/.installed dbt-parse

demo: install
	@$(BIN)/ccr demo

test: install system-deps
	$(BIN)/pytest

# The suite a year ahead of the real clock (Debian's faketime, docs/development.md): a test or
# a step that takes "today" from the clock instead of its context fails here, a year before it
# would on its own. The slow end-to-end modules are left out: they give their dates, and
# test_end_to_end.py plans retention a year on through the context with the real clock.
test-ahead: install system-deps
	@command -v faketime >/dev/null || { echo "faketime is not installed: sudo apt-get install faketime"; exit 1; }
	faketime -f +365d $(BIN)/pytest -m "not slow"

# Debian packages the tests need: chromium (the KPI report test), redis-server (the Celery tests
# start their own on loopback), faketime (`make test-ahead`). Installed when missing and apt-get
# can run (root); otherwise those tests are skipped (with CI set, they fail).
SYSTEM_DEPS := chromium redis-server faketime
system-deps:
	@missing=""; for cmd in $(SYSTEM_DEPS); do command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "not installed:$$missing (their tests are skipped): sudo apt-get install$$missing"; \
	fi

dev: install
	$(BIN)/python -c "from orchestration.cli.common import prepare_dagster_home; from orchestration.lib.environment import process_settings; print(prepare_dagster_home(process_settings()))"
	# PATH: dagster-dbt re-parses the project in dev mode and looks for `dbt` there.
	PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME=$${DAGSTER_HOME:-$(CCR_HOME)/dagster} $(BIN)/dagster dev -w workspace.yaml

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin every dependency (needs the package registry).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# dbt's documentation as one self-contained page (after `make demo`: the catalog reads the build
# file): $(CCR_HOME)/build/dbt-docs/static_index.html
docs: install
	@$(DBT) docs generate --static $(DBT_FLAGS) --target-path $(CCR_HOME)/build/dbt-docs \
		--vars '{"ccr_lakehouse": "$(CCR_HOME)/lakehouse", "ccr_build_database": "$(CCR_HOME)/build/kpis.build.duckdb"}' 
	@echo "dbt docs: $(CCR_HOME)/build/dbt-docs/static_index.html"

# Every benchmark script under bench/ (each prints a table and ends with one JSON line).
bench: install
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

# Scoring accuracy on bench/scoring_calls.yaml (needs espeak-ng the first time; audio is cached).
bench-scoring: install
	$(BIN)/python bench/scoring_accuracy.py

# French verdict accuracy on the dev and held-out splits of bench/french_set.py (espeak-ng the
# first time; audio and transcripts are cached).
bench-french: install
	$(BIN)/python bench/french_accuracy.py

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
