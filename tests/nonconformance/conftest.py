"""A small line with an MRB: the factory's line (its quality engineer quinn) plus an MRB member, a
manufacturing engineer, a program manager, the customer's representative, an inspector and a supply chain
planner, who all sign with PASSWORD."""
import pytest
from sqlalchemy.orm import Session

from factory import ADMIN, actor, build_line, run_op10
from lrip.auth.service import create_user, set_password
from lrip.execution import service as execution

PASSWORD = "mrb-signs-here-2026"
MRB = [("mara", "Mara Board", ["mrb_member"]), ("eli", "Eli Engineer", ["manufacturing_engineer"]),
       ("pam", "Pam Program", ["program_manager"]), ("cora", "Cora Customer", ["customer_rep"]),
       ("ivy", "Ivy Inspector", ["inspector"]), ("sam", "Sam Supply", ["supply_chain"])]


def build_mrb_line(session: Session, *, serials=("SN-1",), held=(), phase="lrip", lot_quantity=5,
                   held_at=None) -> dict:
    """The line, the MRB people, units created; `held` units go through op 10 with torque 2.5 (out of spec)."""
    names = build_line(session, phase=phase, lot_quantity=lot_quantity)
    admin = actor(session, ADMIN)
    for username, name, roles in MRB:
        create_user(session, admin, username=username, full_name=name, roles=roles, password=PASSWORD)
    set_password(session, admin, username="quinn", password=PASSWORD)
    for serial in serials:
        execution.create_unit(session, admin, lot="L1", serial=serial)
    for i, serial in enumerate(held):
        hold_at_op10(session, serial, names["motors"][i], at=held_at)
    return names


def hold_at_op10(session: Session, serial: str, motor: str, torque: str = "2.5", at=None):
    """Start op 10, build in the motor and screws, measure the torque (2.5: out of spec, on hold),
    all at `at` (default now), as the operator olga."""
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial=serial, operation=10, tools=["TQ-1"], at=at)
    execution.consume(session, olga, serial=serial, operation=10, identifier=motor, at=at)
    execution.consume(session, olga, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4, at=at)
    return execution.record_measurement(session, olga, serial=serial, characteristic="TORQUE", result=torque, at=at)


class Kit:
    """The helpers above, for the test modules (which cannot import this conftest)."""

    password = PASSWORD
    build = staticmethod(build_mrb_line)
    hold = staticmethod(hold_at_op10)
    run_op10 = staticmethod(run_op10)
    actor = staticmethod(actor)


@pytest.fixture
def kit():
    return Kit
