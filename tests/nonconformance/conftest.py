"""A small line with an MRB: the factory's line plus a quality engineer, an MRB member, a
manufacturing engineer and a program manager who sign with PASSWORD."""
import pytest
from sqlalchemy.orm import Session

from factory import build_line, run_op10
from lrip.auth.service import create_user
from lrip.db import engine_for
from lrip.execution import service as execution

PASSWORD = "mrb-signs-here-2026"
MRB = [("quinn", "Quinn Quality", ["quality_engineer"]), ("mara", "Mara Board", ["mrb_member"]),
       ("eli", "Eli Engineer", ["manufacturing_engineer"]), ("pam", "Pam Program", ["program_manager"]),
       ("ivy", "Ivy Inspector", ["inspector"])]


def build_mrb_line(session: Session, *, serials=("SN-1",), held=(), phase="lrip", lot_quantity=5,
                   held_at=None) -> dict:
    """The line, the MRB people, units created; `held` units go through op 10 with torque 2.5 (out of spec)."""
    with session.begin():
        names = build_line(session, phase=phase, lot_quantity=lot_quantity)
        for username, name, roles in MRB:
            create_user(session, username=username, full_name=name, roles=roles, actor="admin", password=PASSWORD)
        for serial in serials:
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
    for i, serial in enumerate(held):
        hold_at_op10(session, serial, names["motors"][i], at=held_at)
    return names


def hold_at_op10(session: Session, serial: str, motor: str, torque: str = "2.5", at=None):
    """Start op 10, build in the motor and screws, measure the torque (2.5: out of spec, on hold),
    all at `at` (default now)."""
    with session.begin():
        execution.start_operation(session, serial=serial, operation=10, operator="olga", tools=["TQ-1"], at=at)
        execution.consume(session, serial=serial, operation=10, identifier=motor, at=at)
        execution.consume(session, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
        return execution.record_measurement(session, serial=serial, characteristic="TORQUE", result=torque,
                                            operator="olga", at=at)


@pytest.fixture
def sqlite_session(sqlite_url):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as s:
        yield s


class Kit:
    """The helpers above, for the test modules (which cannot import this conftest)."""

    password = PASSWORD
    build = staticmethod(build_mrb_line)
    hold = staticmethod(hold_at_op10)
    run_op10 = staticmethod(run_op10)


@pytest.fixture
def kit():
    return Kit
