"""Capacity of the line for a program's ramp plan and FRP rate, and the learning curve of its
hours per unit. Reads only; the arithmetic is `capacity.rules` and `capacity.learning`.

A period is a week of `days_per_week` working days (5 unless the caller says otherwise): a
work center has hours per day × days × stations × efficiency hours a week. Rates are units a
week, like the program's FRP target rate.

Minutes are worked minutes: an attempt's worked intervals, without its pauses, holds and shift
changes (lrip.execution). Observed minutes (`observed=True`) are, per operation, the median over
the program's LRIP units of the minutes that operation took on the unit, every attempt summed (a
rework is time the line spent); the median, so that one slow unit does not set the plan, and
times off the learning trend (lrip.stats.outliers: a timer left running over a weekend) are left
out and counted. An operation with no LRIP record yet keeps its standard minutes, and says so.

Learning curves use the first attempt of each operation (rework is a quality loss, counted by
the quality metrics, not learning) on complete units, numbered in build order (the time their
first operation started) among the units measured; a unit whose hours lie off the trend keeps
its number and is left out of the fit.
"""
from __future__ import annotations

import statistics
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor, query
from lrip.capacity import learning as curves
from lrip.capacity import rules
from lrip.capacity.schemas import (Bottleneck, Capacity, CenterLoad, CenterRow, Change, Fit, Learning, OperationRef,
                                   OperationRow, PeriodRow, Projection, UnitHours)
from lrip.catalog.models import Operation, Part, PartRevision, Routing, WorkCenter
from lrip.catalog.service import find_operation
from lrip.errors import Invalid
from lrip.execution.models import OperationRecord, Unit
from lrip.execution.rules import UnitStatus
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.program.rules import Phase
from lrip.program.service import current_routing, get_program
from lrip.stats import outliers


def _operations(session: Session, routing: Routing) -> list[tuple[Operation, WorkCenter]]:
    """The routing's operations in sequence, each with its work center: one statement."""
    return [tuple(row) for row in session.execute(
        select(Operation, WorkCenter).join(WorkCenter, WorkCenter.id == Operation.work_center_id)
        .where(Operation.routing_id == routing.id).order_by(Operation.sequence))]


def _line(operations: list[tuple[Operation, WorkCenter]], days_per_week: float) -> list[rules.WorkCenter]:
    centers = {center.code: center for _, center in operations}
    try:
        return [rules.WorkCenter(c.code, c.name, c.hours_per_day * days_per_week, c.stations, c.efficiency)
                for c in centers.values()]
    except ValueError as exc:  # a period is a week here
        raise Invalid("work_center_invalid", str(exc).replace("per period", "a week")) from None


def _observed_minutes(session: Session, program_id: int) -> dict[int, tuple[float | None, int, int]]:
    """Per operation sequence: (median worked minutes per LRIP unit, every attempt summed; units used;
    units left out, their minutes off the learning trend: lrip.stats.outliers)."""
    rows = session.execute(
        select(Operation.sequence, OperationRecord.unit_id, func.sum(OperationRecord.cycle_minutes))
        .join(Operation, Operation.id == OperationRecord.operation_id)
        .join(Unit, Unit.id == OperationRecord.unit_id).join(Lot, Lot.id == Unit.lot_id)
        .where(Lot.program_id == program_id, Lot.phase == Phase.LRIP, OperationRecord.cycle_minutes.is_not(None))
        .group_by(Operation.sequence, OperationRecord.unit_id)
        .order_by(Operation.sequence, func.min(OperationRecord.started_at), OperationRecord.unit_id)).all()
    per_op: dict[int, list[float]] = defaultdict(list)
    for sequence, _, minutes in rows:
        per_op[sequence].append(float(minutes))
    seen = {}
    for seq, values in per_op.items():
        kept = [v for v, off in zip(values, outliers.trend_outliers(values)) if not off]
        seen[seq] = (statistics.median(kept) if kept else None, len(kept), len(values) - len(kept))
    return seen


def _check_settings(rate: float | None, max_utilisation: float, days_per_week: float) -> None:
    reasons = rules.settings_problems(rate, max_utilisation, days_per_week)
    if reasons:
        raise Invalid("capacity_invalid", reasons)


