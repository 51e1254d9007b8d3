"""The factory line with a ramp plan, stock, a started unit and an open order: the data the
planning tests share (see test_planning_service for the figures it makes)."""
from datetime import date, timedelta

import pytest

from factory import actor, build_line
from lrip.db import unit_of_work
from lrip.execution import service as execution
from lrip.planning.service import monday
from lrip.program import service as program
from lrip.supply import service as supply

W0 = monday(date.today())
W = {k: W0 + timedelta(weeks=k) for k in range(-1, 5)}
TODAY = date.today()


def build_plan(session):
    build_line(session)
    admin, olga = actor(session, "admin"), actor(session, "olga")
    for week, starts in ((-1, 2), (0, 2), (1, 1)):
        program.plan_starts(session, admin, program="ACT", period_start=W[week], planned_starts=starts, phase="lrip",
                            lot="L1")
    for week, starts in ((2, 6), (3, 4)):
        program.plan_starts(session, admin, program="ACT", period_start=W[week], planned_starts=starts, phase="frp")
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"])
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="M-001")
    # 4 motors on order, promised on Wednesday of week +3
    supply.create_purchase_order(session, admin, number="PO-1", supplier="SUP-M", ordered_on=TODAY)
    supply.add_order_line(session, admin, po="PO-1", part="MTR-1", quantity=4, promised_on=W[3] + timedelta(days=2))


@pytest.fixture
def planned(session):
    build_plan(session)
    return session


@pytest.fixture
def planned_url(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_plan(session)
    return sqlite_url
