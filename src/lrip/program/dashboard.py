"""Read-only figures for a program's dashboard: work in progress by operation, the
units on hold and why, and units completed per week by lot. Nothing here writes."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip.auth.models import User
from lrip.catalog.models import Operation, WorkCenter
from lrip.execution.models import Hold, OperationRecord, Unit
from lrip.program.models import Lot
from lrip.program.service import get_program

ACTIVE = ("planned", "in_work", "on_hold")


def wip_by_operation(session: Session, program: str) -> list[dict]:
    """Units in work, waiting and on hold at each operation of the program's routings.

    A unit is *at* the operation it has open, or else at the first operation of its
    routing it has not completed; units complete or scrapped are not WIP."""
    prog = get_program(session, program)
    units = session.execute(select(Unit.id, Unit.status, Lot.routing_id).join(Lot).where(
        Lot.program_id == prog.id, Unit.status.in_(ACTIVE))).all()
    routing_ids = {r for _, _, r in units} | set(session.execute(select(Lot.routing_id).where(
        Lot.program_id == prog.id, Lot.status == "open")).scalars())
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
    active_ids = select(Unit.id).join(Lot).where(Lot.program_id == prog.id, Unit.status.in_(ACTIVE))
    for unit_id, op_id, status in session.execute(select(
            OperationRecord.unit_id, OperationRecord.operation_id, OperationRecord.status).where(
            OperationRecord.unit_id.in_(active_ids), OperationRecord.status.in_(("in_work", "complete")))):
        if status == "in_work":
            open_op[unit_id] = op_id
        else:
            done[unit_id].add(op_id)
    for unit_id, status, routing_id in units:
        route = by_routing[routing_id]
        at = next((op for op in route if op.id == open_op.get(unit_id)), None) \
            or next((op for op in route if op.id not in done[unit_id]), None)
        if at is None:
            continue
        column = "on_hold" if status == "on_hold" else "in_work" if unit_id in open_op else "waiting"
        rows[(at.sequence, at.name)][column] += 1
    return sorted(rows.values(), key=lambda r: (r["sequence"], r["name"]))


def open_holds(session: Session, program: str) -> list[dict]:
    """The program's units on hold: why, since when, who stopped them, and at which operation."""
    prog = get_program(session, program)
    rows = session.execute(select(Hold, Unit.serial, Lot.number, User.username).join(Unit, Hold.unit_id == Unit.id)
                           .join(Lot).join(User, Hold.opened_by_id == User.id)
                           .where(Lot.program_id == prog.id, Hold.released_at.is_(None))
                           .order_by(Hold.opened_at, Hold.id)).all()
    result = []
    for hold, serial, lot, opened_by in rows:
        record = session.get(OperationRecord, hold.operation_record_id) if hold.operation_record_id else None
        result.append({"serial": serial, "lot": lot, "reason": hold.reason, "opened_at": hold.opened_at.isoformat(),
                       "opened_by": opened_by, "ncr_id": hold.ncr_id,
                       "operation": f"{record.operation.sequence} {record.operation.name}" if record else None})
    return result


def week_of(day: date) -> date:
    """The Monday that starts the week of this day (ramp plan periods start on Mondays too)."""
    return day - timedelta(days=day.weekday())


def completed_per_week(session: Session, program: str) -> tuple[list[date], dict[str, list[int]]]:
    """(every week from the first completion to the last, {lot: units completed in each week})."""
    prog = get_program(session, program)
    rows = session.execute(select(Lot.number, Unit.completed_at).join(Lot).where(
        Lot.program_id == prog.id, Unit.status == "complete", Unit.completed_at.is_not(None))
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
