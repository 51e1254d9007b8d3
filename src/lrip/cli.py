"""The `lrip` command. Thin: parse, call one service function, print.

Every command takes --db (or LRIP_DATABASE_URL) and --json. A refused action
exits 2 and prints every reason.
"""
from __future__ import annotations

import getpass
from importlib import import_module
import json
from pathlib import Path
from typing import Annotated, Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from lrip import audit
from lrip.config import database_url
from lrip.db import get_engine
from lrip.errors import Invalid, LripError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="lrip: run low-rate initial production under control and prove readiness for full rate.")
op_app = typer.Typer(no_args_is_help=True, help="Start and complete operations on a unit.")
unit_app = typer.Typer(no_args_is_help=True, help="Create units in a lot.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail.")
app.add_typer(op_app, name="op")
app.add_typer(unit_app, name="unit")
app.add_typer(import_app, name="import")
app.add_typer(audit_app, name="audit")

from lrip.auth.cli import token_app, user_app  # noqa: E402  (they import lrip.cli lazily)

app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
for _area in ("nonconformance", "inspection", "quality", "supply", "trace", "planning", "capacity", "change",
              "readiness"):
    import_module(f"lrip.{_area}.cli").register(app)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]


def _login() -> str:
    return getpass.getuser()


def _fail(code: str, reasons: list[str], as_json: bool, kind: str = "refused") -> None:
    if as_json:
        print(json.dumps({"error": code, "kind": kind, "reasons": reasons}, indent=2))
    else:
        err.print(f"[bold red]{'Refused' if kind == 'refused' else 'Error'}[/] ({code}):")
        for reason in reasons:
            err.print(f"  • {reason}", markup=False, highlight=False)
    raise typer.Exit(2)


def _session(db: str | None) -> Session:
    url = database_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise Invalid("database_missing", f"there is no database at {path}; run `lrip init` first")
    return Session(get_engine(url), expire_on_commit=False)


def run(db: str | None, as_json: bool, work: Callable[[Session], object], show: Callable[[object], None]):
    """Call one service function in a session, print its result or every reason it was refused,
    and return the result for a command that needs it (an exit code)."""
    try:
        with _session(db) as session:
            data = work(session)
    except LripError as exc:
        _fail(exc.code, exc.reasons, as_json, exc.kind)
    except (OperationalError, ProgrammingError) as exc:
        _fail("database_error", [f"the database is not ready ({exc.orig.__class__.__name__}): run `lrip init` "
                                 "or check --db"], as_json, "error")
    if as_json:
        print(json.dumps(data, indent=2, default=str))
    else:
        show(data)
    return data


def _table(title: str, columns: list[str], rows: list[list]) -> Table:
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    return table


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(by_status: dict) -> str:
    return ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items())) or "none"


# ---------------------------------------------------------------- setup

@app.command()
def init(db: Db = None, as_json: AsJson = False) -> None:
    """Create or upgrade the database (Alembic migrations); on a new one, create the user admin."""
    from lrip.auth.service import create_first_admin
    from lrip.migrate import upgrade

    url = database_url(db)
    try:
        upgrade(url)
    except OperationalError as exc:
        _fail("database_error", [f"cannot reach the database: {exc.orig}"], as_json, "error")
    with _session(url) as session:
        password = create_first_admin(session)
    if as_json:
        print(json.dumps({"database": url, "status": "up to date"}
                         | ({"admin": {"username": "admin", "password": password}} if password else {})))
    else:
        out.print(f"Database {url} is up to date.")
        if password:
            out.print(f"Created the user admin. Password (shown once, write it down): {password}",
                      markup=False, highlight=False, soft_wrap=True)


@app.command()
def demo(units: Annotated[int | None, typer.Option(help="Scale the LRIP lots to about N units.")] = None,
         seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same program.")] = 7,
         if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing if the database has programs.")] = False,
         db: Db = None, as_json: AsJson = False) -> None:
    """Load the demo program: an actuator ramp from pilot through three LRIP lots."""
    from lrip.demo import load_demo
    from lrip.program.service import list_programs

    if if_empty:
        with _session(db) as session:
            if list_programs(session):
                if not as_json:
                    out.print("The database already has programs; the demo was not loaded.")
                return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json) as bar:
        task = bar.add_task("Building the demo program", total=None)

        def progress(advance: int, total: int, description: str) -> None:
            bar.update(task, advance=advance, total=total, description=description)

        run(db, as_json, lambda s: load_demo(s, units=units, seed=seed, progress=progress), _show_demo)


