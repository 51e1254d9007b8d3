"""Quality analysis of a program: SPC and capability per characteristic, and the yield and
defect metrics. Read-only: a few set-based SELECTs, then the pure modules (spc, metrics).

Which measurement stands for a unit: the FIRST result of the characteristic on the unit (its
first attempt at the operation, earliest value). A re-measurement after rework or a repeated
reading is the result of the repair, not of the process: keeping the last value would drop
exactly the out-of-spec readings the chart exists to show and make Cpk look better than the
process is.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import numpy as np
from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from lrip import events
from lrip.auth.actor import Actor, query
from lrip.bulk import collector_paused
from lrip.catalog.models import Characteristic, Operation
from lrip.db import UTCDateTime, utcnow
from lrip.errors import Invalid, NotFound, Refused
from lrip.execution.models import Measurement, OperationRecord, Unit
from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.nonconformance.models import Hold, NonConformance
from lrip.nonconformance import rules as ncr_rules
from lrip.nonconformance.rules import NcrStatus
from lrip.program.models import Lot
from lrip.program.rules import PHASES
from lrip.program.service import get_program
from lrip.quality import metrics as m
from lrip.quality.events import TargetsAsked
from lrip.quality.schemas import CharacteristicRow, CharacteristicSpc, Dashboard, Group, Metrics
from lrip.stats import outliers, spc

VARIABLE_CHARTS = ("imr", "xbar-r", "xbar-s")
ATTRIBUTE_CHARTS = ("p",)
GROUPINGS = ("lot", "operation", "week", "phase")
TARGETS = {"cpk": 1.33, "fpy": 0.95, "rty": 0.90, "on_time": 0.95, "ppm": 1000.0}
"""What quality flags a number against where a program has signed no target of its own: the FRP readiness gate's
defaults (DESIGN.md; tests/quality/test_web.py holds them equal to lrip.readiness.criteria's)."""
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
    return session.connection().execute(  # plain rows: no ORM loading per row
        select(ranked.c.code, ranked.c.value, ranked.c.passed, ranked.c.serial, ranked.c.lot)
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
        for _, _, passed, _, lot in rows:
            measured[lot] += 1
            failed[lot] += not passed
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
                             units_measured=len(rows), basis=basis(phase, len(rows)))


def basis(phase: str | None, units: int) -> str:
    """Which results an SPC figure is computed from, in the words shown beside it: readiness judges
    the LRIP units, the SPC pages every phase unless asked, so the same characteristic can show two
    Cpks, each saying which."""
    if phase is None:
        return f"first result of each of {units} units, every phase (readiness judges the LRIP units only)"
    return f"first result of each of {units} {phase.upper()} units only"


def _targets(session: Session, actor: Actor, program: str) -> dict[str, float]:
    found = dict(TARGETS)
    for own in events.publish(session, actor, TargetsAsked(program)):
        found.update(own)
    return found


@query()
def program_targets(session: Session, actor: Actor, *, program: str) -> dict[str, float]:
    """The targets a program's quality figures are flagged against: its own signed ones (kept by the readiness
    gate, asked with lrip.quality.events.TargetsAsked), else the defaults."""
    return _targets(session, actor, program)


def status_of(cpk: float | None, violations: int, n: int, *, target: float) -> str:
    """A word for the list: capable (Cpk >= target, in control), not capable (Cpk < 1), watch (else)."""
    if n < MIN_POINTS:
        return "too few data"
    if cpk is not None and cpk < 1.0:
        return "not capable"
    if violations or (cpk is not None and cpk < target):
        return "watch"
    return "capable" if cpk is not None else "in control"


@query()
@collector_paused()
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
    for row in _first_results(session, prog.id, list(chars) if key_only else None, phase):
        by_code[row[0].upper()].append(row)  # the code
    rows, target = [], _targets(session, actor, prog.code)["cpk"]
    for code, char in chars.items():
        found = by_code.get(code, [])
        row = {**_describe(char), "units_measured": len(found), "chart": None, "n_points": 0, "cpk": None,
               "ppk": None, "cpk_ci_low": None, "violations": 0, "out_of_spec": 0, "status": "too few data",
               "cpk_target": target, "basis": basis(phase, len(found))}
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
        row["status"] = status_of(row["cpk"], row["violations"], row["n_points"], target=target)
        rows.append(CharacteristicRow(**row))
    return rows


def _out_of_spec(char: Characteristic, results) -> int:
    """How many of these first results failed or fell outside the characteristic's limits."""
    if char.kind == "attribute":
        return sum(not passed for _, _, passed, _, _ in results)
    values = np.array([value for _, value, _, _, _ in results], dtype=float)
    low = values < char.lsl if char.lsl is not None else np.zeros(values.size, dtype=bool)
    high = values > char.usl if char.usl is not None else np.zeros(values.size, dtype=bool)
    return int(np.count_nonzero(low | high))


# ---------------------------------------------------------------- yield and defect metrics

def _week(at: datetime) -> str:
    return _monday(at.date())


@functools.lru_cache(maxsize=4096)
def _monday(day: date) -> str:
    """The week's Monday, ISO: a reading asks it of thousands of units started on a few hundred days."""
    return (day - timedelta(days=day.weekday())).isoformat()


@dataclass
class _Line:
    """What metrics() reads of a program, once: each unit with its steps (in build order), the
    NCRs raised on its lots, and which lot, phase and week (of its first start; of its creation,
    never started) each unit is in."""

    units: list[m.UnitRecord]
    where: dict[str, tuple]  # serial -> (lot, phase, its first start or its creation as stored)
    lot_ncrs: list[dict]  # {"lot", "phase", "week", "operation", "quantity"}
    lots: list[str]  # in the order they were created
    time: Callable  # a time as stored -> datetime (`_times`)

    def group_of(self, serial: str, by: str) -> str:
        """The unit's lot, phase or week: the week is worked out only when asked (a time converted per unit)."""
        lot, phase, at = self.where[serial]
        return lot if by == "lot" else phase if by == "phase" else _week(self.time(at))


def _stored(time):
    """A time as the driver hands it over (ISO text on SQLite, which sorts as the time does): the line's
    times are mostly only compared, and `_times` converts the few that are used, where SQLAlchemy would
    convert every one of them."""
    return type_coerce(time, NullType())


def _times(session: Session):
    """Convert a `_stored` time as UTCDateTime does."""
    dialect = session.get_bind().dialect
    return UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)


