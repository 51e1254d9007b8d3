"""The dashboard's read models on both databases: work in progress by operation, units on hold and why,
completions per week, the lists with their units counted, and a fixed number of statements for each
whatever the number of programs, lots and units."""
from datetime import date, datetime, timedelta, timezone

import pytest

from factory import actor, build_line, run_op10
from lrip.auth.service import create_user
from lrip.dashboard import service as dashboard
from lrip.errors import NotFound
from lrip.execution import service as execution
from lrip.program import service as program
from reading import counting


def finish_after_op10(session, serial, *, at=None):
    """Operations 20 and 30 in spec: the unit completes."""
    olga = actor(session, "olga")
    for i, (op, results) in enumerate(((20, [("VISUAL", "pass")]), (30, [("CURRENT", "1"), ("NOISE", "40")]))):
        when = {} if at is None else {"at": at + timedelta(minutes=10 + i)}
        execution.start_operation(session, olga, serial=serial, operation=op, **when)
        for code, value in results:
            execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value)
        execution.complete_operation(session, olga, serial=serial, operation=op, **when)


def arrange(session) -> None:
    """SN-1 planned; SN-2 in work at 10; SN-3 on hold at 10; SN-4 waiting at 20; SN-5 complete."""
    build_line(session, lot_quantity=6)
    admin, olga, oscar = (actor(session, u) for u in ("admin", "olga", "oscar"))
    for n in range(1, 6):
        execution.create_unit(session, admin, lot="L1", serial=f"SN-{n}")
    execution.start_operation(session, olga, serial="SN-2", operation=10, tools=["TQ-1"])
    execution.start_operation(session, oscar, serial="SN-3", operation=10, tools=["TQ-1"])
    execution.record_measurement(session, oscar, serial="SN-3", characteristic="TORQUE", result="2.6")
    run_op10(session, "SN-4", "M-001")
    run_op10(session, "SN-5", "M-002")
    finish_after_op10(session, "SN-5")


def viewer(session):
    """A viewer: reading the dashboard is everyone's right."""
    create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"])
    return actor(session, "vera")


def test_wip_by_operation_counts_each_unit_where_it_is(session):
    arrange(session)
    d = dashboard.program_dashboard(session, actor(session, "olga"), program="ACT")
    rows = {r.sequence: r for r in d.wip}
    assert rows[10].model_dump() == {"sequence": 10, "name": "Assemble", "work_center": "ASSY", "in_work": 1,
                                     "waiting": 1, "on_hold": 1}
    assert (rows[20].waiting, rows[20].in_work, rows[20].on_hold) == (1, 0, 0)
    assert (rows[30].waiting, rows[30].in_work, rows[30].on_hold) == (0, 0, 0)  # SN-5 is done
    assert d.program.units_by_status == {"planned": 1, "in_work": 2, "on_hold": 1, "complete": 2}  # + pilot SN-P1


def test_open_holds_say_why_where_who_and_under_which_ncr(session):
    arrange(session)
    [hold] = dashboard.program_dashboard(session, actor(session, "olga"), program="ACT").holds
    assert (hold.serial, hold.lot, hold.operation, hold.opened_by) == ("SN-3", "L1", "10 Assemble", "oscar")
    assert hold.reason == "TORQUE Screw torque measured 2.6 N·m, above the upper limit 2.2 N·m"
    assert hold.ncr is not None
    [sn3] = dashboard.list_units(session, actor(session, "olga"), lot="L1", status="on_hold")
    assert (sn3.serial, sn3.hold_reason, sn3.operation) == ("SN-3", hold.reason, "10 Assemble")


