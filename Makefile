# Quire: `make run` serves the demo site, `make test` runs the whole test suite.
# Both work on a fresh machine with only Python 3 and make (and apt-get, as root, for extras).
# `make serve` and `make bench` also need the local PostgreSQL and Redis (see the README).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run serve bench wrk worker test install install-dev demo chromium lint format check clean

$(PY):
	@bin/ensure-venv "$(PYTHON)" "$(VENV)"

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_admin

run: demo
	@echo "Serving Quire on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	@PY=$(PY) HOST=$(HOST) PORT=$(PORT) bin/serve

wrk:
	@bin/ensure-wrk

bench: install wrk
	$(PY) bench/run $(BENCH_ARGS)

# The task worker production runs (README, "Background tasks"). `make run` needs none: the dev
# settings run tasks in the request unless it too is started with QUIRE_TASK_BACKEND=database.
worker: install
	$(PY) manage.py migrate --noinput
	QUIRE_TASK_BACKEND=database $(PY) manage.py db_worker

chromium:
	@bin/ensure-chromium

test: install-dev chromium
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
