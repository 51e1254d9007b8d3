"""`lrip demo --units N`: wall time and peak memory of the real command, beside the time
raw sqlite3 takes to write the same rows (read back from the built database) into an
empty copy of the schema, in the same run. The ratio is what the rules, services and
audit chain cost over bare inserts. `python -m bench.demo_build N` for another N; the
third row says what 10,000 units would take at the rate measured (the aim: 3 minutes), the fifth the
same at the CPU rate (the time spent waiting for a core on a shared machine left out).
"""
import os
import resource
import sqlite3
import subprocess
import sys
import time

from bench.common import fresh_sqlite

TABLES = ("user_account", "part", "part_revision", "bom_line", "document", "document_revision", "work_center", "tool",
          "tool_calibration", "qualification", "supplier", "approved_source", "material_lot", "routing", "operation",
          "characteristic", "program", "phase_policy", "lot", "ramp_plan_entry", "unit", "operation_record",
          "operation_tool", "work_interval", "measurement", "consumption", "hold", "ncr", "ncr_disposition", "scar",
          "audit_event", "audit_head")


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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([lrip, "demo", "--units", str(units), "--db", url, "--json"], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024  # the largest child's so far: the demo's unless an earlier bench's was larger
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    raw_seconds, rows = raw_copy_seconds(str(path), str(empty))
    built = _built(str(path))
    per_unit = seconds / built
    return [(f"lrip demo --units {units:,} ({built:,} units, {rows:,} rows), seconds", f"{seconds:,.1f}",
             f"{raw_seconds:,.2f} (sqlite3 executemany of the same rows)", f"{seconds / raw_seconds:,.0f}×"),
            ("milliseconds per unit built", f"{1000 * per_unit:,.1f}",
             f"{1000 * raw_seconds / built:,.2f} (the same rows, raw)", f"{seconds / raw_seconds:,.0f}×"),
            ("10,000 units at this rate, seconds (target: 180)", f"{per_unit * 10_000:,.0f}", "180",
             f"{per_unit * 10_000 / 180:,.1f}×"),
            ("CPU seconds of the demo process (wall time less waiting for a core)", f"{cpu:,.1f}",
             f"{raw_seconds:,.2f}", f"{cpu / raw_seconds:,.0f}×"),
            ("10,000 units at this CPU rate, seconds (a shared machine's wait aside)", f"{cpu / built * 10_000:,.0f}",
             "180", f"{cpu / built * 10_000 / 180:,.1f}×"),
            ("peak memory of the demo process, MB", f"{peak_mb:,.0f}", "—", "—")]


def _built(path: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM unit").fetchone()[0]
    finally:
        connection.close()


if __name__ == "__main__":
    from bench.common import table

    table("Demo program build, SQLite", run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
