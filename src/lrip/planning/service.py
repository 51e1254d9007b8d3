"""Shortages for a program's ramp plan: what to start, what it takes, what is on the shelf
and on order, and which lots are clear to build. Reads only; the netting itself is
`planning.shortages.net`.

What counts as demand, from this week on:
- an open lot's planned starts, less the units already started in it (taken from its
  earliest weeks); starts planned in a past week and not yet made fall due this week;
- what the lot's started, unfinished units have yet to consume (their BOM less what they
  consumed), due this week;
- weeks of the plan without a lot yet (the FRP weeks) from this week on, each its own
  'lot', named like 'FRP 2026-12-07'. Closed lots and past weeks without a lot need nothing.
Supply: accepted stock on hand from approved sources (`supply.service.accepted_on_hand`:
quarantine lots do not count until accepted) and open PO
lines by promised date, or by promised date + the supplier's mean observed lateness
(rounded up to whole days) when asked.

The report takes the same dozen statements however long the plan, however many parts, lots,
units and orders: the BOM is one recursive query, what units still owe one query per kind.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from lrip.auth.actor import Actor, query
from lrip.catalog.models import BomLine, Part, PartRevision
from lrip.catalog.rules import PartRevisionStatus
from lrip.db import utcnow
from lrip.errors import Invalid
from lrip.execution.models import Consumption, Unit
from lrip.execution.rules import UnitStatus
from lrip.planning.schemas import MAX_HORIZON, LotRow, PartRow, ShortageRow, Shortages
from lrip.planning.shortages import OpenOrder, Owed, PlannedStarts, explode, net
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.program.rules import LotStatus
from lrip.program.service import get_program
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot

STARTED = (UnitStatus.IN_WORK, UnitStatus.ON_HOLD, UnitStatus.COMPLETE, UnitStatus.SCRAPPED)
UNFINISHED = (UnitStatus.IN_WORK, UnitStatus.ON_HOLD)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@cache
def bom_walk():
    """Every BOM line down from a part revision (bound as `top`): a child with a released revision
    that has BOM lines is made here, and its latest such revision is walked in turn. One recursive
    statement, built once."""
    made = (select(PartRevision.part_id, func.max(PartRevision.id).label("revision_id"))
            .where(PartRevision.status == PartRevisionStatus.RELEASED,
                   select(BomLine.id).where(BomLine.parent_revision_id == PartRevision.id).exists())
            .group_by(PartRevision.part_id).cte("made"))
    walk = select(PartRevision.id.label("revision_id")).where(PartRevision.id == bindparam("top")).cte(
        "bom_walk", recursive=True)
    line = aliased(BomLine)
    walk = walk.union(select(made.c.revision_id).select_from(walk)
                      .join(line, line.parent_revision_id == walk.c.revision_id)
                      .join(made, made.c.part_id == line.child_part_id))
    parent_revision, parent, child = aliased(PartRevision), aliased(Part), aliased(Part)
    return (select(walk.c.revision_id, parent.number, child.number, BomLine.quantity).select_from(walk)
            .join(parent_revision, parent_revision.id == walk.c.revision_id)
            .join(parent, parent.id == parent_revision.part_id)
            .outerjoin(BomLine, BomLine.parent_revision_id == walk.c.revision_id)
            .outerjoin(child, child.id == BomLine.child_part_id)
            .order_by(BomLine.id))


def bom_tree(session: Session, part_revision_id: int) -> tuple[str, dict[str, list[tuple[str, float]]]]:
    """The top part number and {part: [(child, quantity)]} down every level (see `bom_walk`), however
    deep and wide the BOM, in one statement."""
    rows = session.execute(bom_walk(), {"top": part_revision_id}).all()
    top = next(number for revision, number, _, _ in rows if revision == part_revision_id)
    tree: dict[str, list[tuple[str, float]]] = {}
    for revision, number, child_number, quantity in rows:
        if number == top and revision != part_revision_id:
            continue  # the top part made again further down: a cycle `explode` names
        lines = tree.setdefault(number, [])
        if child_number is not None:
            lines.append((child_number, float(quantity)))
    return top, tree


def _plan(session: Session, prog: Program, this_week: date) -> tuple[list[PlannedStarts], dict[str, tuple[str, bool]]]:
    """Planned starts still to make, per lot label; and each label's phase and whether it is a lot."""
    rows = session.execute(select(RampPlanEntry.period_start, RampPlanEntry.lot_id, RampPlanEntry.phase,
                                  RampPlanEntry.planned_starts, Lot.number, Lot.status)
                           .outerjoin(Lot, Lot.id == RampPlanEntry.lot_id)
                           .where(RampPlanEntry.program_id == prog.id)).all()
    rows.sort(key=lambda row: (row.period_start, row.lot_id or 0))  # lots in the order they were made
    started = dict(session.execute(select(Unit.lot_id, func.count()).join(Lot, Lot.id == Unit.lot_id)
                                   .where(Lot.program_id == prog.id, Unit.status.in_(STARTED))
                                   .group_by(Unit.lot_id)).all())
    plan, used = [], defaultdict(int)
    phases = {number: (phase, True) for number, phase in session.execute(
        select(Lot.number, Lot.phase).where(Lot.program_id == prog.id, Lot.status == LotStatus.OPEN).order_by(Lot.id))}
    for entry in rows:
        if entry.number is None:
            if entry.period_start < this_week:
                continue
            label = f"{entry.phase.upper()} {entry.period_start.isoformat()}"
            plan.append(PlannedStarts(label, entry.period_start, entry.planned_starts))
            phases[label] = (entry.phase, False)
            continue
        if entry.status != LotStatus.OPEN:
            continue
        already = min(entry.planned_starts, started.get(entry.lot_id, 0) - used[entry.lot_id])
        used[entry.lot_id] += already
        plan.append(PlannedStarts(entry.number, max(entry.period_start, this_week), entry.planned_starts - already))
    return plan, phases


