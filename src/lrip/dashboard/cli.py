"""`lrip programs`, `lrip lots PROGRAM`, `lrip units LOT`: the lists, with their units counted."""
from __future__ import annotations

from typing import Annotated

import typer

from lrip.dashboard import service
from lrip.execution.rules import UnitStatus
from lrip.terminal import AsJson, Db, out, run, table


def register(app: typer.Typer) -> None:
    app.command("programs")(programs)
    app.command("lots")(lots)
    app.command("units")(units)


def programs(db: Db = None, as_json: AsJson = False) -> None:
    """List programs with their phase and units."""
    run(db, as_json, service.list_programs, lambda rows: out.print(table(
        "Programs", ["Program", "Phase", "Part", "Planned", "LRIP qty", "Lots", "Units", "Complete", "On hold"],
        [[r.code, r.phase.upper(), r.part, r.planned_total, r.lrip_quantity, r.lots, r.units,
          r.units_by_status.get(UnitStatus.COMPLETE, 0), r.units_by_status.get(UnitStatus.ON_HOLD, 0)]
         for r in rows])), write=False)


def lots(program: str, db: Db = None, as_json: AsJson = False) -> None:
    """List a program's lots with their progress."""
    run(db, as_json, lambda s, actor: service.list_lots(s, actor, program=program), lambda rows: out.print(table(
        f"Lots of {program}", ["Lot", "Phase", "Status", "Planned", "Routing", "Units"],
        [[r.number, r.phase.upper(), r.status, r.planned_quantity, r.routing_revision, _counts(r.units_by_status)]
         for r in rows])), write=False)


def units(lot: str, status: Annotated[UnitStatus | None, typer.Option(help="Only units in this status.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """List a lot's units with status, operation in work and hold reason."""
    run(db, as_json, lambda s, actor: service.list_units(s, actor, lot=lot, status=status), lambda rows: out.print(
        table(f"Units of lot {lot}", ["Serial", "Status", "At operation", "On hold because"],
              [[r.serial, r.status.replace("_", " "), r.operation, r.hold_reason] for r in rows])), write=False)


def _counts(by_status: dict[str, int]) -> str:
    return ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items())) or "none"
