"""Shortage netting for 50 parts × 52 weeks × 10 lots, measured in the same run against:

1. the netting alone: `planning.shortages.net` (NumPy, and it also writes every lot's
   clear-to-build reasons) against a straightforward nested-loop netting in pure Python of the
   same data (part × week × lot), at 50 parts and at 500;
2. the whole report on SQLite: `planning.service.shortages` (queries, BOM, netting, words)
   against plain sqlite3 queries of the same plan, BOM, stock and open order lines followed by
   the nested loop.

Both sides must give the same shortage rows (part, week, quantity short, backlog, lots blocked),
or the benchmark stops: a fast wrong answer is not a result.
"""
import random
import sqlite3
from collections import defaultdict
from datetime import date, timedelta

from bench.common import best_of, fresh_sqlite, table
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import actor_of, create_user, get_user
from lrip.catalog import service as catalog
from lrip.catalog.service import OperationSpec
from lrip.db import unit_of_work
from lrip.planning.service import monday, shortages
from lrip.planning.shortages import OpenOrder, PlannedStarts, net
from lrip.program import service as program
from lrip.supply import service as supply

PARTS, WEEKS, LOTS, ORDERS_PER_PART = 50, 52, 10, 4


def data(first_week: date, seed: int = 11, n_parts: int = PARTS, late_parts: int | None = 5) -> dict:
    """Every lot starts 0-3 units every week; each part 1-4 per unit, a few weeks' stock, and four
    open orders a year. Typical (`late_parts` = 5): the orders cover each part's year, except that
    5 parts' orders come a quarter late. Worst case (None): small orders at random dates, so most
    part-weeks are short."""
    rng = random.Random(seed)
    weeks = [first_week + timedelta(weeks=k) for k in range(WEEKS)]
    parts = {f"BP-{i:03d}": float(rng.choice((1, 1, 2, 4))) for i in range(n_parts)}
    plan = [PlannedStarts(f"BL-{k:02d}", w, float(rng.randint(0, 3))) for k in range(LOTS) for w in weeks]
    year = sum(p.starts for p in plan)
    if late_parts is None:
        stock = {p: float(rng.randint(0, 300)) for p in parts}
        orders = [OpenOrder(p, first_week + timedelta(days=rng.randint(0, 7 * WEEKS + 14)),
                            float(rng.randint(20, 200)), f"PO-{p}-{j}") for p in parts for j in range(ORDERS_PER_PART)]
    else:
        late = set(rng.sample(sorted(parts), late_parts))
        stock = {p: q * year / 8 for p, q in parts.items()}  # about six weeks
        orders = [OpenOrder(p, first_week + timedelta(weeks=5 + 13 * j + (13 if p in late else 0)),
                            round(q * year / ORDERS_PER_PART), f"PO-{p}-{j}")
                  for p, q in parts.items() for j in range(ORDERS_PER_PART)]
    return {"weeks": weeks, "per_unit": parts, "plan": plan, "on_hand": stock, "orders": orders}


