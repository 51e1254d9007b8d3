"""A small production line for service tests: one product with two purchased parts,
a three-operation routing, an operator, a tool, a supplier with accepted lots,
and a program with a lot in the phase the test asks for."""
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lrip.auth.actor import INSTALLATION, Actor
from lrip.auth.service import actor_of, create_user, get_user
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.execution import service as execution
from lrip.program import service as program
from lrip.supply import service as supply

ADMIN = "admin"
PM, PM_PASSWORD = "petra", "signs-the-lrip-quantity-1"  # the program manager who signs the LRIP quantity
TODAY = date.today()


def actor(session: Session, username: str) -> Actor:
    """The signed-in person a test acts as."""
    return actor_of(get_user(session, username))


def build_line(session: Session, *, phase: str = "lrip", lot_quantity: int = 5, lrip_quantity: int = 20,
               instruction_released: bool = True) -> dict:
    """Returns the names a test uses: program, lot, operator, tools, material lots."""
    create_user(session, INSTALLATION, username=ADMIN, full_name="Ada Admin", roles=["admin"])
    admin = actor(session, ADMIN)
    create_user(session, admin, username="olga", full_name="Olga Operator", roles=["operator"])
    create_user(session, admin, username="oscar", full_name="Oscar Operator", roles=["operator"])
    create_user(session, admin, username="newbie", full_name="Nina Newhire", roles=["operator"])
    create_user(session, admin, username=PM, full_name="Petra Program", roles=["program_manager"],
                password=PM_PASSWORD)
    for user in ("olga", "oscar"):
        for skill in ("assembly", "test"):
            catalog.grant_qualification(session, admin, username=user, skill=skill, granted_on=TODAY - timedelta(days=30),
                                        expires_on=TODAY + timedelta(days=335))
    catalog.create_part(session, admin, number="ACT-100", description="Actuator", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-100", revision="A", release=True)
    catalog.create_part(session, admin, number="MTR-1", description="Motor", tracking="serial")
    catalog.create_part(session, admin, number="SCR-4", description="Screw M4", tracking="lot")
    catalog.add_bom_line(session, admin, parent="ACT-100", revision="A", child="MTR-1", quantity=1, operation_sequence=10)
    catalog.add_bom_line(session, admin, parent="ACT-100", revision="A", child="SCR-4", quantity=4, operation_sequence=10)
    for number in ("WI-10", "WI-20", "WI-30"):
        catalog.create_document(session, admin, number=number, title=f"Instruction {number}")
        catalog.add_document_revision(session, admin, number=number, revision="A", content=f"Do {number} carefully.")
        if instruction_released:
            catalog.release_document_revision(session, admin, number=number, revision="A")
    catalog.create_work_center(session, admin, code="ASSY", name="Assembly", hours_per_day=8)
    catalog.create_work_center(session, admin, code="TEST", name="Test", hours_per_day=8)
    catalog.create_tool(session, admin, code="TQ-1", kind="torque driver", description="Torque driver 2 Nm",
                        category="production", calibration_due=TODAY + timedelta(days=90))
    catalog.create_tool(session, admin, code="TQ-OLD", kind="torque driver", description="Torque driver, cal lapsed",
                        category="production", calibration_due=TODAY - timedelta(days=1))
    catalog.create_tool(session, admin, code="TQ-TMP", kind="torque driver", description="Borrowed driver",
                        category="temporary", calibration_due=TODAY + timedelta(days=90))
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1", release=True, operations=[
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True),)),
        O(20, "Inspect", "ASSY", 10, ("WI-20", "A"), (), "assembly",
          (C("VISUAL", "Visual inspection", "attribute"),)),
        O(30, "Test", "TEST", 20, ("WI-30", "A"), (), "test",
          (C("CURRENT", "No-load current", "variable", 1.0, 0.8, 1.2, "A", key=True),
           C("NOISE", "Noise", "variable", None, None, 45.0, "dB"))),
    ])
    supply.create_supplier(session, admin, code="SUP-M", name="Motors Inc", status="approved")
    supply.create_supplier(session, admin, code="SUP-X", name="Unlisted Co", status="approved")
    supply.approve_source(session, admin, part="MTR-1", supplier="SUP-M")
    supply.approve_source(session, admin, part="SCR-4", supplier="SUP-M")
    for i in range(1, 11):
        supply.receive_lot(session, admin, lot_number=f"M-{i:03d}", part="MTR-1", supplier="SUP-M", quantity=1)
        supply.inspect_lot(session, admin, lot_number=f"M-{i:03d}", accept=True)
    supply.receive_lot(session, admin, lot_number="SCR-LOT-1", part="SCR-4", supplier="SUP-M", quantity=100)
    supply.inspect_lot(session, admin, lot_number="SCR-LOT-1", accept=True)
    supply.receive_lot(session, admin, lot_number="SCR-LOT-Q", part="SCR-4", supplier="SUP-M", quantity=100)
    supply.receive_lot(session, admin, lot_number="SCR-LOT-X", part="SCR-4", supplier="SUP-X", quantity=100)
    supply.inspect_lot(session, admin, lot_number="SCR-LOT-X", accept=True)
    program.create_program(session, admin, code="ACT", name="Actuator ramp", part="ACT-100", part_revision="A",
                           planned_total=200, frp_target_rate=10)
    for step in ("pilot", "lrip")[: ("prototype", "pilot", "lrip").index(phase)]:
        program.change_phase(session, admin, program="ACT", phase=step, reason="test")
    if phase == "lrip":
        approve_lrip_quantity(session, lrip_quantity, rationale="two lots to prove the line")
    program.create_lot(session, admin, program="ACT", number="L1", planned_quantity=lot_quantity, routing_revision="1")
    return {"program": "ACT", "lot": "L1", "operator": "olga", "tool": "TQ-1", "motors": [f"M-{i:03d}" for i in range(1, 11)],
            "screws": "SCR-LOT-1"}


def approve_lrip_quantity(session: Session, quantity: int, rationale: str | None = None):
    """The LRIP quantity, signed by the program manager."""
    return program.set_lrip_quantity(session, actor(session, PM), program="ACT", quantity=quantity,
                                     password=PM_PASSWORD, rationale=rationale)


def run_op10(session: Session, serial: str, motor: str, *, operator: str = "olga", torque: str = "2.0") -> None:
    """Take a unit through operation 10 (start, consume motor and screws, measure, complete)."""
    who = actor(session, operator)
    execution.start_operation(session, who, serial=serial, operation=10, tools=["TQ-1"])
    execution.consume(session, who, serial=serial, operation=10, identifier=motor)
    execution.consume(session, who, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4)
    execution.record_measurement(session, who, serial=serial, characteristic="TORQUE", result=torque)
    execution.complete_operation(session, who, serial=serial, operation=10)
