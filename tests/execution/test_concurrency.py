"""Two operators act on one unit at the same moment: real threads, each with its own session
and connection, released together by a barrier, on SQLite and on PostgreSQL. The action
happens once; the other operator is refused in words that say it was already done."""
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factory import build_line
from lrip.audit import AuditEvent, verify
from lrip.db import engine_for
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot

UNITS = [f"SN-{i}" for i in range(1, 6)]


def race(url: str, calls: list) -> list[tuple]:
    """Run each call(session) in its own thread and session, all released at the same moment.
    Returns ('ok', value) or ('refused', reasons) or ('error', repr) per call, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        with Session(engine_for(url), expire_on_commit=False) as s:
            try:
                barrier.wait(timeout=20)
                results[i] = ("ok", call(s))
            except Refused as exc:
                results[i] = ("refused", exc.reasons)
            except Exception as exc:  # anything else is a failure the test reports
                results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing call hung"
    return results


def _line(session, lot_quantity=5):
    with session.begin():
        build_line(session, lot_quantity=lot_quantity)


def _one_ok_one_refused_already(results):
    kinds = sorted(r[0] for r in results)
    assert kinds == ["ok", "refused"], results
    reasons = next(r[1] for r in results if r[0] == "refused")
    assert any("already" in reason for reason in reasons), reasons
    return next(r[1] for r in results if r[0] == "ok"), reasons


def _start(serial, operator):
    return lambda s: execution.start_operation(s, serial=serial, operation=10, operator=operator, tools=["TQ-1"]).id


def test_a_unit_two_operators_start_at_once_is_started_once(session, db_url):
    _line(session)
    with session.begin():
        for serial in UNITS:
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
    for serial in UNITS:
        results = race(db_url, [_start(serial, "olga"), _start(serial, "oscar")])
        _, reasons = _one_ok_one_refused_already(results)
        assert reasons[0].startswith(f"Operation 10 (Assemble) is already started on {serial} (by ")
    with Session(engine_for(db_url)) as s:
        per_unit = dict(s.execute(select(Unit.serial, func.count(OperationRecord.id)).join(OperationRecord)
                                  .group_by(Unit.serial)).all())
        assert per_unit == {serial: 1 for serial in UNITS}
        assert s.scalar(select(func.count()).where(AuditEvent.action == "operation.started")) == len(UNITS)
        assert verify(s).ok


def _complete(serial, operator):
    return lambda s: execution.complete_operation(s, serial=serial, operation=10, operator=operator).id


def test_a_unit_two_operators_complete_at_once_is_completed_once(session, db_url):
    _line(session)
    with session.begin():
        for i, serial in enumerate(UNITS, start=1):
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
            execution.start_operation(session, serial=serial, operation=10, operator="olga", tools=["TQ-1"])
            execution.consume(session, serial=serial, operation=10, identifier=f"M-{i:03d}")
            execution.consume(session, serial=serial, operation=10, identifier="SCR-LOT-1")
            execution.record_measurement(session, serial=serial, characteristic="TORQUE", result="2.0", operator="olga")
    for serial in UNITS:
        results = race(db_url, [_complete(serial, "olga"), _complete(serial, "oscar")])
        _, reasons = _one_ok_one_refused_already(results)
        assert reasons == [r for r in reasons if "already completed by" in r] and len(reasons) == 1
    with Session(engine_for(db_url)) as s:
        records = s.execute(select(OperationRecord.status, OperationRecord.attempt)).all()
        assert sorted(records) == [("complete", 1)] * len(UNITS)
        assert s.scalar(select(func.count()).where(AuditEvent.action == "operation.completed")) == len(UNITS)
        assert verify(s).ok


def test_two_units_taking_the_last_of_a_lot_at_once_never_overdraw_it(session, db_url):
    _line(session)
    with session.begin():
        supply.receive_lot(session, lot_number="SCR-LOT-S", part="SCR-4", supplier="SUP-M", quantity=4, actor="admin")
        supply.inspect_lot(session, lot_number="SCR-LOT-S", accept=True, actor="admin")
        for serial, operator in (("SN-1", "olga"), ("SN-2", "oscar")):
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
            execution.start_operation(session, serial=serial, operation=10, operator=operator, tools=["TQ-1"])
    results = race(db_url, [
        lambda s: execution.consume(s, serial="SN-1", operation=10, identifier="SCR-LOT-S", quantity=4).quantity,
        lambda s: execution.consume(s, serial="SN-2", operation=10, identifier="SCR-LOT-S", quantity=4).quantity])
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") == ["lot SCR-LOT-S has 0 on hand, not 4"]
    with Session(engine_for(db_url)) as s:
        assert s.execute(select(MaterialLot.quantity_on_hand).filter_by(lot_number="SCR-LOT-S")).scalar_one() == 0
        assert s.scalar(select(func.count(Consumption.id))) == 1


def test_two_operators_creating_the_last_unit_of_a_lot_create_one(session, db_url):
    _line(session, lot_quantity=1)
    results = race(db_url, [lambda s: execution.create_unit(s, lot="L1", serial="SN-A", actor="olga").serial,
                            lambda s: execution.create_unit(s, lot="L1", serial="SN-B", actor="oscar").serial])
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") == ["lot L1 already has its planned 1 units"]
    with Session(engine_for(db_url)) as s:
        assert s.scalar(select(func.count(Unit.id))) == 1
