"""Suppliers, purchase orders, receiving, incoming inspection and the read models planning
uses, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from factory import actor
from lrip import audit
from lrip.errors import Forbidden, NotFound, Refused
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot, Receipt
from supply.world import BUYER, INSPECTOR, QUALITY, TODAY, build_supply, days_ago, order


@pytest.fixture
def world(session):
    build_supply(session)
    return session


@pytest.fixture
def bea(world):
    return actor(world, BUYER)


@pytest.fixture
def ian(world):
    return actor(world, INSPECTOR)


def test_a_receipt_against_a_line_is_a_lot_in_quarantine_and_closes_the_line_when_complete(world, bea):
    order(world, "PO-1", "ACME", days_ago(30), [("BRK-1", 100, days_ago(10))])
    received = supply.receive(world, bea, po="PO-1", line=1, quantity=60, lot_number="ACME-001",
                              received_on=days_ago(12), packing_slip="PS-77", certificate="COC-1")
    assert (received.lots, received.status, received.inspection.sample_size) == (["ACME-001"], "quarantine", 60)
    lot = world.execute(select(MaterialLot).filter_by(lot_number="ACME-001")).scalar_one()
    assert (lot.status, lot.quantity_on_hand, lot.supplier.code) == ("quarantine", 60, "ACME")
    assert supply.purchase_order_detail(world, bea, number="PO-1").lines[0].quantity_open == 40
    supply.receive(world, bea, po="PO-1", line=1, quantity=40, lot_number="ACME-002", received_on=days_ago(9))
    po = supply.purchase_order_detail(world, bea, number="po-1")  # found regardless of case
    assert (po.status, po.lines[0].status, len(po.lines[0].receipts)) == ("closed", "closed", 2)
    assert [r.plan.sample_size for r in po.lines[0].receipts] == [60, 40]  # waiting for inspection, with the plan


def test_receiving_is_refused_with_every_reason(world, bea):
    order(world, "PO-2", "DQ", days_ago(30), [("BRK-1", 10, days_ago(10))])
    supply.set_supplier_status(world, bea, supplier="DQ", status="disqualified", reason="failed audit")
    with pytest.raises(Refused) as refused:
        supply.receive(world, bea, po="PO-2", line=1, quantity=12, lot_number="")
    assert refused.value.reasons == [
        "supplier DQ is disqualified; nothing is received from it",
        "12 received but only 10 of BRK-1 is still open on PO-2 line 1; raise the line before receiving more",
        "a receipt of BRK-1 needs a lot number",
    ]
    assert world.execute(select(Receipt)).first() is None


def test_a_part_without_an_approved_source_is_refused_at_order_and_receipt(world, bea):
    order(world, "PO-3", "ACME", days_ago(5), [])
    with pytest.raises(Refused, match="ACME is not an approved source of GSK-2"):
        supply.add_order_line(world, bea, po="PO-3", part="GSK-2", quantity=5, promised_on=TODAY)


def test_serials_are_one_lot_each_and_must_match_the_quantity(world, bea):
    order(world, "PO-4", "CND", days_ago(20), [("PCB-9", 3, days_ago(2))])
    with pytest.raises(Refused) as refused:
        supply.receive(world, bea, po="PO-4", line=1, quantity=3, serials=["B1", "B2"])
    assert refused.value.reasons == ["PCB-9 is serialized: 3 received needs 3 serials, 2 given"]
    received = supply.receive(world, bea, po="PO-4", line=1, quantity=3, serials=["B1", "B2", "B3"])
    assert received.lots == ["B1", "B2", "B3"] and received.inspection.lot_size == 1
    assert [r.quantity for r in supply.list_receipts(world, bea, po="PO-4")] == [1, 1, 1]


def test_status_change_needs_a_reason_and_is_audited(world, bea):
    with pytest.raises(Refused, match="needs a reason"):
        supply.set_supplier_status(world, bea, supplier="ACME", status="conditional", reason=" ")
    row = supply.set_supplier_status(world, bea, supplier="acme", status="conditional", reason="late twice")
    assert (row.code, row.status, row.approved_parts) == ("ACME", "conditional", ["BRK-1"])
    event = audit.history(world, "supplier", "ACME")[0]
    assert (event.action, event.actor, event.before, event.after, event.reason) == (
        "supplier.status_changed", BUYER, {"status": "approved"}, {"status": "conditional"}, "late twice")
    history = supply.supplier_detail(world, bea, code="ACME").status_history
    assert [(h.actor, h.before, h.after) for h in history] == [(BUYER, "approved", "conditional")]


def test_inspection_samples_per_z14_and_accepts_at_ac(world, bea, ian):
    """Lot of 500 at AQL 1.0, level II: code letter H, n = 50, Ac 1, Re 2 (Z1.4 Tables I and II-A)."""
    supply.set_incoming_aql(world, actor(world, QUALITY), part="BRK-1", aql=1.0)
    order(world, "PO-5", "ACME", days_ago(30), [("BRK-1", 1000, days_ago(10))])
    supply.receive(world, bea, po="PO-5", line=1, quantity=500, lot_number="A-500", received_on=days_ago(11))
    assert supply.inspection_plan_for(world, ian, lot_number="A-500").model_dump() == {
        "lot_size": 500, "sample_size": 50, "accept": 1, "reject": 2, "aql": 1.0, "level": "II", "code_letter": "H"}
    result = supply.inspect_receipt(world, ian, lot_number="A-500", defects=1)
    assert (result.result, result.ncr) == ("accepted", None)
    receipt = supply.get_receipt(world, "A-500")
    assert (receipt.sample_size, receipt.defects_found, receipt.inspected_by) == (50, 1, INSPECTOR)
    with pytest.raises(Refused, match="A-500 is accepted; only a lot in quarantine is inspected"):
        supply.inspect_receipt(world, ian, lot_number="A-500", defects=0)


def test_a_buyer_does_not_inspect_and_an_inspector_does_not_buy(world, bea, ian):
    order(world, "PO-6", "ACME", days_ago(30), [("BRK-1", 40, days_ago(10))])
    supply.receive(world, bea, po="PO-6", line=1, quantity=40, lot_number="A-40")
    with pytest.raises(Forbidden, match="bea .* may not inspect received material"):
        supply.inspect_receipt(world, bea, lot_number="A-40", defects=0)
    with pytest.raises(Forbidden, match="ian .* may not manage suppliers"):
        supply.create_supplier(world, ian, code="NEW", name="New Co")


def test_without_an_aql_every_unit_is_inspected(world, bea, ian):
    order(world, "PO-6", "ACME", days_ago(30), [("BRK-1", 40, days_ago(10))])
    supply.receive(world, bea, po="PO-6", line=1, quantity=40, lot_number="A-40")
    plan = supply.inspection_plan_for(world, ian, lot_number="A-40")
    assert (plan.sample_size, plan.accept, plan.reject, plan.aql) == (40, 0, 1, None)
    with pytest.raises(Refused, match="41 defects found in a sample of 40"):
        supply.inspect_receipt(world, ian, lot_number="A-40", defects=41)


def test_default_aql_applies_to_parts_without_their_own(world, bea, ian):
    with pytest.raises(Forbidden, match="bea .* may not manage inspection plans"):
        supply.set_incoming_aql(world, bea, aql=2.5)  # the incoming AQL is quality's decision
    supply.set_incoming_aql(world, actor(world, QUALITY), aql=2.5)
    order(world, "PO-7", "ACME", days_ago(30), [("BRK-1", 200, days_ago(10))])
    supply.receive(world, bea, po="PO-7", line=1, quantity=200, lot_number="A-200")
    # 200 at level II is code letter G (151-280), n = 32; AQL 2.5 → Ac 2, Re 3 (Table II-A)
    plan = supply.inspection_plan_for(world, ian, lot_number="A-200")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("G", 32, 2, 3)


def test_open_order_lines_and_accepted_on_hand(world, bea, ian):
    order(world, "PO-8", "ACME", days_ago(30), [("BRK-1", 100, days_ago(3)), ("BRK-1", 50, TODAY)])
    order(world, "PO-9", "CND", days_ago(30), [("PCB-9", 2, days_ago(1))])
    supply.receive(world, bea, po="PO-8", line=1, quantity=30, lot_number="A-30")
    supply.inspect_receipt(world, ian, lot_number="A-30", defects=0)
    supply.receive(world, bea, po="PO-8", line=1, quantity=20, lot_number="A-20")  # still in quarantine
    assert supply.open_order_lines(world, parts=["BRK-1"]) == [
        {"po": "PO-8", "line": 1, "part": "BRK-1", "supplier": "ACME", "quantity_open": 50.0, "promised_date": days_ago(3)},
        {"po": "PO-8", "line": 2, "part": "BRK-1", "supplier": "ACME", "quantity_open": 50.0, "promised_date": TODAY},
    ]
    assert [(ln["po"], ln["line"]) for ln in supply.open_order_lines(world)] == [("PO-8", 1), ("PO-9", 1), ("PO-8", 2)]
    assert supply.accepted_on_hand(world) == {"BRK-1": 30.0}
    orders = {o.number: o for o in supply.list_purchase_orders(world, bea)}
    assert (orders["PO-8"].lines, orders["PO-8"].next_promised_on, orders["PO-9"].supplier) == (2, days_ago(3), "CND")


def test_observed_lateness_is_the_mean_of_days_late_with_early_as_zero(world, bea):
    order(world, "PO-10", "ACME", days_ago(40), [("BRK-1", 10, days_ago(20)), ("BRK-1", 10, days_ago(20))])
    supply.receive(world, bea, po="PO-10", line=1, quantity=5, lot_number="L-early", received_on=days_ago(24))
    supply.receive(world, bea, po="PO-10", line=1, quantity=5, lot_number="L-late", received_on=days_ago(14))
    supply.receive(world, bea, po="PO-10", line=2, quantity=10, lot_number="L-ontime", received_on=days_ago(20))
    assert supply.observed_lateness(world) == {"ACME": pytest.approx(2.0)}  # (0 + 6 + 0) / 3


def test_unknown_things_are_not_found_in_words(world, bea):
    with pytest.raises(NotFound, match="No purchase order with number PO-404"):
        supply.receive(world, bea, po="PO-404", line=1, quantity=1, lot_number="X")


# ---------------------------------------------------------------- identifiers and numbers (issue 10)

@pytest.mark.parametrize("code, reason", [
    ("", "a supplier code is 1 to 60 of the characters"),
    ("   ", "a supplier code is 1 to 60 of the characters"),
    ("X" * 5000, "a supplier code is 1 to 60 of the characters"),
    ("X" * 41, "a supplier code has at most 40 characters, not 41"),
    ("acme", "supplier acme already exists"),
])
def test_supplier_codes_are_identifiers_unique_regardless_of_case(world, bea, code, reason):
    with pytest.raises(Refused) as refused:
        supply.create_supplier(world, bea, code=code, name="Someone")
    assert refused.value.reasons[0].startswith(reason)


def test_purchase_order_numbers_and_lot_numbers_are_identifiers_unique_regardless_of_case(world, bea):
    order(world, "PO-11", "ACME", days_ago(5), [("BRK-1", 10, TODAY), ("BRK-1", 10, TODAY)])
    with pytest.raises(Refused, match="purchase order po-11 already exists"):
        supply.create_purchase_order(world, bea, number="po-11", supplier="ACME")
    with pytest.raises(Refused, match="a purchase order number is 1 to 60"):
        supply.create_purchase_order(world, bea, number="PO/12", supplier="ACME")
    supply.receive(world, bea, po="PO-11", line=1, quantity=5, lot_number="LOT-A")
    with pytest.raises(Refused, match="lot or serial LOT-A has already been received"):
        supply.receive(world, bea, po="PO-11", line=2, quantity=5, lot_number="lot-a")
    with pytest.raises(Refused, match="a lot number or serial is 1 to 60"):
        supply.receive(world, bea, po="PO-11", line=2, quantity=5, lot_number="../etc")
    with pytest.raises(Refused, match="lot lot-a already exists"):
        supply.receive_lot(world, bea, lot_number="lot-a", part="BRK-1", supplier="ACME", quantity=1)


@pytest.mark.parametrize("quantity, promised, reason", [
    (1e308, 10, "an ordered quantity is a number above 0 and at most 1e+09, not 1e+308"),
    (float("nan"), 10, "an ordered quantity is a number above 0 and at most 1e+09, not nan"),
    (0, 10, "an ordered quantity is a number above 0 and at most 1e+09, not 0"),
    (5, 2000, f"promised on {days_ago(-2000)}, more than five years after the order date {TODAY}"),
])
def test_an_order_line_has_a_sane_quantity_and_promised_date(world, bea, quantity, promised, reason):
    order(world, "PO-13", "ACME", TODAY, [])
    with pytest.raises(Refused) as refused:
        supply.add_order_line(world, bea, po="PO-13", part="BRK-1", quantity=quantity,
                              promised_on=days_ago(-promised))
    assert refused.value.reasons == [reason]
