"""Cycle time is labour time (issue 13): an operator pauses an operation and resumes it, hands it over at a
shift change, a hold stops its clock; the cycle time is the sum of the worked intervals, worked by hand."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from execution.test_statements import BUDGET, Counter, eight  # noqa: F401 (the fixture)
from factory import actor, build_line
from lrip.db import unit_of_work, utcnow
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.execution.models import OperationRecord, WorkInterval
from lrip.nonconformance import ncr
from lrip.traveler import service as traveler
from quality.lines import start_time


@pytest.fixture
def line(session):
    names = build_line(session)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    return names


def start_10(session, at):
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"], at=at)
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="M-001", at=at)
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
    execution.record_measurement(session, olga, serial="SN-1", characteristic="TORQUE", result="2.0", at=at)


def intervals(session) -> list[tuple]:
    attempt = traveler.traveler(session, actor(session, "olga"), serial="SN-1").operations[0].attempts[-1]
    return [(i.worked_by, i.started_at, i.ended_at, i.ended, i.reason) for i in attempt.intervals]


def test_cycle_time_is_the_sum_of_the_worked_intervals(session, line):
    """06:00 start, 06:30 paused for a break, 07:30 resumed, 08:00 complete: 30 + 30 = 60 worked minutes
    (the clock on the wall says 120)."""
    t = start_time()
    olga = actor(session, "olga")
    start_10(session, t)
    paused = execution.pause_operation(session, olga, serial="SN-1", operation=10, reason="break",
                                       at=t + timedelta(minutes=30))
    assert (paused.clock, paused.worked_minutes, paused.clock_since) == ("paused", 30.0, t + timedelta(minutes=30))
    execution.resume_operation(session, olga, serial="SN-1", operation=10, at=t + timedelta(minutes=90))
    done = execution.complete_operation(session, olga, serial="SN-1", operation=10, at=t + timedelta(minutes=120))
    assert done.cycle_minutes == 60.0
    assert intervals(session) == [("olga", t, t + timedelta(minutes=30), "paused", "break"),
                                  ("olga", t + timedelta(minutes=90), t + timedelta(minutes=120), "completed", None)]


def test_a_shift_change_hands_the_operation_over(session, line):
    """Olga works 06:00-14:00 and pauses at the end of her shift; Oscar takes it over at 06:00 the next
    morning and completes it at 07:00: 480 + 60 = 540 worked minutes, not the 1,500 on the wall clock.
    Taking over while it is being worked ends the last operator's interval there: 240 + 60 = 300."""
    t = start_time()
    olga, oscar = actor(session, "olga"), actor(session, "oscar")
    start_10(session, t)
    execution.pause_operation(session, olga, serial="SN-1", operation=10, reason="end of shift",
                              at=t + timedelta(hours=8))
    taken = execution.hand_over_operation(session, oscar, serial="SN-1", operation=10, reason="shift change",
                                          at=t + timedelta(hours=24))
    assert (taken.worked_by, taken.clock, taken.worked_minutes) == ("oscar", "working", 480.0)
    done = execution.complete_operation(session, oscar, serial="SN-1", operation=10, at=t + timedelta(hours=25))
    assert (done.cycle_minutes, done.started_by, done.completed_by) == (540.0, "olga", "oscar")
    assert intervals(session) == [
        ("olga", t, t + timedelta(hours=8), "paused", "end of shift"),
        ("oscar", t + timedelta(hours=24), t + timedelta(hours=25), "completed", None)]

    execution.start_operation(session, oscar, serial="SN-1", operation=20, at=t + timedelta(hours=26))
    execution.hand_over_operation(session, olga, serial="SN-1", operation=20, at=t + timedelta(hours=30))
    execution.record_measurement(session, olga, serial="SN-1", characteristic="VISUAL", result="pass",
                                 at=t + timedelta(hours=30))
    done = execution.complete_operation(session, olga, serial="SN-1", operation=20, at=t + timedelta(hours=31))
    assert done.cycle_minutes == 300.0


def refused(work) -> list[str]:
    with pytest.raises(Refused) as caught:
        work()
    return caught.value.reasons


