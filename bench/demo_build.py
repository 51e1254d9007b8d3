"""`lrip demo --units N`: wall time and peak memory of the real command, beside the time
raw sqlite3 takes to write the same rows (read back from the built database) into an
empty copy of the schema, in the same run. The ratio is what the rules, services and
audit chain cost over bare inserts.
"""
import os
import resource
import sqlite3
import subprocess
import sys
import time

from bench.common import fresh_sqlite

TABLES = ("user_account", "part", "part_revision", "bom_line", "document", "document_revision", "work_center", "tool",
          "qualification", "supplier", "approved_source", "material_lot", "routing", "operation", "characteristic",
          "program", "phase_policy", "lot", "ramp_plan_entry", "unit", "operation_record", "operation_tool",
          "measurement", "consumption", "hold", "audit_event", "audit_head")


def raw_copy_seconds(built: str, empty: str) -> tuple[float, int]:
    source = sqlite3.connect(built)
    rows = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    source.close()
    target = sqlite3.connect(empty)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    with target:
        for t in TABLES:
            if rows[t]:
                marks = ",".join("?" * len(rows[t][0]))
                target.executemany(f"INSERT INTO {t} VALUES ({marks})", rows[t])
    seconds = time.perf_counter() - start
    target.close()
    return seconds, sum(len(r) for r in rows.values())


def run(units: int = 10_000) -> list[tuple[str, str, str, str]]:
    url, path = fresh_sqlite("demo")
    _, empty = fresh_sqlite("demo-raw")
    lrip = os.path.join(os.path.dirname(sys.executable), "lrip")
    start = time.perf_counter()
    subprocess.run([lrip, "demo", "--units", str(units), "--db", url, "--json"], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    raw_seconds, rows = raw_copy_seconds(str(path), str(empty))
    return [(f"lrip demo --units {units:,} ({rows:,} rows), seconds", f"{seconds:,.1f}",
             f"{raw_seconds:,.2f} (sqlite3 executemany of the same rows)", f"{seconds / raw_seconds:,.0f}×"),
            ("peak memory of the demo process, MB", f"{peak_mb:,.0f}", "—", "—")]


if __name__ == "__main__":
    from bench.common import table

    table("Demo program build, SQLite", run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
