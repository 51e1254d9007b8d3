"""Line capacity, checked against hand-computed examples (arithmetic in each test).

The line:
- Assembly (WC-ASSY): 2 shifts × 8 h × 5 days = 80 h per station, 2 stations,
  90% efficient -> 80 × 2 × 0.9 = 144 available hours; operations 90 + 60 = 150 min/unit.
- Final test (WC-TEST): 27.5 h, 1 station, 100% -> 27.5 available hours; 51 min/unit.
- Paint (WC-PAINT): 60 h, 1 station, 75% -> 45 available hours; 30 min/unit.
"""

import math

import pytest

from lrip.capacity.rules import (
    OperationLoad,
    WorkCenter,
    bottleneck,
    center_loads,
    check_rate,
    max_sustainable_rate,
    minutes_per_unit,
    plan_loads,
)

ASSY = WorkCenter.from_shifts("WC-ASSY", "Assembly", shifts=2, hours_per_shift=8,
                              days_per_period=5, stations=2, efficiency=0.9)
TEST = WorkCenter("WC-TEST", "Final test", hours_per_period=27.5)
PAINT = WorkCenter("WC-PAINT", "Paint", hours_per_period=60, efficiency=0.75)
LINE = [ASSY, TEST, PAINT]
OPERATIONS = [
    OperationLoad("OP-10 Frame assembly", "WC-ASSY", 90),
    OperationLoad("OP-20 Wiring", "WC-ASSY", 60),
    OperationLoad("OP-30 Final test", "WC-TEST", 51),
    OperationLoad("OP-40 Paint", "WC-PAINT", 30),
]


def test_available_hours():
    assert ASSY.hours_per_period == 80
    assert ASSY.available_hours == pytest.approx(144)
    assert TEST.available_hours == 27.5
    assert PAINT.available_hours == 45


def test_minutes_per_unit_sums_operations_at_each_center():
    assert minutes_per_unit(LINE, OPERATIONS) == {"WC-ASSY": 150, "WC-TEST": 51, "WC-PAINT": 30}


def test_load_and_utilisation_for_40_starts():
    assy, test, paint = center_loads(LINE, OPERATIONS, 40)
    # Assembly: 150 × 40 / 60 = 100 h of 144 -> 0.694
    assert (assy.load_hours, assy.capacity_hours) == pytest.approx((100, 144))
    assert assy.utilisation == pytest.approx(100 / 144)
    assert not assy.overloaded
    # Final test: 51 × 40 / 60 = 34 h of 27.5 -> 1.236, overloaded
    assert test.load_hours == pytest.approx(34)
    assert test.utilisation == pytest.approx(34 / 27.5)
    assert test.overloaded
    # Paint: 30 × 40 / 60 = 20 h of 45 -> 0.444
    assert paint.utilisation == pytest.approx(20 / 45)


def test_bottleneck_is_the_most_minutes_per_available_hour():
    # Assembly 150 / 144 = 1.04, Final test 51 / 27.5 = 1.85, Paint 30 / 45 = 0.67
    assert bottleneck(LINE, OPERATIONS) == TEST


def test_max_sustainable_rate():
    # Final test limits: 27.5 h × 60 / 51 min = 32.35 units (Assembly 144 × 60 / 150 = 57.6)
    assert max_sustainable_rate(LINE, OPERATIONS) == pytest.approx(27.5 * 60 / 51)
    # at 85%: 27.5 × 0.85 × 60 / 51 = 27.5 units
    assert max_sustainable_rate(LINE, OPERATIONS, max_utilisation=0.85) == pytest.approx(27.5)


def test_target_rate_that_fits():
    # Final test at 27 units: 51 × 27 / 60 = 22.95 h ≤ 0.85 × 27.5 = 23.375 h
    assert check_rate(LINE, OPERATIONS, 27, max_utilisation=0.85).fits
    # exactly the sustainable rate fits too: 51 × 27.5 / 60 / 0.85 = 27.5 h needed of 27.5
    assert check_rate(LINE, OPERATIONS, 27.5, max_utilisation=0.85).fits


