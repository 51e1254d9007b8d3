"""`lrip unit add`, `lrip op start|pause|resume|handover|complete|record`, `lrip measure`, `lrip consume`,
`lrip import measurements`:
the shop floor as whoever is signed in at the station, through the API's own request schemas."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.execution import gauges, imports, service
from lrip.execution.schemas import HandoverRequest, PauseRequest
from lrip.execution.schemas import (ConsumeRequest, ImportRequest, MeasurementRequest, OperationRequest, StartRequest,
                                    UnitCreate)
from lrip.terminal import NUMBERS, AsJson, Db, fail, n, out, parse, run, say, table

op_app = typer.Typer(no_args_is_help=True, help="Start and complete operations on a unit.")
unit_app = typer.Typer(no_args_is_help=True, help="Create units in a lot.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")
gauge_app = typer.Typer(no_args_is_help=True, help="Gauges and the results they took.")


def register(app: typer.Typer) -> None:
    app.add_typer(op_app, name="op")
    app.add_typer(unit_app, name="unit")
    app.add_typer(import_app, name="import")
    app.add_typer(gauge_app, name="gauge")
    app.command(context_settings=NUMBERS)(measure)
    app.command(context_settings=NUMBERS)(consume)


@unit_app.command("add")
def unit_add(lot: str, serial: str, db: Db = None, as_json: AsJson = False) -> None:
    """Create a unit with this serial in a lot."""
    request = parse(UnitCreate, as_json, serial=serial)
    run(db, as_json, lambda s, actor: service.create_unit(s, actor, lot=lot, serial=request.serial),
        lambda u: say(f"Unit {u.serial} created in lot {u.lot} (unit {u.position} of the lot)."))


@op_app.command("start")
def op_start(serial: str, operation: str,
             tool: Annotated[list[str] | None, typer.Option("--tool", help="A tool used (repeat for several).")] = None,
             db: Db = None, as_json: AsJson = False) -> None:
    """Start an operation (by sequence number or name) on a unit, as the signed-in operator."""
    request = parse(StartRequest, as_json, tools=tool or [])
    run(db, as_json, lambda s, actor: service.start_operation(s, actor, serial=serial, operation=operation,
                                                              tools=request.tools),
        lambda r: say(f"Started operation {r.operation} ({r.name}) on {r.serial} at {r.started_at:%Y-%m-%d %H:%M} UTC"
                      + (f" with {', '.join(r.tools)}." if r.tools else ".")))


def _clock_said(r) -> None:
    minutes = f"{r.worked_minutes:.1f} worked minutes so far"
    say({"paused": f"Paused operation {r.operation} ({r.name}) on {r.serial} at {r.clock_since:%Y-%m-%d %H:%M} UTC; "
                   f"{minutes}.",
         "working": f"Operation {r.operation} ({r.name}) on {r.serial} is worked by {r.worked_by} from "
                    f"{r.clock_since:%Y-%m-%d %H:%M} UTC; {minutes}."}[r.clock])


@op_app.command("pause")
def op_pause(serial: str, operation: str,
             reason: Annotated[str, typer.Option(help="Why: a break, waiting for parts, the end of a shift.")] = "",
             db: Db = None, as_json: AsJson = False) -> None:
    """Pause the operation you are working: its worked minutes stop until you resume it or someone takes it over."""
    request = parse(PauseRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.pause_operation(s, actor, serial=serial, operation=operation,
                                                              reason=request.reason), _clock_said)


@op_app.command("resume")
def op_resume(serial: str, operation: str, db: Db = None, as_json: AsJson = False) -> None:
    """Resume the operation you paused (or whose hold the MRB released)."""
    run(db, as_json, lambda s, actor: service.resume_operation(s, actor, serial=serial, operation=operation),
        _clock_said)


@op_app.command("handover")
def op_handover(serial: str, operation: str,
                reason: Annotated[str | None, typer.Option(help="A note, e.g. 'shift change'.")] = None,
                db: Db = None, as_json: AsJson = False) -> None:
    """Take over an operation in work at a shift change, as the signed-in operator."""
    request = parse(HandoverRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.hand_over_operation(s, actor, serial=serial, operation=operation,
                                                                  reason=request.reason), _clock_said)


@op_app.command("complete")
def op_complete(serial: str, operation: str, db: Db = None, as_json: AsJson = False) -> None:
    """Complete an operation on a unit; its cycle time, the minutes worked on it, is recorded."""
    run(db, as_json, lambda s, actor: service.complete_operation(s, actor, serial=serial, operation=operation),
        lambda r: say(f"Completed operation {r.operation} ({r.name}) on {r.serial}: {r.cycle_minutes:.1f} worked min; "
                      f"unit {r.unit_status.replace('_', ' ')}."))


def _results(texts: list[str], as_json: bool) -> list[dict]:
    """`CHARACTERISTIC=VALUE` or `CHARACTERISTIC=VALUE@GAUGE` as the request's fields (which the request checks);
    exit 2 naming each one without its `=`."""
    results, bad = [], []
    for text in texts:
        code, sep, rest = text.partition("=")
        value, at, gauge = rest.partition("@")
        if not sep:
            bad.append(f"--result {text!r}: write CHARACTERISTIC=VALUE or CHARACTERISTIC=VALUE@GAUGE")
        results.append({"characteristic": code, "value": value, **({"gauge": gauge} if at else {})})
    if bad:
        fail("operation_invalid", bad, as_json, "invalid")
    return results


@op_app.command("record", context_settings=NUMBERS)
def op_record(serial: str, operation: str,
              tool: Annotated[list[str] | None, typer.Option("--tool", help="A tool scanned (repeat for several).")] = None,
              material: Annotated[list[str] | None, typer.Option(
                  "--material", help="LOT or LOT=QUANTITY built in (repeat; default quantity: what the BOM needs).")] = None,
              result: Annotated[list[str] | None, typer.Option(
                  "--result", help="CHARACTERISTIC=VALUE or CHARACTERISTIC=VALUE@GAUGE (repeat).")] = None,
              started: Annotated[str | None, typer.Option(help="When it started, ISO 8601 with zone (default: now).")] = None,
              completed: Annotated[str | None, typer.Option(help="When it was completed (default: now).")] = None,
              db: Db = None, as_json: AsJson = False) -> None:
    """A whole operation in one submit, as a test stand or a paper traveler enters it: started with its tools,
    material built in, results taken, completed; all or nothing. A result out of spec leaves it in work, held."""
    request = parse(OperationRequest, as_json, tools=tool or [], started_at=started, completed_at=completed,
                    materials=[dict(zip(("material", "quantity"), m.split("=", 1))) for m in material or []],
                    results=_results(result or [], as_json))

    def show(r):
        said = (f"Recorded operation {r.operation} ({r.name}) on {r.serial}: {len(r.results)} result(s), "
                f"{len(r.consumed)} material(s)")
        if r.ncrs:
            say(f"{said}; out of spec: {r.serial} is on hold under {', '.join(r.ncrs)}, the operation stays in work.")
        else:
            say(f"{said}; completed, {r.cycle_minutes:.1f} worked min; unit {r.unit_status.replace('_', ' ')}.")

    run(db, as_json, lambda s, actor: service.record_operation(
        s, actor, serial=serial, operation=operation, tools=request.tools, materials=[m.entry() for m in request.materials],
        results=[r.entry() for r in request.results], started_at=request.started_at, completed_at=request.completed_at),
        show)


def measure(serial: str, characteristic: str, value: Annotated[str, typer.Argument(help="A number, or pass/fail.")],
            gauge: Annotated[str | None, typer.Option(help="The gauge used.")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Record a measurement or pass/fail result; out of spec puts the unit on hold under an NCR."""
    request = parse(MeasurementRequest, as_json, characteristic=characteristic, value=value, gauge=gauge)

    def show(m):
        if m.in_spec:
            say(f"Recorded {m.characteristic} = {value} on {m.serial}: in spec.")
        else:
            say(f"Out of spec: {m.hold_reason}. {m.serial} is on hold under {m.ncr}.")

    run(db, as_json, lambda s, actor: service.record_measurement(
        s, actor, serial=serial, characteristic=request.characteristic, result=request.result, gauge=request.gauge),
        show)


