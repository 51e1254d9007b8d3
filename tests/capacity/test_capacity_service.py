"""Capacity and learning curves of the factory line's program, through the service, on SQLite
and PostgreSQL. Every expected figure is worked out in the comment beside it.

The line: ASSY and TEST, 8 hours a day, 1 station, 100% efficiency: 40 hours a week each.
Operations: 10 Assemble (ASSY, 30 min), 20 Inspect (ASSY, 10 min), 30 Test (TEST, 20 min).
Program ACT: FRP target 10 units a week, planned total 200.
"""
import math
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from factory import actor, build_line
from lrip.capacity import service
from lrip.catalog.models import WorkCenter
from lrip.db import utcnow
from lrip.errors import Invalid, NotFound
from lrip.planning.service import monday
from lrip.program import service as program
from reading import counting

W0 = monday(date.today())


def capacity(session, **asked):
    return service.capacity(session, actor(session, "petra"), **asked)


def learning(session, **asked):
    return service.learning(session, actor(session, "petra"), **asked)


def test_capacity_on_standard_minutes(line):
    r = capacity(line, program="ACT")
    # ASSY 30 + 10 = 40 min a unit, TEST 20; 40 h a week each
    centers = {c.code: c for c in r.work_centers}
    assert (centers["ASSY"].capacity_hours, centers["ASSY"].minutes_per_unit) == (40, 40)
    # at the FRP target of 10: ASSY 10 × 40 / 60 = 6.667 h = 16.7%; TEST 3.333 h = 8.3%
    assert centers["ASSY"].utilisation_at_target == pytest.approx(6.6667 / 40, abs=1e-4)
    assert centers["TEST"].load_hours_at_target == pytest.approx(3.3333, abs=1e-4)
    # ASSY holds 40 × 0.85 × 60 / 40 = 51 a week; TEST 102
    assert (centers["ASSY"].max_rate, centers["TEST"].max_rate) == (51, 102)
    assert r.bottleneck.code == "ASSY"
    assert (r.sustainable_rate, r.sustainable_rate_at_full_load) == (51, 60)
    assert r.fits and r.changes_needed == [] and r.target_source == "FRP target rate"
    # the plan: 3, 2 and 30 starts; 30 × 40 / 60 = 20 h on ASSY = 50%
    assert [(p.period, p.starts, p.phases) for p in r.periods] == [
        (W0.isoformat(), 3, ["lrip"]), ((W0 + timedelta(weeks=1)).isoformat(), 2, ["lrip"]),
        ((W0 + timedelta(weeks=2)).isoformat(), 30, ["frp"])]
    assert r.periods[2].centers[0].model_dump() == {"work_center": "ASSY", "load_hours": 20, "capacity_hours": 40,
                                             "utilisation": 0.5, "overloaded": False}


def test_a_rate_that_does_not_fit_says_what_to_add(line):
    r = capacity(line, program="ACT", rate=60)
    # ASSY: 60 × 40 / 60 = 40 h of load / 0.85 = 47.06 station hours; 7.06 more, or a 2nd station
    assert not r.fits and r.target_source == "rate asked"
    (change,) = r.changes_needed
    assert change.work_center == "ASSY"
    assert change.extra_hours_per_week == pytest.approx(40 / 0.85 - 40, abs=1e-4)
    assert change.extra_stations == 1
    assert change.message == ("Assembly (ASSY) needs 7.1 more hours a week or 1 more station "
                                 "to hold 60 units a week at 85% utilisation")


def test_observed_minutes_are_the_median_per_lrip_unit(line):
    r = capacity(line, program="ACT", observed=True)
    ops = {op.sequence: op for op in r.operations}
    # operation 10 took 90, 66 and 54.25 minutes: median 66
    assert (ops[10].observed_minutes, ops[10].units_observed, ops[10].source) == (66, 3, "observed")
    assert ops[20].observed_minutes == 10
    # ASSY 66 + 10 = 76 min a unit: 40 × 0.85 × 60 / 76
    assert r.sustainable_rate == pytest.approx(40 * 0.85 * 60 / 76, abs=1e-4)


