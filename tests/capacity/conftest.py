"""The factory line with a ramp plan and three units built with known cycle times: the data
the capacity service, API and CLI tests share (the figures are worked out in
test_capacity_service)."""
import math
from datetime import date, timedelta

import pytest

from factory import actor, build_line
from lrip.db import unit_of_work, utcnow
from lrip.execution import service as execution
from lrip.planning.service import monday
from lrip.program import service as program

W0 = monday(date.today())
# three units built in this order (serials deliberately not in build order), minutes of
# operation 10, 20 and 30 on the first attempt: totals 120, 96 and 120·3**log2(0.8) = 84.25...
TOTALS = [120.0, 96.0, 120.0 * 3 ** math.log2(0.8)]
BUILT = [("SN-3", "M-001", TOTALS[0] - 30), ("SN-2", "M-002", TOTALS[1] - 30), ("SN-1", "M-003", TOTALS[2] - 30)]


def build(session, serial: str, motor: str, minutes_10: float, start) -> None:
    olga = actor(session, "olga")
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial=serial)
    at = start
    for op, minutes, results in ((10, minutes_10, [("TORQUE", "2.0")]), (20, 10, [("VISUAL", "pass")]),
                                 (30, 20, [("CURRENT", "1.0"), ("NOISE", "40")])):
        execution.start_operation(session, olga, serial=serial, operation=op, tools=["TQ-1"] if op == 10 else [],
                                  at=at)
        if op == 10:
            execution.consume(session, olga, serial=serial, operation=10, identifier=motor, at=at)
            execution.consume(session, olga, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
        for code, value in results:
            execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value,
                                         at=at + timedelta(minutes=1))
        at += timedelta(minutes=minutes)
        execution.complete_operation(session, olga, serial=serial, operation=op, at=at)
        at += timedelta(minutes=5)


def build_built(session):
    build_line(session)
    admin = actor(session, "admin")
    for week, starts, phase, lot in ((0, 3, "lrip", "L1"), (1, 2, "lrip", "L1"), (2, 30, "frp", None)):
        program.plan_starts(session, admin, program="ACT", period_start=W0 + timedelta(weeks=week),
                            planned_starts=starts, phase=phase, lot=lot)
    start = utcnow() - timedelta(days=5)
    for k, (serial, motor, minutes) in enumerate(BUILT):
        build(session, serial, motor, minutes, start + timedelta(hours=4 * k))


@pytest.fixture
def line(session):
    build_built(session)
    return session


@pytest.fixture
def line_url(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_built(session)
    return sqlite_url


@pytest.fixture
def build_unit():
    """build_unit(session, serial, motor, minutes_10, start): one more unit through the three operations."""
    return build
