"""Databases for tests: every service test runs on SQLite, and again on PostgreSQL
when LRIP_TEST_PG_URL is set (make test sets it when the local server answers).

Both are built by the real Alembic migrations: SQLite once into a template file
copied for each test, PostgreSQL once per run (per pytest-xdist worker, each in a database of its own)
and truncated between tests.
"""
import fcntl
import os
import shutil

import pytest
import typer.testing
from sqlalchemy import Integer, func, make_url, select, text
from sqlalchemy.orm import Session

from lrip import keys
from lrip.config import database_url
from lrip.areas import load as load_models
from lrip.db import Base, engine_for
from lrip.migrate import upgrade

os.environ.setdefault("LRIP_FAST_HASH", "1")  # cheap argon2 parameters: tests hash many passwords
_clis: dict[int, object] = {}
typer.testing._get_command = lambda app: _clis.get(id(app)) or _clis.setdefault(id(app), typer.main.get_command(app))
"""CliRunner.invoke built the whole `lrip` command tree again for every call (about 0.2 s, from the annotations
of ~150 commands): built once per app for the run instead, as one `lrip` process builds it once."""
load_models()
PG_URL = os.environ.get("LRIP_TEST_PG_URL")


@pytest.fixture(scope="session", autouse=True)
def installation_key(tmp_path_factory):
    """One Ed25519 installation key for the run (lrip.keys), never the user's own: what session fixtures sign with."""
    directory = keys.init(tmp_path_factory.mktemp("installation") / "keys").directory
    os.environ["LRIP_KEYS_DIR"] = str(directory)
    return directory


@pytest.fixture(autouse=True)
def keys_dir(installation_key, tmp_path_factory, monkeypatch):
    """Each test signs its audit checkpoints with the run's key into a checkpoint file of its own."""
    path = tmp_path_factory.mktemp("keys")
    for name in (keys.PRIVATE, keys.PUBLIC):
        shutil.copy2(installation_key / name, path / name)
    monkeypatch.setenv("LRIP_KEYS_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "lrip.db"
    upgrade(f"sqlite:///{path}")
    engine_for(database_url(f"sqlite:///{path}")).dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory, worker_id):
    """The demo with 12 LRIP units (a file to copy), built once for the run: by the first pytest-xdist worker that
    asks for it, while the others wait on its lock, then copy it. The demo signs nothing with the worker's key."""
    from lrip.demo import load_demo

    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if worker_id != "master" else shared  # the run's folder, above the workers' own
    built = shared / "demo-12.db"
    with open(shared / "demo-12.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            building = shared / "demo-12.building.db"
            shutil.copy(sqlite_template, building)
            url = database_url(f"sqlite:///{building}")
            load_demo(url, units=12)
            engine_for(url).dispose()
            building.rename(built)
    return built


@pytest.fixture(scope="session", autouse=True)
def lrip_home(tmp_path_factory):
    """The CLI's sign-in sessions of this run (and of this worker, under xdist), never the user's own."""
    os.environ["LRIP_HOME"] = str(tmp_path_factory.mktemp("home"))


def _worker_database(url: str, purpose: str = "", owner: str | None = None) -> str:
    """The test database of this pytest-xdist worker (`test_gw0`; `test_roles_gw0` for a `purpose`), created
    when missing, owned by `owner` when given: the workers run side by side and each empties its own.
    Without xdist and without a purpose, the database named."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker and not purpose:
        return url
    base = make_url(url)
    name = "_".join(p for p in (base.database, purpose, worker) if p)
    with engine_for(database_url(url)).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f" OWNER {owner}" if owner else "")))
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_scratch():
    """make(purpose, owner=None): a PostgreSQL database of this worker's with nothing in it, for a test that
    needs a database of its own (migrations from nothing, roles). It is kept and emptied (its schema dropped
    and made again) rather than created and dropped each time: CREATE and DROP DATABASE wait for a checkpoint
    of the whole server, which took 25 to 93 s while the other worker wrote."""
    if not PG_URL:
        pytest.skip("LRIP_TEST_PG_URL is not set")

    def make(purpose: str, owner: str | None = None) -> str:
        url = _worker_database(PG_URL, purpose, owner)
        with engine_for(database_url(url)).begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text(f"CREATE SCHEMA public AUTHORIZATION {owner or 'pg_database_owner'}"))
        engine_for(database_url(url)).dispose()
        return url

    return make


@pytest.fixture(scope="session")
def pg_migrated():
    if not PG_URL:
        pytest.skip("LRIP_TEST_PG_URL is not set")
    own = _worker_database(PG_URL)
    engine = engine_for(database_url(own))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(own)
    url = database_url(own)
    with engine_for(url).connect() as conn:
        SEEDED.update({t.name: [dict(r._mapping) for r in conn.execute(t.select().order_by(*t.primary_key))]
                       for t in Base.metadata.sorted_tables
                       if conn.execute(select(func.count()).select_from(t)).scalar()})
    return url


SEEDED: dict[str, list[dict]] = {}
"""The rows the migrations themselves put in (the first defect codes), put back after each truncation, as a
fresh SQLite copy of the template has them; the ids come from the sequences again, in the same order."""


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine_for(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for name, rows in SEEDED.items():
            table = Base.metadata.tables[name]
            serial = {c.name for c in table.primary_key if c.autoincrement is True or
                      (c.autoincrement == "auto" and isinstance(c.type, Integer))}
            conn.execute(table.insert(), [{k: v for k, v in r.items() if k not in serial} for r in rows])


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
