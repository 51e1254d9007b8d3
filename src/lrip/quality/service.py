"""Quality analysis of a program: SPC and capability per characteristic, and the yield and
defect metrics. Read-only: a few set-based SELECTs, then the pure modules (spc, metrics).

Which measurement stands for a unit: the FIRST result of the characteristic on the unit (its
first attempt at the operation, earliest value). A re-measurement after rework or a repeated
reading is the result of the repair, not of the process: keeping the last value would drop
exactly the out-of-spec readings the chart exists to show and make Cpk look better than the
process is.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor, query
from lrip.catalog.models import Characteristic, Operation
from lrip.db import utcnow
from lrip.errors import Invalid, NotFound, Refused
from lrip.execution.models import Measurement, OperationRecord, Unit
from lrip.nonconformance.models import Hold, NonConformance
from lrip.nonconformance import rules as ncr_rules
from lrip.nonconformance.rules import NcrStatus
from lrip.program.models import Lot
from lrip.program.rules import PHASES
from lrip.program.service import get_program
from lrip.quality import metrics as m
from lrip.quality.schemas import CharacteristicRow, CharacteristicSpc, Dashboard, Group, Metrics
from lrip.stats import spc

VARIABLE_CHARTS = ("imr", "xbar-r", "xbar-s")
ATTRIBUTE_CHARTS = ("p",)
GROUPINGS = ("lot", "operation", "week", "phase")
CPK_TARGET = 1.33  # DESIGN.md: the readiness default; 1.67 for a new process study
MIN_POINTS = 2


# ---------------------------------------------------------------- what the program measures

def _routing_ids(session: Session, program) -> list[int]:
    """The routings the program's lots build on, newest first."""
    ids = session.execute(select(Lot.routing_id).where(Lot.program_id == program.id).distinct()).scalars().all()
    return sorted(ids, reverse=True)


def _program_characteristics(session: Session, program) -> dict[str, Characteristic]:
    """Each characteristic code of the program's routings, as defined on the newest routing."""
    routing_ids = _routing_ids(session, program)
    rows = session.execute(select(Characteristic, Operation.routing_id, Operation.sequence).join(Operation).where(
        Operation.routing_id.in_(routing_ids)).order_by(Operation.sequence, Characteristic.code)).all()
    newest: dict[str, tuple] = {}
    for char, routing_id, sequence in rows:
        held = newest.get(char.code.upper())
        if held is None or routing_id > held[1]:
            newest[char.code.upper()] = (char, routing_id, sequence)
    return {code: c for code, (c, _, _) in sorted(newest.items(), key=lambda kv: (kv[1][2], kv[0]))}


