"""Create or upgrade a database with Alembic; the only way lrip makes tables outside tests.

On PostgreSQL the migrations may run as the tables' owner while the application connects as a role
that owns nothing (`lrip init --owner-url`, or LRIP_OWNER_DATABASE_URL): after every upgrade the
owner grants that role what it needs and no more (`grant`): INSERT and SELECT only on the
append-only tables, no TRUNCATE, and, owning nothing, it can neither ALTER a table nor disable its
triggers (and, not a superuser, it cannot set session_replication_role).
"""
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import make_url

from lrip import audit
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url(url))
    return cfg


def upgrade(url: str | None = None, *, application_url: str | None = None) -> bool:
    """Migrate to the latest revision; then keep today's audited column sets and, in the upgrade that
    begins keeping record states, the state of every existing record (lrip.audit.after_upgrade). Given the
    application's own URL (another role), grant it its privileges. True when the database was new."""
    url = database_url(url)
    with engine_for(url).connect() as connection:
        fresh = MigrationContext.configure(connection).get_current_revision() is None
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    with unit_of_work(url) as session:
        audit.after_upgrade(session, baseline=bool(cfg.attributes.get("lrip_baseline_records")))
    if application_url is not None:
        grant(url, application_url)
    return fresh


def grant(owner_url: str, application_url: str) -> None:
    """As the owner, give the application's role (the user of `application_url`) what it needs on PostgreSQL."""
    owner_url, application_url = database_url(owner_url), database_url(application_url)
    engine = engine_for(owner_url)
    if engine.dialect.name != "postgresql":
        return
    role = engine.dialect.identifier_preparer.quote(make_url(application_url).username)
    if make_url(application_url).username == make_url(owner_url).username:
        return
    append_only = ", ".join(audit.APPEND_ONLY)
    with engine.begin() as connection:
        for statement in (
                f"GRANT USAGE ON SCHEMA public TO {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                f"REVOKE UPDATE, DELETE ON {append_only} FROM {role}",
                f"REVOKE DELETE ON audit_head FROM {role}",
                f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
                f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}"):
            connection.exec_driver_sql(statement)
