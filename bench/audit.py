"""`lrip audit verify` over 1,000,000 events and 100,000 records beside a plain SHA-256 pass over the same
bytes, in the same run, on the same SQLite file.

The database: 100,000 measurements, and 1,000,000 events chained by lrip's own formula (audit.event_hash),
each with a before and after like the shop floor's and the state of one measurement (each measurement is
stated ten times; the last state is the one it has), then a checkpoint signed with a key made for the run.
It is built once into `bench/.cache/` (keyed by this file and the migrations) and copied for the run.

verify: the whole check — every event's hash recomputed and linked, the head, the checkpoint's signature
and its hash at its event, every event's record states gathered, every measurement's digest taken and
compared. The baseline reads the same rows through the bare sqlite3 driver and hashes each one's bytes
with SHA-256: no link, no JSON, no comparison — the floor any verification stands on.
"""
import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import best_of, fresh_sqlite
from lrip import audit, keys
from lrip.areas import load as load_models
from lrip.db import canonical_json, engine_for, unit_of_work

EVENTS = int(os.environ.get("LRIP_BENCH_AUDIT_EVENTS", 1_000_000))  # smaller on a busy machine, said in the table
RECORDS = int(os.environ.get("LRIP_BENCH_AUDIT_RECORDS", 100_000))
CACHE = Path(__file__).parent / ".cache"
MIGRATIONS = Path(audit.__file__).parent / "migrations" / "versions"


def _key() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _build(path: Path, directory: Path) -> None:
    """The measurements and the chain, written with the driver (lrip's services would take an hour to make
    a million events); then one checkpoint signed through lrip."""
    rng = random.Random(12)
    start = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO measurement (id, unit_id, characteristic_id, operation_record_id, value, passed, in_spec, "
            "gauge, recorded_at, recorded_by_id, source) VALUES (?, ?, ?, ?, ?, NULL, 1, ?, ?, ?, 'manual')",
            [(i, 1 + i // 16, 1 + i % 16, 1 + i // 2, round(rng.gauss(2.5, 0.05), 4), f"G-{i % 40}",
              (start + timedelta(seconds=i * 7)).strftime("%Y-%m-%d %H:%M:%S.%f"), 1 + i % 9)
             for i in range(1, RECORDS + 1)])
    url = f"sqlite:///{path}"
    shape = audit.shapes()["measurement"]
    with engine_for(url).connect() as connection:
        digests = {row.id: shape.digest(row) for row in connection.execute(shape.select())}
    rows, prev = [], audit.GENESIS
    for seq in range(1, EVENTS + 1):
        at = start + timedelta(seconds=seq, microseconds=seq % 999_983)
        key = 1 + seq % RECORDS
        serial = f"SN-{key // 16:05d}"
        before, after = {"status": "in_work"}, {"characteristic": f"C-{key % 16}", "value": 2.5, "in_spec": True,
                                                "gauge": f"G-{key % 40}", "operation": 10 * (1 + key % 8)}
        records = {"measurement": [shape.colset, {str(key): digests[key]}]}
        digest = audit.event_hash(prev, seq, at, "olga", "measurement.recorded", "unit", serial, before, after,
                                  None, records)
        rows.append((seq, at.strftime("%Y-%m-%d %H:%M:%S.%f"), "olga", "measurement.recorded", "unit", serial,
                     canonical_json(before), canonical_json(after), None, prev, digest, canonical_json(records)))
        prev = digest
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany("INSERT INTO audit_event (seq, at, actor, action, record_type, record_id, before, after, "
                       "reason, prev_hash, hash, records) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (EVENTS, prev))
    with unit_of_work(url) as session:
        audit.checkpoint(session, reason="bench", directory=directory)
    engine_for(url).dispose()


def cached() -> tuple[Path, Path]:
    """The database and the key directory, built once per version of this file and the migrations."""
    CACHE.mkdir(exist_ok=True)
    name = f"audit-{_key()}-{EVENTS}-{RECORDS}"
    target, directory = CACHE / f"{name}.db", CACHE / f"{name}-keys"
    if not target.exists():
        url, path = fresh_sqlite("audit")
        engine_for(url).dispose()
        shutil.rmtree(directory, ignore_errors=True)
        keys.init(directory)
        _build(path, directory)
        shutil.move(path, target)
        shutil.rmtree(path.parent, ignore_errors=True)
    return target, directory


def plain_sha256(path: Path) -> int:
    """Every event's and every measurement's stored bytes through SHA-256, read with the bare driver."""
    n = 0
    with closing(sqlite3.connect(path)) as db:
        for row in db.execute("SELECT seq, at, actor, action, record_type, record_id, before, after, reason, "
                              "prev_hash, hash, records FROM audit_event ORDER BY id"):
            hashlib.sha256("\x1f".join(map(str, row)).encode()).digest()
            n += 1
        for row in db.execute("SELECT * FROM measurement ORDER BY id"):
            hashlib.sha256("\x1f".join(map(str, row)).encode()).digest()
            n += 1
    return n


def run(repeat: int = 2) -> list[tuple[str, str, str, str]]:
    load_models()  # verify checks the audited tables whose models are loaded: every area's
    built, directory = cached()
    folder = Path(tempfile.mkdtemp(prefix="lrip-bench-audit-"))
    path = folder / "lrip.db"
    shutil.copy(built, path)
    url = f"sqlite:///{path}"

    def ours():
        with unit_of_work(url, write=False) as session:
            return audit.verify(session, directory=directory)

    seconds, report = best_of(ours, repeat)
    assert report.ok and report.events == EVENTS and report.records == RECORDS and report.checkpoints == 1, report
    baseline, n = best_of(lambda: plain_sha256(path), repeat)
    assert n == EVENTS + RECORDS
    engine_for(url).dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return [(f"audit verify: {EVENTS:,} events, {RECORDS:,} records, 1 checkpoint", f"{seconds:.2f} s",
             f"{baseline:.2f} s (SHA-256 of each row's bytes)", f"{seconds / baseline:.2f}×")]


if __name__ == "__main__":
    from bench.common import table

    table("Audit verify, SQLite", run())