def _routing_name(session: Session, prog: Program, routing: Routing) -> str:
    part, revision = session.execute(select(Part.number, PartRevision.revision).join(
        PartRevision, PartRevision.part_id == Part.id).where(PartRevision.id == prog.part_revision_id)).one()
    return f"{part} rev {revision}, routing {routing.revision}"


def _center_row(center: rules.WorkCenter, minutes: float, at_target: rules.CenterLoad, max_utilisation: float,
                hours_per_day: float) -> CenterRow:
    return CenterRow(code=center.code, name=center.name, hours_per_day=hours_per_day, stations=center.stations,
                     efficiency=center.efficiency, capacity_hours=round(center.available_hours, 4),
                     minutes_per_unit=round(minutes, 4), load_hours_at_target=round(at_target.load_hours, 4),
                     utilisation_at_target=round(at_target.utilisation, 4),
                     overloaded_at_target=at_target.overloaded,
                     max_rate=round(center.available_hours * max_utilisation * 60 / minutes, 4) if minutes else None)


@query("read")
def capacity(session: Session, actor: Actor, *, program: str, rate: float | None = None, observed: bool = False,
             max_utilisation: float = rules.MAX_UTILISATION,
             days_per_week: float = rules.DAYS_PER_WEEK) -> Capacity:
    """Load against capacity per week of the ramp plan and per work center, the bottleneck, the
    highest rate the line holds at the utilisation target, and whether the target rate (the
    program's FRP target unless `rate` is given) fits, with what must change if not. The same
    handful of statements however long the plan and however many units were built."""
    _check_settings(rate, max_utilisation, days_per_week)
    prog = get_program(session, program)
    routing = current_routing(session, prog)
    steps = _operations(session, routing)
    centers = _line(steps, days_per_week)
    seen = _observed_minutes(session, prog.id) if observed else {}
    operations, loads = [], []
    for op, center in steps:
        median, units, left_out = seen.get(op.sequence, (None, 0, 0))
        used = median if median is not None else op.standard_minutes
        loads.append(rules.OperationLoad(str(op.sequence), center.code, used))
        operations.append(OperationRow(
            sequence=op.sequence, name=op.name, work_center=center.code, standard_minutes=op.standard_minutes,
            observed_minutes=None if median is None else round(median, 3), units_observed=units, left_out=left_out,
            minutes_used=round(used, 3),
            source="observed" if median is not None else ("standard (no LRIP record yet)" if observed else "standard")))
    if not any(load.minutes_per_unit > 0 for load in loads):
        raise Invalid("routing_empty", f"routing {routing.revision} puts no minutes on any work center")
    target = rate if rate is not None else prog.frp_target_rate
    starts: dict = defaultdict(int)
    phases: dict = defaultdict(set)
    for period, phase, planned in session.execute(
            select(RampPlanEntry.period_start, RampPlanEntry.phase, func.sum(RampPlanEntry.planned_starts))
            .where(RampPlanEntry.program_id == prog.id).group_by(RampPlanEntry.period_start, RampPlanEntry.phase)):
        starts[period.isoformat()] += int(planned)
        phases[period.isoformat()].add(phase)
    try:
        periods = rules.plan_loads(centers, loads, sorted(starts.items()), max_utilisation=max_utilisation)
        minutes = rules.minutes_per_unit(centers, loads)
        at_target = rules.center_loads(centers, loads, target, max_utilisation=max_utilisation)
        neck = rules.bottleneck(centers, loads)
        check = rules.check_rate(centers, loads, target, max_utilisation=max_utilisation)
    except ValueError as exc:  # the program's or the routing's own figures cannot be planned with
        raise Invalid("capacity_invalid", str(exc)) from None
    hours_per_day = {center.code: center.hours_per_day for _, center in steps}
    return Capacity(
        program=prog.code, routing=_routing_name(session, prog, routing),
        period=f"a week of {days_per_week:g} working days", days_per_week=days_per_week,
        minutes=("observed: median worked minutes per LRIP unit, every attempt summed, times off the learning "
                 "trend left out" if observed else "standard minutes"),
        observed=observed, max_utilisation=max_utilisation,
        target_rate=target, target_source="rate asked" if rate is not None else "FRP target rate",
        work_centers=[_center_row(c, minutes[c.code], load, max_utilisation, hours_per_day[c.code])
                      for c, load in zip(centers, at_target)],
        operations=operations,
        periods=[PeriodRow(period=p.period, starts=p.starts, phases=sorted(phases[p.period]), overloaded=p.overloaded,
                           centers=[CenterLoad(work_center=c.work_center, load_hours=round(c.load_hours, 4),
                                               capacity_hours=round(c.capacity_hours, 4),
                                               utilisation=round(c.utilisation, 4), overloaded=c.overloaded)
                                    for c in p.centers]) for p in periods],
        bottleneck=Bottleneck(code=neck.code, name=neck.name, minutes_per_unit=round(minutes[neck.code], 4),
                              capacity_hours=round(neck.available_hours, 4)),
        sustainable_rate=round(rules.max_sustainable_rate(centers, loads, max_utilisation=max_utilisation), 4),
        sustainable_rate_at_full_load=round(rules.max_sustainable_rate(centers, loads), 4),
        fits=check.fits,
        changes_needed=[Change(work_center=s.work_center, extra_hours_per_week=round(s.extra_hours_per_period, 4),
                               extra_stations=s.extra_stations, message=s.message.replace("per period", "a week"))
                        for s in check.shortfalls],
    )


