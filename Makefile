# Everything runs in .venv, created on first use; no other set-up is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := cd example_project && ../$(BIN)/python manage.py
HOST := 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432

.PHONY: help install test test-postgres demo clean

help:
	@echo "make demo           serve the example project on http://$(HOST)/"
	@echo "make test           run the test suite (SQLite)"
	@echo "make test-postgres  run the test suite against the local PostgreSQL"
	@echo "make clean          remove .venv and the demo database"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,example]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A fresh database each run: pytest-django creates test_<name> and drops it.
test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL)/twofactor_$$$$ $(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) ensure_demo_user
	@echo "Serving http://$(HOST)/ (Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST)

clean:
	rm -rf $(VENV) example_project/db.sqlite3 build dist *.egg-info