def _owed(session: Session, prog: Program, tree: dict, top: str, this_week: date) -> list[Owed]:
    """What started, unfinished units in open lots have yet to consume, exploded to purchased parts."""
    unfinished = select(Unit.id, Lot.number).join(Lot, Lot.id == Unit.lot_id).where(
        Lot.program_id == prog.id, Lot.status == LotStatus.OPEN, Unit.status.in_(UNFINISHED))
    units = session.execute(unfinished).all()
    if not units:
        return []
    unit_ids = select(unfinished.subquery().c.id)
    child_unit, child_lot, child_program, child_revision = (aliased(Unit), aliased(Lot), aliased(Program),
                                                            aliased(PartRevision))
    material = (select(Consumption.unit_id, Part.number, func.sum(Consumption.quantity))
                .join(MaterialLot, MaterialLot.id == Consumption.material_lot_id)
                .join(Part, Part.id == MaterialLot.part_id)
                .where(Consumption.unit_id.in_(unit_ids)).group_by(Consumption.unit_id, Part.number))
    children = (select(Consumption.unit_id, Part.number, func.sum(Consumption.quantity))
                .join(child_unit, child_unit.id == Consumption.child_unit_id)
                .join(child_lot, child_lot.id == child_unit.lot_id)
                .join(child_program, child_program.id == child_lot.program_id)
                .join(child_revision, child_revision.id == child_program.part_revision_id)
                .join(Part, Part.id == child_revision.part_id)
                .where(Consumption.unit_id.in_(unit_ids)).group_by(Consumption.unit_id, Part.number))
    consumed: dict[tuple[int, str], float] = defaultdict(float)
    for unit_id, part, quantity in [*session.execute(material).all(), *session.execute(children).all()]:
        consumed[unit_id, part] += quantity
    owed: dict[tuple[str, str], float] = defaultdict(float)
    for unit_id, lot in units:
        for child, per in tree.get(top, ()):
            left = max(per - consumed[unit_id, child], 0.0)
            if left <= 0:
                continue
            for part, q in (explode(tree, child).items() if tree.get(child) else [(child, 1.0)]):
                owed[lot, part] += left * q
    return [Owed(lot, part, this_week, q) for (lot, part), q in owed.items()]


