# Two commands: `make demo` (set up and serve) and `make test` (set up and run the suite).
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
export DJANGO_SETTINGS_MODULE ?= gis.settings.dev
# A DATABASE_URL the user set wins; otherwise the one scripts/ensure_db.sh found or
# started, read after it has run (recursive expansion).
USER_DATABASE_URL := $(DATABASE_URL)
export DATABASE_URL = $(or $(USER_DATABASE_URL),$(shell cat .run/database_url 2>/dev/null))
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup system venv db migrate assets demo-data demo serve test lint bench clean

setup: system venv db migrate assets

system:
	@scripts/system_packages.sh

.venv/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: .venv/.installed

# Baselines for bench/partition_bench.py only (the `bench` extra); make test does not need them.
.venv/.bench-installed: pyproject.toml .venv/.installed
	@$(PY) -m pip install -q -e '.[dev,bench]'
	@touch $@

db:
	@DATABASE_URL="$(USER_DATABASE_URL)" scripts/ensure_db.sh

migrate: venv db
	@$(MANAGE) migrate --noinput -v 0

assets: venv
	@$(MANAGE) compilemessages -v 0 --ignore '.venv/*'
	@$(MANAGE) collectstatic --noinput -v 0

demo-data: setup
	@$(MANAGE) load_demo

demo: demo-data serve

# The web server and, next to it, the partition worker (the map's partition runs); both stop
# together (Ctrl-C or a signal to make).
serve:
	@echo "Serving on http://$(HOST):$(PORT)/ — demo users are listed in README.md"
	@$(MANAGE) partition_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  .venv/bin/gunicorn gis.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	  --timeout 300 --access-logfile -

test: setup
	@DJANGO_SETTINGS_MODULE=gis.settings.test .venv/bin/pytest

lint: venv
	@.venv/bin/ruff check .

bench: setup .venv/.bench-installed
	@DJANGO_SETTINGS_MODULE=gis.settings.dev $(PY) bench/run.py

clean:
	rm -rf staticfiles .run/database_url
