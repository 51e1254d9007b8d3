"""Shared by the benchmarks: a fresh migrated SQLite file, timing, and the table they print."""
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lrip.db import engine_for
from lrip.migrate import upgrade

console = Console()


def fresh_sqlite(name: str) -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"lrip-bench-{name}-"))
    path = folder / "lrip.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url, path


def copy_db(path: Path, name: str) -> tuple[str, Path]:
    """A byte-for-byte copy, so both sides of a comparison start from the same database."""
    engine_for(f"sqlite:///{path}").dispose()
    target = path.with_name(name)
    shutil.copy(path, target)
    return f"sqlite:///{target}", target


@contextmanager
def stopwatch():
    result = {}
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start


def best_of(fn, repeat: int) -> tuple[float, object]:
    """The fastest of `repeat` calls, in seconds, and the last call's result."""
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best, result


def table(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """measure | ours | baseline | ratio — the shape every benchmark prints."""
    t = Table(title=title, title_justify="left")
    for column in ("measure", "lrip", "baseline (same run)", "ratio"):
        t.add_column(column)
    for row in rows:
        t.add_row(*row)
    console.print(t)
