"""Programs at a glance, read across program, execution and nonconformance: the programs and lots with
their units counted, a lot's units, and a program's dashboard. Nothing here writes; every answer takes
a fixed number of queries, whatever the number of programs, lots or units."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from lrip.auth.actor import Actor, query
from lrip.auth.models import User
from lrip.catalog.models import Operation, PartRevision, WorkCenter
from lrip.dashboard.schemas import HoldRow, LotRow, ProgramDashboard, ProgramRow, ProgressPart, UnitRow, WipRow
from lrip.execution.models import OperationRecord, Unit
from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.nonconformance.models import Hold, NonConformance
from lrip.program.models import Lot, Program
from lrip.program.rules import LotStatus
from lrip.program.service import get_lot, get_program, lot_out, program_out

ACTIVE = (UnitStatus.PLANNED, UnitStatus.IN_WORK, UnitStatus.ON_HOLD)
PROGRESS = (UnitStatus.COMPLETE, UnitStatus.IN_WORK, UnitStatus.ON_HOLD, UnitStatus.SCRAPPED, UnitStatus.PLANNED)
"""The order a lot's progress bar stacks its units in, left to right; then the units not created yet."""


def _program_rows(session: Session, programs: list[Program]) -> list[ProgramRow]:
    ids = [p.id for p in programs]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    by_status = (select(Lot.program_id, Unit.status, func.count()).select_from(Unit).join(Unit.lot)
                 .where(Lot.program_id.in_(ids)).group_by(Lot.program_id, Unit.status))
    for program_id, status, n in session.execute(by_status):
        counts[program_id][status] = n
    lots = dict(session.execute(select(Lot.program_id, func.count()).where(Lot.program_id.in_(ids))
                                .group_by(Lot.program_id)).all())
    return [ProgramRow(**program_out(p).model_dump(), lots=lots.get(p.id, 0), units=sum(counts[p.id].values()),
                       units_by_status=counts[p.id]) for p in programs]


@query()
def list_programs(session: Session, actor: Actor) -> list[ProgramRow]:
    """Every program with its lots and its units by status."""
    programs = session.execute(select(Program).options(joinedload(Program.part_revision).joinedload(PartRevision.part))
                               .order_by(Program.code)).scalars().all()
    return _program_rows(session, list(programs))


def progress(planned_quantity: int, by_status: dict[str, int]) -> list[ProgressPart]:
    """A lot's progress bar: each status's share of the planned quantity (or of the units, if more)."""
    units = sum(by_status.values())
    whole = max(planned_quantity, units, 1)
    parts = [(str(s), by_status.get(s, 0)) for s in PROGRESS] + [("not_created", max(planned_quantity - units, 0))]
    return [ProgressPart(status=s, count=n, percent=round(100.0 * n / whole, 2)) for s, n in parts]


def _lot_rows(session: Session, program: Program) -> list[LotRow]:
    lots = session.execute(select(Lot).options(joinedload(Lot.routing)).where(Lot.program_id == program.id)
                           .order_by(Lot.id)).scalars().all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for lot_id, status, n in session.execute(select(Unit.lot_id, Unit.status, func.count()).join(Unit.lot).where(
            Lot.program_id == program.id).group_by(Unit.lot_id, Unit.status)):
        counts[lot_id][status] = n
    return [LotRow(**lot_out(lot, program.code).model_dump(), units=sum(counts[lot.id].values()),
                   units_by_status=counts[lot.id], progress=progress(lot.planned_quantity, counts[lot.id]))
            for lot in lots]


@query()
def list_lots(session: Session, actor: Actor, *, program: str) -> list[LotRow]:
    """The program's lots, oldest first, with their units by status."""
    return _lot_rows(session, get_program(session, program))


@query()
def list_units(session: Session, actor: Actor, *, lot: str, status: str | None = None) -> list[UnitRow]:
    """A lot's units, oldest first: status, the operation in work, why it is on hold."""
    lot_row = get_lot(session, lot)
    query_ = select(Unit).where(Unit.lot_id == lot_row.id).order_by(Unit.id)
    if status:
        query_ = query_.where(Unit.status == status)
    units = session.execute(query_).scalars().all()
    ids = [u.id for u in units]
    at = {unit_id: f"{seq} {name}" for unit_id, seq, name in session.execute(
        select(OperationRecord.unit_id, Operation.sequence, Operation.name).join(Operation).where(
            OperationRecord.unit_id.in_(ids), OperationRecord.status == RecordStatus.IN_WORK))} if ids else {}
    holds = dict(session.execute(select(Hold.unit_id, Hold.reason).where(
        Hold.unit_id.in_(ids), Hold.released_at.is_(None)).order_by(Hold.id)).all()) if ids else {}
    return [UnitRow(serial=u.serial, status=u.status, operation=at.get(u.id), hold_reason=holds.get(u.id),
                    created_at=u.created_at, completed_at=u.completed_at) for u in units]


# ---------------------------------------------------------------- a program's dashboard