def test_learning_curve_of_the_three_units(line):
    r = learning(line, program="ACT")
    # in build order: SN-3 (2 h), SN-2 (1.6 h), SN-1 (1.404 h): an exact 80% Crawford curve
    assert [(u.unit, u.serial) for u in r.units] == [(1, "SN-3"), (2, "SN-2"), (3, "SN-1")]
    assert r.crawford.learning_rate == pytest.approx(0.8, abs=1e-4)
    assert r.crawford.first_unit_hours == pytest.approx(2.0, abs=1e-4)
    assert r.crawford.n == 3
    assert r.crawford.ci_low <= 0.8 <= r.crawford.ci_high
    # projections: next unit 4; first FRP unit = 5 LRIP starts planned + 1 = 6; planned total 200
    marks = {p.label: p for p in r.projections}
    assert [(p.label, p.unit) for p in r.projections] == [
        ("next unit", 4), ("first FRP unit", 6), ("planned total", 200)]
    # unit 6: 2 × 6**log2(0.8) = 1.1230 h; ASSY's share of the minutes measured is
    # (90 + 66 + 54.25 + 3 × 10) / (that + 3 × 20); ASSY holds 40 × 0.85 × 60 / its minutes
    hours = 2 * 6 ** math.log2(0.8)
    assy = 240.25 / 300.25
    assert marks["first FRP unit"].crawford_hours == pytest.approx(hours, abs=1e-3)
    assert marks["first FRP unit"].rate_allowed == pytest.approx(40 * 0.85 * 60 / (60 * hours * assy), abs=1e-2)
    assert marks["first FRP unit"].fits_target is True


def test_learning_of_one_operation(line):
    r = learning(line, program="ACT", operation="Test")
    # operation 30 took 20 minutes on every unit: a flat curve, 100%
    assert r.operation.model_dump() == {"sequence": 30, "name": "Test", "work_center": "TEST"}
    assert [u.hours for u in r.units] == pytest.approx([1 / 3] * 3, abs=1e-4)
    assert r.crawford.learning_rate == pytest.approx(1.0)
    # TEST holds 40 × 0.85 / (1/3 h) = 102 a week
    assert r.projections[0].rate_allowed == pytest.approx(102)


def test_refusals_say_why(session):
    build_line(session)
    with pytest.raises(Invalid, match="needs at least 3 units; ACT has 0 complete so far"):  # the pilot's SN-P1 not counted
        learning(session, program="ACT")
    with pytest.raises(NotFound, match="no operation 99; it has 10 Assemble, 20 Inspect, 30 Test"):
        learning(session, program="ACT", operation="99")
    with pytest.raises(Invalid) as caught:
        capacity(session, program="ACT", rate=-1, max_utilisation=1.5)
    assert len(caught.value.reasons) == 2


def test_the_reports_take_the_same_statements_however_long_the_plan_and_however_many_units(line, build_unit):
    """Counted, not timed: a year of plan and more units built add no statement."""
    line.commit()  # the setup's last audit event is flushed here, not counted as the report's
    with counting(line) as small:
        capacity(line, program="ACT", observed=True)
    with counting(line) as small_learning:
        learning(line, program="ACT")
    admin = actor(line, "admin")
    for week in range(3, 55):
        program.plan_starts(line, admin, program="ACT", period_start=W0 + timedelta(weeks=week), planned_starts=20,
                            phase="frp")
    build_unit(line, "SN-4", "M-004", 70, utcnow() - timedelta(days=1))
    line.commit()
    with counting(line) as large:
        assert len(capacity(line, program="ACT", observed=True).periods) == 55
    with counting(line) as large_learning:
        assert len(learning(line, program="ACT").units) == 4
    assert len(large) == len(small) <= 8
    assert len(large_learning) == len(small_learning) <= 8


def test_a_work_center_too_small_to_plan_with_is_refused_in_words(line):
    line.execute(update(WorkCenter).where(WorkCenter.code == "TEST").values(hours_per_day=1e-300))
    with pytest.raises(Invalid) as caught:
        capacity(line, program="ACT", days_per_week=0.5)
    assert caught.value.reasons == ["Test (TEST) has 5e-301 hours a week; a work center needs at least 0.01 to "
                                    "plan with."]
