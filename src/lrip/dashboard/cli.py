"""`lrip programs`, `lrip lots PROGRAM`, `lrip units LOT`: the lists, with their units counted; and
`lrip units create LOT`, many units at once (a count with a serial pattern, or a range of serials)."""
from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

from lrip.dashboard import service
from lrip.execution import service as execution
from lrip.execution.rules import UnitStatus
from lrip.execution.schemas import UnitsCreate
from lrip.terminal import NUMBERS, AsJson, Db, out, parse, run, say, table


class ListByDefault(TyperGroup):
    """`lrip units LOT` lists the lot's units, as it did before `lrip units create` joined it."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


units_app = typer.Typer(cls=ListByDefault, no_args_is_help=True,
                        help="A lot's units (`lrip units LOT`), and creating many at once.")


def register(app: typer.Typer) -> None:
    app.command("programs")(programs)
    app.command("lots")(lots)
    app.add_typer(units_app, name="units")


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


@units_app.command("list")
def units(lot: str, status: Annotated[UnitStatus | None, typer.Option(help="Only units in this status.")] = None,
          db: Db = None, as_json: AsJson = False) -> None:
    """List a lot's units with status, operation in work and hold reason."""
    run(db, as_json, lambda s, actor: service.list_units(s, actor, lot=lot, status=status), lambda rows: out.print(
        table(f"Units of lot {lot}", ["Serial", "Status", "At operation", "On hold because"],
              [[r.serial, r.status.replace("_", " "), r.operation, r.hold_reason] for r in rows])), write=False)


@units_app.command("create", context_settings=NUMBERS)
def units_create(lot: str,
                 count: Annotated[str | None, typer.Option(help="How many units (with --pattern).")] = None,
                 pattern: Annotated[str | None, typer.Option(help="The serial with a number field: SN200-{:04d}.")]
                 = None,
                 start: Annotated[str, typer.Option(help="The pattern's first number.")] = "1",
                 first: Annotated[str | None, typer.Option("--from", help="The first serial of a range.")] = None,
                 last: Annotated[str | None, typer.Option("--to", help="The last serial of a range.")] = None,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Create many units in a lot: --count N --pattern SN200-{:04d} [--start K], or --from SN-0001 --to
    SN-0010. All of them, or none with every reason."""
    r = parse(UnitsCreate, as_json, count=count, pattern=pattern, start=start, first=first, last=last)
    run(db, as_json, lambda s, actor: execution.create_units(s, actor, lot=lot, serials=r.serials()),
        lambda u: say(f"Created {u.count} unit{'s' if u.count != 1 else ''} in lot {u.lot}: {u.serials[0]}"
                      + (f" to {u.serials[-1]}" if u.count > 1 else "")
                      + f" (units {u.positions[0]}-{u.positions[1]} of the lot)."))


def _counts(by_status: dict[str, int]) -> str:
    return ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items())) or "none"
