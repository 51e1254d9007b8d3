"""The supplier scorecard on a case small enough to compute by hand (each number worked out
in the comments), on SQLite and PostgreSQL."""
from datetime import date

import pytest

from factory import actor
from lrip.nonconformance.ncr import list_ncrs
from lrip.quality.scorecard import scorecard
from lrip.supply import service as supply
from supply.world import BUYER, INSPECTOR, build_supply, order

D = date.fromisoformat


@pytest.fixture
def receipts(session):
    """ACME: PO-A ordered 2025-01-02; line 1, 100 BRK-1 promised 2025-01-20; line 2, 50 promised 2025-02-10.
         r1 60 on 01-18 (lead 16 d, 2 d early)  100% inspected, 0 defects → accepted
         r2 40 on 01-25 (lead 23 d, 5 d late)   100% inspected, 1 defect  → rejected, NCR of 40
         r3 30 on 02-10 (lead 39 d, on the day) 100% inspected, 0 defects → accepted   (20 still open)
    CND: PO-B ordered 2025-01-05; 2 PCB-9 promised 01-15, both serials on 01-19 (lead 14 d, 4 d late), not inspected.
    DQ: nothing received."""
    build_supply(session)
    bea, ian = actor(session, BUYER), actor(session, INSPECTOR)
    order(session, "PO-A", "ACME", D("2025-01-02"), [("BRK-1", 100, D("2025-01-20")), ("BRK-1", 50, D("2025-02-10"))])
    order(session, "PO-B", "CND", D("2025-01-05"), [("PCB-9", 2, D("2025-01-15"))])
    for line, quantity, lot, received in [(1, 60, "R1", "2025-01-18"), (1, 40, "R2", "2025-01-25"), (2, 30, "R3", "2025-02-10")]:
        supply.receive(session, bea, po="PO-A", line=line, quantity=quantity, lot_number=lot, received_on=D(received))
    supply.receive(session, bea, po="PO-B", line=1, quantity=2, serials=["S1", "S2"], received_on=D("2025-01-19"))
    for lot, defects in [("R1", 0), ("R2", 1), ("R3", 0)]:
        supply.inspect_receipt(session, ian, lot_number=lot, defects=defects)
    return session


def cards(session, **window):
    return {c.supplier: c for c in scorecard(session, actor(session, BUYER), **window)}


def test_scorecard_by_hand(receipts):
    acme = cards(receipts, since=D("2025-01-01"))["ACME"]
    assert acme.receipts == 3
    assert acme.on_time_rate == pytest.approx(2 / 3)  # r1 early, r3 on the day; r2 late
    assert acme.lead_time_mean_days == pytest.approx(26.0)  # (16 + 23 + 39) / 3
    assert acme.lead_time_spread_days == pytest.approx((278 / 2) ** 0.5)  # deviations -10, -3, 13
    assert acme.lead_time_p90_days == 39.0  # nearest rank ⌈0.9·3⌉ = 3rd
    assert acme.quantity_accuracy == pytest.approx(130 / 150)  # both lines promised in the window
    assert acme.acceptance_rate == pytest.approx(2 / 3)
    assert acme.ppm == pytest.approx(1 / 130 * 1e6)  # 1 defect in 130 inspected
    assert acme.ncr_quantity == 40.0  # the rejected lot
    assert acme.ncr_ppm == pytest.approx(40 / 130 * 1e6)
    assert acme.open_ncrs == 1
    january, february = acme.periods
    assert (january.period, january.receipts, january.on_time_rate, january.lead_time_mean_days,
            january.lead_time_p90_days, january.quantity_accuracy, january.acceptance_rate, january.ppm) == (
        "2025-01", 2, 0.5, 19.5, 23.0, 1.0, 0.5, pytest.approx(10_000))
    assert (february.period, february.receipts, february.quantity_accuracy, february.ppm) == (
        "2025-02", 1, pytest.approx(0.6), 0.0)
    cnd = cards(receipts)["CND"]
    assert (cnd.receipts, cnd.on_time_rate, cnd.lead_time_mean_days, cnd.lead_time_spread_days,
            cnd.quantity_accuracy, cnd.acceptance_rate, cnd.ppm, cnd.open_ncrs) == (
        2, 0.0, 14.0, 0.0, 1.0, None, None, 0)
    dq = cards(receipts)["DQ"]
    assert (dq.receipts, dq.on_time_rate, dq.periods) == (0, None, [])


def test_the_on_time_window_is_configurable(receipts):
    assert cards(receipts, early_days=1)["ACME"].on_time_rate == pytest.approx(1 / 3)
    assert cards(receipts, late_days=5)["ACME"].on_time_rate == 1.0
    assert cards(receipts, late_days=4)["CND"].on_time_rate == 1.0


def test_the_window_limits_the_receipts(receipts):
    feb = cards(receipts, since=D("2025-02-01"), until=D("2025-02-28"))["ACME"]
    assert (feb.receipts, feb.lead_time_mean_days, feb.quantity_accuracy, feb.ncr_quantity, feb.open_ncrs) == (
        1, 39.0, pytest.approx(0.6), 0.0, 1)  # the NCR was opened today, after the window; it is open today


def test_a_rejected_lot_raises_an_ncr_against_its_supplier(receipts):
    """Supply publishes IncomingRejected; nonconformance raises the NCR on the material lot."""
    ncrs = list_ncrs(receipts, actor(receipts, INSPECTOR), supplier="ACME").items
    assert [(n.material_lot, n.supplier, n.quantity, n.status) for n in ncrs] == [("R2", "ACME", 40.0, "open")]
