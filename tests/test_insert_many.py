"""lrip.db.insert_many: rows numbered as the database would number them, and bound column by column."""
from datetime import timedelta

from sqlalchemy import select

from factory import actor, build_line
from lrip import db
from lrip.db import insert_many, utcnow
from lrip.execution import service as execution
from lrip.execution.models import Unit


def _units(session, count: int, at) -> list[tuple]:
    lot = session.execute(select(Unit.lot_id)).scalars().first()
    return [(f"B-{n}", lot, n + 100, "planned", at + timedelta(minutes=n % 2)) for n in range(count)]


def test_rows_are_numbered_as_the_database_would_and_a_row_added_afterwards_follows_them(session):
    """Those told of the rows (the audit trail) get each row's key; on PostgreSQL the keys come from the sequence,
    so the ORM's next row does not collide with them."""
    build_line(session)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    told = []
    db.BULK_INSERT_HOOKS.append(lambda _s, table, columns, values: told.append((table.name, columns, values)))
    try:
        insert_many(session, Unit.__table__, ("serial", "lot_id", "position", "status", "created_at"),
                    _units(session, 3, utcnow()))
    finally:
        db.BULK_INSERT_HOOKS.pop()
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-2")
    keys = dict(session.execute(select(Unit.serial, Unit.id)).all())
    (table, columns, values), = told
    assert (table, columns[0], list(values[1])) == ("unit", "id", ["B-0", "B-1", "B-2"])
    assert list(values[0]) == [keys["B-0"], keys["B-1"], keys["B-2"]] and keys["SN-2"] > keys["B-2"] > keys["SN-1"]


def test_each_distinct_time_is_bound_once(session, monkeypatch):
    """Before: every row's time went through UTCDateTime's bind processing, the most of a bulk insert's own time."""
    build_line(session)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    bound, bind = [], db.UTCDateTime.process_bind_param

    def counting(self, value, dialect):
        bound.append(value)
        return bind(self, value, dialect)

    monkeypatch.setattr(db.UTCDateTime, "process_bind_param", counting)
    at = utcnow()
    insert_many(session, Unit.__table__, ("serial", "lot_id", "position", "status", "created_at"),
                _units(session, 40, at))
    assert sorted(bound) == [at, at + timedelta(minutes=1)]
    last = session.execute(select(Unit.created_at).where(Unit.serial == "B-39")).scalar_one()
    assert last == at + timedelta(minutes=1)
