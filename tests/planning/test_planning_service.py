"""Shortages of the factory line's program, through the service, on SQLite and PostgreSQL.

The line: ACT-100 takes 1 motor MTR-1 and 4 screws SCR-4. Stock: 10 accepted motors, 100
accepted screws (another 100 in quarantine and 100 from an unapproved source do not count). Lot L1 plans 2 starts last week,
2 this week and 1 next; SN-1 is started and has taken its motor but not its screws. FRP
weeks without a lot plan 6 and 4 starts in weeks +2 and +3.
"""
from datetime import date, timedelta

import pytest

from factory import actor
from lrip.catalog import service as catalog
from lrip.errors import Invalid, NotFound
from lrip.planning import service
from lrip.planning.service import monday
from lrip.supply import service as supply

W = {k: monday(date.today()) + timedelta(weeks=k) for k in range(-1, 5)}
TODAY = date.today()


def shortages(session, **asked):
    return service.shortages(session, actor(session, "petra"), **asked)


def lateness(session):
    """SUP-M delivered screws 10 days after the promised date (the lot is still in quarantine)."""
    admin = actor(session, "admin")
    supply.create_purchase_order(session, admin, number="PO-0", supplier="SUP-M", ordered_on=TODAY - timedelta(days=30))
    supply.add_order_line(session, admin, po="PO-0", part="SCR-4", quantity=10, promised_on=TODAY - timedelta(days=20))
    supply.receive(session, admin, po="PO-0", line=1, quantity=10, lot_number="SCR-LATE",
                   received_on=TODAY - timedelta(days=10))


def test_shortages_of_the_frp_weeks(planned):
    result = shortages(planned, program="ACT")
    assert (result.first_week, result.last_week, result.weeks) == (W[0].isoformat(), W[3].isoformat(), 4)
    # motors: L1 has 5 - 1 started = 4 left: 1 from last week + 2 this week = 3 now, 1 next week;
    # FRP 6 and 4. Cumulative 3, 4, 10, 14 against 9 on hand (+4 in week 3): short 1 in week 2,
    # backlog 14 - 13 = 1 in week 3
    rows = [(s.part, s.period, s.quantity_short, s.backlog, s.blocks_lots) for s in result.shortages]
    assert rows == [("MTR-1", W[2].isoformat(), 1, 1, [f"FRP {W[2]}"]),
                    ("MTR-1", W[3].isoformat(), 1, 1, [f"FRP {W[3]}"])]
    # week 2: 9 - 4 = 5 left for 6 over 5 days (1.2 a day): Friday; week 3: 13 - 10 = 3 for 0.8 a day: Thursday
    assert [s.first_short_date for s in result.shortages] == [(W[2] + timedelta(days=4)).isoformat(),
                                                                    (W[3] + timedelta(days=3)).isoformat()]
    lots = {lot.lot: lot for lot in result.lots}
    assert list(lots) == ["L1", f"FRP {W[2]}", f"FRP {W[3]}"]
    assert lots["L1"].clear_to_build and lots["L1"].assigned and lots["L1"].starts == 4
    frp = lots[f"FRP {W[2]}"]
    assert (frp.clear_to_build, frp.assigned, frp.phase) == (False, False, "frp")
    assert frp.reasons == [f"MTR-1 runs out on {W[2] + timedelta(days=4):%a %d %b %Y}: short 1 in the week of "
                              f"{W[2]:%d %b}; next order: PO-1 line 1 from SUP-M, 4 expected "
                              f"{W[3] + timedelta(days=2):%a %d %b %Y}"]
    assert not result.clear_to_build
    parts = {p.part: p for p in result.parts}
    # screws: 4 a unit for 3 + 1 + 6 + 4 starts, and the 4 SN-1 still owes: 60 of 100 on hand
    assert (parts["SCR-4"].demand, parts["SCR-4"].on_hand, parts["SCR-4"].short) == (60, 100, 0)
    assert (parts["MTR-1"].on_hand, parts["MTR-1"].on_order, parts["MTR-1"].short) == (9, 4, 1)


def test_observed_lateness_moves_the_order_out_of_the_horizon(planned):
    lateness(planned)
    result = shortages(planned, program="ACT", use_observed_lateness=True)
    assert result.lateness_days == {"SUP-M": 10}
    # PO-1 now expected on week 3's Wednesday + 10 days, after the last week: week 3 short all 4
    rows = [(s.period, s.quantity_short, s.backlog, s.first_short_date) for s in result.shortages]
    assert rows == [(W[2].isoformat(), 1, 1, (W[2] + timedelta(days=4)).isoformat()),
                    (W[3].isoformat(), 4, 5, W[3].isoformat())]
    reason = next(lot for lot in result.lots if lot.lot == f"FRP {W[3]}").reasons[0]
    assert "PO-1 line 1 from SUP-M (promised" in reason and "SUP-M delivers 10.0 days late on average)" in reason


def test_a_short_horizon_sees_no_shortage(planned):
    result = shortages(planned, program="ACT", horizon=2)
    assert result.shortages == [] and result.clear_to_build
    assert [lot.lot for lot in result.lots] == ["L1"]


def test_bad_requests_are_refused_in_words(planned):
    with pytest.raises(NotFound, match="No program with code NOPE"):
        shortages(planned, program="NOPE")
    with pytest.raises(Invalid, match="the horizon is 1 to 520 weeks, not 0"):
        shortages(planned, program="ACT", horizon=0)


def test_a_made_sub_assembly_is_exploded_to_its_own_parts(planned):
    """GBX has a released revision with a BOM (3 GEAR): it is made, so its gears are needed.
    HUB has only a draft revision with a BOM: it is still bought."""
    admin = actor(planned, "admin")
    for number in ("GBX", "GEAR", "HUB", "SPOKE"):
        catalog.create_part(planned, admin, number=number, description=number.title(), tracking="lot")
    catalog.add_part_revision(planned, admin, number="GBX", revision="A", release=True)
    catalog.add_bom_line(planned, admin, parent="GBX", revision="A", child="GEAR", quantity=3, operation_sequence=10)
    catalog.add_part_revision(planned, admin, number="HUB", revision="A")
    catalog.add_bom_line(planned, admin, parent="HUB", revision="A", child="SPOKE", quantity=8, operation_sequence=10)
    for child in ("GBX", "HUB"):
        catalog.add_bom_line(planned, admin, parent="ACT-100", revision="A", child=child, quantity=2,
                             operation_sequence=20)
    parts = {p.part: p for p in shortages(planned, program="ACT").parts}
    assert sorted(parts) == ["GEAR", "HUB", "MTR-1", "SCR-4"]
    # GEAR: 2 gearboxes × 3 = 6 a unit; 3 + 1 + 6 + 4 starts and SN-1's 6 still owed = 90, none on hand
    assert (parts["GEAR"].per_unit, parts["GEAR"].demand, parts["GEAR"].short) == (6, 90, 90)
    assert parts["HUB"].per_unit == 2
