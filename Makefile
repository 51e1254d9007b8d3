# lrip: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
# make test runs the suite on one worker per core (pytest-xdist; each module stays on one worker, each worker
# has its own PostgreSQL database): TEST_WORKERS=0 runs it in one process. The schemathesis run goes after it
# in one process: under xdist its lazily generated cases collapse into one test that checks almost nothing.
TEST_WORKERS ?= auto
SCHEMATHESIS := tests/api/test_schemathesis.py
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --ignore=$(SCHEMATHESIS) && $(BIN)/python -m pytest $(SCHEMATHESIS)

.PHONY: run test bench setup postgres pg-roles browser pdf clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: setup pdf
	$(BIN)/lrip init
	$(BIN)/lrip demo --if-empty
	@echo "lrip is at http://$(HOST):$(PORT) — sign in as a demo user (operator mreyes, quality engineer rchen,"
	@echo "program manager ggarcia, ... see README.md) with the password ramp-to-rate-2026, or as admin with"
	@echo "the password lrip init printed the first time. API docs: http://$(HOST):$(PORT)/api/docs"
	$(BIN)/lrip serve --host $(HOST) --port $(PORT)

# Starts the local PostgreSQL if it is installed but stopped; the suite then runs on it too.
postgres:
	@$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null \
	  || { command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1 \
	       && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start 2>/dev/null; true; }

# The application's and the owner's PostgreSQL roles (tests/pg_roles.sql), on the local server when it answers;
# idempotent. tests/test_pg_roles.py shows what the application's role may not do.
pg-roles: setup
	@$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3, autocommit=True).execute(open('tests/pg_roles.sql').read())" 2>/dev/null \
	  && echo "PostgreSQL roles lrip_owner and lrip_app are in place" || true

# The browser tests drive Debian's Chromium at /usr/bin/chromium; install it if it is missing
# (never a browser download such as `playwright install`). Needs root, as on CI.
browser:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# WeasyPrint (the FAI and readiness PDFs) needs Pango from Debian; install it if it is missing. pdfsig
# (poppler-utils) shows the evidence package's PDF signature as a reviewer sees it; the tests use it too.
pdf:
	@ldconfig -p | grep -q libpangoft2-1.0 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }
	@command -v pdfsig >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils; }

test: setup postgres pg-roles browser pdf
	$(BIN)/lint-imports --no-cache
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL answers at $(PG_URL): the suite runs on SQLite and PostgreSQL"; \
	  export LRIP_TEST_PG_URL=$(PG_URL) && $(PYTEST); \
	else \
	  echo "PostgreSQL does not answer at $(PG_URL): the suite runs on SQLite only"; \
	  $(PYTEST); \
	fi

bench: setup postgres
	LRIP_BENCH_PG_URL=$(PG_URL) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
