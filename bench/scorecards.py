"""Supplier scorecards over 100,000 receipts: `lrip.quality.scorecard.scorecard` (GROUP BY and
window queries, every measure per supplier and per month) against a baseline measured in the
same run on the same rows: one plain SQL query reading every receipt with its line and order
once through the raw driver, aggregated in plain Python (the same measures, per supplier only).

The rows (20 suppliers, 50 parts, 5,000 orders of 5 lines, 4 receipts a line, 1,000 NCRs) are
written with db.insert_many, not through the services. SQLite always; PostgreSQL too when
LRIP_BENCH_PG_URL names a database it may empty (not the test database: it is dropped and rebuilt).
"""
import math
import os
import random
import statistics
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import best_of, fresh_sqlite, table
from lrip.auth.actor import INSTALLATION
from lrip.auth.models import User
from lrip.catalog.models import Part
from lrip.config import database_url
from lrip.db import engine_for, insert_many, unit_of_work, utcnow
from lrip.migrate import upgrade
from lrip.nonconformance.models import NonConformance
from lrip.supply.models import MaterialLot, PurchaseOrder, PurchaseOrderLine, Receipt, Supplier
from lrip.quality.scorecard import scorecard

SUPPLIERS, PARTS, ORDERS, LINES, RECEIPTS_PER_LINE, NCRS = 20, 50, 5_000, 5, 4, 1_000
REPEAT = 3


def build(url: str) -> int:
    """Write the rows; return the number of receipts."""
    rng = random.Random(11)
    first = date(2024, 1, 1)
    now = utcnow()
    with Session(engine_for(url)) as s, s.begin():
        insert_many(s, User.__table__, ("id", "username", "full_name", "roles", "active", "failed_logins", "created_at"),
                    [(1, "bench", "Bench", ["admin"], True, 0, now)])
        insert_many(s, Supplier.__table__, ("id", "code", "name", "status"),
                    [(i, f"S{i:02d}", f"Supplier {i}", "approved") for i in range(1, SUPPLIERS + 1)])
        insert_many(s, Part.__table__, ("id", "number", "description", "tracking"),
                    [(i, f"P{i:03d}", f"Part {i}", "lot") for i in range(1, PARTS + 1)])
        orders, lines, lots, receipts = [], [], [], []
        for o in range(1, ORDERS + 1):
            supplier = o % SUPPLIERS + 1
            ordered = first + timedelta(days=rng.randrange(700))
            orders.append((o, f"PO-{o:06d}", supplier, ordered, "closed", now))
            for k in range(1, LINES + 1):
                line = (o - 1) * LINES + k
                quantity = rng.choice((50, 100, 200, 500))
                promised = ordered + timedelta(days=rng.randrange(14, 45))
                lines.append((line, o, k, rng.randrange(1, PARTS + 1), quantity, promised, quantity, "closed"))
                for r in range(RECEIPTS_PER_LINE):
                    n = len(receipts) + 1
                    received = promised + timedelta(days=rng.randrange(-6, 5 + supplier % 4))
                    lots.append((n, f"L{n:07d}", lines[-1][3], supplier, quantity / 4, quantity / 4, "accepted",
                                 datetime.combine(received, datetime.min.time(), timezone.utc)))
                    sample, defects = 13, (1 if rng.random() < 0.03 else 0)
                    receipts.append((n, line, n, supplier, received, quantity / 4, "bench",
                                     "rejected" if defects else "accepted", 1.0, sample, defects))
        insert_many(s, PurchaseOrder.__table__, ("id", "number", "supplier_id", "ordered_on", "status", "created_at"),
                    orders)
        insert_many(s, PurchaseOrderLine.__table__, ("id", "order_id", "line_number", "part_id", "quantity",
                                                     "promised_on", "quantity_received", "status"), lines)
        insert_many(s, MaterialLot.__table__, ("id", "lot_number", "part_id", "supplier_id", "quantity_received",
                                               "quantity_on_hand", "status", "received_at"), lots)
        insert_many(s, Receipt.__table__, ("id", "line_id", "material_lot_id", "supplier_id", "received_on", "quantity",
                                           "received_by", "result", "aql", "sample_size", "defects_found"), receipts)
        insert_many(s, NonConformance.__table__, ("id", "number", "status", "severity", "defect_code", "description",
                                                  "quantity", "material_lot_id", "supplier_id", "opened_at",
                                                  "opened_by_id", "recurring"),
                    [(i, f"NCR-{i:05d}", "open" if i % 3 else "closed", "major", "INCOMING", "bench", 25.0,
                      i * 97 % len(lots) + 1, lots[i * 97 % len(lots)][3], now, 1, False) for i in range(1, NCRS + 1)])
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ANALYZE"))
    return len(receipts)


