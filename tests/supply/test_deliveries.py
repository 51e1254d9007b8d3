"""A delivery of serials (each its own lot) received and inspected together: every lot judged by its own plan
and audited on its own, all or none; on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from factory import actor
from lrip import audit
from lrip.errors import NotFound, Refused
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot
from supply.world import BUYER, INSPECTOR, build_supply, days_ago, order


@pytest.fixture
def world(session):
    build_supply(session)
    order(session, "PO-9", "CND", days_ago(20), [("PCB-9", 4, days_ago(2))])
    supply.receive(session, actor(session, BUYER), po="PO-9", line=1, quantity=4, serials=["B1", "B2", "B3", "B4"])
    return session


def test_the_serials_of_a_delivery_are_inspected_together_each_by_its_own_plan(world):
    ian = actor(world, INSPECTOR)
    done = supply.inspect_receipts(world, ian, lot_numbers=["b1", "B2", "B3"], defects=0, note="shipment 1")
    assert [(i.lot, i.result, i.plan.sample_size) for i in done.lots] == [("B1", "accepted", 1), ("B2", "accepted", 1),
                                                                          ("B3", "accepted", 1)]
    for lot in ("B1", "B2", "B3"):
        assert sorted((e.action, e.reason) for e in audit.history(world, "material_lot", lot)) == [
            ("material_lot.inspected", "shipment 1"), ("material_lot.received", None)]
    statuses = dict(world.execute(select(MaterialLot.lot_number, MaterialLot.status)).all())
    assert [statuses[lot] for lot in ("B1", "B2", "B3", "B4")] == ["accepted"] * 3 + ["quarantine"]


def test_a_delivery_with_any_lot_that_cannot_be_inspected_changes_nothing(world):
    ian = actor(world, INSPECTOR)
    supply.inspect_receipt(world, ian, lot_number="B2", defects=0)
    with pytest.raises(Refused) as refused:
        supply.inspect_receipts(world, ian, lot_numbers=["B1", "B2", "B3"], defects=0)
    assert refused.value.reasons == ["lot B2 is accepted; only a lot in quarantine is inspected"]
    with pytest.raises(NotFound, match="No material lot with lot number B9"):
        supply.inspect_receipts(world, ian, lot_numbers=["B1", "B9"], defects=0)
    statuses = dict(world.execute(select(MaterialLot.lot_number, MaterialLot.status)).all())
    assert [statuses[lot] for lot in ("B1", "B2", "B3")] == ["quarantine", "accepted", "quarantine"]
