# Liaison CRM — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
# The links in the emails the worker sends (invitations, password resets) lead to the server `make run` starts.
SITE_URL ?= http://127.0.0.1:$(PORT)

# Local development and the test suite run with development settings; production sets these itself.
export DEBUG ?= 1
export DJANGO_SETTINGS_MODULE := liaison_crm.settings

.PHONY: run test install services browser lint format clean bench wrk

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet ".[dev]"
	@rm -rf build *.egg-info
	@touch $@

install: $(INSTALLED)

services: install
	@$(BIN)/python -m liaison_crm.preflight --create-database

run: services
	@$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Liaison CRM is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password liaison-demo): officer, officer2, manager, manager2, admin"
	@echo "  Outgoing mail is printed below by the worker. Stop everything with Ctrl-C."
	@echo ""
	@SITE_URL="$(SITE_URL)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT) --procfile Procfile

# Browser tests drive Debian's Chromium; as root (CI) it is installed when missing, otherwise they skip.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install chromium: browser tests will be skipped."; \
	  else \
	    echo "Chromium is missing: browser tests will be skipped (install it with: sudo apt-get install chromium)."; \
	  fi; \
	fi

# The benchmark drives the server with Debian's wrk; as root (CI) it is installed when missing.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's wrk for the benchmark…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || echo "Could not install wrk: the benchmark and its test cannot run."; \
	  else \
	    echo "wrk is missing: the benchmark and its test need it (install it with: sudo apt-get install wrk)."; \
	  fi; \
	fi

# The suite's Celery messages go to their own Redis database, never to a worker of `make run`.
test: export REDIS_URL := $(or $(TEST_REDIS_URL),redis://127.0.0.1:6379/15)
# Two processes (pytest-xdist), one per core; each gets its own test database. A module's tests stay together.
PYTEST_ARGS ?= -n 2 --dist loadfile
test: services browser wrk
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: install
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles build *.egg-info

.PHONY: backup restore
# `make backup` writes backups/<database>-<time>.dump; `make restore FILE=backups/….dump` brings it back.
backup: install
	@$(BIN)/python -m liaison_crm.backup dump $(FILE)

restore: install
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/<name>.dump"; exit 2; }
	@$(BIN)/python -m liaison_crm.backup restore $(FILE)

# The benchmark (bench/, README "Benchmark"): its own database (liaison_crm_bench) and server on port 8100.
# `make bench` builds 100,000 stakeholders and 1,000,000 interactions and takes about a quarter of an hour;
# `make bench SIZE=small` is the quick run (under three minutes). BENCH_ARGS passes more options, e.g.
# BENCH_ARGS="--only api_list,stakeholder_page --duration 5" (python -m bench --help lists them).
SIZE ?= default
bench: install wrk
	@$(BIN)/python -m liaison_crm.preflight
	@$(BIN)/python -m bench --size $(SIZE) $(BENCH_ARGS)
