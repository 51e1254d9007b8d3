"""`lrip capacity PROGRAM` and `lrip learning PROGRAM`: load against capacity, and the learning curve."""
from typing import Annotated

import typer

from lrip.capacity import service
from lrip.capacity.schemas import Capacity, CapacityRequest, Learning, LearningRequest
from lrip.terminal import NUMBERS, AsJson, Db, out, parse, run, say, table

Program = Annotated[str, typer.Argument(help="Program code, e.g. ACT-200.")]
Utilisation = Annotated[str, typer.Option("--max-utilisation", help="Utilisation target, 0.05-1 (0.85 = 85%).")]
Days = Annotated[str, typer.Option("--days-per-week", help="Working days in a week (a period), 0.5-7.")]


def register(app: typer.Typer) -> None:
    """Add `lrip capacity` and `lrip learning` to the main command."""
    app.command("capacity", context_settings=NUMBERS)(capacity)
    app.command("learning", context_settings=NUMBERS)(learning)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _show_capacity(r: Capacity) -> None:
    say(f"{r.program} on {r.routing}, {r.minutes}; a period is {r.period}; "
        f"utilisation target {_pct(r.max_utilisation)}.")
    left_out = {o.sequence: o.left_out for o in r.operations if o.left_out}
    if left_out:
        say("Left out of the observed minutes, off the learning trend (more than 3 MADs): "
            + ", ".join(f"{n} at operation {seq}" for seq, n in left_out.items()) + ".")
    out.print(table(f"Work centers at {r.target_rate:g} units a week ({r.target_source})",
                    ["Work center", "Stations", "Hours a week", "Min/unit", "Load h", "Utilisation", "Max units/week"],
                    [[f"{c.code} {c.name}", c.stations, f"{c.capacity_hours:g}", f"{c.minutes_per_unit:g}",
                      f"{c.load_hours_at_target:.1f}", _pct(c.utilisation_at_target) + (" !" if c.overloaded_at_target
                                                                                        else ""),
                      "" if c.max_rate is None else f"{c.max_rate:.1f}"] for c in r.work_centers]))
    out.print(table("Ramp plan: utilisation per week", ["Week of", "Starts", *[c.code for c in r.work_centers]],
                    [[p.period, p.starts, *[_pct(c.utilisation) + (" !" if c.overloaded else "") for c in p.centers]]
                     for p in r.periods]))
    b = r.bottleneck
    say(f"Bottleneck: {b.code} ({b.name}), {b.minutes_per_unit:g} min a unit on {b.capacity_hours:g} h a week. "
        f"The line holds {r.sustainable_rate:.1f} units a week at {_pct(r.max_utilisation)} "
        f"({r.sustainable_rate_at_full_load:.1f} at 100%).")
    if r.fits:
        say(f"{r.target_rate:g} units a week fits.")
    else:
        say(f"{r.target_rate:g} units a week does NOT fit:")
        for change in r.changes_needed:
            say(f"  • {change.message}")


def capacity(program: Program,
             rate: Annotated[str | None, typer.Option(help="Units a week to check (default: the FRP target).")] = None,
             observed: Annotated[bool, typer.Option(
                 "--observed", help="Load with the median observed minutes of LRIP units, not the standard.")] = False,
             max_utilisation: Utilisation = "0.85", days_per_week: Days = "5",
             db: Db = None, as_json: AsJson = False) -> None:
    """Load, capacity and utilisation per week and work center; the bottleneck; the highest rate the
    line holds; whether the target rate fits, and what must change if it does not."""
    asked = parse(CapacityRequest, as_json, program=program, rate=rate, observed=observed,
                  max_utilisation=max_utilisation, days_per_week=days_per_week)
    run(db, as_json, lambda s, actor: service.capacity(
        s, actor, program=asked.program, rate=asked.rate, observed=asked.observed,
        max_utilisation=asked.max_utilisation, days_per_week=asked.days_per_week), _show_capacity, write=False)


def _show_learning(r: Learning) -> None:
    what = f"operation {r.operation.sequence} ({r.operation.name})" if r.operation else "the unit"
    say(f"{r.program}, {what}: {len(r.units)} units; {r.basis}.")
    if r.left_out:
        say(f"{r.left_out} off the learning trend (more than 3 MADs) left out of the fit: "
            + ", ".join(u.serial for u in r.units if u.outlier) + ".")
    out.print(table("Learning curves", ["Model", "Learning rate", "95% interval", "Unit 1 hours", "R²"],
                    [[name, _pct(f.learning_rate), f"{_pct(f.ci_low)} – {_pct(f.ci_high)}",
                      f"{f.first_unit_hours:.2f}", f"{f.r_squared:.3f}"]
                     for name, f in (("Crawford (unit)", r.crawford), ("Wright (cumulative average)", r.wright))]))
    out.print(table(f"Projected (target {r.target_rate:g} units a week)",
                    ["At", "Unit", "Hours (Crawford)", "Hours (Wright)", "Units a week allowed", "Fits target"],
                    [[p.label, p.unit, f"{p.crawford_hours:.2f}",
                      "" if p.wright_hours is None else f"{p.wright_hours:.2f}",
                      "" if p.rate_allowed is None else f"{p.rate_allowed:.1f}",
                      "" if p.fits_target is None else ("yes" if p.fits_target else "NO")] for p in r.projections]))
    say(f"Rate allowed: {r.rate_basis}.")


def learning(program: Program,
             operation: Annotated[str | None, typer.Option(help="One operation (sequence or name).")] = None,
             max_utilisation: Utilisation = "0.85", days_per_week: Days = "5",
             db: Db = None, as_json: AsJson = False) -> None:
    """Wright and Crawford learning curves fitted to actual hours per unit, with the learning rate's
    95% interval, projected hours at the FRP quantities and the rate they allow."""
    asked = parse(LearningRequest, as_json, program=program, operation=operation, max_utilisation=max_utilisation,
                  days_per_week=days_per_week)
    run(db, as_json, lambda s, actor: service.learning(
        s, actor, program=asked.program, operation=asked.operation, max_utilisation=asked.max_utilisation,
        days_per_week=asked.days_per_week), _show_learning, write=False)