def _first_attempts(session: Session, prog: Program, sequence: int | None) -> list[tuple[str, dict[int, float]]]:
    """(serial, {operation sequence: first-attempt minutes}) per production unit (LRIP and FRP: pilot units
    are built with engineering at the line, on a routing still being proven, and would bend the fit) in
    build order: complete units, or with an operation, every unit whose first attempt at it is done."""
    query = (select(Unit.serial, Operation.sequence, OperationRecord.cycle_minutes, OperationRecord.started_at)
             .join(Operation, Operation.id == OperationRecord.operation_id)
             .join(Unit, Unit.id == OperationRecord.unit_id).join(Lot, Lot.id == Unit.lot_id)
             .where(Lot.program_id == prog.id, Lot.phase.in_((Phase.LRIP, Phase.FRP)), OperationRecord.attempt == 1,
                    OperationRecord.cycle_minutes.is_not(None)))
    query = query.where(Unit.status == UnitStatus.COMPLETE if sequence is None else Operation.sequence == sequence)
    units: dict[str, dict] = {}
    for serial, seq, minutes, started in session.execute(query).all():
        unit = units.setdefault(serial, {"first": started, "minutes": {}})
        unit["first"] = min(unit["first"], started)
        unit["minutes"][seq] = float(minutes)
    return [(serial, u["minutes"]) for serial, u in sorted(units.items(), key=lambda kv: (kv[1]["first"], kv[0]))]


def _fit(fit: curves.LearningFit) -> Fit:
    return Fit(model=fit.model, learning_rate=round(fit.learning_rate, 4), ci_low=round(fit.rate_ci_low, 4),
               ci_high=round(fit.rate_ci_high, 4), confidence=fit.confidence,
               first_unit_hours=round(fit.first_unit_hours, 4), exponent=round(fit.exponent, 5),
               r_squared=round(fit.r_squared, 4), n=fit.n)


