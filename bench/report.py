"""`lrip readiness report` on the demo program: the evidence package (figures drawn for print, the PDF laid out
by WeasyPrint, the package signed), beside WeasyPrint laying out the same report's HTML without its figures,
in the same run. The ratio is what the figures and the package add to the bare layout of the text.

Where the time goes is printed step by step (reading the assessment, drawing the figures, laying out the PDF,
signing). Each side once more in a fresh child process: its time as the command takes it (Python's start and
every import included) and its peak memory, the child printing its maximum resident set
(WeasyPrint's memory is mostly outside Python's heap) and its peak Python heap (tracemalloc).

The demo database is bench/.cache's 10,000-unit one (bench/metrics.py builds it, ~20 min on a quiet machine),
or the one given: `python -m bench.report [DB]`.
"""
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from lrip.areas import load as load_models
from lrip.auth.actor import INSTALLATION
from lrip.db import Base, engine_for, unit_of_work
from lrip.migrate import upgrade
from lrip.readiness import report, service


def _prepare(built: Path) -> tuple[str, str, Path]:
    """A copy of the demo brought to the current schema, assessed twice (so the report has a 'since')."""
    folder = Path(tempfile.mkdtemp(prefix="lrip-bench-report-"))
    path = folder / "lrip.db"
    with sqlite3.connect(built) as source, sqlite3.connect(path) as target:
        source.backup(target)
    url = f"sqlite:///{path}"
    upgrade(url)
    Base.metadata.create_all(engine_for(url))
    with sqlite3.connect(path) as con:
        code = con.execute("SELECT code FROM program").fetchone()[0]
    for _ in range(2):
        with unit_of_work(url) as session:
            service.evaluate(session, INSTALLATION, program=code)
    return url, code, folder


def _evidence(url: str, code: str) -> dict:
    with unit_of_work(url) as session:
        return report.package_data(session, INSTALLATION, program=code)


def _ours(url: str, code: str, out: Path):
    with unit_of_work(url) as session:
        return report.write_package(session, INSTALLATION, program=code, out=out)


def _baseline(evidence: dict) -> bytes:
    """WeasyPrint laying out the report's HTML without figures."""
    from weasyprint import HTML

    return HTML(string=report.render_html(evidence), base_url=".").write_pdf()


def child(side: str, url: str, code: str, out: str, traced: str = "traced") -> None:
    """One side once, in a process of its own: its peak memory (the Python heap only when `traced`: tracemalloc
    slows Python down a few times)."""
    load_models()
    if traced == "traced":
        tracemalloc.start()
    if side == "ours":
        _ours(url, code, Path(out))
    else:
        _baseline(_evidence(url, code))
    _, peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "heap_mb": peak / 1e6,
                      "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def _fresh(side: str, url: str, code: str, out: Path, traced: str = "traced") -> dict:
    """One side in a fresh process: its peak memory, and its wall time with Python's start and every import, as
    the command takes them (untraced)."""
    start = time.perf_counter()
    found = subprocess.run([sys.executable, "-m", "bench.report", "--child", side, url, code, str(out), traced],
                           capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    return json.loads(found.stdout.strip().splitlines()[-1]) | {"seconds": time.perf_counter() - start}


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the process drawing a package's figures)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    """The fastest of `repeat` calls: wall-clock seconds, CPU seconds (the figure to trust on a machine others
    share), and the last call's result."""
    best, cpu, result = None, None, None
    for _ in range(repeat):
        wall, used = time.perf_counter(), _cpu()
        result = fn()
        wall, used = time.perf_counter() - wall, _cpu() - used
        best, cpu = (wall, used) if best is None or wall < best else (best, cpu)
    return best, cpu, result


def _pages(pdf: Path) -> int:
    import pypdfium2

    return len(pypdfium2.PdfDocument(pdf))


