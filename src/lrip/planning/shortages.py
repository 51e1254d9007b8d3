"""Shortages for the ramp plan: planned starts exploded through the BOM, then netted per
part and week against stock on hand and open purchase order lines. Pure: data in, shortages
and clear-to-build out.

The conventions, stated once:

- Time runs in periods, weeks that start on a Monday. A period's demand is needed from its
  Monday (the week's kits are picked then), and starts are spread evenly over the week's
  working days, which dates the first day a part is short.
- An open order line counts in the week its expected date falls in (the promised date,
  shifted by the supplier's lateness if the caller asks); a line already overdue counts in
  the first week; one expected after the last week does not count.
- Material is used first come, first served. Stock left over carries to the next week;
  demand not met is a backlog the next receipt fills first, so a part's backlog in week t is
  max(0, cumulative demand - stock - cumulative receipts), and the demand of week t not met
  in time is min(demand of t, backlog of t).

The netting is a handful of NumPy operations on a parts × weeks array (lots × parts × weeks
for who is blocked), linear in the size of the plan.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

EPSILON = 1e-9
SHOWN = 3  # weeks named in a lot's reason; the rest are counted


@dataclass(frozen=True)
class PlannedStarts:
    """Units of a lot to start in the week beginning `period`."""

    lot: str
    period: date
    starts: float


@dataclass(frozen=True)
class Owed:
    """Material a lot still needs beyond its planned starts: what units already started have
    yet to consume."""

    lot: str
    part: str
    period: date
    quantity: float


@dataclass(frozen=True)
class OpenOrder:
    part: str
    expected: date  # promised date, shifted by the supplier's lateness if asked
    quantity: float
    label: str  # how a buyer names it: "PO-1001 line 2 from NGE"


class Shortage(NamedTuple):  # a tuple, not a dataclass: a year's plan can make thousands
    part: str
    period: date
    demand: float  # needed in this week
    quantity_short: float  # of this week's demand, not covered in time
    backlog: float  # everything owed and not covered by the end of this week
    first_short_date: date
    blocks_lots: tuple[str, ...]


@dataclass(frozen=True)
class LotCheck:
    lot: str
    clear_to_build: bool
    starts: float  # planned starts left in the horizon
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Netting:
    periods: tuple[date, ...]
    parts: tuple[str, ...]
    demand: np.ndarray  # parts × periods
    supply: np.ndarray  # parts × periods
    balance: np.ndarray  # parts × periods: stock after the week (negative: backlog)
    shortages: tuple[Shortage, ...]
    lots: tuple[LotCheck, ...]


def explode(bom: Mapping[str, Sequence[tuple[str, float]]], top: str) -> dict[str, float]:
    """Quantity of each purchased part (a part with no BOM of its own) in one `top`, down every
    level: a child that has a BOM is made here, so its children are needed instead."""
    need: dict[str, float] = {}

    def walk(part: str, quantity: float, path: tuple[str, ...]) -> None:
        for child, per in bom.get(part, ()):
            if child in path or child == part:
                raise ValueError(f"The BOM of {part} contains {child}, which contains {part} again: "
                                 f"{' → '.join((*path, part, child))}.")
            if bom.get(child):
                walk(child, quantity * per, (*path, part))
            else:
                need[child] = need.get(child, 0.0) + quantity * per

    walk(top, 1.0, ())
    return need


def net(*, periods: Sequence[date], per_unit: Mapping[str, float], plan: Sequence[PlannedStarts],
        on_hand: Mapping[str, float], orders: Sequence[OpenOrder] = (), owed: Sequence[Owed] = (),
        working_days: int = 5) -> Netting:
    """Net the plan's demand for every part against stock and open orders, week by week."""
    weeks = tuple(sorted(set(periods)))
    if not weeks:
        raise ValueError("Give at least one week to plan.")
    if any(p.weekday() != 0 for p in weeks):
        raise ValueError("Every planning week starts on a Monday.")
    if not 1 <= working_days <= 7:
        raise ValueError(f"A week has 1 to 7 working days, not {working_days}.")
    bad = [f"{p.lot} has {p.starts:g} starts in the week of {p.period}" for p in plan if not p.starts >= 0]
    bad += [f"{part} is needed {q:g} per unit" for part, q in per_unit.items() if not q >= 0]
    if bad:
        raise ValueError("Quantities are zero or more: " + "; ".join(bad) + ".")
    parts = tuple(sorted({*per_unit, *(o.part for o in owed)}))
    lots = tuple(dict.fromkeys([*(p.lot for p in plan), *(o.lot for o in owed)]))
    part_at = {p: i for i, p in enumerate(parts)}
    lot_at = {lot: i for i, lot in enumerate(lots)}
    T = len(weeks)

    def week_of(days: list[date]) -> np.ndarray:
        """Index of the week each date falls in: before the first week, the first; after the
        last week, -1 (outside the horizon)."""
        ordinals = np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))
        starts = np.fromiter((w.toordinal() for w in weeks), dtype=np.int64, count=T)
        index = np.clip(np.searchsorted(starts, ordinals, side="right") - 1, 0, T - 1)
        return np.where(ordinals >= starts[-1] + 7, -1, index)

    starts = np.zeros((len(lots), T))
    at = week_of([p.period for p in plan])
    keep = at >= 0
    np.add.at(starts, (np.array([lot_at[p.lot] for p in plan], dtype=np.int64)[keep], at[keep]),
              np.array([p.starts for p in plan], dtype=float)[keep])
    need = np.array([per_unit.get(p, 0.0) for p in parts], dtype=float)
    lot_demand = starts[:, None, :] * need[None, :, None]  # lots × parts × weeks
    if owed:
        at = week_of([o.period for o in owed])
        keep = at >= 0
        np.add.at(lot_demand, (np.array([lot_at[o.lot] for o in owed])[keep],
                               np.array([part_at[o.part] for o in owed])[keep], at[keep]),
                  np.array([o.quantity for o in owed], dtype=float)[keep])
    demand = lot_demand.sum(axis=0)

    supply = np.zeros((len(parts), T))
    mine = [o for o in orders if o.part in part_at]
    if mine:
        at = week_of([o.expected for o in mine])
        keep = at >= 0
        np.add.at(supply, (np.array([part_at[o.part] for o in mine])[keep], at[keep]),
                  np.array([o.quantity for o in mine], dtype=float)[keep])
    stock = np.array([max(0.0, on_hand.get(p, 0.0)) for p in parts], dtype=float)

    covered = stock[:, None] + np.cumsum(supply, axis=1)  # everything that has come in by week t
    needed = np.cumsum(demand, axis=1)
    balance = covered - needed
    backlog = np.maximum(-balance, 0.0)
    short = np.minimum(demand, backlog)
    short[short < EPSILON] = 0.0
    # what is left for week t's demand at its start: stock and receipts by t, less all earlier demand
    left = np.maximum(covered - np.concatenate([np.zeros((len(parts), 1)), needed[:, :-1]], axis=1), 0.0)
    blocked = (lot_demand > EPSILON) & (short > 0)[None, :, :]

    # the short cells week by week (parts are in order within a week), as plain Python values
    t_at, i_at = np.nonzero(short.T)
    per_day = demand[i_at, t_at] / working_days
    days = np.minimum((left[i_at, t_at] / per_day + EPSILON).astype(int), working_days - 1).tolist()
    who = [tuple(row) for row in blocked[:, i_at, t_at].T.tolist()]
    names = {key: tuple(lot for lot, needs in zip(lots, key) if needs) for key in set(who)}  # a few patterns
    shortages = [
        Shortage(part=parts[i], period=weeks[t], demand=d, quantity_short=q, backlog=b,
                 first_short_date=weeks[t] + timedelta(days=day), blocks_lots=names[needs_it])
        for i, t, d, q, b, day, needs_it in zip(
            i_at.tolist(), t_at.tolist(), demand[i_at, t_at].round(6).tolist(), short[i_at, t_at].round(6).tolist(),
            backlog[i_at, t_at].round(6).tolist(), days, who)]
    at_cell = {(s.part, s.period): s for s in shortages}
    lot_short = (short[None, :, :] * blocked).sum(axis=2)  # lots × parts: quantity short the lot waits for
    weeks_short = blocked.sum(axis=2)  # lots × parts: weeks the lot waits for the part
    first_few = blocked & (np.cumsum(blocked, axis=2) <= SHOWN)
    waits: list[dict[str, tuple[list[Shortage], int, float]]] = [{} for _ in lots]
    for k, i, t in zip(*(c.tolist() for c in np.nonzero(first_few))):
        rows = waits[k].setdefault(parts[i], ([], int(weeks_short[k, i]), float(lot_short[k, i])))[0]
        rows.append(at_cell[parts[i], weeks[t]])
    by_part: dict[str, list[OpenOrder]] = {}
    for o in sorted(mine, key=lambda o: o.expected):
        by_part.setdefault(o.part, []).append(o)
    checks = [_lot_check(lot, float(starts[k].sum()), float(lot_demand[k].sum()), waits[k], by_part)
              for k, lot in enumerate(lots)]
    return Netting(weeks, parts, demand, supply, balance, tuple(shortages), tuple(checks))


