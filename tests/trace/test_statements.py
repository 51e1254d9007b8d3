"""A trace and a completeness check take the same number of statements however large the genealogy:
counted, never timed (bench/trace.py times them on a million links)."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from factory import actor
from lrip.catalog.models import Operation
from lrip.db import insert_many
from lrip.execution import service as execution
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.program import service as program
from lrip.program.models import Lot
from lrip.supply.models import MaterialLot
from lrip.trace.service import completeness, trace
from reading import counting

RECALL = 6_000  # more than any batch of ids a statement could carry as separate parameters


def _screwed_units(session, count: int) -> None:
    """`count` more units of lot L1 that took 4 screws from SCR-LOT-1 at operation 10 (and are in work
    there), written straight to the tables as the trace benchmark writes its genealogy."""
    lot_id, routing_id = session.execute(select(Lot.id, Lot.routing_id).where(Lot.number == "L1")).one()
    operation_id = session.execute(select(Operation.id).where(Operation.routing_id == routing_id,
                                                              Operation.sequence == 10)).scalar_one()
    screws = session.execute(select(MaterialLot.id).where(MaterialLot.lot_number == "SCR-LOT-1")).scalar_one()
    olga = actor(session, "olga").id
    first = session.execute(select(func.max(Unit.id))).scalar_one() + 1
    record = session.execute(select(func.max(OperationRecord.id))).scalar_one() + 1
    now = datetime.now(timezone.utc)
    ids = range(first, first + count)
    insert_many(session, Unit.__table__, ("id", "serial", "lot_id", "position", "status", "created_at"),
                [(i, f"BULK-{i:05d}", lot_id, 1000 + i, "in_work", now) for i in ids])
    insert_many(session, OperationRecord.__table__, ("id", "unit_id", "operation_id", "attempt", "status",
                                                     "started_at", "started_by_id"),
                [(record + k, i, operation_id, 1, "in_work", now, olga) for k, i in enumerate(ids)])
    insert_many(session, Consumption.__table__, ("unit_id", "operation_record_id", "material_lot_id", "quantity",
                                                 "consumed_at", "consumed_by_id"),
                [(i, record + k, screws, 4.0, now, olga) for k, i in enumerate(ids)])
    session.commit()


def test_a_recall_of_thousands_of_units_takes_the_statements_of_a_recall_of_two(gsession):
    olga = actor(gsession, "olga")
    with counting(gsession) as small:
        assert len(trace(gsession, olga, identifier="SCR-LOT-1", direction="forward").units) == 2
    _screwed_units(gsession, RECALL)
    with counting(gsession) as large:
        assert len(trace(gsession, olga, identifier="SCR-LOT-1", direction="forward").units) == 2 + RECALL
    assert len(large) == len(small) <= 5  # both look-ups, the walk, the units, the lots


def test_a_deeper_genealogy_takes_the_statements_of_a_shallow_one(gsession):
    olga = actor(gsession, "olga")
    with counting(gsession) as shallow:
        trace(gsession, olga, identifier="SN-2", direction="backward")  # one level: a motor lot and screws
    with counting(gsession) as deep:
        assert trace(gsession, olga, identifier="SN-TOP", direction="backward").depth == 2
    assert len(shallow) <= 5 and len(deep) <= 5  # the units query is left out when there is no unit to read


def test_completeness_takes_the_statements_of_one_unit_whatever_the_lot_or_program(gsession):
    olga = actor(gsession, "olga")
    with counting(gsession) as one_lot:
        completeness(gsession, olga, program="ACT")
    program.create_lot(gsession, actor(gsession, "petra"), program="ACT", number="L2", planned_quantity=5,
                       routing_revision="1")
    for serial in ("SN-21", "SN-22"):
        execution.create_unit(gsession, actor(gsession, "admin"), lot="L2", serial=serial)
    _screwed_units(gsession, 50)
    gsession.commit()
    with counting(gsession) as two_lots:
        rows = completeness(gsession, olga, program="ACT")
    assert len(rows) == 1 + 2 + 2 + 50  # the factory's pilot unit SN-P1, L1's two, L2's two, fifty more
    assert len(two_lots) == len(one_lot) <= 12
