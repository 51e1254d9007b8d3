"""`lrip shortages PROGRAM`: the ramp plan's shortages and clear-to-build per lot."""
from typing import Annotated

import typer

from lrip.planning import service
from lrip.planning.schemas import Shortages, ShortagesRequest
from lrip.terminal import AsJson, Db, out, parse, run, say, table


def register(app: typer.Typer) -> None:
    """Add `lrip shortages` to the main command."""
    app.command("shortages")(shortages)


def _show(r: Shortages) -> None:
    late = ", ".join(f"{k} {v:g} days" for k, v in r.lateness_days.items())
    say(f"{r.program}: weeks of {r.first_week} to {r.last_week} ({r.weeks} weeks)"
        + (f"; open orders shifted by observed lateness ({late or 'no receipts yet'})"
           if r.use_observed_lateness else "; open orders by promised date") + ".")
    if r.shortages:
        out.print(table("Shortages", ["Part", "Week of", "Needed", "Short", "Backlog", "First short", "Blocks"],
                        [[s.part, s.period, f"{s.demand:g}", f"{s.quantity_short:g}", f"{s.backlog:g}",
                          s.first_short_date, ", ".join(s.blocks_lots)] for s in r.shortages]))
    else:
        say("No shortage in the horizon.")
    out.print(table("Clear to build", ["Lot", "Phase", "Starts", "Clear", "Why"],
                    [[lot.lot, lot.phase.upper(), f"{lot.starts:g}", "yes" if lot.clear_to_build else "NO",
                      "\n".join(lot.reasons)] for lot in r.lots]))


def shortages(program: Annotated[str, typer.Argument(help="Program code, e.g. ACT-200.")],
              horizon: Annotated[str | None, typer.Option(
                  help="Weeks ahead from this one, 1 to 520 (default: to the end of the ramp plan).")] = None,
              use_observed_lateness: Annotated[bool, typer.Option(
                  "--use-observed-lateness",
                  help="Expect each open order its supplier's mean observed lateness after its promised date.")] = False,
              db: Db = None, as_json: AsJson = False) -> None:
    """Net the ramp plan's demand per part and week against accepted stock and open PO lines: the
    shortage list, and whether each lot is clear to build (with reasons)."""
    asked = parse(ShortagesRequest, as_json, program=program, horizon=horizon,
                  use_observed_lateness=use_observed_lateness)
    run(db, as_json, lambda s, actor: service.shortages(s, actor, program=asked.program, horizon=asked.horizon,
                                                        use_observed_lateness=asked.use_observed_lateness),
        _show, write=False)
