"""Traces through a two-level genealogy and the completeness check, on SQLite and PostgreSQL."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select, update

from factory import actor, run_op10
from lrip.catalog import service as catalog
from lrip.catalog.models import Characteristic
from lrip.db import insert_many
from lrip.errors import Invalid, NotFound
from lrip.execution import service as execution
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit
from lrip.supply import service as supply
from lrip.trace import service as trace_service
from lrip.trace.service import completeness

ALL = {20: [("VISUAL", "pass")], 30: [("CURRENT", "1.0"), ("NOISE", "40")]}


def trace(session, identifier, **options):
    return trace_service.trace(session, actor(session, "olga"), identifier=identifier, **options)


def check(session, **scope):
    return completeness(session, actor(session, "olga"), **scope)


def by_id(items):
    return {i.identifier: i for i in items}


def test_backward_from_the_top_reaches_every_level_with_supplier_and_receipt(gsession):
    t = trace(gsession, "SN-TOP", direction="backward")
    assert (t.kind, t.direction, t.depth, t.cycles, t.truncated) == ("unit", "backward", 2, [], False)
    root = t.root
    assert (root.identifier, root.part, root.lot, root.status) == ("SN-TOP", "ACT-100", "L1", "complete")
    children = by_id(root.links)
    assert set(children) == {"MTR-S01", "SCR-LOT-1"}
    motor = children["MTR-S01"]
    assert (motor.kind, motor.lot, motor.program, motor.operation, motor.quantity) == ("unit", "MTR-L1", "MTR", 10, 1.0)
    assert children["SCR-LOT-1"].quantity == 4.0 and children["SCR-LOT-1"].supplier == "SUP-M"
    assert children["SCR-LOT-1"].receipt is None  # booked in without a purchase order
    [wire] = motor.links  # the sub-assembly's own consumption: the second level
    assert (wire.identifier, wire.part, wire.supplier, wire.supplier_name, wire.quantity, wire.operation_name,
            wire.depth, wire.into) == ("WIRE-LOT-1", "WIRE-2", "SUP-W", "Wire Works", 2.0, "Wind", 2, "MTR-S01")
    assert wire.receipt.po == "PO-7001" and wire.receipt.line == 1
    assert wire.receipt.inspection == "accepted" and wire.receipt.quantity == 50
    assert [u.identifier for u in t.units] == ["MTR-S01"]
    assert set(by_id(t.material_lots)) == {"WIRE-LOT-1", "SCR-LOT-1"}
    assert by_id(t.material_lots)["WIRE-LOT-1"].into == ["MTR-S01"]
    assert t.suppliers == ["SUP-M", "SUP-W"]


def test_forward_from_a_lot_reaches_the_top_unit_with_its_status(gsession):
    t = trace(gsession, "WIRE-LOT-1", direction="forward")
    assert (t.kind, t.depth) == ("material_lot", 2)
    assert t.root.receipt.po == "PO-7001"
    [motor] = t.root.links
    [top] = motor.links
    assert (motor.identifier, top.identifier, top.status, top.lot, top.contains) == (
        "MTR-S01", "SN-TOP", "complete", "L1", "MTR-S01")
    assert [(u.identifier, u.depth) for u in t.units] == [("MTR-S01", 1), ("SN-TOP", 2)]
    assert t.units_by_status == {"complete": 2}

    screws = trace(gsession, "SCR-LOT-1", direction="forward")  # the recall list: both units, as they stand
    assert {(u.identifier, u.status) for u in screws.units} == {("SN-TOP", "complete"), ("SN-2", "in_work")}
    assert screws.units_by_status == {"complete": 1, "in_work": 1}

    from_serial = trace(gsession, "MTR-S01", direction="forward")  # a child serial: what it went into
    assert [u.identifier for u in from_serial.units] == ["SN-TOP"]
    lot_back = trace(gsession, "WIRE-LOT-1", direction="backward")  # a lot has nothing in it
    assert lot_back.root.links == [] and lot_back.depth == 0
    unused = trace(gsession, "M-010", direction="forward")
    assert unused.units == [] and unused.root.status == "accepted"


def test_identifiers_are_found_regardless_of_case(gsession):
    t = trace(gsession, "sn-top", direction="backward")
    assert t.identifier == "SN-TOP" and {c.identifier for c in t.root.links} == {"MTR-S01", "SCR-LOT-1"}
    assert trace(gsession, "wire-lot-1", direction="forward").identifier == "WIRE-LOT-1"
    assert [r.serial for r in check(gsession, lot="l1")] == ["SN-TOP", "SN-2"]
    with pytest.raises(NotFound) as e:
        trace(gsession, "l1", direction="forward")
    assert "l1 is a production lot; `lrip trace check l1` checks its units' records" in e.value.reasons


def test_unknown_identifiers_and_directions_are_refused_in_words(gsession):
    with pytest.raises(NotFound) as e:
        trace(gsession, "NOPE-1", direction="backward")
    assert e.value.reasons == ["No unit serial or material lot number NOPE-1"]
    with pytest.raises(NotFound) as e:
        trace(gsession, "L1", direction="forward")
    assert "L1 is a production lot; `lrip trace check L1` checks its units' records" in e.value.reasons
    with pytest.raises(Invalid) as e:
        trace(gsession, "SN-TOP", direction="sideways")
    assert e.value.reasons == ["direction is backward or forward, not 'sideways'"]
    with pytest.raises(NotFound) as e:
        trace(gsession, "WIRE-LOT-1", direction="forward", kind="unit")
    assert e.value.reasons == ["No unit with serial WIRE-LOT-1"]


def test_an_identifier_that_is_a_serial_and_a_lot_is_read_as_the_serial_and_says_so(gsession):
    supply.receive_lot(gsession, actor(gsession, "admin"), lot_number="SN-2", part="SCR-4", supplier="SUP-M",
                       quantity=10)
    t = trace(gsession, "SN-2", direction="backward")
    assert t.kind == "unit" and "both a unit serial and a material lot number" in t.note
    assert {c.identifier for c in t.root.links} == {"M-001", "SCR-LOT-1"}
    t = trace(gsession, "SN-2", direction="backward", kind="material_lot")
    assert (t.kind, t.root.part, t.note) == ("material_lot", "SCR-4", None)


def _link(session, *, parent: str, child: str) -> None:
    """A consumption row written straight to the table, as a bad import could: the services refuse it."""
    parent_id, child_id = (session.execute(select(Unit.id).filter_by(serial=s)).scalar_one() for s in (parent, child))
    record = session.execute(select(OperationRecord).filter_by(unit_id=parent_id)).scalars().first()
    insert_many(session, Consumption.__table__, ("unit_id", "operation_record_id", "child_unit_id", "quantity",
                                                 "consumed_at", "consumed_by_id"),
                [(parent_id, record.id, child_id, 1.0, datetime.now(timezone.utc), record.started_by_id)])
    session.commit()


def test_a_cycle_in_the_data_ends_the_walk_and_is_named(gsession):
    _link(gsession, parent="MTR-S01", child="SN-TOP")  # the motor now 'contains' the actuator it is in
    back = trace(gsession, "SN-TOP", direction="backward")
    assert back.cycles == ["SN-TOP → MTR-S01 → SN-TOP"]
    motor = by_id(back.root.links)["MTR-S01"]
    again = by_id(motor.links)["SN-TOP"]
    assert again.cycle is True and again.links == []
    forward = trace(gsession, "WIRE-LOT-1", direction="forward")
    assert forward.cycles == ["MTR-S01 → SN-TOP → MTR-S01"]
    assert sorted(u.identifier for u in forward.units) == ["MTR-S01", "MTR-S01", "SN-TOP"]


def test_the_tree_stops_at_the_depth_limit_and_says_so(gsession, monkeypatch):
    monkeypatch.setattr(trace_service, "MAX_DEPTH", 1)
    t = trace(gsession, "SN-TOP", direction="backward")
    assert t.truncated is True and t.depth == 1
    assert by_id(t.root.links)["MTR-S01"].links == []
    assert "WIRE-LOT-1" not in by_id(t.material_lots)


# ---------------------------------------------------------------- completeness

def test_completeness_finds_each_kind_of_gap(gsession, finish_unit):
    admin = actor(gsession, "admin")
    execution.create_unit(gsession, admin, lot="L1", serial="SN-3")
    run_op10(gsession, "SN-3", "M-002")
    finish_unit(gsession, "SN-3", ALL)
    # a result lost from the record (as a bad import or a hand edit would lose it)
    noise = select(Measurement.id).join(Characteristic).join(Unit).where(Unit.serial == "SN-3",
                                                                          Characteristic.code == "NOISE")
    gsession.execute(delete(Measurement).where(Measurement.id.in_(noise)))
    # engineering adds a label at operation 30 after the units were built
    catalog.create_part(gsession, admin, number="LBL-9", description="Label", tracking="lot")
    catalog.add_bom_line(gsession, admin, parent="ACT-100", revision="A", child="LBL-9", quantity=1,
                         operation_sequence=30)
    # a scrapped unit (as MRB's scrap leaves it) is listed, not checked
    execution.create_unit(gsession, admin, lot="L1", serial="SN-4")
    gsession.execute(update(Unit).where(Unit.serial == "SN-4").values(status="scrapped"))
    gsession.commit()

    rows = {r.serial: r for r in check(gsession, lot="L1")}
    assert list(rows) == ["SN-TOP", "SN-2", "SN-3", "SN-4"]
    assert rows["SN-TOP"].gaps == ["operation 30 (Test): 0 of 1 LBL-9 consumed from a traced lot or serial"]
    assert rows["SN-2"].gaps == ["operation 20 (Inspect) is not started", "operation 30 (Test) is not started"]
    assert rows["SN-3"].gaps == ["operation 30 (Test): no result for NOISE Noise",
                                 "operation 30 (Test): 0 of 1 LBL-9 consumed from a traced lot or serial"]
    assert (rows["SN-4"].status, rows["SN-4"].gaps, rows["SN-4"].complete) == ("scrapped", [], True)
    assert [r.complete for r in rows.values()] == [False, False, False, True]


def test_completeness_of_a_unit_a_program_and_refusals(gsession):
    assert [r.model_dump() for r in check(gsession, serial="MTR-S01")] == [
        {"serial": "MTR-S01", "lot": "MTR-L1", "status": "complete", "gaps": [], "complete": True}]
    assert [r.serial for r in check(gsession, program="ACT")] == ["SN-P1", "SN-TOP", "SN-2"]  # P1: the pilot lot
    execution.create_unit(gsession, actor(gsession, "admin"), lot="L1", serial="SN-5")
    execution.start_operation(gsession, actor(gsession, "olga"), serial="SN-5", operation=10, tools=["TQ-1"])
    [row] = check(gsession, serial="SN-5")
    assert row.gaps[0] == "operation 10 (Assemble) is in work, not completed"
    with pytest.raises(Invalid):
        check(gsession, lot="L1", program="ACT")
    with pytest.raises(Invalid):
        check(gsession)
    with pytest.raises(NotFound):
        check(gsession, lot="NO-LOT")
