"""Suppliers, purchase orders, receiving, incoming inspection and the read models planning
uses, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from lrip import audit
from lrip.errors import NotFound, Refused
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot, Receipt
from supply.world import BUYER, INSPECTOR, TODAY, build_supply, days_ago, order


@pytest.fixture
def world(session):
    build_supply(session)
    return session


def test_a_receipt_against_a_line_is_a_lot_in_quarantine_and_closes_the_line_when_complete(world):
    order(world, "PO-1", "ACME", days_ago(30), [("BRK-1", 100, days_ago(10))])
    supply.receive(world, po="PO-1", line=1, quantity=60, lot_number="ACME-001", received_on=days_ago(12),
                   packing_slip="PS-77", certificate="COC-1", actor=BUYER)
    lot = world.execute(select(MaterialLot).filter_by(lot_number="ACME-001")).scalar_one()
    assert (lot.status, lot.quantity_on_hand, lot.supplier.code) == ("quarantine", 60, "ACME")
    assert supply.purchase_order_detail(world, "PO-1")["lines"][0]["quantity_open"] == 40
    supply.receive(world, po="PO-1", line=1, quantity=40, lot_number="ACME-002", received_on=days_ago(9), actor=BUYER)
    po = supply.purchase_order_detail(world, "PO-1")
    assert (po["status"], po["lines"][0]["status"], len(po["lines"][0]["receipts"])) == ("closed", "closed", 2)


def test_receiving_is_refused_with_every_reason(world):
    order(world, "PO-2", "DQ", days_ago(30), [("BRK-1", 10, days_ago(10))])
    supply.set_supplier_status(world, supplier="DQ", status="disqualified", reason="failed audit", actor=BUYER)
    with pytest.raises(Refused) as refused:
        supply.receive(world, po="PO-2", line=1, quantity=12, lot_number="", actor=BUYER)
    assert refused.value.reasons == [
        "supplier DQ is disqualified; nothing is received from it",
        "12 received but only 10 of BRK-1 is still open on PO-2 line 1; raise the line before receiving more",
        "a receipt of BRK-1 needs a lot number",
    ]
    assert world.execute(select(Receipt)).first() is None


def test_a_part_without_an_approved_source_is_refused_at_order_and_receipt(world):
    order(world, "PO-3", "ACME", days_ago(5), [])
    with pytest.raises(Refused, match="ACME is not an approved source of GSK-2"):
        supply.add_order_line(world, po="PO-3", part="GSK-2", quantity=5, promised_on=TODAY, actor=BUYER)


def test_serials_are_one_lot_each_and_must_match_the_quantity(world):
    order(world, "PO-4", "CND", days_ago(20), [("PCB-9", 3, days_ago(2))])
    with pytest.raises(Refused) as refused:
        supply.receive(world, po="PO-4", line=1, quantity=3, serials=["B1", "B2"], actor=BUYER)
    assert refused.value.reasons == ["PCB-9 is serialized: 3 received needs 3 serials, 2 given"]
    receipts = supply.receive(world, po="PO-4", line=1, quantity=3, serials=["B1", "B2", "B3"], actor=BUYER)
    assert [r.material_lot.lot_number for r in receipts] == ["B1", "B2", "B3"]
    assert all(r.quantity == 1 for r in receipts)


def test_status_change_needs_a_reason_and_is_audited(world):
    with pytest.raises(Refused, match="needs a reason"):
        supply.set_supplier_status(world, supplier="ACME", status="conditional", reason=" ", actor=BUYER)
    supply.set_supplier_status(world, supplier="ACME", status="conditional", reason="late twice", actor=BUYER)
    event = audit.history(world, "supplier", "ACME")[0]
    assert (event.action, event.before, event.after, event.reason) == (
        "supplier.status_changed", {"status": "approved"}, {"status": "conditional"}, "late twice")


def test_inspection_samples_per_z14_and_accepts_at_ac(world):
    """Lot of 500 at AQL 1.0, level II: code letter H, n = 50, Ac 1, Re 2 (Z1.4 Tables I and II-A)."""
    supply.set_incoming_aql(world, part="BRK-1", aql=1.0, actor=BUYER)
    order(world, "PO-5", "ACME", days_ago(30), [("BRK-1", 1000, days_ago(10))])
    supply.receive(world, po="PO-5", line=1, quantity=500, lot_number="A-500", received_on=days_ago(11), actor=BUYER)
    assert supply.inspection_plan_for(world, "A-500").as_dict() == {
        "lot_size": 500, "sample_size": 50, "accept": 1, "reject": 2, "aql": 1.0, "level": "II", "code_letter": "H"}
    result = supply.inspect_receipt(world, lot_number="A-500", defects=1, actor=INSPECTOR)
    assert (result["result"], result["ncr"]) == ("accepted", None)
    receipt = supply.get_receipt(world, "A-500")
    assert (receipt.sample_size, receipt.defects_found, receipt.inspected_by) == (50, 1, INSPECTOR)
    with pytest.raises(Refused, match="A-500 is accepted; only a lot in quarantine is inspected"):
        supply.inspect_receipt(world, lot_number="A-500", defects=0, actor=INSPECTOR)


def test_without_an_aql_every_unit_is_inspected(world):
    order(world, "PO-6", "ACME", days_ago(30), [("BRK-1", 40, days_ago(10))])
    supply.receive(world, po="PO-6", line=1, quantity=40, lot_number="A-40", actor=BUYER)
    plan = supply.inspection_plan_for(world, "A-40")
    assert (plan.sample_size, plan.accept, plan.reject, plan.aql) == (40, 0, 1, None)
    with pytest.raises(Refused, match="41 defects found in a sample of 40"):
        supply.inspect_receipt(world, lot_number="A-40", defects=41, actor=INSPECTOR)


def test_default_aql_applies_to_parts_without_their_own(world):
    supply.set_incoming_aql(world, aql=2.5, actor=BUYER)
    order(world, "PO-7", "ACME", days_ago(30), [("BRK-1", 200, days_ago(10))])
    supply.receive(world, po="PO-7", line=1, quantity=200, lot_number="A-200", actor=BUYER)
    # 200 at level II is code letter G (151-280), n = 32; AQL 2.5 → Ac 2, Re 3 (Table II-A)
    plan = supply.inspection_plan_for(world, "A-200")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("G", 32, 2, 3)


def test_open_order_lines_and_accepted_on_hand(world):
    order(world, "PO-8", "ACME", days_ago(30), [("BRK-1", 100, days_ago(3)), ("BRK-1", 50, TODAY)])
    order(world, "PO-9", "CND", days_ago(30), [("PCB-9", 2, days_ago(1))])
    supply.receive(world, po="PO-8", line=1, quantity=30, lot_number="A-30", actor=BUYER)
    supply.inspect_receipt(world, lot_number="A-30", defects=0, actor=INSPECTOR)
    supply.receive(world, po="PO-8", line=1, quantity=20, lot_number="A-20", actor=BUYER)  # still in quarantine
    assert supply.open_order_lines(world, parts=["BRK-1"]) == [
        {"po": "PO-8", "line": 1, "part": "BRK-1", "supplier": "ACME", "quantity_open": 50.0, "promised_date": days_ago(3)},
        {"po": "PO-8", "line": 2, "part": "BRK-1", "supplier": "ACME", "quantity_open": 50.0, "promised_date": TODAY},
    ]
    assert [(ln["po"], ln["line"]) for ln in supply.open_order_lines(world)] == [("PO-8", 1), ("PO-9", 1), ("PO-8", 2)]
    assert supply.accepted_on_hand(world) == {"BRK-1": 30.0}


def test_observed_lateness_is_the_mean_of_days_late_with_early_as_zero(world):
    order(world, "PO-10", "ACME", days_ago(40), [("BRK-1", 10, days_ago(20)), ("BRK-1", 10, days_ago(20))])
    supply.receive(world, po="PO-10", line=1, quantity=5, lot_number="L-early", received_on=days_ago(24), actor=BUYER)
    supply.receive(world, po="PO-10", line=1, quantity=5, lot_number="L-late", received_on=days_ago(14), actor=BUYER)
    supply.receive(world, po="PO-10", line=2, quantity=10, lot_number="L-ontime", received_on=days_ago(20), actor=BUYER)
    assert supply.observed_lateness(world) == {"ACME": pytest.approx(2.0)}  # (0 + 6 + 0) / 3


def test_unknown_things_are_not_found_in_words(world):
    with pytest.raises(NotFound, match="No purchase order with number PO-404"):
        supply.receive(world, po="PO-404", line=1, quantity=1, lot_number="X", actor=BUYER)
