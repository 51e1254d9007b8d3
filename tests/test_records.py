"""Record states in the audit trail (lrip.audit): every way lrip writes an audited row puts the row's state in
the chain without the service doing anything (the ORM's flush, an UPDATE or DELETE run through the session,
db.insert_many, rows written after a transaction's last event), so that `verify` can tell a row changed
behind the chain's back from one lrip wrote; and `unverified` answers for a page in two statements."""
from sqlalchemy import delete, event, func, insert, select, text, update

from factory import actor, build_line, just_now, run_op10
from lrip import audit
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.db import engine_for, unit_of_work
from lrip.execution import service as execution
from lrip.execution.models import Measurement, Unit


def _verify(url) -> audit.ChainReport:
    with unit_of_work(url, write=False) as session:
        return audit.verify(session)


def _unit_ready(url, serial="SN-1", *, started=False) -> None:
    with unit_of_work(url) as session:
        build_line(session)
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial=serial)
        if started:
            execution.start_operation(session, actor(session, "olga"), serial=serial, operation=10, tools=["TQ-1"])


def _states(url, table) -> dict[int, str | None]:
    """Each row's last state as the chain gives it."""
    with unit_of_work(url, write=False) as session:
        return {key: digest for key, (_c, digest, _s) in audit._walk(session, set()).states.get(table, {}).items()}


def test_what_the_orm_writes_is_stated_by_the_event_that_follows(db_url):
    _unit_ready(db_url)
    with unit_of_work(db_url) as session:
        run_op10(session, "SN-1", "M-001")
    with unit_of_work(db_url, write=False) as session:
        last = session.execute(select(audit.AuditEvent).where(audit.AuditEvent.action == "measurement.recorded",
                                                              audit.AuditEvent.record_id == "SN-1")).scalar_one()
        key = session.execute(select(Measurement.id).join(Unit).where(Unit.serial == "SN-1")).scalar_one()
        shape = audit.shapes()["measurement"]
        row = session.execute(shape.select().where(shape.table.c.id == key)).one()
    assert last.records == {"measurement": [shape.colset, {str(key): shape.digest(row)}]}
    report = _verify(db_url)
    assert report.ok and report.records >= 6, report.findings


def test_imported_rows_written_by_insert_many_are_stated(db_url):
    _unit_ready(db_url, started=True)
    text_ = f"serial,operation,characteristic,value,recorded_at,operator,gauge\nSN-1,10,TORQUE,2.01,{just_now()},olga,G1\n"
    with unit_of_work(db_url, write=False) as session:
        before = set(session.execute(select(Measurement.id)).scalars())  # the pilot unit's, through the ORM
    with unit_of_work(db_url) as session:
        execution.import_measurements(session, actor(session, "admin"), text=text_, source="station.csv")
    with unit_of_work(db_url, write=False) as session:
        key = session.execute(select(Measurement.id).join(Unit).where(Unit.serial == "SN-1")).scalar_one()
    assert key not in before and _states(db_url, "measurement").keys() == before | {key}
    assert _verify(db_url).ok
    with engine_for(db_url).begin() as conn:  # behind lrip's back
        conn.execute(update(Measurement.__table__).where(Measurement.__table__.c.id == key).values(value=1.5))
    assert [(f.kind, f.record_id) for f in _verify(db_url).findings] == [("record_changed", str(key))]


def test_an_update_and_a_delete_run_through_the_session_are_stated(db_url):
    _unit_ready(db_url)
    with unit_of_work(db_url) as session:
        create_user(session, INSTALLATION, username="x", full_name="X", roles=["viewer"])  # an event before them
        session.execute(update(Unit).where(Unit.serial == "SN-1").values(status="on_hold"))
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-2")
    with unit_of_work(db_url) as session:
        session.execute(delete(Unit).where(Unit.serial == "SN-2"))
    with unit_of_work(db_url, write=False) as session:
        last = session.execute(select(audit.AuditEvent).order_by(audit.AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (last.action, last.record_type) == ("records.written", "records")  # no event followed the delete
    assert list(last.records["unit"][1].values()) == [None]
    report = _verify(db_url)
    assert report.ok, report.findings


def test_rows_written_after_the_last_event_go_in_one_more_event_by_the_same_person(session):
    build_line(session)
    session.commit()
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-9")
    unit = session.execute(select(Unit).where(Unit.serial == "SN-9")).scalar_one()
    unit.status = "scrapped"  # after the unit.created event: nothing else records it
    session.commit()
    last = session.execute(select(audit.AuditEvent).order_by(audit.AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (last.action, last.actor, list(last.records)) == ("records.written", "admin", ["unit"])
    assert audit.verify(session).ok


def test_a_row_stated_under_an_older_column_set_is_checked_on_those_columns(db_url):
    """As after a migration that added a column: the state names the column set it was taken over."""
    _unit_ready(db_url)
    shape = audit.shapes()["unit"]
    older = tuple(c for c in shape.columns if c != "completed_at")
    colset = audit.colset_of("unit", older)
    with unit_of_work(db_url) as session:
        row = session.execute(shape.select().where(shape.table.c.serial == "SN-1")).one()
        digest = audit._shape_of("unit", older).digest(getattr(row, c) for c in older)
        session.execute(insert(audit.AuditColumns).values(colset=colset, table_name="unit", columns=list(older)))
        audit._append(session, "installation", "records.baseline", "records", "unit", None, None, None,
                      {"unit": [colset, {str(row.id): digest}]})
    assert _verify(db_url).ok
    with unit_of_work(db_url, write=False) as session:
        assert audit.unverified(session, "unit", [row.id]) == set()
    with engine_for(db_url).begin() as conn:
        conn.execute(update(Unit.__table__).where(Unit.__table__.c.serial == "SN-1").values(serial="SN-X"))
    assert [f.kind for f in _verify(db_url).findings] == ["record_changed"]


def test_unverified_answers_in_two_statements(db_url):
    _unit_ready(db_url)
    with unit_of_work(db_url) as session:
        run_op10(session, "SN-1", "M-001")
    with engine_for(db_url).begin() as conn:
        conn.execute(text("UPDATE measurement SET value = 9"))
    seen = []

    def count(_conn, _cursor, statement, *_):
        seen.append(statement)

    engine = engine_for(db_url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with unit_of_work(db_url, write=False) as session:
            key = session.execute(select(func.max(Measurement.id))).scalar_one()
            seen.clear()
            found = audit.unverified(session, "measurement", [key, key + 1])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert found == {key}
    assert len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]) == 2
