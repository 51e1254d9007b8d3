"""On PostgreSQL the audit trail refuses UPDATE and DELETE by trigger; a DBA who must
(the tamper tests of `audit verify`) switches it off with ALTER TABLE … DISABLE TRIGGER USER."""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from lrip import audit
from lrip.audit import AuditEvent
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.db import is_postgres


@pytest.fixture
def pg(session):
    if not is_postgres(session):
        pytest.skip("the append-only trigger is PostgreSQL's")
    create_user(session, INSTALLATION, username="olga", full_name="Olga Operator", roles=["operator"])
    session.commit()
    return session


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"])
def test_audit_events_cannot_be_updated_or_deleted(pg, statement):
    with pytest.raises(DBAPIError, match="audit events are append-only"):
        pg.execute(text(statement))
    pg.rollback()
    assert pg.execute(select(AuditEvent.actor)).scalars().all() == ["installation"]
    assert audit.verify(pg).ok


def test_a_dba_can_switch_the_trigger_off_and_truncate_still_works(pg):
    pg.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    pg.execute(text("UPDATE audit_event SET actor = 'mallory'"))
    pg.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    pg.commit()
    assert not audit.verify(pg).ok
    pg.rollback()
    pg.execute(text("TRUNCATE audit_event, audit_head"))
    pg.commit()
    assert pg.execute(select(func.count(AuditEvent.id))).scalar_one() == 0
