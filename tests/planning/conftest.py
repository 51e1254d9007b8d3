"""The factory line with a ramp plan, stock, a started unit and an open order: the data the
planning tests share (see test_planning_service for the figures it makes)."""
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from factory import build_line
from lrip.db import engine_for
from lrip.execution import service as execution
from lrip.planning.service import monday
from lrip.program import service as program
from lrip.supply import service as supply

W0 = monday(date.today())
W = {k: W0 + timedelta(weeks=k) for k in range(-1, 5)}
TODAY = date.today()


def build_plan(session):
    build_line(session)
    for week, starts in ((-1, 2), (0, 2), (1, 1)):
        program.plan_starts(session, program="ACT", period_start=W[week], planned_starts=starts, phase="lrip",
                            lot="L1", actor="admin")
    for week, starts in ((2, 6), (3, 4)):
        program.plan_starts(session, program="ACT", period_start=W[week], planned_starts=starts, phase="frp",
                            actor="admin")
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    execution.start_operation(session, serial="SN-1", operation=10, operator="olga", tools=["TQ-1"])
    execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
    # 4 motors on order, promised on Wednesday of week +3
    supply.create_purchase_order(session, number="PO-1", supplier="SUP-M", ordered_on=TODAY, actor="admin")
    supply.add_order_line(session, po="PO-1", part="MTR-1", quantity=4, promised_on=W[3] + timedelta(days=2),
                          actor="admin")


@pytest.fixture
def planned(session):
    build_plan(session)
    return session


@pytest.fixture
def planned_url(sqlite_url):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        build_plan(session)
    return sqlite_url