def consume(serial: str, operation: str, lot_or_serial: str,
            qty: Annotated[str | None, typer.Option("--qty", help="Quantity (default: what the BOM still needs).")] = None,
            db: Db = None, as_json: AsJson = False) -> None:
    """Build a material lot's quantity or a child serial into a unit at an operation."""
    request = parse(ConsumeRequest, as_json, operation=operation, material=lot_or_serial, quantity=qty)
    run(db, as_json, lambda s, actor: service.consume(s, actor, serial=serial, operation=request.operation,
                                                      identifier=request.material, quantity=request.quantity),
        lambda c: say(f"Consumed {c.quantity:g} of {c.material} ({c.part}" + (f" rev {c.revision}" if c.revision else "")
                      + f") into {c.serial} at operation {c.operation}."
                      + (f" {c.on_hand_after:g} left on hand." if c.on_hand_after is not None else "")
                      + (f" Used as is under {c.use_as_is}." if c.use_as_is else "")))


@import_app.command("measurements")
def import_measurements(file: Annotated[Path, typer.Argument(help="CSV: serial, operation, characteristic, value, "
                                                                  "recorded_at, operator, gauge")],
                        again: Annotated[bool, typer.Option("--again", help="Import a file imported before.")] = False,
                        reason: Annotated[str | None, typer.Option(help="Why the same file again.")] = None,
                        db: Db = None, as_json: AsJson = False) -> None:
    """Import test-station results in one transaction: any bad row and nothing is imported. A file is
    imported once; the same file again needs --again and --reason."""
    request = parse(ImportRequest, as_json, again=again, reason=reason)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail("import_invalid", [f"cannot read {file}: {exc}"], as_json, "invalid")

    def show(r):
        say(f"Imported {n(r.rows, 'measurement')} for {n(r.units, 'unit')} from {r.file}"
            + (" (again)." if r.again else "."))
        for h in r.holds:
            say(f"  line {h.line}: {h.serial} on hold under {h.ncr}: {h.reason}")

    run(db, as_json, lambda s, actor: imports.import_measurements(s, actor, text=text, source=file.name,
                                                                  again=request.again, reason=request.reason), show)