def _line(session: Session, program_id: int, phase: str | None) -> _Line:
    """Four set-based SELECTs whatever the number of units: each unit x operation over its attempts
    (units never started too), the holds on the units with what they name, the characteristics per
    operation, and the NCRs on the lots. Read as plain rows (no ORM loading per row)."""
    scope = [Lot.program_id == program_id] + ([Lot.phase == phase] if phase else [])
    first = OperationRecord.attempt == 1
    done = OperationRecord.completed_at.is_not(None)
    connection = session.connection()
    rows = connection.execute(
        select(Unit.id, Unit.serial, Unit.status, _stored(Unit.created_at), Lot.number, Lot.phase, Lot.routing_id,
               Operation.sequence, Operation.name, Operation.standard_minutes,
               _stored(func.min(case((first, OperationRecord.started_at)))),
               _stored(func.max(case((first, OperationRecord.completed_at)))),
               func.max(case((first, OperationRecord.status))), func.sum(case((done, OperationRecord.cycle_minutes))))
        .select_from(Unit).join(Lot, Unit.lot_id == Lot.id)
        .outerjoin(OperationRecord, OperationRecord.unit_id == Unit.id)
        .outerjoin(Operation, OperationRecord.operation_id == Operation.id)
        .where(*scope).group_by(Lot.id, Unit.id, Operation.id)
        .order_by(Lot.id, Unit.id, Operation.sequence, Operation.name, Operation.id)).all()  # fetched at once
    record_op, ncr_op = aliased(Operation), aliased(Operation)
    holds = connection.execute(
        select(Hold.unit_id, Hold.ncr_id, Hold.id, record_op.sequence, record_op.name, OperationRecord.attempt,
               ncr_op.sequence, ncr_op.name, Hold.opened_at, Hold.disposition)
        .join(Unit, Hold.unit_id == Unit.id).join(Lot, Unit.lot_id == Lot.id)
        .outerjoin(OperationRecord, OperationRecord.id == Hold.operation_record_id)
        .outerjoin(record_op, record_op.id == OperationRecord.operation_id)
        .outerjoin(NonConformance, NonConformance.id == Hold.ncr_id)
        .outerjoin(ncr_op, ncr_op.id == NonConformance.operation_id)
        .where(*scope).order_by(Hold.id)).all()
    inspected = dict(((routing, sequence), n) for routing, sequence, n in connection.execute(
        select(Operation.routing_id, Operation.sequence, func.count(Characteristic.id))
        .outerjoin(Characteristic, Characteristic.operation_id == Operation.id)
        .where(Operation.routing_id.in_(select(Lot.routing_id).where(*scope)))
        .group_by(Operation.routing_id, Operation.sequence)))
    lot_ncrs = connection.execute(
        select(Lot.number, Lot.phase, Operation.sequence, Operation.name, NonConformance.quantity,
               NonConformance.opened_at)
        .join(Lot, NonConformance.lot_id == Lot.id)
        .outerjoin(Operation, Operation.id == NonConformance.operation_id).where(*scope)).all()

    per_routing: dict[int, int] = defaultdict(int)
    for (routing, _), n in inspected.items():
        per_routing[routing] += n
    in_work = RecordStatus.IN_WORK.value
    by_unit: dict[int, list] = {}  # unit id -> [its row, {operation: its step}, its first start as stored]
    for row in rows:
        u = by_unit.get(row[0])
        if u is None:
            u = by_unit[row[0]] = [row, {}, None]
        (_, _, _, _, _, _, routing, sequence, name, standard, started, ended, first_status, minutes) = row
        if sequence is None:
            continue
        # standard, minutes, first attempt's start and end as stored, its first pass as the attempts alone say
        # (passed when done, undecided while open, failed when stopped or sent back), open, opportunities
        open_ = first_status == in_work
        u[1][f"{sequence} {name}"] = (standard, minutes, started, ended,
                                      True if ended is not None else None if open_ else False, open_,
                                      inspected.get((routing, sequence), 0))
        if started is not None and (u[2] is None or started < u[2]):
            u[2] = started
    time = _times(session)
    blamed: dict[int, list] = defaultdict(list)  # unit id -> [(operation | None, fails its first pass, disposition)]
    seen_ncrs = set()
    for (unit_id, ncr_id, hold_id, rec_seq, rec_name, attempt, ncr_seq, ncr_name, opened_at, disposition) in holds:
        u = by_unit.get(unit_id)
        if u is None:
            continue
        hold = m.Hold(record_operation=f"{rec_seq} {rec_name}" if rec_seq is not None else None,
                      record_attempt=attempt, ncr_operation=f"{ncr_seq} {ncr_name}" if ncr_seq is not None else None,
                      opened_at=opened_at)
        attempts = (m.Attempt(operation, time(started), time(ended if ended is not None or open_ else started))
                    for operation, (_, _, started, ended, _, open_, _) in u[1].items())
        operation, fails = m.blame(hold, attempts)
        new_defect = (unit_id, ncr_id or f"hold {hold_id}") not in seen_ncrs
        seen_ncrs.add((unit_id, ncr_id or f"hold {hold_id}"))
        blamed[unit_id].append((operation, fails, disposition, new_defect))
    return _records(by_unit, blamed, per_routing, lot_ncrs, time)