def _lot_check(lot: str, starts: float, demand: float, waits: dict[str, tuple[list[Shortage], int, float]],
               orders: dict[str, list[OpenOrder]]) -> LotCheck:
    """Clear to build, or every part that stops the lot, in words a buyer acts on. `waits`: per
    part, its first short weeks for this lot, how many weeks, and the quantity in all."""
    if demand <= EPSILON:
        return LotCheck(lot, True, _q(starts), ("nothing left to kit in the weeks planned",))
    if not waits:
        return LotCheck(lot, True, _q(starts), (
            f"every part for {_units(starts)} is covered by stock on hand or open orders due in time",))
    reasons = []
    for part, (rows, count, total) in waits.items():
        weeks = ", ".join(f"{s.quantity_short:g} in the week of {_day_month(s.period)}" for s in rows[:SHOWN])
        if count > SHOWN:
            weeks += f" and {count - SHOWN} more weeks"
        first = rows[0].first_short_date
        later = next((o for o in orders.get(part, ()) if o.expected >= first), None)
        then = (f"next order: {later.label}, {later.quantity:g} expected {later.expected:%a %d %b %Y}"
                if later else "no open order after that date")
        reasons.append(f"{part} runs out on {_long_day(first)}: short {weeks}"
                       f"{f' ({_q(total):g} in all)' if count > 1 else ''}; {then}")
    return LotCheck(lot, False, _q(starts), tuple(reasons))


@functools.lru_cache(maxsize=1024)
def _day_month(day: date) -> str:
    return f"{day:%d %b}"


@functools.lru_cache(maxsize=1024)
def _long_day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def _units(n: float) -> str:
    return f"{n:g} start{'' if n == 1 else 's'}" if n > EPSILON else "the units already started"


def _q(x: float) -> float:
    return round(float(x), 6)
