"""A small LRIP line with three finished units, and the people who assess, attest, waive and sign."""
from sqlalchemy.orm import Session

from factory import QE, actor, build_line, run_op10
from lrip.auth.service import create_user, set_password
from lrip.execution import service as execution

PASSWORD = "gate-signs-here-2026"
PEOPLE = [("pam", "Pam Program", ["program_manager"]), ("lou", "Lou Supply", ["supply_chain"])]


def finish(session: Session, serial: str, motor: str, *, operator: str = "olga", current: str = "1.01") -> None:
    """Create a unit in L1 and take it through operations 10, 20 and 30, every characteristic in spec."""
    who = actor(session, operator)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial=serial)
    run_op10(session, serial, motor, operator=operator)
    execution.start_operation(session, who, serial=serial, operation=20)
    execution.record_measurement(session, who, serial=serial, characteristic="VISUAL", result="pass")
    execution.complete_operation(session, who, serial=serial, operation=20)
    execution.start_operation(session, who, serial=serial, operation=30)
    execution.record_measurement(session, who, serial=serial, characteristic="CURRENT", result=current)
    execution.record_measurement(session, who, serial=serial, characteristic="NOISE", result="40")
    execution.complete_operation(session, who, serial=serial, operation=30)


def build_gate_line(session: Session, units: int = 3) -> dict:
    names = build_line(session, phase="lrip", lot_quantity=5)
    admin = actor(session, "admin")
    for username, name, roles in PEOPLE:
        create_user(session, admin, username=username, full_name=name, roles=roles, password=PASSWORD)
    set_password(session, admin, username=QE, password=PASSWORD)  # the factory's quality engineer, quinn
    for i in range(units):
        finish(session, f"SN-{i + 1}", names["motors"][i])
    return names