def _wip(session: Session, program: Program) -> list[WipRow]:
    """Units in work, waiting and on hold at each operation of the program's routings.

    A unit is *at* the operation it has open, or else at the first operation of its routing it has
    not completed; units complete or scrapped are not WIP."""
    units = session.execute(select(Unit.id, Unit.status, Lot.routing_id).join(Unit.lot).where(
        Lot.program_id == program.id, Unit.status.in_(ACTIVE))).all()
    routing_ids = {r for _, _, r in units} | set(session.execute(select(Lot.routing_id).where(
        Lot.program_id == program.id, Lot.status == LotStatus.OPEN)).scalars())
    ops = session.execute(select(Operation, WorkCenter.code).join(WorkCenter).where(
        Operation.routing_id.in_(routing_ids)).order_by(Operation.sequence)).all() if routing_ids else []
    by_routing: dict[int, list[Operation]] = defaultdict(list)
    rows: dict[tuple[int, str], dict] = {}
    for op, center in ops:
        by_routing[op.routing_id].append(op)
        rows.setdefault((op.sequence, op.name), {"sequence": op.sequence, "name": op.name, "work_center": center,
                                                 "in_work": 0, "waiting": 0, "on_hold": 0})
    open_op: dict[int, int] = {}
    done: dict[int, set[int]] = defaultdict(set)
    active_ids = select(Unit.id).join(Unit.lot).where(Lot.program_id == program.id, Unit.status.in_(ACTIVE))
    for unit_id, op_id, status in session.execute(select(
            OperationRecord.unit_id, OperationRecord.operation_id, OperationRecord.status).where(
            OperationRecord.unit_id.in_(active_ids),
            OperationRecord.status.in_((RecordStatus.IN_WORK, RecordStatus.COMPLETE)))):
        if status == RecordStatus.IN_WORK:
            open_op[unit_id] = op_id
        else:
            done[unit_id].add(op_id)
    for unit_id, status, routing_id in units:
        route = by_routing[routing_id]
        at = next((op for op in route if op.id == open_op.get(unit_id)), None) \
            or next((op for op in route if op.id not in done[unit_id]), None)
        if at is None:
            continue
        column = "on_hold" if status == UnitStatus.ON_HOLD else "in_work" if unit_id in open_op else "waiting"
        rows[(at.sequence, at.name)][column] += 1
    return [WipRow(**r) for r in sorted(rows.values(), key=lambda r: (r["sequence"], r["name"]))]


def _holds(session: Session, program: Program) -> list[HoldRow]:
    """The program's units on hold: why, since when, who stopped them, under which NCR, at which operation."""
    rows = session.execute(
        select(Hold.reason, Hold.opened_at, Unit.serial, Lot.number, User.username, NonConformance.number,
               Operation.sequence, Operation.name)
        .join(Unit, Hold.unit_id == Unit.id).join(Unit.lot).join(User, Hold.opened_by_id == User.id)
        .outerjoin(NonConformance, Hold.ncr_id == NonConformance.id)
        .outerjoin(OperationRecord, Hold.operation_record_id == OperationRecord.id)
        .outerjoin(Operation, OperationRecord.operation_id == Operation.id)
        .where(Lot.program_id == program.id, Hold.released_at.is_(None)).order_by(Hold.opened_at, Hold.id)).all()
    return [HoldRow(serial=serial, lot=lot, reason=reason, opened_at=opened_at, opened_by=opened_by, ncr=ncr,
                    operation=f"{seq} {name}" if seq is not None else None)
            for reason, opened_at, serial, lot, opened_by, ncr, seq, name in rows]


def week_of(day: date) -> date:
    """The Monday that starts the week of this day (ramp plan periods start on Mondays too)."""
    return day - timedelta(days=day.weekday())


def _completed_per_week(session: Session, program: Program) -> tuple[list[date], dict[str, list[int]]]:
    """(every week from the first completion to the last, {lot: units completed in each week})."""
    rows = session.execute(select(Lot.number, Unit.completed_at).select_from(Unit).join(Unit.lot).where(
        Lot.program_id == program.id, Unit.status == UnitStatus.COMPLETE, Unit.completed_at.is_not(None))
        .order_by(Lot.id)).all()
    if not rows:
        return [], {}
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for lot, at in rows:
        counts[lot][week_of(at.date())] += 1
    first = min(w for c in counts.values() for w in c)
    last = max(w for c in counts.values() for w in c)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    return weeks, {lot: [c.get(w, 0) for w in weeks] for lot, c in counts.items()}


@query()
def program_dashboard(session: Session, actor: Actor, *, program: str) -> ProgramDashboard:
    """A program's dashboard: its units by status, its lots' progress, work in progress by operation,
    the units on hold and why, and units completed per week by lot."""
    prog = get_program(session, program)
    weeks, per_lot = _completed_per_week(session, prog)
    return ProgramDashboard(program=_program_rows(session, [prog])[0], lots=_lot_rows(session, prog),
                            wip=_wip(session, prog), holds=_holds(session, prog), weeks=weeks,
                            completed_per_week=per_lot)
