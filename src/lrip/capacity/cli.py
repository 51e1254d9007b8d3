"""`lrip capacity PROGRAM` and `lrip learning PROGRAM`: load against capacity, and the learning curve."""
from typing import Annotated

import typer

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
Utilisation = Annotated[float, typer.Option("--max-utilisation", help="Utilisation target, 0-1 (0.85 = 85%).")]
Days = Annotated[float, typer.Option("--days-per-week", help="Working days in a week (a period).")]


def register(app: typer.Typer) -> None:
    """Add `lrip capacity` and `lrip learning` to the main command."""
    app.command("capacity")(capacity)
    app.command("learning")(learning)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def capacity(program: Annotated[str, typer.Argument(help="Program code, e.g. ACT-200.")],
             rate: Annotated[float | None, typer.Option(help="Units a week to check (default: the FRP target).")] = None,
             observed: Annotated[bool, typer.Option(
                 "--observed", help="Load with the median observed minutes of LRIP units, not the standard.")] = False,
             max_utilisation: Utilisation = 0.85, days_per_week: Days = 5.0,
             db: Db = None, as_json: AsJson = False) -> None:
    """Load, capacity and utilisation per week and work center; the bottleneck; the highest rate the
    line holds; whether the target rate fits, and what must change if it does not."""
    from lrip.capacity import service
    from lrip.cli import _table, out, run

    def show(r: dict) -> None:
        out.print(f"{r['program']} on {r['routing']}, {r['minutes']}; a period is {r['period']}; "
                  f"utilisation target {_pct(r['max_utilisation'])}.")
        out.print(_table(f"Work centers at {r['target_rate']:g} units a week ({r['target_source']})",
                         ["Work center", "Stations", "Hours a week", "Min/unit", "Load h", "Utilisation",
                          "Max units/week"],
                         [[f"{c['code']} {c['name']}", c["stations"], f"{c['capacity_hours']:g}",
                           f"{c['minutes_per_unit']:g}", f"{c['load_hours_at_target']:.1f}",
                           _pct(c["utilisation_at_target"]) + (" !" if c["overloaded_at_target"] else ""),
                           "" if c["max_rate"] is None else f"{c['max_rate']:.1f}"] for c in r["work_centers"]]))
        codes = [c["code"] for c in r["work_centers"]]
        out.print(_table("Ramp plan: utilisation per week", ["Week of", "Starts", *codes],
                         [[p["period"], p["starts"], *[_pct(c["utilisation"]) + (" !" if c["overloaded"] else "")
                                                       for c in p["centers"]]] for p in r["periods"]]))
        b = r["bottleneck"]
        out.print(f"Bottleneck: {b['code']} ({b['name']}), {b['minutes_per_unit']:g} min a unit on "
                  f"{b['capacity_hours']:g} h a week. The line holds {r['sustainable_rate']:.1f} units a week at "
                  f"{_pct(r['max_utilisation'])} ({r['sustainable_rate_at_full_load']:.1f} at 100%).")
        if r["fits"]:
            out.print(f"{r['target_rate']:g} units a week fits.")
        else:
            out.print(f"{r['target_rate']:g} units a week does NOT fit:")
            for change in r["changes_needed"]:
                out.print(f"  • {change['message']}", markup=False)

    run(db, as_json, lambda s: service.capacity(s, program=program, rate=rate, observed=observed,
                                                max_utilisation=max_utilisation, days_per_week=days_per_week), show)


def learning(program: Annotated[str, typer.Argument(help="Program code, e.g. ACT-200.")],
             operation: Annotated[str | None, typer.Option(help="One operation (sequence or name).")] = None,
             max_utilisation: Utilisation = 0.85, days_per_week: Days = 5.0,
             db: Db = None, as_json: AsJson = False) -> None:
    """Wright and Crawford learning curves fitted to actual hours per unit, with the learning rate's
    95% interval, projected hours at the FRP quantities and the rate they allow."""
    from lrip.capacity import service
    from lrip.cli import _table, out, run

    def show(r: dict) -> None:
        what = f"operation {r['operation']['sequence']} ({r['operation']['name']})" if r["operation"] else "the unit"
        out.print(f"{r['program']}, {what}: {len(r['units'])} units; {r['basis']}.")
        out.print(_table("Learning curves", ["Model", "Learning rate", "95% interval", "Unit 1 hours", "R²"],
                         [[name, _pct(f["learning_rate"]), f"{_pct(f['ci_low'])} – {_pct(f['ci_high'])}",
                           f"{f['first_unit_hours']:.2f}", f"{f['r_squared']:.3f}"]
                          for name, f in (("Crawford (unit)", r["crawford"]), ("Wright (cumulative average)",
                                                                               r["wright"]))]))
        out.print(_table(f"Projected (target {r['target_rate']:g} units a week)",
                         ["At", "Unit", "Hours (Crawford)", "Hours (Wright)", "Units a week allowed", "Fits target"],
                         [[p["label"], p["unit"], f"{p['crawford_hours']:.2f}",
                           "" if p["wright_hours"] is None else f"{p['wright_hours']:.2f}",
                           "" if p["rate_allowed"] is None else f"{p['rate_allowed']:.1f}",
                           "" if p["fits_target"] is None else ("yes" if p["fits_target"] else "NO")]
                          for p in r["projections"]]))
        out.print(f"Rate allowed: {r['rate_basis']}.")

    run(db, as_json, lambda s: service.learning(s, program=program, operation=operation,
                                                max_utilisation=max_utilisation, days_per_week=days_per_week), show)