@query("read")
def learning(session: Session, actor: Actor, *, program: str, operation: str | None = None,
             max_utilisation: float = rules.MAX_UTILISATION,
             days_per_week: float = rules.DAYS_PER_WEEK) -> Learning:
    """Wright and Crawford curves fitted to worked hours per unit in build order, with the learning
    rate's 95% interval; projected hours at the next unit, the first FRP unit and the planned
    total (Crawford, the unit model), and the rate those hours allow on the line. A unit whose
    hours lie off the trend (a forgotten timer, a unit built in three minutes to try the CLI:
    lrip.stats.outliers) is flagged and left out of the fit and the operations' shares."""
    _check_settings(None, max_utilisation, days_per_week)
    prog = get_program(session, program)
    routing = current_routing(session, prog)
    steps = _operations(session, routing)
    op = find_operation(routing, operation) if operation is not None else None
    units = _first_attempts(session, prog, op.sequence if op else None)
    if len(units) < 3:
        what = f"operation {op.sequence} ({op.name}) done on" if op else "complete"
        raise Invalid("learning_too_few", f"a learning curve needs at least 3 units; {prog.code} has "
                                          f"{len(units)} {what} so far")
    hours = [sum(minutes.values()) / 60 for _, minutes in units]
    off = outliers.trend_outliers([sum(minutes.values()) for _, minutes in units])
    kept = [x for x in range(1, len(hours) + 1) if not off[x - 1]]  # the rule leaves most units in
    try:
        wright = curves.fit_wright([hours[x - 1] for x in kept], units=kept)
        crawford = curves.fit_crawford([hours[x - 1] for x in kept], units=kept)
    except ValueError as exc:
        raise Invalid("learning_invalid", str(exc)) from None
    n = len(hours)
    xs = range(1, n + 1)
    fitted = {"crawford": curves.project_unit_hours(crawford, xs), "wright": _wright_hours(wright, xs)}
    # each operation's share of the hours, to spread a projected unit over the work centers
    center_of = {o.sequence: center.code for o, center in steps}
    totals: dict[int, float] = defaultdict(float)
    for x in kept:
        for seq, m in units[x - 1][1].items():
            if seq in center_of:
                totals[seq] += m
    whole = sum(totals.values())
    centers = _line(steps, days_per_week)
    planned_before_frp = session.execute(select(func.coalesce(func.sum(RampPlanEntry.planned_starts), 0)).where(
        RampPlanEntry.program_id == prog.id, RampPlanEntry.phase != Phase.FRP)).scalar_one()
    marks = {"next unit": n + 1, "first FRP unit": max(n + 1, int(planned_before_frp) + 1),
             "planned total": max(n + 1, prog.planned_total)}
    projections = []
    for label, unit in sorted(marks.items(), key=lambda kv: kv[1]):
        (unit_hours,) = curves.project_unit_hours(crawford, [unit])
        wright_hours = _wright_hours(wright, [unit])[0]
        loads = [rules.OperationLoad(str(seq), center_of[seq], 60 * unit_hours * m / whole)
                 for seq, m in totals.items() if m > 0]
        rate = rules.max_sustainable_rate(centers, loads, max_utilisation=max_utilisation) if loads else None
        projections.append(Projection(label=label, unit=unit, crawford_hours=round(unit_hours, 4),
                                      wright_hours=None if wright_hours is None else round(wright_hours, 4),
                                      rate_allowed=None if rate is None else round(rate, 3),
                                      fits_target=None if rate is None else rate >= prog.frp_target_rate))
    return Learning(
        program=prog.code,
        operation=OperationRef(sequence=op.sequence, name=op.name,
                               work_center=center_of[op.sequence]) if op else None,
        operations=[OperationRef(sequence=o.sequence, name=o.name, work_center=center.code) for o, center in steps],
        basis=("first attempt of " + (f"operation {op.sequence}" if op else "every operation, complete units")
               + ", worked hours per unit in build order (first operation started)"),
        units=[UnitHours(unit=x, serial=serial, hours=round(h, 4), crawford=round(c, 4),
                         wright=None if w is None else round(w, 4), outlier=out)
               for x, (serial, _), h, c, w, out in zip(xs, units, hours, fitted["crawford"], fitted["wright"], off)],
        left_out=n - len(kept),
        wright=_fit(wright), crawford=_fit(crawford),
        projections=projections, target_rate=prog.frp_target_rate, max_utilisation=max_utilisation,
        days_per_week=days_per_week,
        rate_basis="Crawford hours at that unit, spread over the operations in their measured shares, "
                   f"on the line's work centers at {max_utilisation:.0%} utilisation",
    )


def _wright_hours(fit: curves.LearningFit, xs) -> list[float | None]:
    """Wright's implied hours of each unit, or None where the curve has none (50% or steeper)."""
    try:
        return curves.project_unit_hours(fit, xs)
    except ValueError:
        return [None] * len(list(xs))
