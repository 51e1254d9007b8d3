"""PostgreSQL with least privilege: migrations run as the owner of the tables (lrip_owner), the application
connects as a role that owns nothing (lrip_app, tests/pg_roles.sql, `make pg-roles`). The bypasses of the
append-only triggers the issue lists (TRUNCATE, ALTER TABLE … DISABLE TRIGGER, session_replication_role =
replica) are refused to the application's role; done by someone who holds more (the owner, a superuser),
`lrip audit verify` names what they did. The tests share one database and run in order, the refusals
first, then one bypass each, the truncation of the whole chain last."""
import os
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from factory import actor, build_line, run_op10
from lrip import audit
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work
from lrip.execution import service as execution
from lrip.migrate import upgrade

PG_URL = os.environ.get("LRIP_TEST_PG_URL")
pytestmark = pytest.mark.postgres
ROLES_SQL = Path(__file__).parent / "pg_roles.sql"


def _as(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def roles(installation_key, pg_scratch):
    """A database of its own owned by lrip_owner, migrated by it, with lrip_app granted what it needs; a line
    built and a unit through operation 10 by the application (as lrip_app)."""
    with engine_for(database_url(PG_URL)).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(ROLES_SQL.read_text())  # as `make pg-roles` does; idempotent
    base = pg_scratch("roles", owner="lrip_owner")
    owner, app = _as(base, "lrip_owner"), _as(base, "lrip_app")
    try:
        upgrade(owner, application_url=app)
        with unit_of_work(app) as session:
            build_line(session)
            execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
        with unit_of_work(app) as session:
            run_op10(session, "SN-1", "M-001")
            audit.checkpoint(session, reason="before the bypasses", directory=installation_key)
        yield {"owner": owner, "app": app, "superuser": base, "keys": installation_key}
    finally:
        for url in (owner, app, base):
            engine_for(database_url(url)).dispose()


def _run(url: str, *statements: str) -> None:
    with engine_for(database_url(url)).begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _verify(roles) -> audit.ChainReport:
    """As the application, with the installation key and its checkpoint file."""
    with unit_of_work(roles["app"], write=False) as session:
        return audit.verify(session, directory=roles["keys"])


def test_the_application_role_owns_nothing_and_is_no_superuser(roles):
    with engine_for(database_url(roles["app"])).connect() as conn:
        assert conn.exec_driver_sql("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles "
                                    "WHERE rolname = current_user").one() == (False, False, False)
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                    "WHERE r.rolname = 'lrip_app'").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'"
                                    ).scalar_one() == "lrip_owner"


@pytest.mark.parametrize("table", audit.APPEND_ONLY)
def test_the_application_role_may_only_insert_into_and_read_the_append_only_tables(roles, table):
    with engine_for(database_url(roles["app"])).connect() as conn:
        held = {p: conn.exec_driver_sql(f"SELECT has_table_privilege('{table}', '{p}')").scalar_one()
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")}
    assert held == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False,
                    "TRIGGER": False, "REFERENCES": False}


@pytest.mark.parametrize("statement, refusal", [
    ("TRUNCATE audit_event, audit_head", "permission denied for table audit_event"),
    ("TRUNCATE signature", "permission denied for table signature"),
    ("TRUNCATE measurement", "permission denied for table measurement"),
    ("ALTER TABLE audit_event DISABLE TRIGGER USER", "must be owner of table audit_event"),
    ("ALTER TABLE signature DISABLE TRIGGER ALL", "must be owner of table signature"),
    ("DROP TRIGGER audit_event_append_only ON audit_event", "must be owner of relation audit_event"),
    ("SET session_replication_role = replica", 'permission denied to set parameter "session_replication_role"'),
    ("SET LOCAL session_replication_role = replica",
     'permission denied to set parameter "session_replication_role"'),
    ("UPDATE audit_event SET actor = 'mallory'", "permission denied for table audit_event"),
    ("DELETE FROM signature", "permission denied for table signature"),
    ("DELETE FROM audit_checkpoint", "permission denied for table audit_checkpoint"),
    ("DELETE FROM audit_head", "permission denied for table audit_head"),
], ids=lambda v: v if " " not in v or v.isupper() else None)
def test_each_bypass_is_refused_to_the_application_role(roles, statement, refusal):
    with pytest.raises(DBAPIError, match=refusal):
        _run(roles["app"], statement)
    assert _verify(roles).ok


def test_a_measurement_changed_with_the_triggers_disabled_by_the_owner_is_named(roles):
    key = _measurement(roles)
    _run(roles["owner"], "ALTER TABLE measurement DISABLE TRIGGER USER",
         f"UPDATE measurement SET value = 0.5, in_spec = true WHERE id = {key}",
         "ALTER TABLE measurement ENABLE TRIGGER USER")
    found = [(f.kind, f.record_type, f.record_id) for f in _verify(roles).findings]
    assert ("record_changed", "measurement", str(key)) in found


def test_a_signature_deleted_in_replica_mode_by_a_superuser_is_named(roles):
    with engine_for(database_url(roles["superuser"])).begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        key = conn.exec_driver_sql("DELETE FROM signature WHERE id = (SELECT max(id) FROM signature) RETURNING id"
                                   ).scalar()
    found = [(f.kind, f.record_type, f.record_id) for f in _verify(roles).findings]
    assert ("record_deleted", "signature", str(key)) in found


def test_truncating_the_chain_as_the_owner_is_named(roles):
    """The owner may TRUNCATE (the application may not): the checkpoint beside the key remembers the chain."""
    _run(roles["owner"], "TRUNCATE audit_event, audit_head, audit_checkpoint")
    kinds = {f.kind for f in _verify(roles).findings}
    assert {"head_deleted", "truncated", "checkpoint_deleted", "record_added"} <= kinds


def _measurement(roles) -> int:
    with engine_for(database_url(roles["app"])).connect() as conn:
        return conn.exec_driver_sql("SELECT max(id) FROM measurement").scalar_one()