def run(built: Path | None = None, repeat: int = 2) -> list[tuple[str, str, str, str]]:
    load_models()
    if built is None:
        from bench.metrics import cached_demo

        built = cached_demo(10_000)
    url, code, folder = _prepare(built)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
        units = con.execute("SELECT count(*) FROM unit").fetchone()[0]
        points = con.execute("SELECT count(*) FROM measurement").fetchone()[0]

    t_ours, cpu_ours, written = _timed(lambda: _ours(url, code, folder / "package"), repeat)
    evidence = _evidence(url, code)
    t_base, cpu_base, bare = _timed(lambda: _baseline(evidence), repeat)

    # where the time goes, step by step, on the same evidence
    steps = {}
    wall, cpu, _ = _timed(lambda: _evidence(url, code), 1)
    steps["reading the assessment (evidence.json, checkpoint)"] = (wall, cpu)
    wall, cpu, figures = _timed(lambda: report.figures(evidence), 1)
    steps["drawing the figures (Matplotlib, SVG for print)"] = (wall, cpu)
    wall, cpu, html = _timed(lambda: report.render_html(evidence, figures), 1)
    steps["the HTML (Jinja)"] = (wall, cpu)
    wall, cpu, pdf = _timed(lambda: report._pdf(html), 1)
    steps["laying out the PDF with figures (WeasyPrint)"] = (wall, cpu)
    wall, cpu, _ = _timed(lambda: report.sign_files({"report.pdf": pdf, "report.html": html.encode()},
                                                    reason="benchmark"), 1)
    steps["signing (PAdES, manifest)"] = (wall, cpu)

    mem_ours = _fresh("ours", url, code, folder / "package-mem")
    mem_base = _fresh("baseline", url, code, folder / "unused")
    cold_ours = _fresh("ours", url, code, folder / "package-cold", "untraced")["seconds"]
    cold_base = _fresh("baseline", url, code, folder / "unused", "untraced")["seconds"]
    base = f"{t_base:.2f} (WeasyPrint, same HTML without figures)"
    rows = [
        (f"lrip readiness report, {units:,} units / {points:,} measurements, seconds", f"{t_ours:.2f}", base,
         f"{t_ours / t_base:.2f}×"),
        ("  the same, CPU seconds (with the process drawing the figures)", f"{cpu_ours:.2f}", f"{cpu_base:.2f}",
         f"{cpu_ours / cpu_base:.2f}×"),
        ("  the same in a fresh process (Python's start and every import, as the command), seconds",
         f"{cold_ours:.2f}", f"{cold_base:.2f}", f"{cold_ours / cold_base:.2f}×"),
        *((f"  step: {name}, seconds (CPU)", f"{wall:.2f} ({cpu:.2f})", "", "") for name, (wall, cpu) in steps.items()),
        ("  figures drawn; report.pdf pages", f"{sum(len(f) for f in figures.values())}; "
         f"{_pages(folder / 'package' / 'report.pdf')}", f"0; {len(__import__('pypdfium2').PdfDocument(bare))}", ""),
        ("process maximum resident set, MB (fresh process each)", f"{mem_ours['rss_mb']:.0f}",
         f"{mem_base['rss_mb']:.0f}", f"{mem_ours['rss_mb'] / mem_base['rss_mb']:.2f}×"),
        ("  the process drawing the figures, maximum resident set, MB", f"{mem_ours['child_rss_mb']:.0f}", "—", ""),
        ("peak Python heap (tracemalloc), MB", f"{mem_ours['heap_mb']:.0f}", f"{mem_base['heap_mb']:.0f}",
         f"{mem_ours['heap_mb'] / mem_base['heap_mb']:.2f}×"),
        ("report.pdf size, MB", f"{(folder / 'package' / 'report.pdf').stat().st_size / 1e6:.2f}",
         f"{len(bare) / 1e6:.2f}", ""),
        ("verdict; package files", f"{written.verdict}; {len(written.files)}", "", ""),
        ("demo database", built.name, "", ""),
    ]
    engine_for(url).dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:7])
    else:
        from bench.common import table

        table("lrip readiness report (evidence package) against WeasyPrint laying out the same HTML without figures",
              run(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
