"""Capacity of the line for a program's ramp plan and FRP rate, and the learning curve of its
hours per unit. Reads only; the arithmetic is `capacity.rules` and `capacity.learning`.

A period is a week of `days_per_week` working days (5 unless the caller says otherwise): a
work center has hours per day × days × stations × efficiency hours a week. Rates are units a
week, like the program's FRP target rate.

Observed minutes (`observed=True`) are, per operation, the median over the program's LRIP
units of the minutes that operation took on the unit, every attempt summed (a rework is time
the line spent); the median, so that one unit left on a bench overnight does not set the
plan. An operation with no LRIP record yet keeps its standard minutes, and says so.

Learning curves use the first attempt of each operation (rework is a quality loss, counted by
the quality metrics, not learning) on complete units, numbered in build order (the time their
first operation started) among the units measured.
"""
from __future__ import annotations

import statistics
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.capacity import learning as curves
from lrip.capacity import rules
from lrip.catalog.models import Operation, Routing, WorkCenter
from lrip.errors import Invalid, NotFound
from lrip.execution.models import OperationRecord, Unit
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.program.service import get_program

DAYS_PER_WEEK = 5.0
MAX_UTILISATION = 0.85


def current_routing(session: Session, prog: Program) -> Routing:
    """The routing the program builds on now: its newest open lot's, else its newest lot's, else
    the newest released routing of its part revision."""
    routing_id = session.execute(select(Lot.routing_id).where(Lot.program_id == prog.id)
                                 .order_by((Lot.status == "open").desc(), Lot.id.desc()).limit(1)).scalar_one_or_none()
    if routing_id is None:
        routing_id = session.execute(select(Routing.id).where(Routing.part_revision_id == prog.part_revision_id,
                                                              Routing.status == "released")
                                     .order_by(Routing.id.desc()).limit(1)).scalar_one_or_none()
    if routing_id is None:
        part = prog.part_revision
        raise Invalid("routing_missing", f"{part.part.number} rev {part.revision} has no released routing; "
                                         "capacity is worked out from its operations")
    return session.get(Routing, routing_id)


def _line(routing: Routing, days_per_week: float) -> list[rules.WorkCenter]:
    centers: dict[str, WorkCenter] = {op.work_center.code: op.work_center for op in routing.operations}
    try:
        return [rules.WorkCenter(c.code, c.name, c.hours_per_day * days_per_week, c.stations, c.efficiency)
                for c in centers.values()]
    except ValueError as exc:
        raise Invalid("work_center_invalid", str(exc)) from None


def observed_minutes(session: Session, program_id: int) -> dict[int, tuple[float, int]]:
    """Per operation sequence: (median minutes per LRIP unit, every attempt summed; units seen)."""
    rows = session.execute(
        select(Operation.sequence, OperationRecord.unit_id, func.sum(OperationRecord.cycle_minutes))
        .join(Operation, Operation.id == OperationRecord.operation_id)
        .join(Unit, Unit.id == OperationRecord.unit_id).join(Lot, Lot.id == Unit.lot_id)
        .where(Lot.program_id == program_id, Lot.phase == "lrip", OperationRecord.cycle_minutes.is_not(None))
        .group_by(Operation.sequence, OperationRecord.unit_id)).all()
    per_op: dict[int, list[float]] = defaultdict(list)
    for sequence, _, minutes in rows:
        per_op[sequence].append(float(minutes))
    return {seq: (statistics.median(values), len(values)) for seq, values in per_op.items()}


def _check_settings(rate: float | None, max_utilisation: float, days_per_week: float) -> None:
    reasons = []
    if rate is not None and not 0 < rate < 1e6:
        reasons.append(f"a rate is more than 0 units a week, not {rate:g}")
    if not 0 < max_utilisation <= 1:
        reasons.append(f"the utilisation target is above 0 and at most 1 (85% is 0.85), not {max_utilisation:g}")
    if not 0 < days_per_week <= 7:
        reasons.append(f"a week has more than 0 and at most 7 working days, not {days_per_week:g}")
    if reasons:
        raise Invalid("capacity_invalid", reasons)


