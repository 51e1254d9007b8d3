"""Record states in the audit trail (lrip.audit): every way lrip writes an audited row puts the row's state in
the chain without the service doing anything (the ORM's flush, an UPDATE or DELETE run through the session,
db.insert_many, rows written after a transaction's last event), so that `verify` can tell a row changed
behind the chain's back from one lrip wrote; and `unverified` answers for a page in two statements."""
import hashlib
from datetime import timedelta, timezone

from hypothesis import given, settings, strategies as st
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Float, Integer, LargeBinary, MetaData, Numeric, String,
                        Table, Text, delete, event, func, insert, select, text, update)

from factory import actor, build_line, just_now, run_op10
from lrip import audit
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.auth.models import User
from lrip.catalog.models import Characteristic
from lrip.db import UTCDateTime, canonical_json, engine_for, insert_many, unit_of_work, utcnow as just_now_utc
from lrip.execution import imports, service as execution
from lrip.execution.models import Measurement, OperationRecord, Unit


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
        imports.import_measurements(session, actor(session, "admin"), text=text_, source="station.csv")
    with unit_of_work(db_url, write=False) as session:
        key = session.execute(select(Measurement.id).join(Unit).where(Unit.serial == "SN-1")).scalar_one()
    assert key not in before and _states(db_url, "measurement").keys() == before | {key}
    assert _verify(db_url).ok
    with engine_for(db_url).begin() as conn:  # behind lrip's back
        conn.execute(update(Measurement.__table__).where(Measurement.__table__.c.id == key).values(value=1.5))
    assert [(f.kind, f.record_id) for f in _verify(db_url).findings] == [("record_changed", str(key))]


def _measurements(session, values: list, serial="SN-1") -> list[tuple]:
    """Rows of measurement for insert_many (imports.MEASUREMENT_COLUMNS), one per value, on the unit's open attempt."""
    unit = session.execute(select(Unit).where(Unit.serial == serial)).scalar_one()
    record = session.execute(select(OperationRecord.id).where(OperationRecord.unit_id == unit.id)).scalar_one()
    char = session.execute(select(Characteristic.id).where(Characteristic.code == "TORQUE")).scalar_one()
    by = session.execute(select(User.id).where(User.username == "olga")).scalar_one()
    return [(unit.id, char, record, value, None, True, "G1", just_now_utc(), by, "import") for value in values]


def test_rows_written_by_insert_many_are_stated_from_the_values_written_none_read_back(db_url):
    """Before: the event read every new row back from the table to digest it."""
    _unit_ready(db_url, started=True)
    seen = []

    def keep(_conn, _cursor, statement, *_):
        seen.append(statement)

    engine = engine_for(db_url)
    with unit_of_work(db_url) as session:
        rows = _measurements(session, [2.0, 2.01, 2.02])
        event.listen(engine, "before_cursor_execute", keep)
        try:
            insert_many(session, Measurement.__table__, imports.MEASUREMENT_COLUMNS, rows)
            audit.record(session, actor="olga", action="measurements.imported", record_type="import", record_id="x")
        finally:
            event.remove(engine, "before_cursor_execute", keep)
    assert not [s for s in seen if "measurement.value" in s]
    with unit_of_work(db_url, write=False) as session:
        assert _states(db_url, "measurement").keys() == set(session.execute(select(Measurement.id)).scalars())
    assert _verify(db_url).ok


def test_numbers_written_by_insert_many_are_stated_as_the_database_keeps_them(db_url):
    """SQLite keeps no negative zero and stores NaN as NULL; PostgreSQL keeps both: each row's state is its row as
    stored, so that verify finds nothing changed."""
    _unit_ready(db_url, started=True)
    with unit_of_work(db_url) as session:
        insert_many(session, Measurement.__table__, imports.MEASUREMENT_COLUMNS,
                    _measurements(session, [-0.0, float("nan"), 0.0, -0.0, 1.5]))
    report = _verify(db_url)
    assert report.ok, report.findings


def test_a_row_a_database_default_completes_is_read_back_and_a_reused_id_stated_afresh(db_url):
    """A unit written without its position (the database's default fills it) is read back to be digested; a
    measurement written on the id of one deleted in the same transaction (SQLite gives the highest id again) is
    stated as the new row, not as deleted."""
    _unit_ready(db_url, started=True)
    with unit_of_work(db_url) as session:
        lot = session.execute(select(Unit.lot_id).where(Unit.serial == "SN-1")).scalar_one()
        insert_many(session, Unit.__table__, ("serial", "lot_id", "status", "created_at"),
                    [("SN-77", lot, "planned", just_now_utc())])
        insert_many(session, Measurement.__table__, imports.MEASUREMENT_COLUMNS, _measurements(session, [2.0]))
        last = session.execute(select(Measurement).order_by(Measurement.id.desc()).limit(1)).scalar_one()
        session.delete(last)
        session.flush()
        insert_many(session, Measurement.__table__, imports.MEASUREMENT_COLUMNS, _measurements(session, [2.1]))
    report = _verify(db_url)
    assert report.ok, report.findings
    with unit_of_work(db_url, write=False) as session:
        unit = session.execute(select(Unit.id).where(Unit.serial == "SN-77")).scalar_one()
        kept = set(session.execute(select(Measurement.id)).scalars())
    assert unit in _states(db_url, "unit")
    assert {k for k, digest in _states(db_url, "measurement").items() if digest is not None} == kept


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


