# Everything runs in .venv, created on first use; no other set-up is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo runs with DEBUG on and the published demo key; nothing else does.
MANAGE := cd example_project && DJANGO_DEBUG=1 ../$(BIN)/python manage.py
HOST := 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432
MYSQL_URL ?= mysql://root@127.0.0.1:3306
# tox finds each interpreter of the matrix here (pyenv's shims hide them from
# its discovery, PYENV_VERSION or not).
PYTHONS := $(wildcard $(HOME)/.pyenv/versions/3.1[0-3].*/bin/python3.1[0-3])

.PHONY: help install test test-postgres test-mysql lint format typecheck wheel-check tox tox-ci bench bench-scale demo clean

help:
	@echo "make demo           serve the example project on http://localhost:8000/"
	@echo "make test           the test suite on SQLite, with branch coverage (>= 98%)"
	@echo "make test-postgres  the test suite on the local PostgreSQL"
	@echo "make test-mysql     the test suite on the local MariaDB/MySQL (the mysql extra)"
	@echo "make lint           ruff lint and format check"
	@echo "make format         ruff format and safe fixes"
	@echo "make typecheck      mypy --strict on the package"
	@echo "make wheel-check    build sdist and wheel, check their contents, twine check"
	@echo "make tox            the whole version matrix against the built wheel"
	@echo "make bench          the benchmark table"
	@echo "make bench-scale    10^3 against 10^6 users: latency, EXPLAIN, the throughput knee"
	@echo "make docs-responses  rewrite the docs' example curl responses from the example project"
	@echo "make client-python  generate the Python client from the live schema, mypy --strict, run the flow"
	@echo "make client-typescript  the whole flow through the generated TypeScript client (tsc --strict)"
	@echo "make schemathesis  Schemathesis on the live schema: all checks and phases, 2xx reached"
	@echo "make docs           the documentation site (Sphinx, warnings as errors) in docs/_build/html"
	@echo "make clean          remove .venv, build output and the demo database"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,example,openapi,webauthn,dev]"
	touch $(STAMP)

# The mysql extra only where the MySQL suite runs: mysqlclient builds from
# source against Debian's default-libmysqlclient-dev (and pkg-config), which
# `make demo` and `make test` must not need.
MYSQL_STAMP := $(VENV)/.installed-mysql
$(MYSQL_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[mysql]"
	touch $(MYSQL_STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# A fresh database each run: pytest-django creates test_<name> and drops it.
test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL)/twofactor_$$$$ $(BIN)/python -m pytest $(PYTEST_ARGS)

# The same on MariaDB/MySQL, with the server's default collation (the one
# users get); mysqlclient builds against Debian's default-libmysqlclient-dev.
test-mysql: $(MYSQL_STAMP)
	DATABASE_URL=$(MYSQL_URL)/twofactor_$$$$ $(BIN)/python -m pytest $(PYTEST_ARGS)

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

# Throwaway databases of 10^3 and 10^6 users on PostgreSQL (and MariaDB with
# the mysql extra), created and dropped; minutes, never in CI.
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# The responses of the docs' "The flow, with curl" (docs/quickstart.rst), made
# again by the example project (tests/test_docs_responses.py fails when they drift).
.PHONY: docs-responses
docs-responses: $(STAMP)
	$(BIN)/python .ci/docs_responses.py

demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) ensure_demo_user
	@echo "Serving http://localhost:8000/ (security keys need this name, not 127.0.0.1; Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST)

clean:
	rm -rf $(VENV) example_project/db.sqlite3 build dist *.egg-info .tox .coverage
	rm -rf clients/python/build clients/typescript/node_modules clients/typescript/generated \
		clients/typescript/build docs/_build

# The TypeScript client: openapi-typescript's types of the live schema (generated
# afresh into a git-ignored folder), openapi-fetch, tsc --strict, then the whole
# flow against the example project (clients/live.py). npm ci once per lock change.
# --default-non-nullable false: by default openapi-typescript makes a property with
# a default required, even in a component that only request bodies use
# (trust_device, everywhere); the server treats them as optional, and so do we.
TS_CLIENT := clients/typescript
$(TS_CLIENT)/node_modules/.installed: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund
	touch $@

