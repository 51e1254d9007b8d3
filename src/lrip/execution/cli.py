"""`lrip unit add`, `lrip op start|complete`, `lrip measure`, `lrip consume`, `lrip import measurements`:
the shop floor as whoever is signed in at the station, through the API's own request schemas."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lrip.execution import service
from lrip.execution.schemas import ConsumeRequest, ImportRequest, MeasurementRequest, StartRequest, UnitCreate
from lrip.terminal import NUMBERS, AsJson, Db, fail, n, parse, run, say

op_app = typer.Typer(no_args_is_help=True, help="Start and complete operations on a unit.")
unit_app = typer.Typer(no_args_is_help=True, help="Create units in a lot.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")


def register(app: typer.Typer) -> None:
    app.add_typer(op_app, name="op")
    app.add_typer(unit_app, name="unit")
    app.add_typer(import_app, name="import")
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


@op_app.command("complete")
def op_complete(serial: str, operation: str, db: Db = None, as_json: AsJson = False) -> None:
    """Complete an operation on a unit; its cycle time is recorded."""
    run(db, as_json, lambda s, actor: service.complete_operation(s, actor, serial=serial, operation=operation),
        lambda r: say(f"Completed operation {r.operation} ({r.name}) on {r.serial}: cycle {r.cycle_minutes:.1f} min; "
                      f"unit {r.unit_status.replace('_', ' ')}."))


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
        lambda c: say(f"Consumed {c.quantity:g} of {c.material} ({c.part}) into {c.serial} at operation {c.operation}."
                      + (f" {c.on_hand_after:g} left on hand." if c.on_hand_after is not None else "")))


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

    run(db, as_json, lambda s, actor: service.import_measurements(s, actor, text=text, source=file.name,
                                                                  again=request.again, reason=request.reason), show)