def _first_results(session: Session, program_id: int, codes: list[str] | None, phase: str | None):
    """The first result of each characteristic on each unit, in the order they were recorded."""
    first = func.row_number().over(partition_by=(Measurement.unit_id, Measurement.characteristic_id),
                                   order_by=(OperationRecord.attempt, Measurement.recorded_at, Measurement.id))
    query = (select(Characteristic.code, Measurement.value, Measurement.passed, Measurement.recorded_at,
                    Measurement.id, Unit.serial, Lot.number.label("lot"), first.label("rank"))
             .join(Characteristic, Measurement.characteristic_id == Characteristic.id)
             .join(OperationRecord, Measurement.operation_record_id == OperationRecord.id)
             .join(Unit, Measurement.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
             .where(Lot.program_id == program_id))
    if codes is not None:
        query = query.where(func.upper(Characteristic.code).in_(codes))
    if phase is not None:
        query = query.where(Lot.phase == phase)
    ranked = query.subquery()
    return session.execute(select(ranked.c.code, ranked.c.value, ranked.c.passed, ranked.c.serial, ranked.c.lot)
                           .where(ranked.c.rank == 1).order_by(ranked.c.recorded_at, ranked.c.id)).all()


def _check_phase(phase: str | None) -> None:
    if phase is not None and phase not in PHASES:
        raise Invalid("phase_invalid", f"phase must be one of {', '.join(PHASES)}, not {phase}")


def _analysis(char: Characteristic, rows, *, chart: str | None, rules: str | None, baseline: int | None,
              subgroup_size: int) -> dict:
    """Chart one characteristic's first results (rows in recorded order)."""
    reasons = []
    if char.kind == "attribute":
        chart = chart or "p"
        if chart not in ATTRIBUTE_CHARTS:
            reasons.append(f"{char.code} is pass/fail: it is charted as a p chart (fraction failed by lot), "
                           f"not {chart}")
    else:
        chart = chart or "imr"
        if chart not in VARIABLE_CHARTS:
            reasons.append(f"{char.code} is measured: chart it as {', '.join(VARIABLE_CHARTS)}, not {chart}")
    if rules not in (None, *spc.RULE_SETS):
        reasons.append(f"rules must be nelson or western-electric, not {rules}")
    if reasons:
        raise Invalid("spc_invalid", reasons)

    lots: list[dict] = []
    values = None
    if chart == "p":
        failed, measured = defaultdict(int), defaultdict(int)
        for r in rows:
            measured[r.lot] += 1
            failed[r.lot] += not r.passed
        labels = list(measured)
        kwargs = {"values": [failed[lot] for lot in labels], "sample_sizes": [measured[lot] for lot in labels]}
        lots = [{"lot": lot, "first": i, "last": i} for i, lot in enumerate(labels)]
    else:
        _, values, _, labels, lot_of = (list(column) for column in zip(*rows)) if rows else ([],) * 5
        kwargs = {"values": values}
        if chart != "imr":
            usable = len(values) - len(values) % subgroup_size
            values, lot_of = values[:usable], lot_of[:usable]
            kwargs = {"values": values, "subgroup_size": subgroup_size}
            labels = [f"{labels[i]} … {labels[i + subgroup_size - 1]}" for i in range(0, usable, subgroup_size)]
            lot_of = lot_of[::subgroup_size]
        for i, lot in enumerate(lot_of):
            if lots and lots[-1]["lot"] == lot:
                lots[-1]["last"] = i
            else:
                lots.append({"lot": lot, "first": i, "last": i})
    points = len(labels)
    if points < MIN_POINTS:
        raise Refused("spc_too_few", f"{char.code} has {points} point{'' if points == 1 else 's'} to chart; "
                                     f"a control chart needs at least {MIN_POINTS}")
    if baseline is not None and not MIN_POINTS <= baseline <= points:
        raise Invalid("spc_invalid", f"the baseline (phase I) must be {MIN_POINTS} to {points} points, not {baseline}")
    notes = []
    specs = {"lsl": char.lsl, "usl": char.usl} if chart != "p" else {}
    try:
        result = spc.analyze(**kwargs, chart=chart, rules=rules, baseline=baseline, **specs)
    except ValueError as exc:
        if not specs:
            raise Refused("spc_refused", str(exc)) from None
        notes.append(f"No capability: {exc}")
        result = spc.analyze(**kwargs, chart=chart, rules=rules, baseline=baseline)
    result.update({"labels": labels, "lots": lots, "baseline": baseline or points, "notes": notes,
                   "values": values if chart in ("xbar-r", "xbar-s") else None})
    return result


def _describe(char: Characteristic) -> dict:
    return {"characteristic": char.code, "name": char.name, "kind": char.kind, "nominal": char.nominal,
            "lsl": char.lsl, "usl": char.usl, "units": char.units, "key": char.key}


def _find(chars: dict[str, Characteristic], code: str, program: str) -> Characteristic:
    char = chars.get(code.strip().upper())
    if char is None:
        raise NotFound("characteristic_not_found", f"{program} has no characteristic {code}; it has "
                                                   f"{', '.join(c.code for c in chars.values()) or 'none'}")
    return char


@query()
def characteristic_spc(session: Session, actor: Actor, *, program: str, characteristic: str,
                       phase: str | None = None, chart: str | None = None, rules: str | None = "nelson",
                       baseline: int | None = None, subgroup_size: int = 5) -> CharacteristicSpc:
    """The `lrip spc analyze` result for one characteristic across the program's units, in build order.

    Measured characteristics: I-MR by default, or X-bar R / S of `subgroup_size` consecutive
    units (a trailing partial subgroup is left out); pass/fail: a p chart by lot. Spec limits are
    the characteristic's. `baseline`: the first N points set the limits (phase I), the rest are
    monitored against them (phase II); all points by default."""
    _check_phase(phase)
    if not 2 <= subgroup_size <= 25:
        raise Invalid("spc_invalid", f"the subgroup size must be 2 to 25, not {subgroup_size}")
    prog = get_program(session, program)
    char = _find(_program_characteristics(session, prog), characteristic, program)
    rows = _first_results(session, prog.id, [char.code.upper()], phase)
    result = _analysis(char, rows, chart=chart, rules=rules, baseline=baseline, subgroup_size=subgroup_size)
    return CharacteristicSpc(**result, **_describe(char), program=prog.code, phase=phase, rules=rules,
                             units_measured=len(rows))


def status_of(cpk: float | None, violations: int, n: int, *, target: float = CPK_TARGET) -> str:
    """A word for the list: capable (Cpk >= target, in control), not capable (Cpk < 1), watch (else)."""
    if n < MIN_POINTS:
        return "too few data"
    if cpk is not None and cpk < 1.0:
        return "not capable"
    if violations or (cpk is not None and cpk < target):
        return "watch"
    return "capable" if cpk is not None else "in control"


@query()
def characteristics_overview(session: Session, actor: Actor, *, program: str, phase: str | None = None,
                             key_only: bool = False) -> list[CharacteristicRow]:
    """Every characteristic of the program (or only the key ones) with its points, Cpk, rule
    violations and status, from one query."""
    _check_phase(phase)
    prog = get_program(session, program)
    chars = _program_characteristics(session, prog)
    if key_only:
        chars = {code: c for code, c in chars.items() if c.key}
    by_code: dict[str, list] = defaultdict(list)
    for r in _first_results(session, prog.id, list(chars) if key_only else None, phase):
        by_code[r.code.upper()].append(r)
    rows = []
    for code, char in chars.items():
        found = by_code.get(code, [])
        row = {**_describe(char), "units_measured": len(found), "chart": None, "n_points": 0, "cpk": None,
               "ppk": None, "cpk_ci_low": None, "violations": 0, "out_of_spec": 0, "status": "too few data"}
        row["out_of_spec"] = _out_of_spec(char, found)
        try:
            result = _analysis(char, found, chart=None, rules=None, baseline=None, subgroup_size=5)
        except (Refused, Invalid):
            rows.append(CharacteristicRow(**row))
            continue
        cap = result["capability"] or {}
        sigma = (np.asarray(result["ucl"]) - result["center"]) / 3
        row.update(chart=result["chart"], n_points=result["n_points"], cpk=cap.get("cpk"), ppk=cap.get("ppk"),
                   cpk_ci_low=cap.get("cpk_ci_low"),
                   violations=spc.count_violations(result["points"], result["center"], sigma, "nelson"))
        row["status"] = status_of(row["cpk"], row["violations"], row["n_points"])
        rows.append(CharacteristicRow(**row))
    return rows


def _out_of_spec(char: Characteristic, results) -> int:
    """How many of these first results failed or fell outside the characteristic's limits."""
    if char.kind == "attribute":
        return sum(1 for r in results if not r.passed)
    values = np.array([r.value for r in results], dtype=float)
    low = values < char.lsl if char.lsl is not None else np.zeros(values.size, dtype=bool)
    high = values > char.usl if char.usl is not None else np.zeros(values.size, dtype=bool)
    return int(np.count_nonzero(low | high))


# ---------------------------------------------------------------- yield and defect metrics

def _week(at: datetime) -> date:
    day = at.date()
    return day - timedelta(days=day.weekday())


def _steps(session: Session, program_id: int, by: str, phase: str | None) -> tuple[list[m.Step], list[str]]:
    """Every unit x operation of the program as a metrics.Step: one grouped query over the
    operation records, with their holds and results counted per record in subqueries."""
    scope = [Lot.program_id == program_id] + ([Lot.phase == phase] if phase else [])
    holds = (select(Hold.operation_record_id.label("record_id"), func.count().label("n"),
                    func.max(case((Hold.disposition == "rework", 1), else_=0)).label("rework"),
                    func.max(case((Hold.disposition == "scrap", 1), else_=0)).label("scrap"))
             .join(Unit, Hold.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
             .where(*scope, Hold.operation_record_id.is_not(None)).group_by(Hold.operation_record_id).subquery())
    results = (select(Measurement.operation_record_id.label("record_id"), func.count().label("n"),
                      func.sum(case((Measurement.in_spec, 0), else_=1)).label("bad"))
               .join(Unit, Measurement.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id).where(*scope)
               .group_by(Measurement.operation_record_id).subquery())
    first = OperationRecord.attempt == 1
    done = OperationRecord.completed_at.is_not(None)
    rows = session.execute(
        select(Unit.serial, Unit.status, Lot.number, Lot.phase, Operation.sequence, Operation.name,
               Operation.standard_minutes,
               func.max(case((first & (holds.c.n > 0), 1), else_=0)),
               func.max(case((first & done, 1), else_=0)),
               func.max(case((first & OperationRecord.status.in_(("stopped", "reworked")), 1), else_=0)),
               func.max(func.coalesce(holds.c.rework, 0)), func.max(func.coalesce(holds.c.scrap, 0)),
               func.sum(func.coalesce(results.c.n, 0)), func.sum(func.coalesce(results.c.bad, 0)),
               func.sum(case((done, OperationRecord.cycle_minutes))))
        .select_from(OperationRecord)
        .join(Operation, OperationRecord.operation_id == Operation.id)
        .join(Unit, OperationRecord.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
        .outerjoin(holds, holds.c.record_id == OperationRecord.id)
        .outerjoin(results, results.c.record_id == OperationRecord.id)
        .where(*scope)
        .group_by(Lot.id, Unit.id, Operation.id)
        .order_by(Lot.id, Unit.id, Operation.sequence)).all()
    week = {}
    if by == "week":
        week = {serial: _week(at).isoformat() for serial, at in session.execute(
            select(Unit.serial, func.min(OperationRecord.started_at).label("at"))
            .join(OperationRecord, OperationRecord.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
            .where(*scope).group_by(Unit.serial))}
    steps, seen = [], {}
    for (serial, unit_status, lot, lot_phase, sequence, name, standard, held_first, passed_first, abandoned_first,
         reworked, scrapped, inspected, defects, minutes) in rows:
        operation = f"{sequence} {name}"
        group = lot if by == "lot" else lot_phase if by == "phase" else operation if by == "operation" \
            else week[serial]
        seen.setdefault(group, None)
        first_pass = False if held_first else True if passed_first else False if abandoned_first else None
        steps.append(m.Step(unit=serial, group=group, operation=operation, unit_status=unit_status,
                            first_pass=first_pass, reworked=bool(reworked), scrapped=bool(scrapped),
                            inspected=int(inspected), defects=int(defects), minutes=minutes,
                            standard_minutes=standard))
    order = list(seen)
    if by == "week":
        order.sort()
    elif by == "phase":
        order.sort(key=PHASES.index)
    elif by == "operation":
        order.sort(key=m.operation_order)
    return steps, order


def _defects(session: Session, program) -> tuple[str, dict[str, float], list[dict]]:
    """Defect Pareto counts and the open NCRs' aging. From the program's NCRs (defect code x
    quantity) when it has any, else from its out-of-spec and failed results by characteristic.
    The NCR table is read with one plain query rather than through nonconformance's list, which
    builds a full row per NCR."""
    rows = session.execute(select(NonConformance.defect_code, NonConformance.quantity, NonConformance.status,
                                  NonConformance.opened_at).where(NonConformance.program_id == program.id)).all()
    aging = ncr_rules.aging([r.opened_at for r in rows if r.status != NcrStatus.CLOSED.value], utcnow())
    counts = {}
    for r in rows:
        counts[r.defect_code or "uncoded"] = counts.get(r.defect_code or "uncoded", 0) + (r.quantity or 1)
    if counts:
        return "ncr", counts, aging
    rows = session.execute(
        select(Characteristic.code, func.count()).join(Measurement, Measurement.characteristic_id == Characteristic.id)
        .join(Unit, Measurement.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
        .where(Lot.program_id == program.id, Measurement.in_spec.is_(False)).group_by(Characteristic.code)).all()
    return "measurements", {code: count for code, count in rows}, aging


@query()
def metrics(session: Session, actor: Actor, *, program: str, by: str = "lot", phase: str | None = None) -> Metrics:
    """First-pass and rolled throughput yield, DPU, DPMO, scrap and rework rates, cycle time
    against standard, grouped by lot, operation, week (of the unit's first start) or phase;
    the program's totals; the defect Pareto and the open NCRs' aging. Definitions: quality.metrics."""
    if by not in GROUPINGS:
        raise Invalid("metrics_invalid", f"group by one of {', '.join(GROUPINGS)}, not {by}")
    _check_phase(phase)
    return _report(session, get_program(session, program), by, phase)[0]


def _report(session: Session, prog, by: str, phase: str | None) -> tuple[Metrics, list[m.Step]]:
    steps, order = _steps(session, prog.id, by, phase)
    source, counts, aging = _defects(session, prog)
    return Metrics(program=prog.code, by=by, phase=phase, as_of=utcnow().isoformat(), groups=m.grouped(steps, order),
                   total=m.summarize(steps), pareto=m.pareto(counts), pareto_source=source, ncr_aging=aging), steps


@query()
def dashboard(session: Session, actor: Actor, *, program: str, phase: str | None = None) -> Dashboard:
    """The quality dashboard's figures from one reading: metrics() by lot, and the groups by operation."""
    _check_phase(phase)
    by_lot, steps = _report(session, get_program(session, program), "lot", phase)
    operations = sorted({s.operation for s in steps}, key=m.operation_order)
    return Dashboard(by_lot=by_lot, by_operation=[Group(**g) for g in m.grouped(steps, operations,
                                                                                key=lambda s: s.operation)])
