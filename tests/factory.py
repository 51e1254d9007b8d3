"""A small production line for service tests: one product with two purchased parts,
a three-operation routing, an operator, a tool, a supplier with accepted lots,
and a program with a lot in the phase the test asks for, reached through its phase gates: the move to
pilot signed by the program manager; the move to LRIP after a one-unit pilot lot P1 (built from its own
material lots M-P01 and SCR-LOT-P, and closed), with the LRIP quantity approved and the move signed by
the program manager and the quality engineer."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

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
QE, QE_PASSWORD = "quinn", "signs-for-quality-1"  # the quality engineer who signs phase and policy changes
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
    create_user(session, admin, username=QE, full_name="Quinn Quality", roles=["quality_engineer"],
                password=QE_PASSWORD)
    for user in ("olga", "oscar"):
        for skill in ("assembly", "test"):
            catalog.grant_qualification(session, admin, username=user, skill=skill, granted_on=TODAY - timedelta(days=30),
                                        expires_on=TODAY + timedelta(days=335))
    catalog.create_part(session, admin, number="ACT-100", description="Actuator", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-100", revision="A", release=True)
    catalog.create_part(session, admin, number="MTR-1", description="Motor", tracking="serial")
    catalog.create_part(session, admin, number="SCR-4", description="Screw M4", tracking="lot")
    for number in ("MTR-1", "SCR-4"):  # material is received as a revision of its part
        catalog.add_part_revision(session, admin, number=number, revision="A", release=True)
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
    catalog.create_tool(session, admin, code="G1", kind="torque analyzer", description="Torque analyzer",
                        category="gauge", calibration_due=TODAY + timedelta(days=90))  # results name their gauge
    operations = [
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True),)),
        O(20, "Inspect", "ASSY", 10, ("WI-20", "A"), (), "assembly",
          (C("VISUAL", "Visual inspection", "attribute"),)),
        O(30, "Test", "TEST", 20, ("WI-30", "A"), (), "test",
          (C("CURRENT", "No-load current", "variable", 1.0, 0.8, 1.2, "A", key=True),
           C("NOISE", "Noise", "variable", None, None, 45.0, "dB"))),
    ]
    if not instruction_released and phase != "prototype":
        # the pilot gate asks for a routing whose instructions are released: rev 0, on the pilot's WI-00
        catalog.create_document(session, admin, number="WI-00", title="Pilot build instruction")
        catalog.add_document_revision(session, admin, number="WI-00", revision="A", content="Build the pilot.")
        catalog.release_document_revision(session, admin, number="WI-00", revision="A")
        catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="0", release=True,
                               operations=[replace(op, instruction=("WI-00", "A")) for op in operations])
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1", release=True,
                           operations=operations)
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
    if phase in ("pilot", "lrip"):
        move_phase(session, "pilot")
    if phase == "lrip":
        build_pilot_lot(session, routing_revision="1" if instruction_released else "0")
        approve_lrip_quantity(session, lrip_quantity, rationale="two lots to prove the line")
        move_phase(session, "lrip")
    program.create_lot(session, admin, program="ACT", number="L1", planned_quantity=lot_quantity, routing_revision="1")
    return {"program": "ACT", "lot": "L1", "operator": "olga", "tool": "TQ-1", "motors": [f"M-{i:03d}" for i in range(1, 11)],
            "screws": "SCR-LOT-1"}


def move_phase(session: Session, phase: str, program_code: str = "ACT") -> None:
    """Sign the program's move to `phase` as the program manager (and the quality engineer, where the
    decisions table asks for quality too), then move it as the program manager."""
    signers = ((PM, PM_PASSWORD),) + (((QE, QE_PASSWORD),) if phase in ("lrip", "frp") else ())
    for username, password in signers:
        program.sign_phase_change(session, actor(session, username), program=program_code, phase=phase,
                                  password=password)
    program.change_phase(session, actor(session, PM), program=program_code, phase=phase, reason="test")


def build_pilot_lot(session: Session, *, routing_revision: str = "1") -> None:
    """The pilot lot the move to LRIP reviews: unit SN-P1 built through the routing from its own accepted
    material, and the lot closed."""
    admin, olga = actor(session, ADMIN), actor(session, "olga")
    supply.receive_lot(session, admin, lot_number="M-P01", part="MTR-1", supplier="SUP-M", quantity=1)
    supply.inspect_lot(session, admin, lot_number="M-P01", accept=True)
    supply.receive_lot(session, admin, lot_number="SCR-LOT-P", part="SCR-4", supplier="SUP-M", quantity=4)
    supply.inspect_lot(session, admin, lot_number="SCR-LOT-P", accept=True)
    program.create_lot(session, actor(session, PM), program="ACT", number="P1", planned_quantity=1,
                       routing_revision=routing_revision)
    execution.create_unit(session, admin, lot="P1", serial="SN-P1")
    execution.start_operation(session, olga, serial="SN-P1", operation=10, tools=["TQ-1"])
    execution.consume(session, olga, serial="SN-P1", operation=10, identifier="M-P01")
    execution.consume(session, olga, serial="SN-P1", operation=10, identifier="SCR-LOT-P", quantity=4)
    for operation, results in ((10, {"TORQUE": "2.0"}), (20, {"VISUAL": "pass"}),
                               (30, {"CURRENT": "1.0", "NOISE": "40"})):
        if operation != 10:
            execution.start_operation(session, olga, serial="SN-P1", operation=operation)
        for characteristic, value in results.items():
            execution.record_measurement(session, olga, serial="SN-P1", characteristic=characteristic, result=value)
        execution.complete_operation(session, olga, serial="SN-P1", operation=operation)
    program.close_lot(session, actor(session, PM), number="P1", reason="pilot lot built")


def change_policy(session: Session, phase: str, rule: str, value, reason: str = "test"):
    """A phase policy change proposed by the program manager and signed by them and the quality engineer."""
    proposed = program.propose_policy_change(session, actor(session, PM), program="ACT", phase=phase, rule=rule,
                                             value=value, reason=reason)
    for username, password in ((PM, PM_PASSWORD), (QE, QE_PASSWORD)):
        done = program.sign_policy_change(session, actor(session, username), program="ACT",
                                          number=proposed.number, password=password)
    return done


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


def just_now() -> str:
    """A result's time for an import file: now, to the microsecond (after the operation started, not after now)."""
    return datetime.now(timezone.utc).isoformat()
