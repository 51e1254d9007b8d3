"""`metrics()` over a 10,000-unit demo program, beside a plain SQL reading of the same rows.

Building the program takes about twenty minutes, so it is built once into
`bench/.cache/demo-<units>-<hash of demo.py>.db` and reused while demo.py is unchanged; each run
works on a copy brought to the current schema (the migrations, then any table still missing).

The baseline is plain sqlite3 running the very SELECTs metrics() sends (caught as they go out) and
fetching every row, with nothing done to them: what reading the data costs before anything is
computed. The ratio is what SQLAlchemy, building the figures and the JSON-ready answer add.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import event

from bench.common import best_of, fresh_sqlite
from lrip.areas import load as load_models
from lrip.auth.actor import INSTALLATION
from lrip.db import Base, engine_for, unit_of_work
from lrip.migrate import upgrade

CACHE = Path(__file__).parent / ".cache"
DEMO = Path(__file__).parent.parent / "src" / "lrip" / "demo.py"


def demo_hash() -> str:
    return hashlib.sha256(DEMO.read_bytes()).hexdigest()[:12]


def cached_demo(units: int = 10_000) -> Path:
    """The built demo database for this demo.py, building it (slowly) when missing."""
    CACHE.mkdir(exist_ok=True)
    target = CACHE / f"demo-{units}-{demo_hash()}.db"
    if target.exists():
        return target
    url, path = fresh_sqlite("metrics")
    lrip = os.path.join(os.path.dirname(sys.executable), "lrip")
    subprocess.run([lrip, "demo", "--units", str(units), "--db", url, "--json"], check=True, stdout=subprocess.DEVNULL)
    partial = target.with_suffix(".partial")
    _backup(path, partial)
    partial.rename(target)
    shutil.rmtree(path.parent, ignore_errors=True)
    return target


def _backup(source: Path, target: Path) -> None:
    """A whole copy of a SQLite database, the transactions still in its write-ahead log included."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def statements_of(url: str, work) -> list[tuple[str, tuple]]:
    """The SELECT statements (and their parameters) that work() sends to the database."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def raw_read(path: Path, statements: list[tuple[str, tuple]]) -> int:
    """The same statements run by plain sqlite3, every row fetched, nothing else done."""
    con = sqlite3.connect(path)
    rows = sum(len(con.execute(sql, params).fetchall()) for sql, params in statements)
    con.close()
    return rows


def run(units: int = 10_000, repeat: int = 5, built: Path | None = None) -> list[tuple[str, str, str, str]]:
    """`built`: a cached demo database to use instead of the one for today's demo.py."""
    from lrip.quality import service

    load_models()
    built = built or cached_demo(units)
    path = Path(tempfile.mkdtemp(prefix="lrip-bench-metrics-")) / "lrip.db"
    _backup(built, path)
    url = f"sqlite:///{path}"
    upgrade(url)
    Base.metadata.create_all(engine_for(url))  # a cache built while a migration was still empty lacks its tables
    con = sqlite3.connect(path)
    code, n_units = con.execute("SELECT code, (SELECT count(*) FROM unit) FROM program").fetchone()
    con.close()
    rows = []

    def timed(label: str, work) -> None:
        def once():
            with unit_of_work(url, write=False) as session:
                return work(session)
        statements = statements_of(url, once)
        seconds, _ = best_of(once, repeat)
        raw, read = best_of(lambda: raw_read(path, statements), repeat)
        rows.append((f"{label}, {n_units:,} units, seconds", f"{seconds:.2f}",
                     f"{raw:.2f} (sqlite3 runs its {len(statements)} SELECTs: {read:,} rows)", f"{seconds / raw:.1f}×"))

    for by in ("lot", "operation", "week"):
        timed(f"metrics(by={by!r})", lambda session, by=by: service.metrics(session, INSTALLATION, program=code, by=by))
    timed("SPC of every characteristic (the list page)",
          lambda session: service.characteristics_overview(session, INSTALLATION, program=code))
    rows.append(("demo database (name: units, sha256 of demo.py)", built.name, "", ""))
    engine_for(url).dispose()
    shutil.rmtree(path.parent, ignore_errors=True)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        print(cached_demo())
    else:
        from bench.common import table

        table("Yield and defect metrics, SQLite", run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
                                                      built=Path(sys.argv[2]) if len(sys.argv) > 2 else None))
