"""The netting of the ramp plan against stock and open orders, on cases small enough to
work out by hand (each expected figure is computed in the comment beside it)."""
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrip.planning.shortages import OpenOrder, Owed, PlannedStarts, explode, net

W1, W2, W3, W4 = (date(2026, 3, 2) + timedelta(weeks=k) for k in range(4))  # Mondays


def test_explode_multiplies_down_every_level_and_stops_at_purchased_parts():
    bom = {"ACT": [("GEARBOX", 1), ("SCREW", 4)],
           "GEARBOX": [("GEAR", 3), ("SCREW", 2)],  # made here: its own BOM
           "GEAR": []}  # a revision without lines is bought, not made
    # SCREW: 4 direct + 1 gearbox × 2 = 6; GEAR: 1 × 3 = 3; GEARBOX itself is not bought
    assert explode(bom, "ACT") == {"SCREW": 6.0, "GEAR": 3.0}


def test_explode_refuses_a_bom_that_contains_itself():
    with pytest.raises(ValueError, match="ACT → GEARBOX → ACT"):
        explode({"ACT": [("GEARBOX", 1)], "GEARBOX": [("ACT", 1)]}, "ACT")


def test_stock_then_a_late_order_then_backlog():
    # 2 starts a week for 4 weeks, 2 motors per unit: demand 4, 4, 4, 4 (cumulative 4, 8, 12, 16)
    # stock 6, an order of 5 expected in week 3: covered 6, 6, 11, 11
    # balance 2, -2, -1, -5 -> backlog 0, 2, 1, 5; short = min(demand, backlog) = 0, 2, 1, 4
    plan = [PlannedStarts("L1", w, 2) for w in (W1, W2, W3, W4)]
    order = OpenOrder("MTR", W3 + timedelta(days=3), 5, "PO-1 line 1 from HMS")
    result = net(periods=[W1, W2, W3, W4], per_unit={"MTR": 2}, plan=plan, on_hand={"MTR": 6}, orders=[order])
    assert result.balance.tolist() == [[2, -2, -1, -5]]
    rows = [(s.period, s.quantity_short, s.backlog) for s in result.shortages]
    assert rows == [(W2, 2, 2), (W3, 1, 1), (W4, 4, 5)]
    # week 2: 2 left of the 6 at its start, 4 needed over 5 days (0.8 a day): 2 / 0.8 = 2.5 -> Wednesday
    # week 3: 11 - 8 = 3 left, 3 / 0.8 = 3.75 -> Thursday; week 4: nothing left -> Monday
    assert [s.first_short_date for s in result.shortages] == [W2 + timedelta(days=2), W3 + timedelta(days=3), W4]
    (lot,) = result.lots
    assert not lot.clear_to_build
    assert lot.reasons == ("MTR runs out on Wed 11 Mar 2026: short 2 in the week of 09 Mar, 1 in the week of "
                           "16 Mar, 4 in the week of 23 Mar (7 in all); next order: PO-1 line 1 from HMS, 5 expected "
                           "Thu 19 Mar 2026",)


def test_only_the_lots_that_need_the_part_in_a_short_week_are_blocked():
    # L1 starts 3 in week 1, L2 starts 3 in week 2; one label each. Stock 4 labels:
    # week 1 needs 3 (left 1), week 2 needs 3 -> 2 short, and only L2 builds in week 2.
    plan = [PlannedStarts("L1", W1, 3), PlannedStarts("L2", W2, 3)]
    later = OpenOrder("LBL", W4, 10, "PO-7 line 1 from BIS")
    result = net(periods=[W1, W2, W3], per_unit={"LBL": 1, "HSG": 1}, plan=plan,
                 on_hand={"LBL": 4, "HSG": 10}, orders=[later])
    (s,) = result.shortages
    assert (s.part, s.period, s.quantity_short, s.blocks_lots) == ("LBL", W2, 2, ("L2",))
    l1, l2 = result.lots
    assert l1.clear_to_build and l1.reasons == (
        "every part for 3 starts is covered by stock on hand or open orders due in time",)
    # the order is expected after the horizon, so it does not count, but it is the next one
    assert not l2.clear_to_build
    assert l2.reasons[0].endswith("next order: PO-7 line 1 from BIS, 10 expected Mon 23 Mar 2026")


