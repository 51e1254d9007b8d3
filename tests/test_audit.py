"""The audit trail: one hash-chained event per state change, and verify() finding the first
event changed, removed or reordered when someone edits the table directly in SQL."""
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from factory import actor, build_line, run_op10
from lrip import audit
from lrip.audit import GENESIS, AuditEvent, AuditHead, verify
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.nonconformance import mrb
from lrip.program import service as program

N = 6


def chain(session, n=N):
    """n events: n users created."""
    for i in range(1, n + 1):
        create_user(session, INSTALLATION, username=f"u{i}", full_name=f"User {i}", roles=["operator"])
    session.commit()


def check(session) -> audit.ChainReport:
    with Session(session.get_bind()) as s:
        return verify(s)


def tamper(session, *statements):
    """Edit the audit table behind the services' back, as a person with SQL access could.
    On PostgreSQL the append-only trigger refuses that, so this is a superuser who switches
    triggers off for the transaction first."""
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
    for statement in statements:
        session.execute(statement)
    session.commit()


def rows(session) -> list[AuditEvent]:
    with Session(session.get_bind()) as s:
        return list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


# ---------------------------------------------------------------- appending

def test_every_state_change_appends_one_chained_event_and_a_refusal_none(session):
    build_line(session)
    session.commit()
    start = len(rows(session))
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    run_op10(session, "SN-1", "M-001")
    session.commit()
    with pytest.raises(Refused):
        execution.start_operation(session, actor(session, "newbie"), serial="SN-1", operation=30)
    session.rollback()
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial="SN-1", operation=20)
    execution.record_measurement(session, olga, serial="SN-1", characteristic="VISUAL", result="fail")
    session.commit()
    events = rows(session)
    assert [(e.action, e.actor, e.record_id) for e in events[start:]] == [
        ("unit.created", "admin", "SN-1"),
        ("operation.started", "olga", "SN-1"),
        ("material.consumed", "olga", "SN-1"),
        ("material.consumed", "olga", "SN-1"),
        ("measurement.recorded", "olga", "SN-1"),
        ("operation.completed", "olga", "SN-1"),
        ("operation.started", "olga", "SN-1"),
        ("measurement.recorded", "olga", "SN-1"),
        ("ncr.raised", "olga", "NCR-000001"),
        ("unit.held", "olga", "SN-1"),
    ]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.prev_hash for e in events] == [GENESIS] + [e.hash for e in events[:-1]]
    assert events[-1].reason == "VISUAL Visual inspection failed"
    assert all(e.at.tzinfo is not None for e in events)
    with Session(session.get_bind()) as s:
        head = s.get(AuditHead, 1)
        assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_verify_passes_on_a_built_line(session):
    build_line(session)
    admin, olga = actor(session, "admin"), actor(session, "olga")
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    run_op10(session, "SN-1", "M-001")
    execution.start_operation(session, olga, serial="SN-1", operation=20)
    execution.record_measurement(session, olga, serial="SN-1", characteristic="VISUAL", result="fail")
    mrb.disposition_unit(session, admin, serial="SN-1", action="rework", rework_to=10, reason="MRB-1")
    create_user(session, admin, username="late", full_name="Late Starter", roles=["operator"])
    session.commit()
    events = rows(session)
    report = check(session)
    assert (report.ok, report.events, report.head_hash, report.findings) == (True, len(events), events[-1].hash, ())
    assert report.records > 20  # units, operation records, measurements, holds, NCRs, signatures… as the chain says


def test_an_empty_database_verifies(session):
    report = check(session)
    assert (report.ok, report.events, report.head_hash, report.records, report.findings) == (True, 0, GENESIS, 0, ())


# ---------------------------------------------------------------- tampering

