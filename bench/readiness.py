"""The FRP readiness gate on a 10,000-unit demo program: evaluate every criterion and write the evidence
package (HTML, PDF, JSON, CSV, manifest), beside reading the same records once with plain sqlite3.

Reuses the demo database bench/metrics.py builds into bench/.cache/ (keyed by the hash of demo.py).
Peak memory: the largest Python heap tracemalloc sees in a separate, untimed run (the timed runs go
without it, since tracing slows Python down), and the process's maximum resident set size.
"""
import resource
import shutil
import sqlite3
import sys
import tempfile
import tracemalloc
from pathlib import Path

from bench.common import best_of
from bench.metrics import cached_demo
from lrip.areas import load as load_models
from lrip.auth.actor import INSTALLATION
from lrip.db import Base, engine_for, unit_of_work
from lrip.migrate import upgrade
from lrip.readiness import report, service

# What the criteria read, each once: LRIP measurements of the key characteristics, every operation record
# with its operator and qualification, holds, NCRs and CAPAs, FAIs, change requests and redlines, the BOM
# and its approved sources, purchase order lines and receipts, the ramp plan, the routing and work centers.
RAW = [
    """SELECT c.code, u.serial, m.value, m.recorded_at, m.in_spec, r.attempt FROM measurement m
       JOIN characteristic c ON m.characteristic_id = c.id JOIN operation_record r ON m.operation_record_id = r.id
       JOIN unit u ON m.unit_id = u.id JOIN lot l ON u.lot_id = l.id
       WHERE l.program_id = :p AND l.phase = 'lrip' AND c.key ORDER BY m.recorded_at, m.id""",
    """SELECT r.id, r.unit_id, r.attempt, r.status, r.started_at, r.completed_at, r.cycle_minutes, o.sequence,
              o.required_skill, o.standard_minutes, u.serial, u.status, l.number, r.started_by_id
       FROM operation_record r JOIN operation o ON r.operation_id = o.id JOIN unit u ON r.unit_id = u.id
       JOIN lot l ON u.lot_id = l.id WHERE l.program_id = :p ORDER BY l.id, r.unit_id, o.sequence, r.attempt""",
    "SELECT user_id, skill, granted_on, expires_on FROM qualification",
    """SELECT h.operation_record_id, h.disposition FROM hold h JOIN unit u ON h.unit_id = u.id
       JOIN lot l ON u.lot_id = l.id WHERE l.program_id = :p""",
    """SELECT m.operation_record_id, count(*), sum(CASE WHEN m.in_spec THEN 0 ELSE 1 END) FROM measurement m
       JOIN unit u ON m.unit_id = u.id JOIN lot l ON u.lot_id = l.id WHERE l.program_id = :p
       GROUP BY m.operation_record_id""",
    "SELECT * FROM ncr WHERE program_id = :p",
    "SELECT * FROM capa WHERE program_id = :p",
    "SELECT * FROM first_article",
    "SELECT * FROM fai_requirement",
    "SELECT * FROM change_request WHERE program_id = :p",
    "SELECT * FROM redline",
    "SELECT b.child_part_id, s.supplier_id FROM bom_line b LEFT JOIN approved_source s ON s.part_id = b.child_part_id",
    """SELECT l.*, r.* FROM purchase_order_line l JOIN purchase_order o ON l.order_id = o.id
       LEFT JOIN receipt r ON r.line_id = l.id""",
    "SELECT * FROM material_lot",
    "SELECT * FROM ramp_plan_entry WHERE program_id = :p",
    "SELECT o.*, w.* FROM operation o JOIN work_center w ON o.work_center_id = w.id",
    "SELECT u.serial, u.status, u.lot_id FROM unit u JOIN lot l ON u.lot_id = l.id WHERE l.program_id = :p",
]


def raw_read(path: Path, program_id: int) -> int:
    con = sqlite3.connect(path)
    rows = 0
    for sql in RAW:
        try:
            rows += len(con.execute(sql, {"p": program_id}).fetchall())
        except sqlite3.OperationalError:  # a table or column another area has not migrated yet
            pass
    con.close()
    return rows


def run(units: int = 10_000, repeat: int = 2, built: Path | None = None) -> list[tuple[str, str, str, str]]:
    """`built`: a demo database to use instead of the cached one for today's demo.py."""
    load_models()
    built = built or cached_demo(units)
    folder = Path(tempfile.mkdtemp(prefix="lrip-bench-readiness-"))
    path = folder / "lrip.db"
    shutil.copy(built, path)
    url = f"sqlite:///{path}"
    upgrade(url)
    Base.metadata.create_all(engine_for(url))  # a cache built while a migration was still empty lacks its tables
    con = sqlite3.connect(path)
    program_id, code = con.execute("SELECT id, code FROM program").fetchone()
    n_units = con.execute("SELECT count(*) FROM unit").fetchone()[0]
    con.close()

    t_raw, read = best_of(lambda: raw_read(path, program_id), repeat)

    def evaluate():
        with unit_of_work(url) as session:
            return service.evaluate(session, INSTALLATION, program=code)

    def write():
        with unit_of_work(url) as session:
            return report.write_package(session, INSTALLATION, program=code, out=folder / "package")

    t_eval, assessment = best_of(evaluate, repeat)
    t_report, written = best_of(write, repeat)
    tracemalloc.start()
    evaluate()
    write()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    size = sum(p.stat().st_size for p in (folder / "package").rglob("*") if p.is_file())
    baseline = f"{t_raw:.2f} (sqlite3 reads the same {read:,} rows once)"
    rows = [
        (f"evaluate 11 criteria, {n_units:,} units, seconds", f"{t_eval:.2f}", baseline, f"{t_eval / t_raw:.1f}×"),
        ("write the evidence package (HTML, PDF, JSON, CSV), seconds", f"{t_report:.2f}", baseline,
         f"{t_report / t_raw:.1f}×"),
        ("evaluate + package, seconds", f"{t_eval + t_report:.2f}", baseline, f"{(t_eval + t_report) / t_raw:.1f}×"),
        ("peak Python heap (tracemalloc), MB", f"{peak / 1e6:.0f}", "", ""),
        ("process maximum resident set, MB", f"{rss:.0f}", "", ""),
        ("verdict; package files / size", f"{assessment.verdict}; {len(written.files)} / {size / 1e6:.1f} MB",
         "", ""),
        ("demo database (name: units, sha256 of demo.py)", built.name, "", ""),
    ]
    engine_for(url).dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return rows


if __name__ == "__main__":
    from bench.common import table

    table("FRP readiness: evaluate and evidence package, SQLite",
          run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
              built=Path(sys.argv[2]) if len(sys.argv) > 2 else None))
