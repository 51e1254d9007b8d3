"""Two operators act on one unit at the same moment: real threads, each with its own unit of work and
connection, released together by a barrier, on SQLite and on PostgreSQL. The action happens once; the
other operator is refused in words that say it was already done."""
import threading

from sqlalchemy import func, select

from factory import actor, build_line
from lrip.audit import AuditEvent, verify
from lrip.db import unit_of_work
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot

UNITS = [f"SN-{i}" for i in range(1, 6)]


def race(url: str, calls: list) -> list[tuple]:
    """Run each call(session, actor) as (username, call) in its own thread and unit of work, all released at
    the same moment. Returns ('ok', value) or ('refused', reasons) or ('error', repr) per call, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, who, call):
        try:
            barrier.wait(timeout=20)
            with unit_of_work(url) as s:
                results[i] = ("ok", call(s, actor(s, who)))
        except Refused as exc:
            results[i] = ("refused", exc.reasons)
        except Exception as exc:  # anything else is a failure the test reports
            results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=worker, args=(i, who, c)) for i, (who, c) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing call hung"
    return results


def _line(url, lot_quantity=5, work=None):
    with unit_of_work(url) as s:
        build_line(s, lot_quantity=lot_quantity)
        if work:
            work(s, actor(s, "admin"), actor(s, "olga"))


def events(url, action: str) -> int:
    """How many times the audit trail says `action` happened (the factory's pilot lot did some already)."""
    with unit_of_work(url, write=False) as s:
        return s.scalar(select(func.count()).where(AuditEvent.action == action))


IN_L1 = Unit.lot.has(number="L1")  # not the factory's pilot lot P1


def _one_ok_one_refused_already(results):
    kinds = sorted(r[0] for r in results)
    assert kinds == ["ok", "refused"], results
    reasons = next(r[1] for r in results if r[0] == "refused")
    assert any("already" in reason for reason in reasons), reasons
    return next(r[1] for r in results if r[0] == "ok"), reasons


def _start(serial):
    return lambda s, who: execution.start_operation(s, who, serial=serial, operation=10, tools=["TQ-1"]).attempt


def test_a_unit_two_operators_start_at_once_is_started_once(db_url):
    _line(db_url, work=lambda s, admin, _: [execution.create_unit(s, admin, lot="L1", serial=u) for u in UNITS])
    before = events(db_url, "operation.started")
    for serial in UNITS:
        results = race(db_url, [("olga", _start(serial)), ("oscar", _start(serial))])
        _, reasons = _one_ok_one_refused_already(results)
        assert reasons[0].startswith(f"Operation 10 (Assemble) is already started on {serial} (by ")
    with unit_of_work(db_url, write=False) as s:
        per_unit = dict(s.execute(select(Unit.serial, func.count(OperationRecord.id)).join(OperationRecord)
                                  .where(IN_L1).group_by(Unit.serial)).all())
        assert per_unit == {serial: 1 for serial in UNITS}
        assert s.scalar(select(func.count()).where(AuditEvent.action == "operation.started")) == before + len(UNITS)
        assert verify(s).ok


def _complete(serial):
    return lambda s, who: execution.complete_operation(s, who, serial=serial, operation=10).attempt


def test_a_unit_two_operators_complete_at_once_is_completed_once(db_url):
    def ready(s, admin, olga):
        for i, serial in enumerate(UNITS, start=1):
            execution.create_unit(s, admin, lot="L1", serial=serial)
            execution.start_operation(s, olga, serial=serial, operation=10, tools=["TQ-1"])
            execution.consume(s, olga, serial=serial, operation=10, identifier=f"M-{i:03d}")
            execution.consume(s, olga, serial=serial, operation=10, identifier="SCR-LOT-1")
            execution.record_measurement(s, olga, serial=serial, characteristic="TORQUE", result="2.0")

    _line(db_url, work=ready)
    before = events(db_url, "operation.completed")
    for serial in UNITS:
        results = race(db_url, [("olga", _complete(serial)), ("oscar", _complete(serial))])
        _, reasons = _one_ok_one_refused_already(results)
        assert reasons == [r for r in reasons if "already completed by" in r] and len(reasons) == 1
    with unit_of_work(db_url, write=False) as s:
        records = s.execute(select(OperationRecord.status, OperationRecord.attempt).join(Unit).where(IN_L1)).all()
        assert sorted(records) == [("complete", 1)] * len(UNITS)
        assert s.scalar(select(func.count()).where(AuditEvent.action == "operation.completed")) == before + len(UNITS)
        assert verify(s).ok


def test_two_units_taking_the_last_of_a_lot_at_once_never_overdraw_it(db_url):
    def ready(s, admin, olga):
        supply.receive_lot(s, admin, lot_number="SCR-LOT-S", part="SCR-4", supplier="SUP-M", quantity=4)
        supply.inspect_lot(s, admin, lot_number="SCR-LOT-S", accept=True)
        for serial in ("SN-1", "SN-2"):
            execution.create_unit(s, admin, lot="L1", serial=serial)
            execution.start_operation(s, olga, serial=serial, operation=10, tools=["TQ-1"])

    _line(db_url, work=ready)
    results = race(db_url, [
        ("olga", lambda s, who: execution.consume(s, who, serial="SN-1", operation=10, identifier="SCR-LOT-S",
                                                  quantity=4).quantity),
        ("olga", lambda s, who: execution.consume(s, who, serial="SN-2", operation=10, identifier="SCR-LOT-S",
                                                  quantity=4).quantity)])
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") == ["lot SCR-LOT-S has 0 on hand, not 4"]
    with unit_of_work(db_url, write=False) as s:
        assert s.execute(select(MaterialLot.quantity_on_hand).filter_by(lot_number="SCR-LOT-S")).scalar_one() == 0
        assert s.scalar(select(func.count(Consumption.id)).join(Unit, Consumption.unit_id == Unit.id).where(IN_L1)) == 1


def test_two_operators_creating_the_last_unit_of_a_lot_create_one(db_url):
    _line(db_url, lot_quantity=1)
    results = race(db_url, [("olga", lambda s, who: execution.create_unit(s, who, lot="L1", serial="SN-A").serial),
                            ("oscar", lambda s, who: execution.create_unit(s, who, lot="L1", serial="SN-B").serial)])
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert next(r[1] for r in results if r[0] == "refused") == ["lot L1 already has its planned 1 units"]
    with unit_of_work(db_url, write=False) as s:
        assert s.execute(select(Unit.serial, Unit.position).where(IN_L1)).all() in ([("SN-A", 1)], [("SN-B", 1)])