def _center_row(center: rules.WorkCenter, minutes: float, at_target: rules.CenterLoad, max_utilisation: float,
                hours_per_day: float) -> dict:
    return {"code": center.code, "name": center.name, "hours_per_day": hours_per_day, "stations": center.stations,
            "efficiency": center.efficiency, "capacity_hours": round(center.available_hours, 4),
            "minutes_per_unit": round(minutes, 4), "load_hours_at_target": round(at_target.load_hours, 4),
            "utilisation_at_target": round(at_target.utilisation, 4), "overloaded_at_target": at_target.overloaded,
            "max_rate": round(center.available_hours * max_utilisation * 60 / minutes, 4) if minutes else None}


def capacity(session: Session, *, program: str, rate: float | None = None, observed: bool = False,
             max_utilisation: float = MAX_UTILISATION, days_per_week: float = DAYS_PER_WEEK) -> dict:
    """Load against capacity per week of the ramp plan and per work center, the bottleneck, the
    highest rate the line holds at the utilisation target, and whether the target rate (the
    program's FRP target unless `rate` is given) fits, with what must change if not."""
    _check_settings(rate, max_utilisation, days_per_week)
    prog = get_program(session, program)
    routing = current_routing(session, prog)
    centers = _line(routing, days_per_week)
    seen = observed_minutes(session, prog.id) if observed else {}
    operations, loads = [], []
    for op in routing.operations:
        median, units = seen.get(op.sequence, (None, 0))
        used = median if median is not None else op.standard_minutes
        loads.append(rules.OperationLoad(str(op.sequence), op.work_center.code, used))
        operations.append({"sequence": op.sequence, "name": op.name, "work_center": op.work_center.code,
                           "standard_minutes": op.standard_minutes,
                           "observed_minutes": None if median is None else round(median, 3),
                           "units_observed": units, "minutes_used": round(used, 3),
                           "source": "observed" if median is not None else
                           ("standard (no LRIP record yet)" if observed else "standard")})
    if not any(load.minutes_per_unit > 0 for load in loads):
        raise Invalid("routing_empty", f"routing {routing.revision} puts no minutes on any work center")
    target = rate if rate is not None else prog.frp_target_rate
    plan = session.execute(select(RampPlanEntry.period_start, func.sum(RampPlanEntry.planned_starts))
                           .where(RampPlanEntry.program_id == prog.id)
                           .group_by(RampPlanEntry.period_start).order_by(RampPlanEntry.period_start)).all()
    phases: dict = defaultdict(set)
    for period, phase in session.execute(select(RampPlanEntry.period_start, RampPlanEntry.phase)
                                         .where(RampPlanEntry.program_id == prog.id)):
        phases[period.isoformat()].add(phase)
    periods = rules.plan_loads(centers, loads, [(p.isoformat(), int(n)) for p, n in plan],
                               max_utilisation=max_utilisation)
    minutes = rules.minutes_per_unit(centers, loads)
    at_target = rules.center_loads(centers, loads, target, max_utilisation=max_utilisation)
    neck = rules.bottleneck(centers, loads)
    check = rules.check_rate(centers, loads, target, max_utilisation=max_utilisation)
    hours_per_day = {op.work_center.code: op.work_center.hours_per_day for op in routing.operations}
    part = prog.part_revision
    return {
        "program": prog.code, "routing": f"{part.part.number} rev {part.revision}, routing {routing.revision}",
        "period": f"a week of {days_per_week:g} working days", "days_per_week": days_per_week,
        "minutes": "observed: median minutes per LRIP unit, every attempt summed" if observed else "standard minutes",
        "observed": observed, "max_utilisation": max_utilisation,
        "target_rate": target, "target_source": "rate asked" if rate is not None else "FRP target rate",
        "work_centers": [_center_row(c, minutes[c.code], load, max_utilisation, hours_per_day[c.code])
                         for c, load in zip(centers, at_target)],
        "operations": operations,
        "periods": [{"period": p.period, "starts": p.starts, "phases": sorted(phases[p.period]),
                     "overloaded": p.overloaded,
                     "centers": [{"work_center": c.work_center, "load_hours": round(c.load_hours, 4),
                                  "capacity_hours": round(c.capacity_hours, 4), "utilisation": round(c.utilisation, 4),
                                  "overloaded": c.overloaded} for c in p.centers]} for p in periods],
        "bottleneck": {"code": neck.code, "name": neck.name, "minutes_per_unit": round(minutes[neck.code], 4),
                       "capacity_hours": round(neck.available_hours, 4)},
        "sustainable_rate": round(rules.max_sustainable_rate(centers, loads, max_utilisation=max_utilisation), 4),
        "sustainable_rate_at_full_load": round(rules.max_sustainable_rate(centers, loads), 4),
        "fits": check.fits,
        "changes_needed": [{"work_center": s.work_center, "extra_hours_per_week": round(s.extra_hours_per_period, 4),
                            "extra_stations": s.extra_stations,
                            "message": s.message.replace("per period", "a week")}
                           for s in check.shortfalls],
    }