BASELINE_SQL = """SELECT r.supplier_id, r.received_on, r.quantity, r.result, r.sample_size, r.defects_found,
                         l.promised_on, o.ordered_on
                  FROM receipt r JOIN purchase_order_line l ON l.id = r.line_id
                  JOIN purchase_order o ON o.id = l.order_id"""


def baseline(url: str) -> dict:
    """Every receipt read once by the raw driver, measures per supplier in plain Python."""
    raw = engine_for(url).raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(BASELINE_SQL)
        rows = cursor.fetchall()
    finally:
        raw.close()
    day = (lambda v: date.fromisoformat(v)) if rows and isinstance(rows[0][1], str) else (lambda v: v)
    acc: dict[int, dict] = {}
    for supplier, received, quantity, result, sample, defects, promised, ordered in rows:
        a = acc.setdefault(supplier, {"n": 0, "on": 0, "leads": [], "insp": 0, "ok": 0, "def": 0, "units": 0})
        received = day(received)
        a["n"] += 1
        a["on"] += (received - day(promised)).days <= 0
        a["leads"].append((received - day(ordered)).days)
        if result != "pending":
            a["insp"] += 1
            a["ok"] += result == "accepted"
            a["def"] += defects or 0
            a["units"] += sample or 0
    out = {}
    for supplier, a in acc.items():
        leads = sorted(a["leads"])
        out[supplier] = {"on_time_rate": a["on"] / a["n"], "lead_time_mean_days": statistics.fmean(leads),
                         "lead_time_p90_days": leads[math.ceil(0.9 * len(leads)) - 1],
                         "lead_time_spread_days": statistics.stdev(leads),
                         "acceptance_rate": a["ok"] / a["insp"], "ppm": a["def"] / a["units"] * 1e6}
    return out


def measure(url: str) -> list[tuple[str, str, str, str]]:
    receipts = build(url)

    def ours():
        with unit_of_work(url, write=False) as s:
            return scorecard(s, INSTALLATION)

    ours_s, cards = best_of(ours, REPEAT)
    base_s, base = best_of(lambda: baseline(url), REPEAT)
    for card in cards:  # the two agree, or the comparison means nothing
        b = base[int(card.supplier[1:])]
        for key, value in b.items():
            assert math.isclose(getattr(card, key), value, rel_tol=1e-9), (card.supplier, key, getattr(card, key), value)
    periods = sum(len(c.periods) for c in cards)
    return [(f"scorecard of {receipts:,} receipts ({len(cards)} suppliers, {periods} supplier-months)",
             f"{ours_s * 1000:.0f} ms", f"{base_s * 1000:.0f} ms (raw SELECT + Python)", f"{ours_s / base_s:.2f}")]


def _pg_url() -> str | None:
    url = os.environ.get("LRIP_BENCH_PG_URL")
    if not url:
        return None
    url = database_url(url)
    with engine_for(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    return url


def run() -> list[tuple[str, str, str, str]]:
    url, _ = fresh_sqlite("scorecards")
    rows = [(f"SQLite: {m}", *rest) for m, *rest in measure(url)]
    pg = _pg_url()
    if pg:
        rows += [(f"PostgreSQL: {m}", *rest) for m, *rest in measure(pg)]
    return rows


if __name__ == "__main__":
    table("Supplier scorecards", run())