def test_only_the_operator_working_it_pauses_or_resumes_and_another_takes_it_over_qualified(session, line):
    t = start_time()
    olga, oscar, newbie = (actor(session, who) for who in ("olga", "oscar", "newbie"))
    start_10(session, t)
    session.commit()
    before = session.execute(select(OperationRecord.clock, OperationRecord.worked_minutes)).all()
    at = t + timedelta(minutes=10)
    assert refused(lambda: execution.pause_operation(session, olga, serial="SN-1", operation=10, reason=" ",
                                                     at=at)) == [
        "a pause says why (a break, waiting for parts, the end of a shift)"]
    assert refused(lambda: execution.pause_operation(session, oscar, serial="SN-1", operation=10, reason="break",
                                                     at=at)) == [
        "Operation 10 (Assemble) on SN-1 is worked by olga; only they pause it, or another operator takes it over "
        "(handover)"]
    assert refused(lambda: execution.hand_over_operation(session, olga, serial="SN-1", operation=10, at=at)) == [
        "olga already works operation 10 (Assemble) on SN-1"]
    assert refused(lambda: execution.hand_over_operation(session, newbie, serial="SN-1", operation=10, at=at)) == [
        "operator newbie is not qualified for 'assembly'"]
    assert refused(lambda: execution.resume_operation(session, olga, serial="SN-1", operation=10, at=at)) == [
        "Operation 10 (Assemble) on SN-1 is working; only a paused operation is resumed"]
    assert refused(lambda: execution.pause_operation(session, olga, serial="SN-1", operation=20, reason="break",
                                                     at=at)) == ["Operation 20 (Inspect) is not in work on SN-1"]
    session.rollback()
    assert session.execute(select(OperationRecord.clock, OperationRecord.worked_minutes)).all() == before
    execution.pause_operation(session, olga, serial="SN-1", operation=10, reason="parts", at=t + timedelta(minutes=20))
    assert refused(lambda: execution.resume_operation(session, oscar, serial="SN-1", operation=10, at=at)) == [
        "Operation 10 (Assemble) on SN-1 is paused by olga; only they resume it, or another operator takes it over "
        "(handover)",
        f"Operation 10 (Assemble) cannot be resumed at {at:%Y-%m-%d %H:%M} UTC, before "
        f"{t + timedelta(minutes=20):%Y-%m-%d %H:%M} UTC, when its clock last changed"]


def test_a_hold_stops_the_clock_and_its_release_leaves_the_operation_paused(session, line):
    """The ten-day record: started ten days ago, out of spec 20 minutes later (on hold, its clock
    stopped), released by the MRB today, resumed and completed: 20 worked minutes, not the 14,400 on
    the wall clock. The release leaves it paused: the MRB's days are nobody's work on the unit."""
    t = utcnow() - timedelta(days=10)
    olga = actor(session, "olga")
    start_10(session, t)
    unit_id = execution.get_unit(session, "SN-1").id
    execution.put_on_hold(session, actor(session, "admin"), unit_id=unit_id, reason="TORQUE out of spec",
                          at=t + timedelta(minutes=20))
    record = session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit_id)).scalar_one()
    assert (record.clock, record.worked_minutes) == ("held", 20.0)
    execution.release_from_hold(session, actor(session, "admin"), unit_id=unit_id, disposition="use_as_is",
                                reason="within the gauge's error", rework_to=None, still_held=False, at=utcnow())
    assert record.clock == "paused"
    execution.resume_operation(session, olga, serial="SN-1", operation=10)
    done = execution.complete_operation(session, olga, serial="SN-1", operation=10)
    assert done.cycle_minutes == pytest.approx(20.0, abs=0.1)
    assert [i[3] for i in intervals(session)] == ["held", "completed"]


def test_an_ncr_raised_by_hand_stops_the_clock_when_it_was_raised(session, line):
    t = start_time()
    start_10(session, t)
    ncr.raise_ncr(session, actor(session, "admin"), description="Dent on the flange", severity="minor",
                  defect_code="DAMAGE", serial="SN-1", at=t + timedelta(minutes=25))
    assert intervals(session) == [("olga", t, t + timedelta(minutes=25), "held", "NCR-000001: Dent on the flange")]
    assert session.execute(select(WorkInterval.ended).join(OperationRecord).where(
        OperationRecord.unit_id == execution.get_unit(session, "SN-1").id)).scalars().all() == ["held"]


def test_pausing_resuming_and_taking_over_keep_the_shop_floor_budget(eight):
    """The shop floor's statement budget (test_statements): at most 8 statements each, audit trail included."""
    counter = Counter(eight)
    counter(lambda s, a: execution.start_operation(s, a, serial="SN-81", operation=10, tools=["TQ-1"]))
    counts = [counter(lambda s, a: execution.pause_operation(s, a, serial="SN-81", operation=10, reason="break"))[1],
              counter(lambda s, a: execution.resume_operation(s, a, serial="SN-81", operation=10))[1]]
    with unit_of_work(eight) as s:
        oscar = actor(s, "oscar")
    taken, n = counter(lambda s, a: execution.hand_over_operation(s, oscar, serial="SN-81", operation=10))
    counts.append(n)
    assert taken.worked_by == "oscar"
    assert max(counts) <= BUDGET, counts