def test_target_rate_that_does_not_fit_says_what_must_change():
    check = check_rate(LINE, OPERATIONS, 40, max_utilisation=0.85)
    assert not check.fits
    # Final test: 51 × 40 / 60 = 34 h load; / 0.85 = 40 h needed; 40 − 27.5 = 12.5 h more;
    # stations: ceil(40 / 27.5) = 2, so 1 more. Assembly: 100 / (0.85 × 0.9) = 130.7 ≤ 160.
    (test,) = check.shortfalls
    assert test.work_center == "WC-TEST"
    assert test.extra_hours_per_period == pytest.approx(12.5)
    assert test.extra_stations == 1
    assert test.message == (
        "Final test (WC-TEST) needs 12.5 more hours per period or 1 more station "
        "to hold 40 units per period at 85% utilisation"
    )


def test_shortfalls_count_efficiency_and_several_stations():
    check = check_rate(LINE, OPERATIONS, 60, max_utilisation=0.85)
    assy, test = check.shortfalls
    # Assembly: 150 × 60 / 60 = 150 h load; / (0.85 × 0.9) = 196.08 station hours needed;
    # have 80 × 2 = 160 -> 36.08 more (stated rounded up: 36.1); ceil(196.08 / 80) = 3 -> 1 more
    assert assy.extra_hours_per_period == pytest.approx(150 / 0.765 - 160)
    assert assy.extra_stations == 1
    assert assy.message.startswith(
        "Assembly (WC-ASSY) needs 36.1 more hours per period or 1 more station"
    )
    # Final test: 51 h / 0.85 = 60 h needed; 60 − 27.5 = 32.5; ceil(60 / 27.5) = 3 -> 2 more
    assert test.extra_hours_per_period == pytest.approx(32.5)
    assert test.extra_stations == 2
    assert "or 2 more stations to hold 60 units" in test.message
    # Paint: 30 h / (0.85 × 0.75) = 47.1 ≤ 60, fits


def test_plan_loads_per_period():
    plan = [("2025-W01", 10), ("2025-W02", 30), ("2025-W03", 40)]
    periods = plan_loads(LINE, OPERATIONS, plan, max_utilisation=0.85)
    assert [(p.period, p.starts) for p in periods] == plan
    # Final test: 51 × 10 / 60 = 8.5 h (0.31); × 30 -> 25.5 h (0.93 > 0.85); × 40 -> 34 h (1.24)
    test = [p.centers[1] for p in periods]
    assert [t.load_hours for t in test] == pytest.approx([8.5, 25.5, 34])
    assert [t.capacity_hours for t in test] == [27.5, 27.5, 27.5]
    assert [t.utilisation for t in test] == pytest.approx([8.5 / 27.5, 25.5 / 27.5, 34 / 27.5])
    assert [p.overloaded for p in periods] == [False, True, True]
    # at 100% only the 40-start week overloads
    periods = plan_loads(LINE, OPERATIONS, plan)
    assert [p.overloaded for p in periods] == [False, False, True]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stations": 0}, "at least 1"),
        ({"stations": 1.5}, "whole number"),
        ({"efficiency": 0}, "efficiency"),
        ({"efficiency": 1.2}, "efficiency"),
        ({"efficiency": math.nan}, "efficiency"),
        ({"hours_per_period": 0}, "hours per period"),
    ],
)
def test_bad_work_center_is_refused(kwargs, message):
    fields = {"code": "WC-X", "name": "Lathe", "hours_per_period": 40} | kwargs
    with pytest.raises(ValueError, match=message):
        WorkCenter(**fields)


def test_bad_operation_and_line_are_refused():
    with pytest.raises(ValueError, match="OP-50 must have zero or more minutes"):
        OperationLoad("OP-50", "WC-TEST", -5)
    stray = [OperationLoad("OP-60", "WC-WELD", 10), OperationLoad("OP-70", "WC-CNC", 10)]
    both = "OP-60 uses work center WC-WELD.*OP-70 uses work center WC-CNC"
    with pytest.raises(ValueError, match=both):
        center_loads(LINE, OPERATIONS + stray, 10)
    with pytest.raises(ValueError, match="WC-TEST is listed more than once"):
        minutes_per_unit(LINE + [TEST], OPERATIONS)
    with pytest.raises(ValueError, match="No operation"):
        bottleneck(LINE, [])


def test_bad_plan_and_targets_are_refused():
    with pytest.raises(ValueError, match="starts"):
        plan_loads(LINE, OPERATIONS, [("W01", -1)])
    with pytest.raises(ValueError, match="Target rate"):
        check_rate(LINE, OPERATIONS, 0)
    with pytest.raises(ValueError, match="utilisation target"):
        max_sustainable_rate(LINE, OPERATIONS, max_utilisation=1.5)
