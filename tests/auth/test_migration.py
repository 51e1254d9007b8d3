"""Migration 0002 builds exactly the account tables the models describe (tests/test_migrations.py
checks the whole schema; this one stays green while other areas' tables are in the making)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lrip.db import Base, engine_for

OURS = {"user_account", "api_token", "signature", "sign_in"}


def _tables(diff) -> set:
    """The names a schema difference is about: tables, and the tables of its columns and indexes."""
    item = diff[0] if isinstance(diff, list) else diff
    return {part if isinstance(part, str) else getattr(getattr(part, "table", part), "name", None)
            for part in item[1:]}


def test_the_migrated_account_tables_match_the_models(db_url):
    with engine_for(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [d for d in diffs if _tables(d) & OURS] == []
