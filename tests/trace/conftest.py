"""A two-level genealogy on the factory line: wire lot WIRE-LOT-1 (received on PO-7001) is wound into motor MTR-S01
(a sub-assembly built on its own program, MTR), which is built into actuator SN-TOP with
screws from SCR-LOT-1. SN-2 has a purchased motor (M-001) and stops after operation 10."""
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from factory import ADMIN, TODAY, build_line, run_op10
from lrip.catalog import service as catalog
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.db import engine_for
from lrip.execution import service as execution
from lrip.program import service as program
from lrip.supply import service as supply

RECEIVED = TODAY - timedelta(days=10)


def build_sub_assembly_line(session: Session) -> None:
    """MTR-1 made in house: one operation winds WIRE-2 from supplier SUP-W."""
    catalog.add_part_revision(session, number="MTR-1", revision="A", actor=ADMIN, release=True)
    catalog.create_part(session, number="WIRE-2", description="Magnet wire, 0.5 mm", tracking="lot", actor=ADMIN)
    catalog.add_bom_line(session, parent="MTR-1", revision="A", child="WIRE-2", quantity=2, operation_sequence=10,
                         actor=ADMIN)
    catalog.create_document(session, number="WI-M10", title="Wind the motor", actor=ADMIN)
    catalog.add_document_revision(session, number="WI-M10", revision="A", content="Wind 40 turns.", actor=ADMIN)
    catalog.release_document_revision(session, number="WI-M10", revision="A", actor=ADMIN)
    catalog.create_routing(session, part="MTR-1", part_revision="A", revision="1", release=True, actor=ADMIN,
                           operations=[O(10, "Wind", "ASSY", 20, ("WI-M10", "A"), (), "assembly",
                                         (C("TURNS", "Turn count correct", "attribute"),))])
    supply.create_supplier(session, code="SUP-W", name="Wire Works", status="approved", actor=ADMIN)
    supply.approve_source(session, part="WIRE-2", supplier="SUP-W", actor=ADMIN)
    supply.create_purchase_order(session, number="PO-7001", supplier="SUP-W", ordered_on=RECEIVED - timedelta(days=20),
                                 actor=ADMIN)
    supply.add_order_line(session, po="PO-7001", part="WIRE-2", quantity=50, promised_on=RECEIVED - timedelta(days=2),
                          actor=ADMIN)
    supply.receive(session, po="PO-7001", line=1, quantity=50, lot_number="WIRE-LOT-1", received_on=RECEIVED,
                   actor=ADMIN)
    supply.inspect_receipt(session, lot_number="WIRE-LOT-1", defects=0, actor=ADMIN)
    program.create_program(session, code="MTR", name="Motor", part="MTR-1", part_revision="A", planned_total=50,
                           frp_target_rate=5, actor=ADMIN)
    program.create_lot(session, program="MTR", number="MTR-L1", planned_quantity=5, routing_revision="1", actor=ADMIN)


def build_motor(session: Session, serial: str) -> None:
    execution.create_unit(session, lot="MTR-L1", serial=serial, actor=ADMIN)
    execution.start_operation(session, serial=serial, operation=10, operator="olga")
    execution.consume(session, serial=serial, operation=10, identifier="WIRE-LOT-1", quantity=2)
    execution.record_measurement(session, serial=serial, characteristic="TURNS", result="pass", operator="olga")
    execution.complete_operation(session, serial=serial, operation=10, operator="olga")


def finish(session: Session, serial: str, results: dict[int, list[tuple[str, str]]]) -> None:
    """Operations 20 and 30 with the given results."""
    for op in (20, 30):
        execution.start_operation(session, serial=serial, operation=op, operator="olga")
        for code, value in results[op]:
            execution.record_measurement(session, serial=serial, characteristic=code, result=value, operator="olga")
        execution.complete_operation(session, serial=serial, operation=op, operator="olga")


def build_genealogy(session: Session) -> None:
    build_line(session)
    build_sub_assembly_line(session)
    build_motor(session, "MTR-S01")
    execution.create_unit(session, lot="L1", serial="SN-TOP", actor=ADMIN)
    run_op10(session, "SN-TOP", "MTR-S01")
    finish(session, "SN-TOP", {20: [("VISUAL", "pass")], 30: [("CURRENT", "1.0"), ("NOISE", "40")]})
    execution.create_unit(session, lot="L1", serial="SN-2", actor=ADMIN)
    run_op10(session, "SN-2", "M-001")


@pytest.fixture
def genealogy(db_url):
    """The database URL of the scene, on SQLite and on PostgreSQL."""
    with Session(engine_for(db_url), expire_on_commit=False) as session:
        build_genealogy(session)
    return db_url


@pytest.fixture
def gsession(genealogy):
    with Session(engine_for(genealogy), expire_on_commit=False) as s:
        yield s



@pytest.fixture
def finish_unit():
    """finish_unit(session, serial, results): operations 20 and 30 with these results."""
    return finish


@pytest.fixture
def build_genealogy_into():
    """build_genealogy_into(url): the scene in the database at url."""
    def build(url: str) -> None:
        with Session(engine_for(url), expire_on_commit=False) as session:
            build_genealogy(session)
    return build
