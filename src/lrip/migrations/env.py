"""Alembic environment: the URL comes from lrip's config, the tables from every area's models."""
import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

from lrip.areas import load
from lrip.db import Base, get_engine

load()
config = context.config
# SQLite's batch mode reflects the tables a rebuilt table refers to and cannot reflect their lower(...)
# unique indexes; nothing is lost (a rebuilt table's own are created again by its revision, and
# tests/test_migrations.py checks every one is there at head), so the warning is noise in `lrip init`.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                        category=SAWarning)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = get_engine(config.get_main_option("sqlalchemy.url")).execution_options(lrip_readonly=True)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