@gauge_app.command("recall")
def gauge_recall(code: str, db: Db = None, as_json: AsJson = False) -> None:
    """Every result a gauge took since its last good calibration, for each calibration that found it out of
    tolerance: what a quality engineer reviews."""
    def show(r):
        say(f"{r.gauge} ({r.kind}, {r.description}), calibrated until {r.calibration_due or 'never'}.")
        if not r.findings:
            say("No calibration found it out of tolerance: nothing to recall.")
        for f in r.findings:
            since = f"since its calibration of {f.since}" if f.since else "since its first result"
            say(f"Found out of tolerance on {f.found_out_on} (certificate {f.certificate}): {n(len(f.results), 'result')} "
                f"{since} on {n(len(f.units), 'unit')} ({', '.join(f.lots) or 'no lot'}) to review.")
            out.print(table(f"Results {r.gauge} took, {f.since or 'first'} to {f.found_out_on}",
                            ["Taken", "Serial", "Lot", "Unit", "Characteristic", "Result", "Limits", "Margin", "By"],
                            [[f"{x.recorded_at:%Y-%m-%d %H:%M}", x.serial, x.lot, x.unit_status.replace("_", " "),
                              f"{x.characteristic}{' (KC)' if x.key else ''}",
                              ("pass" if x.passed else "fail") if x.value is None else f"{x.value:g}",
                              f"{'' if x.lsl is None else f'{x.lsl:g}'}..{'' if x.usl is None else f'{x.usl:g}'}",
                              "" if x.margin is None else f"{x.margin:g}", x.recorded_by] for x in f.results]))

    run(db, as_json, lambda s, actor: gauges.gauge_recall(s, actor, code=code.strip()), show, write=False)