def _show_demo(d: dict) -> None:
    out.print(f"Loaded program {d['program']} ({d['part']}), now in {d['phase'].upper()}: {d['units']} units in "
              f"{len(d['lots'])} lots; LRIP quantity {d['lrip_quantity']} of {d['planned_total']} planned.")
    out.print(_table("Lots", ["Lot", "Phase", "Status", "Planned", "Units"],
                     [[lot["number"], lot["phase"].upper(), lot["status"], lot["planned_quantity"],
                       _counts(lot["units_by_status"])] for lot in d["lots"]]))
    if d.get("password"):
        names = ", ".join(u["username"] for u in d["users"] if u["username"] != "admin")
        out.print(f"Demo users ({names}) sign in with the password [bold]{d['password']}[/]; "
                  "admin with the password `lrip init` printed.")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, db: Db = None) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from lrip.api.app import create_app

    uvicorn.run(create_app(database_url(db)), host=host, port=port)


# ---------------------------------------------------------------- lists

@app.command()
def programs(db: Db = None, as_json: AsJson = False) -> None:
    """List programs with their phase and units."""
    from lrip.program.service import list_programs

    run(db, as_json, list_programs, lambda rows: out.print(_table(
        "Programs", ["Program", "Phase", "Part", "Planned", "LRIP qty", "Lots", "Units", "Complete", "On hold"],
        [[r["code"], r["phase"].upper(), r["part"], r["planned_total"], r["lrip_quantity"], r["lots"], r["units"],
          r["units_by_status"].get("complete", 0), r["units_by_status"].get("on_hold", 0)] for r in rows])))


