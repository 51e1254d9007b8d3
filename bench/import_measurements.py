"""`lrip import measurements` rows per second against raw sqlite3 executemany of the
same rows into the same schema, measured in the same run. Aim: at least 0.5 of raw, with every
check a result typed at a station gets (issue 13: the gauge is in the register, of the
characteristic's gauge kind and in calibration then; the time lies within the operation attempt;
the operator may record results and is qualified then).

The line is built through the services: one operation with ten characteristics measured with a
multimeter, N units each with that operation in work; the CSV has ROWS_PER_UNIT rows a unit,
taken with gauge DMM-7 by the station's operator.

The second row is the same import with the audit trail's record states left out (no row digested
and stated in the chain): what keeping every imported row's state costs. The third is the floor under
the first: the same rows, already resolved, written by db.insert_many with one audit event and nothing
checked, as any import that keeps every row's state in the chain must at least do.
`python -m bench.import_measurements 500 2500` measures at several sizes: the rate holds as files grow.
"""
import csv
import io
import shutil
import sqlite3
import sys
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bench.common import copy_db, fresh_sqlite, stopwatch, table
from lrip import audit, db
from lrip.areas import load as load_models
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import actor_of, create_user, get_user
from lrip.catalog import service as catalog
from lrip.catalog.rules import CharacteristicSpec, OperationSpec
from lrip.db import unit_of_work
from lrip.execution import imports, service as execution
from lrip.execution.models import Measurement, OperationRecord, Unit
from lrip.program import service as program

CHARACTERISTICS = 10
ROWS_PER_UNIT = 20


def build(url: str, units: int) -> None:
    """The bench (an admin) sets the line up; the test station (an inspector) starts every unit's test."""
    with unit_of_work(url) as s:
        create_user(s, INSTALLATION, username="bench", full_name="Bench", roles=["admin"])
        bench = actor_of(get_user(s, "bench"))
        create_user(s, bench, username="station", full_name="Test station 1", roles=["inspector"])
        station = actor_of(get_user(s, "station"))
        catalog.grant_qualification(s, bench, username="station", skill="test", granted_on=date.today() - timedelta(days=30),
                                    expires_on=date.today() + timedelta(days=300))
        catalog.create_tool(s, bench, code="DMM-7", kind="multimeter", description="Bench multimeter",
                            category="gauge", calibration_due=date.today() + timedelta(days=300),
                            certificate="CAL-DMM-7", calibrated_on=date.today() - timedelta(days=65))
        catalog.create_part(s, bench, number="BENCH-1", description="Bench unit", tracking="serial")
        catalog.add_part_revision(s, bench, number="BENCH-1", revision="A", release=True)
        catalog.create_document(s, bench, number="WI-B", title="Test")
        catalog.add_document_revision(s, bench, number="WI-B", revision="A", content="Run the test.")
        catalog.release_document_revision(s, bench, number="WI-B", revision="A")
        catalog.create_work_center(s, bench, code="TEST", name="Test", hours_per_day=16)
        chars = tuple(CharacteristicSpec(f"C{i:02d}", f"Reading {i}", "variable", 10.0, 9.0, 11.0, "V",
                                         gauge_kind="multimeter") for i in range(CHARACTERISTICS))
        catalog.create_routing(s, bench, part="BENCH-1", part_revision="A", revision="1", release=True,
                               operations=[OperationSpec(10, "Functional test", "TEST", 5, ("WI-B", "A"), skill="test",
                                                         characteristics=chars)])
        program.create_program(s, bench, code="BENCH", name="Bench", part="BENCH-1", part_revision="A",
                               planned_total=units, frp_target_rate=10)
        program.create_lot(s, bench, program="BENCH", number="B1", planned_quantity=units, routing_revision="1")
        for n in range(units):
            execution.create_unit(s, bench, lot="B1", serial=f"B-{n:06d}")
            execution.start_operation(s, station, serial=f"B-{n:06d}", operation=10)


