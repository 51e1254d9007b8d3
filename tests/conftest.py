"""Databases for tests: every service test runs on SQLite, and again on PostgreSQL
when LRIP_TEST_PG_URL is set (make test sets it when the local server answers).

Both are built by the real Alembic migrations: SQLite once into a template file
copied for each test, PostgreSQL once per run and truncated between tests.
"""
import os
import shutil

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from lrip.config import database_url
from lrip.areas import load as load_models
from lrip.db import Base, engine_for
from lrip.migrate import upgrade

os.environ.setdefault("LRIP_FAST_HASH", "1")  # cheap argon2 parameters: tests hash many passwords
load_models()
PG_URL = os.environ.get("LRIP_TEST_PG_URL")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "lrip.db"
    upgrade(f"sqlite:///{path}")
    engine_for(database_url(f"sqlite:///{path}")).dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated():
    if not PG_URL:
        pytest.skip("LRIP_TEST_PG_URL is not set")
    engine = engine_for(database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(PG_URL)
    return database_url(PG_URL)


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine_for(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A migrated, empty database URL: SQLite file, or the test PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "lrip.db"
        shutil.copy(template, path)
        url = database_url(f"sqlite:///{path}")
        yield url
        engine_for(url).dispose()
    else:
        url = request.getfixturevalue("pg_migrated")
        _truncate_pg(url)
        yield url


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    """SQLite only, for tests that need not run twice (CLI, pure wiring)."""
    path = tmp_path / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = database_url(f"sqlite:///{path}")
    yield url
    engine_for(url).dispose()


@pytest.fixture
def session(db_url):
    """A read-write unit of work for the test, which is its entry point: the services it calls run in it,
    and the test commits when it wants its records seen by another connection (the API, the CLI)."""
    with Session(engine_for(db_url), expire_on_commit=False, info={"uow": "write"}) as s:
        yield s