@app.command()
def lots(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """List a program's lots with their progress."""
    from lrip.program.service import list_lots

    run(db, as_json, lambda s: list_lots(s, program), lambda rows: out.print(_table(
        f"Lots of {program}", ["Lot", "Phase", "Status", "Planned", "Routing", "Units"],
        [[r["number"], r["phase"].upper(), r["status"], r["planned_quantity"], r["routing_revision"],
          _counts(r["units_by_status"])] for r in rows])))


@app.command()
def units(lot: str, status: Annotated[str | None, typer.Option(help="Only units in this status.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """List a lot's units with status, operation in work and hold reason."""
    from lrip.execution.service import list_units

    run(db, as_json, lambda s: list_units(s, lot, status=status), lambda rows: out.print(_table(
        f"Units of lot {lot}", ["Serial", "Status", "At operation", "On hold because"],
        [[r["serial"], r["status"].replace("_", " "), r["operation"], r["hold_reason"]] for r in rows])))


# ---------------------------------------------------------------- traveler

def _show_traveler(t: dict) -> None:
    out.print(f"[bold]{t['serial']}[/]  {t['part']} rev {t['part_revision']}  lot {t['lot']} ({t['phase'].upper()})  "
              f"routing rev {t['routing_revision']}  status [bold]{t['status'].replace('_', ' ')}[/]")
    for h in t["holds"]:
        state = "[bold red]OPEN[/]" if h["open"] else f"released: {h['disposition']} — {h['disposition_note']}"
        out.print(f"  hold: {h['reason']} — {state}", highlight=False)
    for op in t["operations"]:
        out.print(f"[bold]{op['sequence']} {op['name']}[/] — {op['status'].replace('_', ' ')}"
                  f"  ({op['instruction'] or 'no instruction'}, {op['work_center']}, std {op['standard_minutes']:g} min)",
                  highlight=False)
        for a in op["attempts"]:
            when = f"{a['started_by']} {a['started_at'][:16].replace('T', ' ')}"
            if a["completed_at"]:
                when += f" → {a['completed_by']} {a['completed_at'][:16].replace('T', ' ')} ({a['cycle_minutes']:.0f} min)"
            attempt = f"attempt {a['attempt']}, {a['status']}: " if a["attempt"] > 1 or a["status"] != "complete" else ""
            tools = f" · tools {', '.join(a['tools'])}" if a["tools"] else ""
            out.print(f"    {attempt}{when}{tools} · {a['instruction'] or ''}", highlight=False)
            for m in a["measurements"]:
                out.print(f"      {_measurement_line(m)}  ({m['recorded_by']})", highlight=False)
            if a["consumed"]:
                out.print("      consumed: " + ", ".join(f"{c['identifier']} ({c['part']}) ×{c['quantity']:g}"
                                                        for c in a["consumed"]), highlight=False)
    nxt = t["next"]
    if nxt is None:
        out.print("Nothing left to do on this unit.")
    elif nxt["blocked_by"]:
        out.print(f"[bold red]Cannot {nxt['action']} operation {nxt['sequence']} ({nxt['name']}):[/]")
        for reason in nxt["blocked_by"]:
            out.print(f"  • {reason}", markup=False, highlight=False)
    else:
        out.print(f"Next: {nxt['action']} operation {nxt['sequence']} ({nxt['name']}).")


def _measurement_line(m: dict) -> str:
    flag = " ✓" if m["in_spec"] else " ✗ OUT OF SPEC"
    if m["kind"] == "attribute":
        return f"{m['characteristic']} {'pass' if m['passed'] else 'fail'}{flag}"
    lsl = "" if m["lsl"] is None else f"{m['lsl']:g}"
    usl = "" if m["usl"] is None else f"{m['usl']:g}"
    limits = f"[{lsl}..{usl}]"
    return f"{m['characteristic']} {m['value']:g} {m['units'] or ''} {limits}{flag}"


@app.command()
def traveler(serial: str, db: Db = None, as_json: AsJson = False) -> None:
    """A unit's as-built record and what blocks its next operation."""
    from lrip.execution.service import traveler as build

    run(db, as_json, lambda s: build(s, serial), _show_traveler)


# ---------------------------------------------------------------- actions

@unit_app.command("add")
def unit_add(lot: str, serial: str, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Create a unit with this serial in a lot."""
    from lrip.execution.service import create_unit

    run(db, as_json, lambda s: {"serial": create_unit(s, lot=lot, serial=serial, actor=by or _login()).serial,
                                "lot": lot, "status": "planned"},
        lambda d: out.print(f"Unit {d['serial']} created in lot {lot}."))


@op_app.command("start")
def op_start(serial: str, operation: str,
             operator: Annotated[str, typer.Option(help="The operator doing the work.")],
             tool: Annotated[list[str] | None, typer.Option("--tool", help="A tool used (repeat for several).")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Start an operation (by sequence number or name) on a unit."""
    from lrip.execution.service import start_operation

    def work(s):
        r = start_operation(s, serial=serial, operation=operation, operator=operator, tools=tool or [])
        return {"serial": serial, "operation": r.operation.sequence, "name": r.operation.name, "attempt": r.attempt,
                "started_at": r.started_at.isoformat(), "operator": operator, "tools": [t.code for t in r.tools]}

    run(db, as_json, work, lambda d: out.print(
        f"Started operation {d['operation']} ({d['name']}) on {serial} at {d['started_at'][:19]}."))


@op_app.command("complete")
def op_complete(serial: str, operation: str, operator: Annotated[str, typer.Option(help="The operator.")],
                db: Db = None, as_json: AsJson = False) -> None:
    """Complete an operation on a unit; its cycle time is recorded."""
    from lrip.execution.service import complete_operation

    def work(s):
        r = complete_operation(s, serial=serial, operation=operation, operator=operator)
        return {"serial": serial, "operation": r.operation.sequence, "name": r.operation.name,
                "completed_at": r.completed_at.isoformat(), "cycle_minutes": r.cycle_minutes,
                "unit_status": r.unit.status}

    run(db, as_json, work, lambda d: out.print(
        f"Completed operation {d['operation']} ({d['name']}) on {serial}: cycle {d['cycle_minutes']:.1f} min; "
        f"unit {d['unit_status'].replace('_', ' ')}."))


@app.command()
def measure(serial: str, characteristic: str, value: Annotated[str, typer.Argument(help="A number, or pass/fail.")],
            operator: Annotated[str, typer.Option(help="Who measured.")],
            gauge: Annotated[str | None, typer.Option(help="The gauge used.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Record a measurement or pass/fail result; out of spec puts the unit on hold."""
    from lrip.execution.service import record_measurement
    from lrip.nonconformance.models import NonConformance

    def work(s):
        r = record_measurement(s, serial=serial, characteristic=characteristic, result=value, operator=operator,
                               gauge=gauge)
        m = r.measurement
        ncr = s.get(NonConformance, r.hold.ncr_id) if r.hold and r.hold.ncr_id else None
        return {"serial": serial, "characteristic": m.characteristic.code, "value": m.value, "passed": m.passed,
                "in_spec": m.in_spec, "on_hold": r.hold is not None, "hold_reason": r.hold.reason if r.hold else None,
                "ncr": ncr.number if ncr else None}

    def show(d):
        if d["in_spec"]:
            out.print(f"Recorded {d['characteristic']} = {value} on {serial}: in spec.")
        else:
            out.print(f"[bold red]Out of spec:[/] {d['hold_reason']}. {serial} is on hold"
                      + (f" under {d['ncr']}." if d["ncr"] else "."))

    run(db, as_json, work, show)


@app.command()
def consume(serial: str, operation: str, lot_or_serial: str,
            qty: Annotated[float | None, typer.Option("--qty", help="Quantity (default: what the BOM still needs).")] = None,
            operator: Annotated[str | None, typer.Option(help="Who scanned it (default: who started the operation).")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Build a material lot's quantity or a child serial into a unit at an operation."""
    from lrip.execution.service import consume as do

    def work(s):
        c = do(s, serial=serial, operation=operation, identifier=lot_or_serial, quantity=qty, operator=operator)
        return {"serial": serial, "operation": c.operation_record.operation.sequence, "material": lot_or_serial,
                "quantity": c.quantity, "on_hand_after": c.material_lot.quantity_on_hand if c.material_lot else None}

    run(db, as_json, work, lambda d: out.print(
        f"Consumed {d['quantity']:g} of {lot_or_serial} into {serial} at operation {d['operation']}."
        + (f" {d['on_hand_after']:g} left on hand." if d["on_hand_after"] is not None else "")))


@app.command()
def disposition(serial: str, action: Annotated[str, typer.Argument(help="use_as_is, repair, rework or scrap")],
                reason: Annotated[str, typer.Option(help="Why: this goes in the record.")],
                to: Annotated[str | None, typer.Option("--to", help="For rework: the operation to return to.")] = None,
                by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Disposition the NCR holding a unit (use as is, repair, rework to an operation, scrap), which releases
    its hold. Use-as-is and repair need the MRB's signatures first: lrip ncr review / lrip ncr sign."""
    from lrip.execution.service import disposition_hold

    run(db, as_json, lambda s: {"serial": serial, "status": disposition_hold(
        s, serial=serial, action=action, actor=by or _login(), reason=reason, rework_to=to).status},
        lambda d: out.print(f"{serial} dispositioned {action}: now {d['status'].replace('_', ' ')}."))


@import_app.command("measurements")
def import_measurements(file: Annotated[Path, typer.Argument(help="CSV: serial, operation, characteristic, value, "
                                                                  "recorded_at, operator, gauge")],
                        by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Import test-station results in one transaction: any bad row and nothing is imported."""
    from lrip.execution.service import import_measurements as do

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail("import_invalid", [f"cannot read {file}: {exc}"], as_json, "invalid")

    def work(s):
        r = do(s, text=text, actor=by or _login(), source=file.name)
        return {"file": file.name, "rows": r.rows, "units": r.units, "out_of_spec": r.out_of_spec, "holds": r.holds,
                "sha256": r.sha256}

    def show(d):
        out.print(f"Imported {_n(d['rows'], 'measurement')} for {_n(d['units'], 'unit')} from {d['file']}.")
        for h in d["holds"]:
            out.print(f"  line {h['line']}: {h['serial']} on hold: {h['reason']}", markup=False, highlight=False)

    run(db, as_json, work, show)


# ---------------------------------------------------------------- audit

@audit_app.command("verify")
def audit_verify(db: Db = None, as_json: AsJson = False) -> None:
    """Walk the hash chain; report the first event that was changed, removed or reordered."""
    def work(s):
        r = audit.verify(s)
        return {"ok": r.ok, "events": r.events, "head_hash": r.head_hash, "first_bad_seq": r.first_bad_seq,
                "problem": r.problem}

    def show(d):
        if d["ok"]:
            out.print(f"Audit chain intact: {d['events']} events, head {d['head_hash']}.")
        else:
            err.print(f"[bold red]Audit chain broken at event {d['first_bad_seq']}:[/] {d['problem']}")

    if not run(db, as_json, work, show)["ok"]:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(record: Annotated[str | None, typer.Option(help="TYPE:ID, e.g. unit:ACT-0001")] = None,
              limit: int = 50, db: Db = None, as_json: AsJson = False) -> None:
    """Show the audit history, newest first."""
    record_type, _, record_id = (record or "").partition(":")

    def work(s):
        return [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                 "record": f"{e.record_type}:{e.record_id}", "before": e.before, "after": e.after, "reason": e.reason}
                for e in audit.history(s, record_type or None, record_id or None, limit=limit)]

    def show(rows):
        for r in rows:
            change = _change(r["before"], r["after"])
            reason = f" — {r['reason']}" if r["reason"] else ""
            out.print(f"#{r['seq']} {r['at'][:19].replace('T', ' ')} {r['actor']} {r['action']} {r['record']}"
                      f"{': ' + change if change else ''}{reason}", markup=False, highlight=False)

    run(db, as_json, work, show)


def _change(before: dict | None, after: dict | None) -> str:
    """'status on_hold → in_work, disposition rework' from an event's before and after."""
    before, after = before or {}, after or {}
    parts = []
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        parts.append(f"{key} {old} → {new}" if key in before else f"{key} {new}")
    return ", ".join(parts)

