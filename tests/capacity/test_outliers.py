"""Times off the learning trend (lrip.stats.outliers) are flagged and left out of the learning fit and of
the observed minutes capacity plans with, and the answers say how many: one unit built over 3 minutes of
CLI work no longer bends the curve. Worked by hand on an exact Crawford curve."""
import math
from datetime import timedelta

import pytest

from factory import actor, build_line
from lrip.capacity import service
from lrip.db import utcnow
from lrip.execution import service as execution
from lrip.supply import service as supply

RATE, FIRST = 0.8, 600.0  # Crawford 80%: unit x takes 600 x^log2(0.8) minutes
SHARES = {10: 0.5, 20: 0.2, 30: 0.3}
RESULTS = {10: [("TORQUE", "2.0")], 20: [("VISUAL", "pass")], 30: [("CURRENT", "1.0"), ("NOISE", "40")]}


def minutes(x: int) -> float:
    return 3.0 if x == 7 else FIRST * x ** math.log2(RATE)  # unit 7: three minutes of trying the CLI


def build_twelve(session) -> None:
    """Twelve units, one a day, each through 10, 20 and 30 in the shares 50/20/30% of its minutes."""
    build_line(session, lot_quantity=12)
    admin, olga = actor(session, "admin"), actor(session, "olga")
    for i in (11, 12):
        supply.receive_lot(session, admin, lot_number=f"M-{i:03d}", part="MTR-1", supplier="SUP-M", quantity=1)
        supply.inspect_lot(session, admin, lot_number=f"M-{i:03d}", accept=True)
    day0 = utcnow() - timedelta(days=20)
    for x in range(1, 13):
        serial, at = f"SN-{x:02d}", day0 + timedelta(days=x)
        execution.create_unit(session, admin, lot="L1", serial=serial)
        for seq, share in SHARES.items():
            execution.start_operation(session, olga, serial=serial, operation=seq, tools=["TQ-1"] if seq == 10 else [],
                                      at=at)
            if seq == 10:
                execution.consume(session, olga, serial=serial, operation=10, identifier=f"M-{x:03d}", at=at)
                execution.consume(session, olga, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4,
                                  at=at)
            for code, value in RESULTS[seq]:
                execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value, at=at)
            at += timedelta(minutes=minutes(x) * share)
            execution.complete_operation(session, olga, serial=serial, operation=seq, at=at)


def test_the_learning_fit_leaves_out_the_unit_built_in_three_minutes(session):
    """The eleven other units lie exactly on 600 x^-0.3219 minutes = 10 x^-0.3219 hours at their build
    numbers (unit 7's number stays taken): the fit without unit 7 returns the curve itself, 80% from
    10 h with R² 1. Before, unit 7 was fitted too and bent the curve (R² far below)."""
    build_twelve(session)
    r = service.learning(session, actor(session, "oscar"), program="ACT")
    assert r.crawford.learning_rate == pytest.approx(RATE, abs=1e-4)
    # (the factory's pilot unit SN-P1 is no production unit: the learning curve does not count it)
    assert [u.serial for u in r.units if u.outlier] == ["SN-07"] and r.left_out == 1
    assert "SN-P1" not in [u.serial for u in r.units]
    assert r.crawford.first_unit_hours == pytest.approx(10.0, rel=1e-4)
    assert r.crawford.r_squared == pytest.approx(1.0, abs=1e-6)
    assert r.crawford.n == 11
    assert r.units[7].crawford == pytest.approx(10 * 8 ** math.log2(RATE), rel=1e-4)  # 10 x 0.8^3 = 5.12 h


def test_capacity_leaves_the_three_minute_unit_out_of_the_observed_minutes(session):
    """Operation 10 takes half of each unit's minutes: 300 x^-0.3219. Without unit 7 the median of the
    eleven (units 1-6 and 8-12) is the sixth largest, unit 6's: 300 x 6^-0.32193 = 300 x e^(-0.57682)
    = 300 x 0.56168 = 168.50 minutes; one unit left out at each operation."""
    build_twelve(session)
    c = service.capacity(session, actor(session, "oscar"), program="ACT", observed=True)
    assemble = next(o for o in c.operations if o.sequence == 10)
    assert assemble.observed_minutes == pytest.approx(168.50, abs=0.01)
    assert (assemble.units_observed, assemble.left_out) == (11, 1)
    assert [o.left_out for o in c.operations] == [1, 1, 1]
