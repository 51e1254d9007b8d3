"""Models and migrations never drift: an empty database upgraded by Alembic has exactly the
schema Base.metadata describes, on SQLite and on PostgreSQL; and the migrations go down and up again."""
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from lrip.config import database_url
from lrip.areas import load as load_models
from lrip.db import Base, engine_for
from lrip.migrate import alembic_config, upgrade

load_models()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """A URL to a database with no tables at all: a new SQLite file, or this worker's emptied PostgreSQL one."""
    if request.param == "sqlite":
        url = database_url(f"sqlite:///{tmp_path / 'empty.db'}")
        yield url
        engine_for(url).dispose()
        return
    url = request.getfixturevalue("pg_scratch")("migrations")
    yield url
    engine_for(url).dispose()


def diffs(url: str) -> list:
    with engine_for(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def tables(url: str) -> set[str]:
    return set(inspect(engine_for(url)).get_table_names())


def test_the_migrations_have_one_head():
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_an_upgraded_empty_database_matches_the_models(empty_url):
    assert tables(empty_url) == set()
    upgrade(empty_url)
    assert tables(empty_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert diffs(empty_url) == []


def test_the_migrations_go_down_to_nothing_and_up_again(empty_url):
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    engine_for(empty_url).dispose()
    assert tables(empty_url) == {"alembic_version"}
    upgrade(empty_url)
    assert diffs(empty_url) == []


def test_every_case_insensitive_unique_index_survives_the_table_rebuilds(empty_url):
    """SQLite's batch mode rebuilds a table without the lower(...) indexes it cannot reflect: each revision
    that rebuilds one creates them again, so every one any revision made is there at head."""
    import re
    from pathlib import Path

    import lrip.migrate
    sources = (Path(lrip.migrate.__file__).parent / "migrations" / "versions").glob("*.py")
    made = {name for f in sources for name in re.findall(r"create_index\(\s*'(ux_\w+_ci)'", f.read_text())}
    upgrade(empty_url)
    listing = ("SELECT name FROM sqlite_master WHERE type = 'index'" if empty_url.startswith("sqlite")
               else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    with engine_for(empty_url).connect() as conn:
        present = set(conn.execute(text(listing)).scalars())
    assert len(made) >= 11 and made <= present, sorted(made - present)