def test_an_overdue_order_counts_in_the_first_week_and_owed_material_is_demand():
    # a unit already started still owes 1 housing; 1 start planned: demand 2 in week 1;
    # stock 0, an order overdue by a week (5) counts now: no shortage
    result = net(periods=[W1, W2], per_unit={"HSG": 1}, plan=[PlannedStarts("L3", W1, 1)], on_hand={},
                 orders=[OpenOrder("HSG", W1 - timedelta(days=7), 5, "PO-2")],
                 owed=[Owed("L3", "HSG", W1, 1)])
    assert result.demand.tolist() == [[2, 0]]
    assert result.shortages == ()
    assert result.lots[0].clear_to_build


def test_a_lot_with_nothing_left_to_kit_is_clear():
    result = net(periods=[W1], per_unit={"HSG": 1}, plan=[PlannedStarts("L1", W1, 0)], on_hand={})
    assert result.lots[0].clear_to_build
    assert result.lots[0].reasons == ("nothing left to kit in the weeks planned",)


def test_bad_input_is_refused_in_words():
    with pytest.raises(ValueError, match="Monday"):
        net(periods=[W1 + timedelta(days=1)], per_unit={}, plan=[], on_hand={})
    with pytest.raises(ValueError, match="L1 has -1 starts"):
        net(periods=[W1], per_unit={"A": 1}, plan=[PlannedStarts("L1", W1, -1)], on_hand={})


def simulate(weeks, per_unit, plan, on_hand, orders, working_days=5):
    """Reference: walk the weeks one by one, receive, then serve the oldest need first."""
    rows = []
    for part, q in per_unit.items():
        stock = on_hand.get(part, 0.0)
        owed = []  # [week, quantity not yet served], oldest first
        for t, w in enumerate(weeks):
            stock += sum(o.quantity for o in orders if o.part == part and
                         (w <= o.expected < w + timedelta(days=7) or (t == 0 and o.expected < w)))
            owed.append([t, sum(p.starts for p in plan if p.period == w) * q])
            for item in owed:
                take = min(stock, item[1])
                item[1] -= take
                stock -= take
            owed = [item for item in owed if item[1] > 1e-9]
            mine = sum(item[1] for item in owed if item[0] == t)
            if mine > 1e-9:
                rows.append((part, w, round(mine, 6), round(sum(i[1] for i in owed), 6)))
    return sorted(rows, key=lambda r: (r[1], r[0]))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_netting_agrees_with_a_week_by_week_simulation(data):
    weeks = [W1 + timedelta(weeks=k) for k in range(data.draw(st.integers(1, 6)))]
    parts = {f"P{i}": data.draw(st.integers(1, 4)) for i in range(data.draw(st.integers(1, 3)))}
    plan = [PlannedStarts(f"L{data.draw(st.integers(1, 3))}", w, data.draw(st.integers(0, 5))) for w in weeks]
    stock = {p: data.draw(st.integers(0, 20)) for p in parts}
    orders = [OpenOrder(data.draw(st.sampled_from(sorted(parts))),
                        W1 + timedelta(days=data.draw(st.integers(-10, 7 * len(weeks) + 10))),
                        data.draw(st.integers(1, 15)), "PO") for _ in range(data.draw(st.integers(0, 4)))]
    result = net(periods=weeks, per_unit=parts, plan=plan, on_hand=stock, orders=orders)
    got = [(s.part, s.period, s.quantity_short, s.backlog) for s in result.shortages]
    assert got == simulate(weeks, parts, plan, stock, orders)
    assert np.all(result.balance[:, -1] == [stock[p] + sum(o.quantity for o in orders if o.part == p and
                                                             o.expected < weeks[-1] + timedelta(days=7))
                                            - sum(pl.starts for pl in plan) * q for p, q in parts.items()])
