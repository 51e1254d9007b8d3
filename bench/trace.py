"""Trace latency on a genealogy of 1,000,000 consumption links, on SQLite (a file) and on
PostgreSQL (LRIP_BENCH_PG_URL; its public schema is dropped and rebuilt). Aim: p95 < 100 ms.

The genealogy has the shape of a real product: top units (PACK) each built from 2 modules
(MOD) and 6 purchased parts; each module from 2 cells (CELL) and 4 purchased parts; each
cell from 5 purchased parts. That is 40 links per top unit, so 25,000 top units, 175,000
units in all. Material lots are consumed first in, first out, in lot sizes from 10 to 2,500
units a lot (about 15,000 lots), so a forward trace from a lot reaches tens to thousands of
units. The catalog, programs and lots are made through the services; units, operation
records, material lots and links are written with `db.insert_many`.

lrip: `lrip.trace.service.trace` (look the identifier up, one recursive query, the units and
lots it reached by id, the tree). Baseline, same run, same database, same samples
interleaved: the bare driver (sqlite3 / psycopg) executing the same SQL statements, compiled
beforehand, fetchall, no tree. The ratio is what the service adds over its own SQL.
"""
import json
import os
import random
import sqlite3
import statistics
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.common import console, fresh_sqlite, stopwatch, table
from lrip.auth.actor import INSTALLATION, Actor
from lrip.auth.service import actor_of, create_user, get_user
from lrip.catalog import service as catalog
from lrip.catalog.models import Operation, Part
from lrip.catalog.service import OperationSpec
from lrip.areas import load as load_models
from lrip.db import engine_for, insert_many, unit_of_work
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.migrate import upgrade
from lrip.program import service as program
from lrip.program.models import Lot
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot, Supplier
from lrip.trace.service import lot_query, trace, unit_query, walk_query

LINKS_PER_TOP = 40
# level: (assembly part, children per unit, purchased parts as units-per-lot)
LEVELS = {"PACK": ("MOD", (10, 25, 50, 100, 500, 2500)),
          "MOD": ("CELL", (25, 100, 500, 2000)),
          "CELL": (None, (20, 50, 100, 250, 1000))}
CHILDREN = 2
CHUNK = 50_000
T0 = datetime(2026, 1, 5, 6, tzinfo=timezone.utc)


def bench_actor(session: Session) -> Actor:
    """The bench's own user, an admin: it builds the catalog and reads the traces."""
    return actor_of(get_user(session, "bench"))


def _setup(session: Session, tops: int) -> dict:
    """The catalog, suppliers and one production lot per assembly, through the services."""
    create_user(session, INSTALLATION, username="bench", full_name="Bench", roles=["admin"])
    bench = bench_actor(session)
    catalog.create_work_center(session, bench, code="ASSY", name="Assembly", hours_per_day=16)
    catalog.create_document(session, bench, number="WI-B", title="Build")
    catalog.add_document_revision(session, bench, number="WI-B", revision="A", content="Build it.")
    catalog.release_document_revision(session, bench, number="WI-B", revision="A")
    for s in range(5):
        supply.create_supplier(session, bench, code=f"SUP-{s}", name=f"Supplier {s}", status="approved")
    counts = {"PACK": tops, "MOD": tops * CHILDREN, "CELL": tops * CHILDREN * CHILDREN}
    for assembly, (child, sizes) in LEVELS.items():
        catalog.create_part(session, bench, number=assembly, description=assembly, tracking="serial")
        catalog.add_part_revision(session, bench, number=assembly, revision="A", release=True)
        for i, _ in enumerate(sizes):
            catalog.create_part(session, bench, number=f"{assembly}-P{i}", description="purchased", tracking="lot")
    for assembly, (child, sizes) in LEVELS.items():
        if child:
            catalog.add_bom_line(session, bench, parent=assembly, revision="A", child=child, quantity=CHILDREN,
                                 operation_sequence=10)
        for i, _ in enumerate(sizes):
            catalog.add_bom_line(session, bench, parent=assembly, revision="A", child=f"{assembly}-P{i}",
                                 quantity=1 + i % 3, operation_sequence=10)
        catalog.create_routing(session, bench, part=assembly, part_revision="A", revision="1", release=True,
                               operations=[OperationSpec(10, "Build", "ASSY", 10, ("WI-B", "A"))])
        program.create_program(session, bench, code=assembly, name=assembly, part=assembly, part_revision="A",
                               planned_total=counts[assembly], frp_target_rate=100)
        program.create_lot(session, bench, program=assembly, number=f"{assembly}-L1",
                           planned_quantity=counts[assembly], routing_revision="1")
    session.flush()
    ids = {"user": 1, "counts": counts}
    for assembly in LEVELS:
        ids[assembly] = {
            "lot": session.execute(select(Lot.id).filter_by(number=f"{assembly}-L1")).scalar_one(),
            "operation": session.execute(select(Operation.id).join(Lot, Lot.routing_id == Operation.routing_id)
                                         .where(Lot.number == f"{assembly}-L1")).scalar_one(),
            "parts": [session.execute(select(Part.id).filter_by(number=f"{assembly}-P{i}")).scalar_one()
                      for i in range(len(LEVELS[assembly][1]))]}
    ids["user"] = session.execute(text("SELECT id FROM user_account WHERE username = 'bench'")).scalar_one()
    ids["suppliers"] = list(session.execute(select(Supplier.id).order_by(Supplier.id)).scalars())
    return ids