.PHONY: client-typescript
client-typescript: $(STAMP) $(TS_CLIENT)/node_modules/.installed
	$(BIN)/python clients/live.py --settings clients.flow_settings -- sh -ec '\
		cd $(TS_CLIENT); rm -rf generated build; \
		node_modules/.bin/openapi-typescript "$$SCHEMA_FILE" --default-non-nullable false \
			-o generated/schema.d.ts; \
		node_modules/.bin/tsc -p tsconfig.json; \
		node build/flow.js'

# The Python client openapi-python-client generates from the live schema
# (clients/python/run.py): it must generate with no warning, import, pass
# mypy --strict with the flow, and drive the whole flow (clients/python/flow.py)
# against the example project served by clients/live.py. The generator has a
# venv of its own (its pins of ruff, pydantic and typer stay out of .venv); the
# client's run-time needs (httpx, python-dateutil and its stubs) go into .venv.
GEN_VENV := $(VENV)/generators
GEN_STAMP := $(GEN_VENV)/.installed
CLIENT_PY_STAMP := $(VENV)/.installed-client-python

$(GEN_STAMP): clients/python/requirements-generator.txt
	test -x $(GEN_VENV)/bin/python || $(PYTHON) -m venv $(GEN_VENV)
	$(GEN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GEN_VENV)/bin/python -m pip install --quiet -r clients/python/requirements-generator.txt
	touch $(GEN_STAMP)

$(CLIENT_PY_STAMP): $(STAMP) clients/python/requirements.txt
	$(BIN)/python -m pip install --quiet -r clients/python/requirements.txt
	touch $(CLIENT_PY_STAMP)

.PHONY: client-python
client-python: $(STAMP) $(GEN_STAMP) $(CLIENT_PY_STAMP)
	$(BIN)/python clients/live.py --settings clients.flow_settings -- \
		$(BIN)/python clients/python/run.py --generator $(GEN_VENV)/bin/openapi-python-client

# The documentation site (docs/, as Read the Docs builds it from
# .readthedocs.yaml): warnings are errors, every reference must resolve (-n),
# and the settings reference is generated from django_twofactor/conf.py; -E
# reads every page each time (two seconds), so no warning hides in a cache.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

.PHONY: docs
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -n -E -b html docs docs/_build/html

# Schemathesis against the live schema (clients/schemathesis/run.py): every
# check, every phase (examples, coverage, fuzzing, stateful along the schema's
# links), seed 15, a bounded number of examples; the hooks set up four users
# over HTTP and give each operation a token it can succeed with; then every
# operation that can answer 2xx without a valid code must have. Reports in
# clients/schemathesis/report/. Schemathesis has a venv of its own, with the
# hooks' needs (pyotp; cryptography and cbor2 for the test suite's software
# authenticator): its pins and the project's never meet.
ST_VENV := $(VENV)/schemathesis
ST_STAMP := $(ST_VENV)/.installed

$(ST_STAMP): clients/schemathesis/requirements.txt
	test -x $(ST_VENV)/bin/python || $(PYTHON) -m venv $(ST_VENV)
	$(ST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ST_VENV)/bin/python -m pip install --quiet -r clients/schemathesis/requirements.txt
	touch $(ST_STAMP)

.PHONY: schemathesis
schemathesis: $(STAMP) $(ST_STAMP)
	$(BIN)/python clients/live.py -- $(ST_VENV)/bin/python clients/schemathesis/run.py

# Every install CI needs, before .ci/run starts its targets side by side: two
# pips in one venv at once would race.
.PHONY: install-ci
install-ci: $(STAMP) $(MYSQL_STAMP) $(DOCS_STAMP) $(GEN_STAMP) $(CLIENT_PY_STAMP) $(ST_STAMP) \
		$(TS_CLIENT)/node_modules/.installed
