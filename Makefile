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
# pytest-xdist workers for make test (each has its own test database; a file's tests stay on
# one worker, so a module's shared fixtures are built once); 1 runs the suite in one process
TEST_WORKERS ?= 2

.PHONY: setup system venv lock db migrate assets demo-data demo serve test lint bench clean

setup: system venv db migrate assets

system:
	@echo "==> 检查系统软件包 (Debian packages)…"
	@scripts/system_packages.sh

# Exactly the versions of uv.lock (hashes checked), installed by uv; `make lock` after
# changing a range in pyproject.toml, then commit both with the suite green.
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv
UV_VERSION := 0.13.9
.venv/.installed: pyproject.toml uv.lock
	@echo "==> 安装依赖 (Python packages from uv.lock into .venv)…"
	@test -x $(PY) || python3 -m venv .venv
	@test -x .venv/bin/uv || $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@$(UV) sync -q --locked --extra dev --python $(PY)
	@touch $@

venv: .venv/.installed

lock: venv
	@$(UV) lock --python $(PY)

# Baselines for bench/partition_bench.py only (the `bench` extra); make test does not need them.
.venv/.bench-installed: pyproject.toml uv.lock .venv/.installed
	@$(UV) sync -q --locked --inexact --extra dev --extra bench --python $(PY)
	@touch $@

# ESLint for gis/static/gis/, from the npm registry at the versions of its package-lock.json.
scripts/lint/node_modules/.installed: scripts/lint/package.json scripts/lint/package-lock.json
	@echo "==> 安装 JavaScript 检查工具 (eslint)…"
	@npm ci --prefix scripts/lint --silent --no-audit --no-fund
	@touch $@

db:
	@echo "==> 准备数据库 (PostGIS)…"
	@DATABASE_URL="$(USER_DATABASE_URL)" scripts/ensure_db.sh

migrate: venv db
	@echo "==> 迁移数据库 (migrations)…"
	@$(MANAGE) migrate --noinput -v 0

assets: venv
	@echo "==> 编译翻译与静态文件 (translations, static files)…"
	@$(MANAGE) compilemessages -v 0 --ignore '.venv/*'
	@$(MANAGE) collectstatic --noinput -v 0

demo-data: setup
	@echo "==> 载入示例数据 (demo data, partition)…"
	@$(MANAGE) load_demo

demo: demo-data serve

# The web server and, next to it, a worker of the job queue (partition runs, large imports,
# periodic jobs); both stop together (Ctrl-C or a signal to make).
serve:
	@echo "Serving on http://$(HOST):$(PORT)/ — demo users are listed in README.md"
	@$(MANAGE) procrastinate worker --name "$$(hostname)" & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  .venv/bin/gunicorn gis.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	  --timeout 300 --access-logfile -

test: setup lint
	@echo "==> 运行测试 (pytest)…"
	@DJANGO_SETTINGS_MODULE=gis.settings.test .venv/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: venv scripts/lint/node_modules/.installed
	@echo "==> 代码检查 (ruff check, ruff format --check, eslint)…"
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@node scripts/lint/run.mjs

bench: setup .venv/.bench-installed
	@DJANGO_SETTINGS_MODULE=gis.settings.dev $(PY) bench/run.py

clean:
	rm -rf staticfiles .run/database_url