def _chunked(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(url: str, links: int) -> dict:
    """Write the genealogy; returns the top serials and material lot numbers to sample from."""
    tops = links // LINKS_PER_TOP
    with unit_of_work(url) as session:
        ids = _setup(session, tops)
        counts = ids["counts"]
        # unit ids: all PACKs, then all MODs, then all CELLs; unit k of a level is built from
        # children CHILDREN*k .. CHILDREN*k+1 of the level below
        base = {"PACK": 1, "MOD": 1 + counts["PACK"], "CELL": 1 + counts["PACK"] + counts["MOD"]}
        units = ((base[a] + k, f"{a}-{k:07d}", ids[a]["lot"], k + 1, "complete", T0 + timedelta(minutes=k), T0
                  + timedelta(minutes=k + 30)) for a in LEVELS for k in range(counts[a]))
        for batch in _chunked(units):
            insert_many(session, Unit.__table__, ("id", "serial", "lot_id", "position", "status", "created_at",
                                                  "completed_at"), batch)
        records = ((base[a] + k, base[a] + k, ids[a]["operation"], 1, "complete", T0 + timedelta(minutes=k),
                    ids["user"]) for a in LEVELS for k in range(counts[a]))
        for batch in _chunked(records):
            insert_many(session, OperationRecord.__table__, ("id", "unit_id", "operation_id", "attempt", "status",
                                                            "started_at", "started_by_id"), batch)
        lots, lot_ids = [], {}
        for a, (_, sizes) in LEVELS.items():
            for i, size in enumerate(sizes):
                for n in range(-(-counts[a] // size)):
                    lot_ids[(a, i, n)] = len(lots) + 1
                    lots.append((len(lots) + 1, f"{a}-P{i}-{n:05d}", ids[a]["parts"][i],
                                 ids["suppliers"][(i + n) % len(ids["suppliers"])], float(size * (1 + i % 3)), 0.0,
                                 "accepted", T0 - timedelta(days=30 - n % 30)))
        for batch in _chunked(lots):
            insert_many(session, MaterialLot.__table__, ("id", "lot_number", "part_id", "supplier_id",
                                                        "quantity_received", "quantity_on_hand", "status",
                                                        "received_at"), batch)

        def consumption():
            n = 0
            for a, (child, sizes) in LEVELS.items():
                for k in range(counts[a]):
                    unit_id, at = base[a] + k, T0 + timedelta(minutes=k + 5)
                    if child:
                        for c in range(CHILDREN):
                            n += 1
                            yield (n, unit_id, unit_id, None, base[child] + CHILDREN * k + c, 1.0, at, ids["user"])
                    for i, size in enumerate(sizes):
                        n += 1
                        yield (n, unit_id, unit_id, lot_ids[(a, i, k // size)], None, float(1 + i % 3), at,
                               ids["user"])

        for batch in _chunked(consumption()):
            insert_many(session, Consumption.__table__, ("id", "unit_id", "operation_record_id", "material_lot_id",
                                                        "child_unit_id", "quantity", "consumed_at", "consumed_by_id"),
                        batch)
    if not url.startswith("sqlite"):
        with engine_for(url).begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine_for(url).connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"tops": [f"PACK-{k:07d}" for k in range(counts["PACK"])], "lots": [lot[1] for lot in lots],
            }


def _raw_connect(url: str):
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _prepared(stmt, dialect, **params) -> tuple[str, tuple | dict]:
    """A statement of the service as the bare driver takes it: SQL text and parameters."""
    compiled = stmt.compile(dialect=dialect)
    state = compiled.construct_expanded_state(params)
    if compiled.positiontup is not None:
        return state.statement, tuple(state.positional_parameters)
    return state.statement, state.parameters


def _raw_plan(session: Session, dialect, identifier: str, direction: str) -> list[tuple[str, tuple | dict]]:
    """The statements `trace` runs for this identifier, compiled beforehand (untimed): both
    lookups, the recursive walk, the units and the lots it reached (their ids bound as one
    parameter: a JSON array on SQLite, an array on PostgreSQL)."""
    kind = "unit" if direction == "backward" else "material_lot"
    postgres = dialect.name == "postgresql"
    found = session.execute(unit_query("serial") if kind == "unit" else lot_query("lot_number"),
                            {"serial": identifier, "lot_number": identifier}).first()
    rows = session.execute(walk_query(direction, kind), {"root": found[0]}).all()
    units = sorted({r.child_unit_id for r in rows if r.child_unit_id} | {r.unit_id for r in rows} - {found[0]}
                   if direction == "forward" else {r.child_unit_id for r in rows if r.child_unit_id})
    lots = sorted({r.material_lot_id for r in rows if r.material_lot_id} - ({found[0]} if kind == "material_lot"
                                                                         else set()))
    plan = [_prepared(unit_query("serial"), dialect, serial=identifier),
            _prepared(lot_query("lot_number"), dialect, lot_number=identifier),
            _prepared(walk_query(direction, kind), dialect, root=found[0])]
    plan += [_prepared(unit_query("ids", postgres), dialect, ids=units if postgres else json.dumps(units))] \
        if units else []
    plan += [_prepared(lot_query("ids", postgres), dialect, ids=lots if postgres else json.dumps(lots))] \
        if lots else []
    return plan


def _raw_trace(conn, plan: list[tuple[str, tuple | dict]]) -> int:
    """The baseline: the same statements on the bare driver, every row fetched, no tree."""
    cur = conn.cursor()
    rows = 0
    for sql, params in plan:
        cur.execute(sql, params)
        rows += len(cur.fetchall())
    conn.rollback()
    return rows


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def measure(url: str, sample: dict, samples: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """Each trace in its own read-only unit of work, as a request would run it; the bare driver runs
    the same statements in a transaction of its own."""
    rng = random.Random(seed)
    plans = {"backward": rng.sample(sample["tops"], samples), "forward": rng.sample(sample["lots"], samples)}
    raw = _raw_connect(url)
    dialect = engine_for(url).dialect
    with unit_of_work(url, write=False) as session:
        reader = bench_actor(session)
        prepared = {direction: {i: _raw_plan(session, dialect, i, direction) for i in identifiers}
                    for direction, identifiers in plans.items()}

    def ours(identifier: str, direction: str):
        with unit_of_work(url, write=False) as session:
            return trace(session, reader, identifier=identifier, direction=direction)

    rows = []
    for direction, identifiers in plans.items():
        for identifier in identifiers[:10]:  # warm both sides
            ours(identifier, direction)
            _raw_trace(raw, prepared[direction][identifier])
        timed, bare, sizes = [], [], []
        for identifier in identifiers:
            start = time.perf_counter()
            result = ours(identifier, direction)
            timed.append(time.perf_counter() - start)
            start = time.perf_counter()
            _raw_trace(raw, prepared[direction][identifier])
            bare.append(time.perf_counter() - start)
            sizes.append(len(result.units) + len(result.material_lots))
        what = ("backward from a top serial" if direction == "backward" else "forward from a material lot")
        size = f"{statistics.mean(sizes):.0f} items avg, {max(sizes)} max"
        for q in (50, 95):
            o, b = _ms(timed, q), _ms(bare, q)
            rows.append((f"{what} ({size}), p{q} ms", f"{o:.1f}", f"{b:.1f}", f"{o / b:.2f}"))
    raw.close()
    return rows


def _pg_reset(url: str) -> None:
    with engine_for(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)


def run(links: int = 1_000_000, samples: int = 200) -> list[tuple[str, str, str, str]]:
    load_models()
    rows = []
    targets = [("SQLite", fresh_sqlite("trace")[0])]
    pg = os.environ.get("LRIP_BENCH_PG_URL")
    if pg:
        from lrip.config import database_url

        targets.append(("PostgreSQL", database_url(pg)))
    else:
        console.print("LRIP_BENCH_PG_URL is not set: the trace benchmark runs on SQLite only.")
    for name, url in targets:
        if name == "PostgreSQL":
            _pg_reset(url)
        with stopwatch() as built:
            sample = build(url, links)
        rows.append((f"{name}: write {links:,} links, {len(sample['lots']):,} lots (insert_many), s",
                     f"{built['seconds']:.0f}", "—", "—"))
        rows += [(f"{name}: {m}", o, b, r) for m, o, b, r in measure(url, sample, samples)]
    return rows


if __name__ == "__main__":
    import sys

    table("Trace on a 1,000,000-link genealogy (baseline: the same recursive SQL on the bare driver)",
          run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
