# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export CCR_HOME ?= $(CURDIR)/data
DBT := $(BIN)/dbt
DBT_FLAGS := --project-dir dbt_project --profiles-dir dbt_project --quiet

.PHONY: install demo test test-ahead dev dev-secure lint format lock bench bench-scoring bench-french clean dbt-parse docs system-deps

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

# Debian packages the tests need, as the command a test runs, or command:package where the
# package has another name: chromium (the KPI report test), redis-server (the Celery tests start
# their own on loopback), nginx (the UI proxy tests, and make dev-secure), ip from iproute2
# (the UI proxy test that reaches the webserver from another network namespace) and faketime
# (`make test-ahead`). Installed when missing and apt-get can run (root); otherwise those tests
# are skipped (with CI set, they fail). A command is also looked for in /usr/sbin (nginx), which
# is not on a non-root user's PATH.
SYSTEM_DEPS := chromium redis-server nginx ip:iproute2 faketime
system-deps:
	@missing=""; for dep in $(SYSTEM_DEPS); do cmd=$${dep%%:*}; pkg=$${dep#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || [ -x /usr/sbin/$$cmd ] || missing="$$missing $$pkg"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "not installed:$$missing (their tests are skipped): sudo apt-get install$$missing"; \
	fi

dev: install
	$(BIN)/python -c "from orchestration.cli.common import prepare_dagster_home; from orchestration.lib.environment import prepare_home, process_settings; s = process_settings(); prepare_home(s); print(prepare_dagster_home(s))"
	# PATH: dagster-dbt re-parses the project in dev mode and looks for `dbt` there.
	@# umask 077: the webserver and daemon write the instance (runs, schedules) before any code
	@# location loads; what they write is private too (docs/privacy.md#files-at-rest).
	umask 077 && PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME=$${DAGSTER_HOME:-$(CCR_HOME)/dagster} $(BIN)/dagster dev -w workspace.yaml

# The UI behind nginx: TLS, a password per user, operator and read-only roles, the webservers on
# loopback (docs/security.md). Add a user first: .venv/bin/ccr ui users add NAME --role operator
dev-secure: install
	$(BIN)/ccr ui serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin every dependency (needs the package registry).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# dbt's documentation as one self-contained page (after `make demo`: the catalog reads the build
# file): $(CCR_HOME)/build/dbt-docs/static_index.html
docs: install
	@$(DBT) docs generate --static $(DBT_FLAGS) --target-path $(CCR_HOME)/build/dbt-docs \
		--vars '{"ccr_lakehouse": "$(CCR_HOME)/lakehouse", "ccr_build_database": "$(CCR_HOME)/build/kpis.build.duckdb"}' 
	@echo "dbt docs: $(CCR_HOME)/build/dbt-docs/static_index.html"

# Every benchmark script under bench/ (each prints a table and ends with one JSON line); the
# modules they share (no __main__) are not run.
bench: install
	@set -e; for script in $$(grep -l '^if __name__ == "__main__":' bench/*.py); do echo "== $$script"; $(BIN)/python $$script; done

# Scoring accuracy on bench/scoring_calls.yaml (needs espeak-ng the first time; audio is cached).
bench-scoring: install
	$(BIN)/python bench/scoring_accuracy.py

# French verdict accuracy on the dev and held-out splits of bench/french_set.py (espeak-ng the
# first time; audio and transcripts are cached).
bench-french: install
	$(BIN)/python bench/french_accuracy.py

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
