# Everything runs in .venv, created on first use; no other set-up is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo runs with DEBUG on and the published demo key; nothing else does.
MANAGE := cd example_project && DJANGO_DEBUG=1 ../$(BIN)/python manage.py
HOST := 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432
# tox finds each interpreter of the matrix here (pyenv's shims hide them from
# its discovery, PYENV_VERSION or not).
PYTHONS := $(wildcard $(HOME)/.pyenv/versions/3.1[0-3].*/bin/python3.1[0-3])

.PHONY: help install test test-postgres lint format typecheck wheel-check tox tox-ci bench demo clean

help:
	@echo "make demo           serve the example project on http://localhost:8000/"
	@echo "make test           the test suite on SQLite, with branch coverage (>= 98%)"
	@echo "make test-postgres  the test suite on the local PostgreSQL"
	@echo "make lint           ruff lint and format check"
	@echo "make format         ruff format and safe fixes"
	@echo "make typecheck      mypy --strict on the package"
	@echo "make wheel-check    build sdist and wheel, check their contents, twine check"
	@echo "make tox            the whole version matrix against the built wheel"
	@echo "make bench          the benchmark table"
	@echo "make clean          remove .venv, build output and the demo database"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,example,openapi,webauthn,dev]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# A fresh database each run: pytest-django creates test_<name> and drops it.
test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL)/twofactor_$$$$ $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

wheel-check: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >/dev/null
	$(BIN)/python .ci/check_dist.py dist
	$(BIN)/twine check --strict dist/*

tox: $(STAMP)
	$(BIN)/tox run-parallel --parallel 2 --parallel-no-spinner --discover $(PYTHONS) $(TOX_ARGS)

# The oldest and the newest supported pairs, as CI runs them.
tox-ci: $(STAMP)
	$(BIN)/tox run-parallel --parallel 2 --parallel-no-spinner -e py310-django42,py313-django61 \
		--discover $(PYTHONS) $(TOX_ARGS)

# One table, measured side by side; BENCH_ARGS=--quick for a shorter run.
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) ensure_demo_user
	@echo "Serving http://localhost:8000/ (security keys need this name, not 127.0.0.1; Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST)

clean:
	rm -rf $(VENV) example_project/db.sqlite3 build dist *.egg-info .tox .coverage