def _orders(session: Session, parts: list[str], use_observed_lateness: bool) -> tuple[list[OpenOrder], dict]:
    lateness = supply.observed_lateness(session) if use_observed_lateness else {}
    orders = []
    for line in supply.open_order_lines(session, parts=parts):
        late = lateness.get(line["supplier"], 0.0)
        shift = math.ceil(late - 1e-9)
        label = f"{line['po']} line {line['line']} from {line['supplier']}"
        if shift > 0:
            label += (f" (promised {line['promised_date']:%d %b}; {line['supplier']} delivers {late:.1f} days late "
                      "on average)")
        orders.append(OpenOrder(line["part"], line["promised_date"] + timedelta(days=shift), line["quantity_open"],
                                label))
    return orders, lateness


@query("read")
def shortages(session: Session, actor: Actor, *, program: str, horizon: int | None = None,
              use_observed_lateness: bool = False, today: date | None = None) -> Shortages:
    """The shortage list and clear-to-build per lot for the program's ramp plan, from this week
    for `horizon` weeks (default: to the last week of the plan)."""
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise Invalid("horizon_invalid", f"the horizon is 1 to {MAX_HORIZON} weeks, not {horizon}")
    prog = get_program(session, program)
    this_week = monday(today or utcnow().date())
    plan, phases = _plan(session, prog, this_week)
    last = max([p.period for p in plan], default=this_week)
    weeks = horizon or (last - this_week).days // 7 + 1
    periods = [this_week + timedelta(weeks=k) for k in range(weeks)]
    plan = [p for p in plan if p.period <= periods[-1]]  # a lot planned wholly later is not asked about
    top, tree = bom_tree(session, prog.part_revision_id)
    try:
        per_unit = explode(tree, top)
    except ValueError as exc:
        raise Invalid("bom_invalid", str(exc)) from None
    owed = _owed(session, prog, tree, top, this_week)
    parts = list(dict.fromkeys([*per_unit, *(o.part for o in owed)]))
    on_hand = supply.accepted_on_hand(session)
    orders, lateness = _orders(session, parts, use_observed_lateness)
    result = net(periods=periods, per_unit=per_unit, plan=plan, on_hand=on_hand, orders=orders, owed=owed)
    names = dict(session.execute(select(Part.number, Part.description).where(Part.number.in_(parts))).all())
    end = periods[-1] + timedelta(days=7)
    first_short = {}
    for s in result.shortages:
        first_short.setdefault(s.part, s.first_short_date)
    return Shortages(
        program=prog.code, as_of=(today or utcnow().date()).isoformat(), weeks=len(periods),
        first_week=periods[0].isoformat(), last_week=periods[-1].isoformat(),
        use_observed_lateness=use_observed_lateness,
        lateness_days={k: round(v, 2) for k, v in sorted(lateness.items())},
        clear_to_build=all(c.clear_to_build for c in result.lots),
        shortages=[ShortageRow(part=s.part, description=names.get(s.part, ""), period=s.period.isoformat(),
                               demand=s.demand, quantity_short=s.quantity_short, backlog=s.backlog,
                               first_short_date=s.first_short_date.isoformat(), blocks_lots=list(s.blocks_lots))
                   for s in result.shortages],
        lots=[LotRow(lot=c.lot, phase=phases[c.lot][0], assigned=phases[c.lot][1], starts=c.starts,
                     clear_to_build=c.clear_to_build, reasons=list(c.reasons)) for c in result.lots],
        parts=[PartRow(part=part, description=names.get(part, ""), per_unit=per_unit.get(part, 0.0),
                       on_hand=on_hand.get(part, 0.0),
                       on_order=sum(o.quantity for o in orders if o.part == part and o.expected < end),
                       demand=round(float(result.demand[i].sum()), 6),
                       short=round(max(0.0, -float(result.balance[i, -1])) + 0.0, 6),  # + 0.0: never -0
                       first_short_date=first_short[part].isoformat() if part in first_short else None)
               for i, part in enumerate(result.parts)])