def csv_text(units: int) -> str:
    """The rows, taken now: after every unit's test started (the build), not in the future."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["serial", "operation", "characteristic", "value", "recorded_at", "operator", "gauge"])
    at = datetime.now(timezone.utc).isoformat()
    for n in range(units):
        for r in range(ROWS_PER_UNIT):
            writer.writerow([f"B-{n:06d}", "10", f"C{r % CHARACTERISTICS:02d}", f"{10 + ((n + r) % 17 - 8) / 10:.2f}",
                             at, "station", "DMM-7"])
    return out.getvalue()


def raw_rows(url: str, text: str) -> list[tuple]:
    """The same rows, ids resolved beforehand, as the raw insert takes them."""
    with unit_of_work(url, write=False) as s:
        units = dict(s.execute(select(Unit.serial, Unit.id)).all())
        records = dict(s.execute(select(OperationRecord.unit_id, OperationRecord.id)).all())
        chars = {f"C{i:02d}": i + 1 for i in range(CHARACTERISTICS)}
    rows = []
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        unit_id = units[row[0]]
        value = float(row[3])
        rows.append((unit_id, chars[row[2]], records[unit_id], value, None, 9.0 <= value <= 11.0, row[6],
                     datetime.fromisoformat(row[4]).replace(tzinfo=None).isoformat(sep=" "), 1, "import"))
    return rows


def floor(url: str, rows: list[tuple]) -> None:
    """The resolved rows written and stated in the chain, nothing checked: what the import cannot go below."""
    written = [(*row[:7], datetime.fromisoformat(row[7]).replace(tzinfo=timezone.utc), *row[8:]) for row in rows]
    with unit_of_work(url) as s:
        db.insert_many(s, Measurement.__table__, imports.MEASUREMENT_COLUMNS, written)
        audit.record(s, actor="bench", action="measurements.imported", record_type="import", record_id="floor")


@contextmanager
def without_record_states():
    """The import as it would be if the audit trail kept no record states: db.insert_many tells the audit
    trail nothing, so no row is digested or put in the event and audit_state."""
    hooks = db.BULK_INSERT_HOOKS[:]
    db.BULK_INSERT_HOOKS.clear()
    try:
        yield
    finally:
        db.BULK_INSERT_HOOKS[:] = hooks


def run(units: int = 2500, repeats: int = 5) -> list[tuple[str, str, str, str]]:
    """Best of `repeats` for each side, each on its own copy of the same database: the import as it is, the
    import without the record states, raw sqlite3."""
    load_models()
    url, path = fresh_sqlite("import")
    build(url, units)
    text = csv_text(units)
    rows = raw_rows(url, text)
    best = {"ours": float("inf"), "stateless": float("inf"), "floor": float("inf"), "raw": float("inf")}
    for i in range(repeats):
        for side, states in (("ours", nullcontext), ("stateless", without_record_states)):
            ours_url, _ = copy_db(path, f"{side}{i}.db")
            with states(), stopwatch() as ours, unit_of_work(ours_url) as s:
                station = actor_of(get_user(s, "station"))
                result = imports.import_measurements(s, station, text=text, source="bench.csv")
            assert result.rows == len(rows)
            best[side] = min(best[side], ours["seconds"])
        floor_url, _ = copy_db(path, f"floor{i}.db")
        with stopwatch() as floored:
            floor(floor_url, rows)
        best["floor"] = min(best["floor"], floored["seconds"])
        _, raw_path = copy_db(path, f"raw{i}.db")
        conn = sqlite3.connect(raw_path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with stopwatch() as raw:
            with conn:
                conn.executemany("INSERT INTO measurement (unit_id, characteristic_id, operation_record_id, value, "
                                 "passed, in_spec, gauge, recorded_at, recorded_by_id, source) "
                                 "VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        conn.close()
        best["raw"] = min(best["raw"], raw["seconds"])
    shutil.rmtree(path.parent, ignore_errors=True)
    rate = {side: len(rows) / seconds for side, seconds in best.items()}
    baseline = f"{rate['raw']:,.0f} (sqlite3 executemany)"
    return [(f"import {len(rows):,} measurements ({units:,} units), rows/s (best of {repeats})", f"{rate['ours']:,.0f}",
             baseline, f"{rate['ours'] / rate['raw']:.2f}"),
            ("  the same without the audit trail's record states", f"{rate['stateless']:,.0f}", baseline,
             f"{rate['stateless'] / rate['raw']:.2f}"),
            ("  the floor: the same rows resolved, written and stated, nothing checked", f"{rate['floor']:,.0f}",
             baseline, f"{rate['floor'] / rate['raw']:.2f}")]


if __name__ == "__main__":
    table("Measurement import, SQLite", [row for units in (map(int, sys.argv[1:]) if len(sys.argv) > 1 else [2500])
                                         for row in run(units)])