def _find_operation(routing: Routing, operation: str) -> Operation:
    wanted = operation.strip()
    for op in routing.operations:
        if wanted == str(op.sequence) or wanted.casefold() == op.name.casefold():
            return op
    names = ", ".join(f"{op.sequence} ({op.name})" for op in routing.operations)
    raise NotFound("operation_not_found", f"routing {routing.revision} has no operation {wanted}; it has {names}")


def _first_attempts(session: Session, prog: Program, sequence: int | None) -> list[tuple[str, dict[int, float]]]:
    """(serial, {operation sequence: first-attempt minutes}) per unit in build order: complete
    units, or with an operation, every unit whose first attempt at it is done."""
    query = (select(Unit.serial, Operation.sequence, OperationRecord.cycle_minutes, OperationRecord.started_at)
             .join(Operation, Operation.id == OperationRecord.operation_id)
             .join(Unit, Unit.id == OperationRecord.unit_id).join(Lot, Lot.id == Unit.lot_id)
             .where(Lot.program_id == prog.id, OperationRecord.attempt == 1,
                    OperationRecord.cycle_minutes.is_not(None)))
    query = query.where(Unit.status == "complete") if sequence is None else query.where(Operation.sequence == sequence)
    units: dict[str, dict] = {}
    for serial, seq, minutes, started in session.execute(query).all():
        unit = units.setdefault(serial, {"first": started, "minutes": {}})
        unit["first"] = min(unit["first"], started)
        unit["minutes"][seq] = float(minutes)
    return [(serial, u["minutes"]) for serial, u in sorted(units.items(), key=lambda kv: (kv[1]["first"], kv[0]))]


def _fit_row(fit: curves.LearningFit) -> dict:
    return {"model": fit.model, "learning_rate": round(fit.learning_rate, 4), "ci_low": round(fit.rate_ci_low, 4),
            "ci_high": round(fit.rate_ci_high, 4), "confidence": fit.confidence,
            "first_unit_hours": round(fit.first_unit_hours, 4), "exponent": round(fit.exponent, 5),
            "r_squared": round(fit.r_squared, 4), "n": fit.n}