def _records(by_unit: dict[int, list], blamed: dict[int, list], per_routing: dict[int, int], lot_ncrs,
             time) -> _Line:
    """The units as metrics.UnitRecord, the outlying times flagged over the whole reading, in build order."""
    order = sorted(by_unit, key=lambda i: (by_unit[i][2] is None, by_unit[i][2] or 0, i))
    series: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))  # operation -> (unit ids, minutes)
    for i in order:
        for operation, step in by_unit[i][1].items():
            if step[1] is not None:
                ids, minutes = series[operation]
                ids.append(i)
                minutes.append(step[1])
    flags: dict[int, set[str]] = defaultdict(set)  # unit id -> the operations whose minutes are off the trend
    for operation, (ids, minutes) in series.items():
        for i, off in zip(ids, outliers.trend_outliers(minutes)):
            if off:
                flags[i].add(operation)
    complete = [i for i in order if by_unit[i][0][2] == UnitStatus.COMPLETE]
    unit_off = {i for i, off in zip(complete, outliers.trend_outliers(
        [sum(s[1] or 0.0 for s in by_unit[i][1].values()) for i in complete])) if off}

    units, where, lots = [], {}, {}
    for i in order:
        row, steps_of, first = by_unit[i]
        serial, status, created, lot, lot_phase, routing = row[1], row[2], row[3], row[4], row[5], row[6]
        here, off = blamed.get(i), flags.get(i, ())
        steps = tuple([m.Step(serial, operation, first_pass, False, False, 0, opportunities, minutes, standard,
                              operation in off)
                       for operation, (standard, minutes, _, _, first_pass, _, opportunities) in steps_of.items()])
        held = reworked = False
        defects = 0
        if here:  # a few units: what their holds blame on each operation, and on the unit
            steps = tuple(_blamed(step, [b for b in here if b[0] == step.operation]) for step in steps)
            held, reworked = any(b[0] is None for b in here), any(d == "rework" for _, _, d, _ in here)
            defects = sum(new for *_, new in here)
        units.append(m.UnitRecord(unit=serial, status=status, steps=steps, held=held, reworked=reworked,
                                  defects=defects, opportunities=per_routing[routing], outlier=i in unit_off))
        where[serial] = (lot, lot_phase, first if first is not None else created)
        lots[lot] = None
    ncrs = [{"lot": lot, "phase": lot_phase, "week": _week(opened_at),
             "operation": f"{sequence} {name}" if sequence is not None else None, "quantity": quantity or 1.0}
            for lot, lot_phase, sequence, name, quantity, opened_at in lot_ncrs]
    return _Line(units=units, where=where, lot_ncrs=ncrs, lots=list(lots), time=time)


