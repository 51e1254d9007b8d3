"""Issue 13, configuration and possible records at goods in: a receipt and its material lot carry the part
revision received; serialized parts come in whole units; incoming inspection always samples at least one."""
import pytest

from factory import actor
from lrip.catalog import service as catalog
from lrip.errors import Refused
from lrip.supply import service as supply
from supply.world import ADMIN, BUYER, INSPECTOR, build_supply, days_ago, order


@pytest.fixture
def world(session):
    build_supply(session)
    return session


@pytest.fixture
def bea(world):
    return actor(world, BUYER)


def test_a_receipt_and_its_lot_carry_the_revision_received(world, bea):
    """Today a material lot has no revision: after a change, nobody can tell rev A stock from rev B."""
    catalog.add_part_revision(world, actor(world, ADMIN), number="BRK-1", revision="B")  # a draft, not yet released
    order(world, "PO-1", "ACME", days_ago(30), [("BRK-1", 100, days_ago(10))])
    released = supply.receive(world, bea, po="PO-1", line=1, quantity=60, lot_number="ACME-A", received_on=days_ago(9))
    named = supply.receive(world, bea, po="PO-1", line=1, quantity=20, lot_number="ACME-B", received_on=days_ago(8),
                           revision="b")
    assert (released.revision, released.revision_status) == ("A", "released")
    assert (named.revision, named.revision_status) == ("B", "draft")  # what came in, whatever its status
    assert {r.lot: r.revision for r in supply.list_receipts(world, bea)} == {"ACME-A": "A", "ACME-B": "B"}
    with pytest.raises(Refused) as refused:
        supply.receive(world, bea, po="PO-1", line=1, quantity=5, lot_number="ACME-C", revision="C")
    assert refused.value.reasons == ["BRK-1 has no rev C (its revisions: A, B)"]


def test_a_part_with_no_released_revision_is_received_only_as_a_named_one(world, bea):
    admin = actor(world, ADMIN)
    catalog.create_part(world, admin, number="NUT-3", description="Nut", tracking="lot")
    catalog.add_part_revision(world, admin, number="NUT-3", revision="A")  # a draft
    supply.approve_source(world, bea, part="NUT-3", supplier="ACME")
    with pytest.raises(Refused) as refused:
        supply.receive_lot(world, bea, lot_number="NUT-1", part="NUT-3", supplier="ACME", quantity=10)
    assert refused.value.reasons == ["NUT-3 has no released revision; say which revision was received"]
    assert supply.receive_lot(world, bea, lot_number="NUT-1", part="NUT-3", supplier="ACME", quantity=10,
                              revision="A").revision == "A"


def test_a_serialized_part_comes_in_whole_units(world, bea):
    """Today 0.333 of a serialized board is refused only for 'needs 0.333 serials'."""
    order(world, "PO-2", "CND", days_ago(30), [("PCB-9", 2, days_ago(10))])
    with pytest.raises(Refused) as refused:
        supply.receive(world, bea, po="PO-2", line=1, quantity=0.333, serials=["PCB-0001"])
    assert refused.value.reasons == ["PCB-9 is serialized: receive whole units, not 0.333"]


def test_incoming_inspection_samples_at_least_one_unit(world, bea):
    """Today a receipt of 0.333 of a harness is planned 'inspect 0 of 0' and accepted on no inspection."""
    order(world, "PO-3", "ACME", days_ago(30), [("BRK-1", 1, days_ago(10))])
    received = supply.receive(world, bea, po="PO-3", line=1, quantity=0.333, lot_number="ACME-S")
    assert (received.inspection.lot_size, received.inspection.sample_size) == (1, 1)
    inspected = supply.inspect_receipt(world, actor(world, INSPECTOR), lot_number="ACME-S", defects=0)
    assert (inspected.plan.lot_size, inspected.plan.sample_size, inspected.result) == (1, 1, "accepted")