def nested_loop(weeks, per_unit, plan, on_hand, orders) -> list[tuple]:
    """The baseline: for every part, walk the weeks, and for every week, every lot."""
    at = {w: i for i, w in enumerate(weeks)}
    end = weeks[-1] + timedelta(days=7)
    starts: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(weeks))
    for p in plan:
        starts[p.lot][at[p.period]] += p.starts
    rows = []
    for part, q in per_unit.items():
        supply_by_week = [0.0] * len(weeks)
        for o in orders:
            if o.part == part and o.expected < end:
                supply_by_week[max(0, (o.expected - weeks[0]).days // 7)] += o.quantity
        balance = on_hand.get(part, 0.0)
        for t in range(len(weeks)):
            demand = 0.0
            for lot_starts in starts.values():
                demand += lot_starts[t] * q
            balance += supply_by_week[t] - demand
            if balance < -1e-9 and demand > 1e-9:
                short = min(demand, -balance)
                blocks = tuple(lot for lot, lot_starts in starts.items() if lot_starts[t] * q > 1e-9)
                rows.append((part, weeks[t], round(short, 6), round(-balance, 6), blocks))
    return sorted(rows, key=lambda r: (r[1], r[0]))


def netting_row(n_parts: int = PARTS, repeats: int = 20, late_parts: int | None = 5) -> tuple[str, str, str, str]:
    d = data(monday(date(2026, 1, 7)), n_parts=n_parts, late_parts=late_parts)
    ours_s, ours = best_of(lambda: net(periods=d["weeks"], per_unit=d["per_unit"], plan=d["plan"],
                                    on_hand=d["on_hand"], orders=d["orders"]), repeats)
    base_s, base = best_of(lambda: nested_loop(d["weeks"], d["per_unit"], d["plan"], d["on_hand"], d["orders"]),
                        repeats)
    got = [(s.part, s.period, s.quantity_short, s.backlog, s.blocks_lots) for s in ours.shortages]
    assert got == base, "the two nettings disagree"
    case = "worst case" if late_parts is None else f"{late_parts} parts late"
    return (f"net {n_parts} parts × {WEEKS} weeks × {LOTS} lots, {case} ({len(got)} part-weeks short), "
            f"ms (best of {repeats})",
            f"{ours_s * 1000:.2f}", f"{base_s * 1000:.2f} (nested loops, pure Python)", f"{base_s / ours_s:.2f}")


def build(url: str, d: dict) -> None:
    """The same plan through the services: one product with 50 purchased parts, 10 open lots,
    520 plan entries, accepted stock and 200 open PO lines."""
    with unit_of_work(url) as s:
        create_user(s, INSTALLATION, username="bench", full_name="Bench", roles=["admin"])
        actor = actor_of(get_user(s, "bench"))
        catalog.create_work_center(s, actor, code="WC", name="Line", hours_per_day=8)
        catalog.create_part(s, actor, number="BENCH-P", description="Bench product", tracking="serial")
        catalog.add_part_revision(s, actor, number="BENCH-P", revision="A", release=True)
        supply.create_supplier(s, actor, code="BSUP", name="Bench supplier", status="approved")
        for k, (part, q) in enumerate(d["per_unit"].items()):
            catalog.create_part(s, actor, number=part, description=f"Part {part}", tracking="lot")
            catalog.add_bom_line(s, actor, parent="BENCH-P", revision="A", child=part, quantity=q,
                                 operation_sequence=10)
            supply.approve_source(s, actor, part=part, supplier="BSUP")
            if d["on_hand"][part] > 0:
                supply.receive_lot(s, actor, lot_number=f"BLOT-{k:03d}", part=part, supplier="BSUP",
                                   quantity=d["on_hand"][part])
                supply.inspect_lot(s, actor, lot_number=f"BLOT-{k:03d}", accept=True)
        catalog.create_routing(s, actor, part="BENCH-P", part_revision="A", revision="1", release=True,
                               operations=[OperationSpec(10, "Build", "WC", 60)])
        program.create_program(s, actor, code="BENCH", name="Bench", part="BENCH-P", part_revision="A",
                               planned_total=10_000, frp_target_rate=10)
        for k in range(LOTS):
            program.create_lot(s, actor, program="BENCH", number=f"BL-{k:02d}", planned_quantity=1000,
                               routing_revision="1")
        for p in d["plan"]:
            program.plan_starts(s, actor, program="BENCH", period_start=p.period, planned_starts=int(p.starts),
                                phase="prototype", lot=p.lot)
        today = date.today()
        for k, o in enumerate(d["orders"]):
            supply.create_purchase_order(s, actor, number=f"BPO-{k:04d}", supplier="BSUP", ordered_on=today)
            supply.add_order_line(s, actor, po=f"BPO-{k:04d}", part=o.part, quantity=o.quantity,
                                  promised_on=max(o.expected, today))


def raw_report(path: str, first_week: date) -> list[tuple]:
    """Plain sqlite3: the plan, the one-level BOM, accepted stock and open lines; then the nested loop."""
    conn = sqlite3.connect(path)
    try:
        plan = [PlannedStarts(lot, date.fromisoformat(week), float(n)) for lot, week, n in conn.execute(
            "SELECT l.number, r.period_start, r.planned_starts FROM ramp_plan_entry r JOIN lot l ON l.id = r.lot_id "
            "JOIN program g ON g.id = r.program_id WHERE g.code = 'BENCH' AND l.status = 'open'")]
        per_unit = dict(conn.execute(
            "SELECT c.number, b.quantity FROM bom_line b JOIN part c ON c.id = b.child_part_id "
            "JOIN program g ON g.part_revision_id = b.parent_revision_id WHERE g.code = 'BENCH' ORDER BY b.id"))
        on_hand = dict(conn.execute("SELECT p.number, SUM(m.quantity_on_hand) FROM material_lot m JOIN part p "
                                    "ON p.id = m.part_id WHERE m.status = 'accepted' GROUP BY p.number"))
        orders = [OpenOrder(part, date.fromisoformat(promised), qty, "") for part, promised, qty in conn.execute(
            "SELECT p.number, l.promised_on, l.quantity - l.quantity_received FROM purchase_order_line l "
            "JOIN purchase_order o ON o.id = l.order_id JOIN part p ON p.id = l.part_id "
            "WHERE o.status = 'open' AND l.status = 'open' AND l.quantity > l.quantity_received")]
    finally:
        conn.close()
    weeks = [first_week + timedelta(weeks=k) for k in range(WEEKS)]
    return nested_loop(weeks, per_unit, plan, on_hand, orders)


def service_row(repeats: int = 5) -> tuple[str, str, str, str]:
    first_week = monday(date.today())
    d = data(first_week)
    url, path = fresh_sqlite("shortages")
    build(url, d)

    with unit_of_work(url, write=False) as s:
        reader = actor_of(get_user(s, "bench"))

    def ours():
        with unit_of_work(url, write=False) as s:
            return shortages(s, reader, program="BENCH")

    ours_s, report = best_of(ours, repeats)
    base_s, base = best_of(lambda: raw_report(str(path), first_week), repeats)
    got = [(s.part, date.fromisoformat(s.period), s.quantity_short, s.backlog, tuple(sorted(s.blocks_lots)))
           for s in report.shortages]
    assert got == [(*row[:4], tuple(sorted(row[4]))) for row in base], "the service and the raw report disagree"
    return (f"shortages report, SQLite, {len(d['plan'])} plan entries, {len(d['orders'])} open PO lines, "
            f"ms (best of {repeats})", f"{ours_s * 1000:.1f}",
            f"{base_s * 1000:.1f} (sqlite3 queries + nested loops)", f"{base_s / ours_s:.2f}")


def run() -> list[tuple[str, str, str, str]]:
    return [netting_row(), netting_row(late_parts=None), netting_row(10 * PARTS, repeats=5, late_parts=50),
            service_row()]


if __name__ == "__main__":
    table("Shortage netting, 50 parts × 52 weeks × 10 lots (ratio: baseline time / ours)", run())
