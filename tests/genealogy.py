"""A two-level genealogy on the factory line: wire lot WIRE-LOT-1 (received on PO-7001) is wound into motor MTR-S01
(a sub-assembly built on its own program, MTR), which is built into actuator SN-TOP with
screws from SCR-LOT-1. SN-2 has a purchased motor (M-001) and stops after operation 10. Trace walks it;
containment puts what WIRE-LOT-1 went into on hold."""
from datetime import timedelta

from sqlalchemy.orm import Session

from factory import TODAY, actor, build_line, run_op10
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.execution import service as execution
from lrip.program import service as program
from lrip.supply import service as supply

RECEIVED = TODAY - timedelta(days=10)


def build_sub_assembly_line(session: Session) -> None:
    """MTR-1 made in house: one operation winds WIRE-2 from supplier SUP-W."""
    admin = actor(session, "admin")
    catalog.create_part(session, admin, number="WIRE-2", description="Magnet wire, 0.5 mm", tracking="lot")
    catalog.add_part_revision(session, admin, number="WIRE-2", revision="A", release=True)  # MTR-1's is the factory's
    catalog.add_bom_line(session, admin, parent="MTR-1", revision="A", child="WIRE-2", quantity=2,
                         operation_sequence=10)
    catalog.create_document(session, admin, number="WI-M10", title="Wind the motor")
    catalog.add_document_revision(session, admin, number="WI-M10", revision="A", content="Wind 40 turns.")
    catalog.release_document_revision(session, admin, number="WI-M10", revision="A")
    catalog.create_routing(session, admin, part="MTR-1", part_revision="A", revision="1", release=True,
                           operations=[O(10, "Wind", "ASSY", 20, ("WI-M10", "A"), (), "assembly",
                                         (C("TURNS", "Turn count correct", "attribute"),))])
    supply.create_supplier(session, admin, code="SUP-W", name="Wire Works", status="approved")
    supply.approve_source(session, admin, part="WIRE-2", supplier="SUP-W")
    supply.create_purchase_order(session, admin, number="PO-7001", supplier="SUP-W",
                                 ordered_on=RECEIVED - timedelta(days=20))
    supply.add_order_line(session, admin, po="PO-7001", part="WIRE-2", quantity=50,
                          promised_on=RECEIVED - timedelta(days=2))
    supply.receive(session, admin, po="PO-7001", line=1, quantity=50, lot_number="WIRE-LOT-1", received_on=RECEIVED)
    supply.inspect_receipt(session, admin, lot_number="WIRE-LOT-1", defects=0)
    program.create_program(session, admin, code="MTR", name="Motor", part="MTR-1", part_revision="A", planned_total=50,
                           frp_target_rate=5)
    program.create_lot(session, admin, program="MTR", number="MTR-L1", planned_quantity=5, routing_revision="1")


def build_motor(session: Session, serial: str) -> None:
    olga = actor(session, "olga")
    execution.create_unit(session, actor(session, "admin"), lot="MTR-L1", serial=serial)
    execution.start_operation(session, olga, serial=serial, operation=10)
    execution.consume(session, olga, serial=serial, operation=10, identifier="WIRE-LOT-1", quantity=2)
    execution.record_measurement(session, olga, serial=serial, characteristic="TURNS", result="pass")
    execution.complete_operation(session, olga, serial=serial, operation=10)


def finish(session: Session, serial: str, results: dict[int, list[tuple[str, str]]]) -> None:
    """Operations 20 and 30 with the given results."""
    olga = actor(session, "olga")
    for op in (20, 30):
        execution.start_operation(session, olga, serial=serial, operation=op)
        for code, value in results[op]:
            execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value)
        execution.complete_operation(session, olga, serial=serial, operation=op)


def build_genealogy(session: Session) -> None:
    build_line(session)
    build_sub_assembly_line(session)
    build_motor(session, "MTR-S01")
    admin = actor(session, "admin")
    execution.create_unit(session, admin, lot="L1", serial="SN-TOP")
    run_op10(session, "SN-TOP", "MTR-S01")
    finish(session, "SN-TOP", {20: [("VISUAL", "pass")], 30: [("CURRENT", "1.0"), ("NOISE", "40")]})
    execution.create_unit(session, admin, lot="L1", serial="SN-2")
    run_op10(session, "SN-2", "M-001")