def test_audit_state_keeps_each_rows_last_state_from_every_table_of_an_event(db_url):
    """The trigger reads each table of an event's records once (its column set, then its rows): one event of
    5,000 rows over two tables, then one that changes some of them and deletes one."""
    _unit_ready(db_url)
    unit_set, measurement_set = audit.shapes()["unit"].colset, audit.shapes()["measurement"].colset
    first = {"measurement": [measurement_set, {str(k): f"m{k:031d}" for k in range(1, 5001)}],
             "unit": [unit_set, {"7": "u" * 32, "8": "v" * 32}]}
    then = {"measurement": [measurement_set, {"2": "x" * 32, "4999": None}]}
    with unit_of_work(db_url) as session:
        audit._append(session, "installation", "records.baseline", "records", "measurement,unit", None, None, None, first)
        audit._append(session, "installation", "records.written", "records", "measurement", None, None, None, then)
        seq = audit.head(session)[0]
    with unit_of_work(db_url, write=False) as session:
        state = {(r.table_name, r.row_id): (r.colset, r.digest, r.seq) for r in session.execute(
            select(audit.AuditState).where(audit.AuditState.row_id.in_([1, 2, 4999, 5000, 7, 8]))).scalars()}
        count = session.execute(select(func.count()).select_from(audit.AuditState)
                                .where(audit.AuditState.table_name == "measurement")).scalar_one()
    assert count >= 5000
    assert state[("measurement", 1)] == (measurement_set, f"m{1:031d}", seq - 1)
    assert state[("measurement", 2)] == (measurement_set, "x" * 32, seq)
    assert state[("measurement", 4999)] == (measurement_set, None, seq)
    assert state[("measurement", 5000)][:2] == (measurement_set, f"m{5000:031d}")
    assert state[("unit", 7)] == (unit_set, "u" * 32, seq - 1) and state[("unit", 8)][1] == "v" * 32


def _plain(kind, value):
    """A value as the definition of a row digest makes it plain, before canonical JSON."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "time":
        return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return hashlib.sha256(value).hexdigest()
    if kind == "text":
        return str(value)
    return value


KINDS = {"b": ("bool", Boolean()), "f": ("float", Float()), "n": ("float", Numeric()), "i": ("int", Integer()),
         "t": ("time", UTCDateTime()), "tn": ("time", DateTime()), "d": ("date", Date()),
         "x": ("bytes", LargeBinary()), "s": ("text", String(20)), "tx": ("text", Text()), "j": ("json", JSON())}
_ANY_TABLE = Table("digest_kinds", MetaData(), *(Column(name, kind) for name, (_, kind) in KINDS.items()))
_text = st.text(st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(st.none() | st.booleans() | st.integers() | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=6)
_ROW = st.fixed_dictionaries({
    "b": st.none() | st.booleans(), "f": st.none() | st.floats(allow_nan=True, allow_infinity=True),
    "n": st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=3),
    "i": st.none() | st.integers(-2**62, 2**62),
    "t": st.none() | st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5, minutes=-30))])),
    "tn": st.none() | st.datetimes(), "d": st.none() | st.dates(), "x": st.none() | st.binary(max_size=8),
    "s": st.none() | _text, "tx": st.none() | _text, "j": _json})


@settings(max_examples=60, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=5))
def test_a_row_digest_is_the_sha256_of_the_canonical_json_of_its_plain_values(rows):
    """What every digest in every chain was taken as: rows digested together, column by column, give the
    digest the definition gives each row, whatever the values (NaN and infinities, any text, aware and naive
    times, bytes, JSON)."""
    columns = tuple(sorted(KINDS))
    shape = audit._Shape(_ANY_TABLE, "x", columns, columns, tuple(audit._encoder(_ANY_TABLE.c[c]) for c in columns))
    values = [tuple(row[c] for c in columns) for row in rows]
    expected = [hashlib.sha256(canonical_json([_plain(KINDS[c][0], row[c]) for c in columns]).encode()).hexdigest()[:32]
                for row in rows]
    assert shape.digests(values) == expected
    assert [shape.digest(v) for v in values] == expected
