"""`lrip shortages PROGRAM`: the ramp plan's shortages and clear-to-build per lot."""
from typing import Annotated

import typer

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add `lrip shortages` to the main command."""
    app.command("shortages")(shortages)


def shortages(program: Annotated[str, typer.Argument(help="Program code, e.g. ACT-200.")],
              horizon: Annotated[int | None, typer.Option(
                  help="Weeks ahead from this one (default: to the end of the ramp plan).")] = None,
              use_observed_lateness: Annotated[bool, typer.Option(
                  "--use-observed-lateness",
                  help="Expect each open order its supplier's mean observed lateness after its promised date.")] = False,
              db: Db = None, as_json: AsJson = False) -> None:
    """Net the ramp plan's demand per part and week against accepted stock and open PO lines: the
    shortage list, and whether each lot is clear to build (with reasons)."""
    from lrip.cli import _table, out, run
    from lrip.planning import service

    def show(r: dict) -> None:
        late = ", ".join(f"{k} {v:g} days" for k, v in r["lateness_days"].items())
        out.print(f"{r['program']}: weeks of {r['first_week']} to {r['last_week']} ({r['weeks']} weeks)"
                  + (f"; open orders shifted by observed lateness ({late or 'no receipts yet'})"
                     if r["use_observed_lateness"] else "; open orders by promised date") + ".")
        if r["shortages"]:
            out.print(_table("Shortages", ["Part", "Week of", "Needed", "Short", "Backlog", "First short", "Blocks"],
                             [[s["part"], s["period"], f"{s['demand']:g}", f"{s['quantity_short']:g}",
                               f"{s['backlog']:g}", s["first_short_date"], ", ".join(s["blocks_lots"])]
                              for s in r["shortages"]]))
        else:
            out.print("No shortage in the horizon.")
        out.print(_table("Clear to build", ["Lot", "Phase", "Starts", "Clear", "Why"],
                         [[lot["lot"], lot["phase"].upper(), f"{lot['starts']:g}",
                           "yes" if lot["clear_to_build"] else "NO", "\n".join(lot["reasons"])]
                          for lot in r["lots"]]))

    run(db, as_json, lambda s: service.shortages(s, program=program, horizon=horizon,
                                                 use_observed_lateness=use_observed_lateness), show)
