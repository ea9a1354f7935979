# Quire: `make run` serves the demo site, `make test` runs the whole test suite.
# Both work on a fresh machine with only Python 3 and make (and apt-get, as root, for extras).
# `make serve` and `make bench` also need the local PostgreSQL and Redis (see the README).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev
# Links in emails (and the admin address `ensure_admin` prints) point where `make run` serves.
export QUIRE_SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run serve bench wrk worker test fuzz install install-dev demo chromium java lint format check clean email-screenshots screenshots

$(PY):
	@bin/ensure-venv "$(PYTHON)" "$(VENV)"

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-demo: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[demo]"
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

# Without STRIPE_SECRET_KEY, payments go to a local Stripe server that stops with the site.
run: demo $(VENV)/.installed-demo
	@echo "Serving Quire on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) bin/with-demo-stripe $(QUIRE_SITE_URL) -- $(PY) manage.py runserver $(HOST):$(PORT)

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

# Java for the Nu HTML checker the email tests run (vnu.jar comes with the dev tools).
java:
	@bin/ensure-java

test: install-dev chromium java
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

# Explore odd input with fresh random examples, 20 times as many as `make test` draws.
fuzz: install-dev
	HYPOTHESIS_PROFILE=explore QUIRE_FUZZ_SCALE=20 DJANGO_SETTINGS_MODULE=config.settings.test \
		$(PY) -m pytest tests/test_fuzz.py $(PYTEST_ARGS)

# Home, a post, the shop, a product, the basket and the Pre-Order Form with errors, at desktop
# and phone widths, into docs/screenshots/ (the README shows them).
screenshots: install-dev chromium
	$(PY) bin/screenshots

# Every kind of shop email photographed at phone width into docs/emails/ (the README shows two).
email-screenshots: install-dev chromium
	$(PY) bin/email-screenshots

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
