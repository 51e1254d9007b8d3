"""The factory line with SN-1 through every operation, an inspector and a quality engineer who can sign, and
the installation's organization name: the smallest record a full first article inspection is built from."""
from sqlalchemy.orm import Session

from factory import ADMIN, PM, actor, build_line, run_op10
from lrip.auth.service import create_user
from lrip.execution import service as execution
from lrip.program import service as program
from lrip.settings import service as settings
from lrip.supply import service as supply

ORGANIZATION = "Actuator Works, Plant 1"


def finished_line(session: Session, password: str) -> None:
    build_line(session)
    admin = actor(session, ADMIN)
    settings.set_setting(session, admin, key="organization", value=ORGANIZATION, reason="the plant's name")
    create_user(session, admin, username="ins", full_name="Ina Inspector", roles=["inspector"], password=password)
    create_user(session, admin, username="qe", full_name="Quinn Quality", roles=["quality_engineer"],
                password=password)
    execution.create_unit(session, admin, lot="L1", serial="SN-1")
    run_op10(session, "SN-1", "M-001")
    olga = actor(session, "olga")
    for op, results in ((20, [("VISUAL", "pass")]), (30, [("CURRENT", "1.01"), ("NOISE", "40")])):
        execution.start_operation(session, olga, serial="SN-1", operation=op)
        for code, value in results:
            execution.record_measurement(session, olga, serial="SN-1", characteristic=code, result=value)
        execution.complete_operation(session, olga, serial="SN-1", operation=op)


def through_30(session: Session, serial: str, motor: str, noise: str = "41") -> None:
    """A unit through operation 30 with this NOISE result (above 45 dB it goes on hold under an NCR and
    operation 30 stays in work)."""
    run_op10(session, serial, motor)
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial=serial, operation=20)
    execution.record_measurement(session, olga, serial=serial, characteristic="VISUAL", result="pass")
    execution.complete_operation(session, olga, serial=serial, operation=20)
    execution.start_operation(session, olga, serial=serial, operation=30)
    execution.record_measurement(session, olga, serial=serial, characteristic="CURRENT", result="1.0")
    execution.record_measurement(session, olga, serial=serial, characteristic="NOISE", result=noise)
    if float(noise) <= 45:
        execution.complete_operation(session, olga, serial=serial, operation=30)


def two_unit_lots(session: Session, count: int, *, defective: set[str] = frozenset(), first_motor: int = 11) -> list[str]:
    """`count` lots S1, S2, … of two units through operation 30 (Z1.4 inspects a lot of 2 whole: code A's sample
    covers it), the `defective` lots with one NOISE out of spec; the motors for them are received first."""
    admin = actor(session, ADMIN)
    motors = [f"M-{i:03d}" for i in range(first_motor, first_motor + 2 * count)]
    for motor in motors:
        supply.receive_lot(session, admin, lot_number=motor, part="MTR-1", supplier="SUP-M", quantity=1)
        supply.inspect_lot(session, admin, lot_number=motor, accept=True)
    lots = []
    for k in range(count):
        number = f"S{k + 1}"
        program.create_lot(session, actor(session, PM), program="ACT", number=number, planned_quantity=2,
                           routing_revision="1")
        for j in (1, 2):
            serial = f"{number}-{j}"
            execution.create_unit(session, admin, lot=number, serial=serial)
            through_30(session, serial, motors[2 * k + j - 1], "47" if number in defective and j == 2 else "41")
        lots.append(number)
    return lots