def test_a_changed_field_of_an_event_is_found(session):
    """Each field in turn: change it in SQL, verify points at that event; put it back, verify passes again."""
    chain(session)
    original = next(e for e in rows(session) if e.seq == 3)
    changes = {"after": {"full_name": "Mallory", "roles": ["admin"]}, "before": {"roles": []}, "actor": "mallory",
               "action": "user.deleted", "record_type": "tool", "record_id": "u9", "reason": "nothing to see",
               "at": original.at.replace(year=2020), "prev_hash": "f" * 64, "hash": "e" * 64}
    for column, value in changes.items():
        tamper(session, update(AuditEvent).where(AuditEvent.seq == 3).values({column: value}))
        report = check(session)
        problem = ("event 3 does not follow the event before it: an event was removed or reordered"
                   if column == "prev_hash" else "event 3 was changed after it was recorded")
        assert (report.ok, report.first_bad_seq, report.problem) == (False, 3, problem), column
        tamper(session, update(AuditEvent).where(AuditEvent.seq == 3).values({column: getattr(original, column)}))
        assert check(session).ok, column


def test_a_changed_event_with_its_hash_recomputed_breaks_the_next_link(session):
    chain(session)
    e = next(e for e in rows(session) if e.seq == 3)
    forged_after = {"full_name": "Mallory", "roles": ["admin"]}
    forged = audit.event_hash(e.prev_hash, e.seq, e.at, e.actor, e.action, e.record_type, e.record_id, e.before,
                              forged_after, e.reason)
    tamper(session, update(AuditEvent).where(AuditEvent.seq == 3).values(after=forged_after, hash=forged))
    report = check(session)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 4, "event 4 does not follow the event before it: an event was removed or reordered")


def test_a_deleted_event_is_found(session):
    chain(session)
    tamper(session, delete(AuditEvent).where(AuditEvent.seq == 3))
    report = check(session)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 4, "event 4 found where event 3 should be: an event was removed or reordered")


def test_two_swapped_events_are_found(session):
    chain(session)
    cols = [c for c in AuditEvent.__table__.columns if c.name != "id"]
    by_seq = {e.seq: {c.name: getattr(e, c.key) for c in cols} for e in rows(session)}
    # seq is unique: park one row out of the way, then swap the contents
    tamper(session,
           update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2),
           update(AuditEvent).where(AuditEvent.seq == 4).values(by_seq[2]),
           update(AuditEvent).where(AuditEvent.seq == -2).values(by_seq[4]))
    assert [e.seq for e in rows(session)] == [1, 4, 3, 2, 5, 6]
    report = check(session)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 4, "event 4 found where event 2 should be: an event was removed or reordered")


def test_a_deleted_last_event_is_found(session):
    chain(session)
    last = rows(session)[-1].hash
    tamper(session, delete(AuditEvent).where(AuditEvent.seq == N))
    report = check(session)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, N, f"the chain ends at event {N - 1} but its head says event {N} (hash {last[:12]}…): the head was "
                  "rewritten or events were removed from the end")
    assert report.events == N - 1


def test_the_chain_continues_after_tampering_is_found(session):
    """Appending still works and verify keeps pointing at the first bad event."""
    chain(session)
    tamper(session, update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
    create_user(session, INSTALLATION, username="late", full_name="Late", roles=["viewer"])
    session.commit()
    report = check(session)
    assert (report.ok, report.first_bad_seq) == (False, 2)
    with Session(session.get_bind()) as s:
        assert s.scalar(select(func.max(AuditEvent.seq))) == N + 1


@pytest.mark.parametrize("statement", [update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"),
                                       delete(AuditEvent).where(AuditEvent.seq == N)], ids=["update", "delete"])
def test_postgresql_refuses_plain_edits_of_the_audit_table(session, statement):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no append-only trigger: verify() is the guard there")
    chain(session)
    with pytest.raises(DBAPIError) as exc:
        session.execute(statement)
    session.rollback()
    assert "audit events are append-only" in str(exc.value)
    assert check(session).ok and len(rows(session)) == N


# ---------------------------------------------------------------- reading

def test_history_is_newest_first_and_filters(session):
    chain(session)
    with Session(session.get_bind()) as s:
        assert [e.seq for e in audit.history(s)] == [6, 5, 4, 3, 2, 1]
        assert [e.seq for e in audit.history(s, limit=2, offset=1)] == [5, 4]
        assert [e.record_id for e in audit.history(s, record_type="user", record_id="u3")] == ["u3"]
        assert audit.history(s, record_type="unit") == []
