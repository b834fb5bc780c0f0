# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_PORT ?= 8000
# Test processes (pytest-xdist): one per core; TEST_WORKERS=0 runs in this process only.
TEST_WORKERS ?= auto
# The hard moments for code that reads the clock (tests/conftest.py, HARD_MOMENTS).
CLOCK_MOMENTS := 2026-10-31T23:30:00+00:00 2027-01-01T03:00:00+00:00 \
  2026-11-01T08:30:00+00:00 2026-03-08T09:30:00+00:00 2026-12-31T23:30:00+00:00

# axe-core, the accessibility checker the browser tests inject into every page (npm registry,
# pinned; tests/e2e/conftest.py). Installed into var/node once per version.
AXE_CORE_VERSION := 4.14.1
AXE_STAMP := var/node/.axe-core-$(AXE_CORE_VERSION)

.PHONY: run test test-clock lint format bench bench-load bench-profile venv system-check system-check-test migrate seed clean e2e axe

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages (one list: deploy/debian-packages.txt): installed when this user can
# (root or passwordless sudo), otherwise the command is printed. Only WeasyPrint's own
# libraries and libmagic (uploads) are required; faster font subsetting and the browser are warnings when missing.
system-check:
	@deploy/debian-packages pdf pdf-fast uploads

system-check-test:
	@deploy/debian-packages pdf pdf-fast uploads test

# Without npm the browser tests still run but skip the accessibility checks (CI=true fails).
$(AXE_STAMP):
	@if command -v npm >/dev/null; then \
	  mkdir -p var/node && \
	  npm install --prefix var/node --no-audit --no-fund --no-save --silent axe-core@$(AXE_CORE_VERSION) && \
	  touch $@; \
	else \
	  echo "Warning: npm is not installed: the browser tests will not check accessibility."; \
	  [ -z "$$CI" ]; \
	fi

axe: $(AXE_STAMP)

migrate: venv
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: system-check seed
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py sync_schedules
	@echo ""
	@echo "  KAP Practice is starting on http://127.0.0.1:$(RUN_PORT)/"
	@$(PY) manage.py demo_logins
	@echo "  Ctrl-C stops the web server, the Celery worker and beat."
	@echo ""
	@# Ctrl-C makes honcho stop all three and exit with 130: a normal end, not an error.
	PORT=$(RUN_PORT) $(VENV)/bin/honcho -f Procfile.dev start || [ $$? -eq 130 ]

test: system-check-test venv axe
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The suite (browser tests aside) with the clock at each hard moment, one run per moment.
test-clock: system-check venv
	@set -e; for moment in $(CLOCK_MOMENTS); do \
	  echo "== clock at $$moment"; \
	  $(PY) -m pytest -n $(TEST_WORKERS) -m "not browser" --clock "$$moment" $(PYTEST_ARGS); \
	done

e2e: system-check-test venv axe
	$(PY) -m pytest tests/e2e -m browser $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) -m bench

# The load test on PostgreSQL (DATABASE_URL's server): `make bench-load BENCH_LOAD_ARGS="--duration 60 --users 16"`.
bench-load: venv
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench load $(BENCH_LOAD_ARGS)

# CPU ms, queries and the top functions of each request of the load test's mix, in process.
bench-profile: venv
	$(PY) -m bench profile $(BENCH_PROFILE_ARGS)

clean:
	rm -rf var/broker var/beat-schedule* var/outbox