def test_completed_per_week_fills_the_weeks_between(session):
    build_line(session)
    admin = actor(session, "admin")
    start = date.today() - timedelta(days=28)  # within the operators' qualifications, never in the future
    start += timedelta(days=(2 - start.weekday()) % 7)
    wednesday = datetime(start.year, start.month, start.day, 10, 0, tzinfo=timezone.utc)
    monday = start - timedelta(days=2)
    for i, (serial, at) in enumerate((("SN-1", wednesday), ("SN-2", wednesday + timedelta(days=1)),
                                      ("SN-3", wednesday + timedelta(weeks=2)))):
        execution.create_unit(session, admin, lot="L1", serial=serial)
        olga = actor(session, "olga")
        execution.start_operation(session, olga, serial=serial, operation=10, tools=["TQ-1"], at=at)
        execution.consume(session, olga, serial=serial, operation=10, identifier=f"M-00{i + 1}")
        execution.consume(session, olga, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4)
        execution.record_measurement(session, olga, serial=serial, characteristic="TORQUE", result="2")
        execution.complete_operation(session, olga, serial=serial, operation=10, at=at + timedelta(minutes=1))
        finish_after_op10(session, serial, at=at)
    d = dashboard.program_dashboard(session, admin, program="ACT")
    assert d.weeks[:3] == [monday, monday + timedelta(weeks=1), monday + timedelta(weeks=2)]
    assert d.completed_per_week["L1"][:3] == [2, 0, 1]  # (the pilot unit completed today, in P1)


def test_progress_bar_shares_of_the_planned_quantity():
    parts = {p.status: (p.count, p.percent)
             for p in dashboard.progress(10, {"complete": 3, "on_hold": 1, "planned": 2})}
    assert parts == {"complete": (3, 30.0), "in_work": (0, 0.0), "on_hold": (1, 10.0), "scrapped": (0, 0.0),
                     "planned": (2, 20.0), "not_created": (4, 40.0)}


def test_the_lists_count_units_by_status(session):
    arrange(session)
    vera = viewer(session)
    [row] = dashboard.list_programs(session, vera)
    assert (row.code, row.phase, row.lots, row.units, row.part) == ("ACT", "lrip", 2, 6, "ACT-100 rev A")
    pilot, lot = dashboard.list_lots(session, vera, program="act")
    assert (pilot.number, pilot.status, pilot.results, pilot.units_by_status) == ("P1", "closed", {"complete": 1},
                                                                                  {"complete": 1})
    assert (lot.number, lot.units, lot.units_created, lot.units_by_status["in_work"]) == ("L1", 5, 5, 2)
    assert [p.count for p in lot.progress] == [1, 2, 1, 0, 1, 1]
    units = dashboard.list_units(session, vera, lot="l1")
    assert [(u.serial, u.status, u.operation) for u in units] == [
        ("SN-1", "planned", None), ("SN-2", "in_work", "10 Assemble"), ("SN-3", "on_hold", "10 Assemble"),
        ("SN-4", "in_work", None), ("SN-5", "complete", None)]
    with pytest.raises(NotFound):
        dashboard.program_dashboard(session, vera, program="NOPE")


def grow(session) -> None:
    """More of everything: two more programs, two more lots, six more units."""
    admin, pm = actor(session, "admin"), actor(session, "petra")
    for code in ("ACT-B", "ACT-C"):
        program.create_program(session, admin, code=code, name=code, part="ACT-100", part_revision="A",
                               planned_total=10, frp_target_rate=1)
    for number in ("L2", "L3"):
        program.create_lot(session, pm, program="ACT", number=number, planned_quantity=3, routing_revision="1")
    for n, lot in enumerate(("L1", "L2", "L2", "L3", "L3", "L3")):
        execution.create_unit(session, admin, lot=lot, serial=f"SN-X{n}")
    execution.start_operation(session, actor(session, "olga"), serial="SN-X1", operation=10, tools=["TQ-1"])


def test_every_answer_takes_a_fixed_number_of_statements(session):
    arrange(session)
    vera = viewer(session)
    work = {"programs": lambda: dashboard.list_programs(session, vera),
            "lots": lambda: dashboard.list_lots(session, vera, program="ACT"),
            "units": lambda: dashboard.list_units(session, vera, lot="L1"),
            "dashboard": lambda: dashboard.program_dashboard(session, vera, program="ACT")}

    def statements() -> dict[str, int]:
        session.flush()
        session.expire_all()
        sent = {}
        for name, call in work.items():
            with counting(session) as seen:
                call()
            sent[name] = len(seen)
        return sent

    small = statements()
    grow(session)
    assert statements() == small