def learning(session: Session, *, program: str, operation: str | None = None,
             max_utilisation: float = MAX_UTILISATION, days_per_week: float = DAYS_PER_WEEK) -> dict:
    """Wright and Crawford curves fitted to hours per unit in build order, with the learning
    rate's 95% interval; projected hours at the next unit, the first FRP unit and the planned
    total (Crawford, the unit model), and the rate those hours allow on the line."""
    _check_settings(None, max_utilisation, days_per_week)
    prog = get_program(session, program)
    routing = current_routing(session, prog)
    op = _find_operation(routing, operation) if operation is not None else None
    units = _first_attempts(session, prog, op.sequence if op else None)
    if len(units) < 3:
        what = f"operation {op.sequence} ({op.name}) done on" if op else "complete"
        raise Invalid("learning_too_few", f"a learning curve needs at least 3 units; {prog.code} has "
                                          f"{len(units)} {what} so far")
    hours = [sum(minutes.values()) / 60 for _, minutes in units]
    try:
        wright, crawford = curves.fit_wright(hours), curves.fit_crawford(hours)
    except ValueError as exc:
        raise Invalid("learning_invalid", str(exc)) from None
    n = len(hours)
    xs = range(1, n + 1)
    fitted = {"crawford": curves.project_unit_hours(crawford, xs), "wright": _wright_hours(wright, xs)}
    # each operation's share of the hours, to spread a projected unit over the work centers
    ops = {o.sequence: o for o in routing.operations}
    totals: dict[int, float] = defaultdict(float)
    for _, minutes in units:
        for seq, m in minutes.items():
            if seq in ops:
                totals[seq] += m
    whole = sum(totals.values())
    centers = _line(routing, days_per_week)
    planned_before_frp = session.execute(select(func.coalesce(func.sum(RampPlanEntry.planned_starts), 0)).where(
        RampPlanEntry.program_id == prog.id, RampPlanEntry.phase != "frp")).scalar_one()
    marks = {"next unit": n + 1, "first FRP unit": max(n + 1, int(planned_before_frp) + 1),
             "planned total": max(n + 1, prog.planned_total)}
    projections = []
    for label, unit in sorted(marks.items(), key=lambda kv: kv[1]):
        (unit_hours,) = curves.project_unit_hours(crawford, [unit])
        wright_hours = _wright_hours(wright, [unit])[0]
        loads = [rules.OperationLoad(str(seq), ops[seq].work_center.code, 60 * unit_hours * m / whole)
                 for seq, m in totals.items() if m > 0]
        rate = rules.max_sustainable_rate(centers, loads, max_utilisation=max_utilisation) if loads else None
        projections.append({"label": label, "unit": unit, "crawford_hours": round(unit_hours, 4),
                            "wright_hours": None if wright_hours is None else round(wright_hours, 4),
                            "rate_allowed": None if rate is None else round(rate, 3),
                            "fits_target": None if rate is None else rate >= prog.frp_target_rate})
    return {
        "program": prog.code,
        "operation": {"sequence": op.sequence, "name": op.name, "work_center": op.work_center.code} if op else None,
        "basis": ("first attempt of " + (f"operation {op.sequence}" if op else "every operation, complete units")
                  + ", hours per unit in build order (first operation started)"),
        "units": [{"unit": x, "serial": serial, "hours": round(h, 4), "crawford": round(c, 4),
                   "wright": None if w is None else round(w, 4)}
                  for x, (serial, _), h, c, w in zip(xs, units, hours, fitted["crawford"], fitted["wright"])],
        "wright": _fit_row(wright), "crawford": _fit_row(crawford),
        "projections": projections, "target_rate": prog.frp_target_rate, "max_utilisation": max_utilisation,
        "days_per_week": days_per_week,
        "rate_basis": "Crawford hours at that unit, spread over the operations in their measured shares, "
                      f"on the line's work centers at {max_utilisation:.0%} utilisation",
    }


def _wright_hours(fit: curves.LearningFit, xs) -> list[float | None]:
    """Wright's implied hours of each unit, or None where the curve has none (50% or steeper)."""
    try:
        return curves.project_unit_hours(fit, xs)
    except ValueError:
        return [None] * len(list(xs))