def _blamed(step: m.Step, mine: list) -> m.Step:
    """The step with what the unit's holds blamed on its operation (operation, fails its first pass, disposition,
    a new defect) did to it."""
    if not mine:
        return step
    return step._replace(first_pass=False if any(fails for _, fails, _, _ in mine) else step.first_pass,
                         reworked=any(d == "rework" for _, _, d, _ in mine),
                         scrapped=any(d == "scrap" for _, _, d, _ in mine), defects=sum(new for *_, new in mine))


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


def _groups(line: _Line, by: str) -> list[dict]:
    """metrics.summarize (or summarize_operation) of each group, in the grouping's order."""
    if by == "operation":
        steps: dict[str, list[m.Step]] = defaultdict(list)
        for u in line.units:
            for s in u.steps:
                steps[s.operation].append(s)
        return [{"group": op, **m.summarize_operation(op, steps[op], sum(
            n["quantity"] for n in line.lot_ncrs if n["operation"] == op))} for op in sorted(steps, key=m.operation_order)]
    units: dict[str, list[m.UnitRecord]] = defaultdict(list)
    for u in line.units:
        if u.counted:
            units[line.group_of(u.unit, by)].append(u)
    order = (line.lots if by == "lot" else sorted(units, key=PHASES.index) if by == "phase" else sorted(units))
    return [{"group": key, **m.summarize(units[key], sum(n["quantity"] for n in line.lot_ncrs if n[by] == key))}
            for key in order if key in units]


@query()
@collector_paused()
def metrics(session: Session, actor: Actor, *, program: str, by: str = "lot", phase: str | None = None) -> Metrics:
    """First-pass and rolled throughput yield, DPU, DPMO, scrap and rework rates, cycle time
    against standard, grouped by lot, operation, week (of the unit's first start; an NCR on a lot
    counts in the week it was raised) or phase; the program's totals; the defect Pareto and the open
    NCRs' aging. Definitions: quality.metrics."""
    if by not in GROUPINGS:
        raise Invalid("metrics_invalid", f"group by one of {', '.join(GROUPINGS)}, not {by}")
    _check_phase(phase)
    return _report(session, get_program(session, program), by, phase)[0]


def _report(session: Session, prog, by: str, phase: str | None) -> tuple[Metrics, _Line]:
    line = _line(session, prog.id, phase)
    source, counts, aging = _defects(session, prog)
    total = m.summarize(line.units, sum(n["quantity"] for n in line.lot_ncrs))
    return Metrics(program=prog.code, by=by, phase=phase, as_of=utcnow().isoformat(), groups=_groups(line, by),
                   total=total, pareto=m.pareto(counts), pareto_source=source, ncr_aging=aging), line


@query()
@collector_paused()
def dashboard(session: Session, actor: Actor, *, program: str, phase: str | None = None) -> Dashboard:
    """The quality dashboard's figures from one reading: metrics() by lot, and the groups by operation."""
    _check_phase(phase)
    by_lot, line = _report(session, get_program(session, program), "lot", phase)
    return Dashboard(by_lot=by_lot, by_operation=[Group(**g) for g in _groups(line, "operation")])
