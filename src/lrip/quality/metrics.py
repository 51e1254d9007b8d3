"""Yield and defect metrics of a production line, from what happened to each unit at each operation.

Pure: plain records in, plain numbers out (the service loads them). One definition each, used by the
pages, the CLI, the API and readiness alike:

- A unit goes THROUGH an operation when its first attempt there is decided: completed, or failed.
  It FAILS its first pass there when that attempt was stopped or sent back, or when a hold blames
  the operation (`blame`): an out-of-spec result, an NCR raised by hand on the unit, a contained
  material lot. A first attempt still open with nothing wrong yet is not counted either way.
  First-pass yield of an operation, FPY = units through it with no failure, hold or rework on their
  first pass / units through it. Juran's Quality Handbook, 5th ed. (1999), Sect. 22 ("first-time
  yield"); Minitab, "What are throughput yield and rolled throughput yield?".
- Rolled throughput yield, RTY = the product of the operations' FPYs: the chance that a unit passes
  every operation first time. Pyzdek, *The Six Sigma Project Planner* (McGraw-Hill, 2003),
  "Calculating yields", Table 24; Juran's Quality Handbook, Sect. 22.
- FPY of a lot, week, phase or the program: units through the line with no failure, hold or rework
  anywhere / units through the line, a unit being through when it is complete or scrapped, or has
  failed anywhere (a unit on hold has failed, finished or not); RTY estimates it from the
  operations' yields.
- DPU = defects / units, a defect being an NCR on one of the units (raised by an out-of-spec result
  or by hand, or a contained material lot's NCR holding it), or each unit of an NCR's quantity on one
  of the lots; the units are those started, held or scrapped. DPMO = defects / (units x
  opportunities per unit) x 10^6, a unit's opportunities being the characteristics its routing
  inspects (of one operation, for an operation). Breyfogle, *Implementing Six Sigma*, 2nd ed. (Wiley,
  2003), Sect. 9.4; Pyzdek, *The Six Sigma Handbook* (McGraw-Hill, 2003), Ch. 9 ("DPMO = DPU x 10^6 /
  opportunities per unit").
- Scrap rate = every scrapped unit (before its first operation too) / units; rework rate = units sent
  back to rework at least once / units (for an operation: scrapped or reworked on a hold blamed on it,
  over the units that reached it). Juran's Quality Handbook, Sect. 8 (cost of poor quality).
- Cycle time: worked minutes, the sum of an attempt's worked intervals (pauses, holds and shift
  changes left out: lrip.execution), of every completed attempt, rework included, against the
  standard minutes: by operation, per unit that completed it; otherwise per complete unit, against
  its routing's standard. Times off the learning trend (lrip.stats.outliers) are left out and
  counted. Mean, median and the 90th percentile by linear interpolation between order statistics
  (Hyndman and Fan 1996, definition 7, NumPy's default).
- Pareto: categories by count, largest first, with the cumulative percentage (Juran, *Quality
  Control Handbook*, "the vital few and the useful many").
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from typing import NamedTuple

import numpy as np


class Step(NamedTuple):
    """One unit at one operation, over all its attempts (a named tuple: a reading makes one per unit and
    operation, tens of thousands, at a third of a frozen dataclass's cost)."""

    unit: str
    operation: str  # "30 Gear train assembly"
    first_pass: bool | None  # None: the first attempt is still open and nothing is wrong yet
    reworked: bool = False  # a hold blamed on this operation was dispositioned rework
    scrapped: bool = False  # ... scrap
    defects: int = 0  # NCRs blamed on this operation
    opportunities: int = 0  # characteristics the operation inspects
    minutes: float | None = None  # worked minutes of its completed attempts, together
    standard_minutes: float = 0.0
    outlier: bool = False  # its minutes are off the learning trend


@dataclass(frozen=True)
class UnitRecord:
    """One unit and its steps; `held` and `reworked` also count holds no operation is blamed for."""

    unit: str
    status: str  # planned | in_work | on_hold | complete | scrapped
    steps: tuple[Step, ...] = ()
    held: bool = False  # a hold no operation is blamed for (raised before its first or after its last)
    reworked: bool = False
    defects: int = 0  # every NCR on the unit
    opportunities: int = 0  # characteristics its routing inspects
    outlier: bool = False  # its total minutes are off the learning trend

    @cached_property
    def failed(self) -> bool:
        return self.held or self.status == "scrapped" or any(s.first_pass is False for s in self.steps)

    @property
    def through(self) -> bool:
        """Decided: finished (complete or scrapped), or failed somewhere on the way."""
        return self.failed or self.status == "complete"

    @property
    def counted(self) -> bool:
        """Started, held or scrapped: a unit the line has spent something on."""
        return bool(self.steps) or self.held or self.defects > 0 or self.status == "scrapped"


@dataclass(frozen=True)
class Hold:
    """A hold as `blame` sees it: which operation it names (through its result's attempt or its NCR) and when."""

    record_operation: str | None  # the operation of the attempt whose result raised it
    record_attempt: int | None
    ncr_operation: str | None  # the operation its NCR names
    opened_at: datetime


@dataclass(frozen=True)
class Attempt:
    """The first attempt at an operation, as `blame` sees it."""

    operation: str
    started_at: datetime
    ended_at: datetime | None  # completed (or stopped); None while open


def blame(hold: Hold, first_attempts: Iterable[Attempt]) -> tuple[str | None, bool]:
    """The operation a hold is blamed on, and whether it fails that operation's first pass: the
    attempt whose result raised it (its first pass when it was the first attempt); else the
    operation its NCR names, if the unit went there; else the operation whose first attempt was in
    work when it opened. (None, False): no operation, the unit is blamed (held before its first
    operation, or found after its last). The attempts are read only for a hold no result raised."""
    if hold.record_operation is not None:
        return hold.record_operation, hold.record_attempt == 1
    attempts = {a.operation: a for a in first_attempts}
    if hold.ncr_operation in attempts:
        return hold.ncr_operation, True
    for a in attempts.values():
        if a.started_at <= hold.opened_at and (a.ended_at is None or hold.opened_at <= a.ended_at):
            return a.operation, True
    return None, False


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def first_pass_yield(steps: Iterable[Step]) -> float | None:
    """Units through the operation with no failure on their first pass / units through it."""
    decided = [s.first_pass for s in steps if s.first_pass is not None]
    return ratio(sum(decided), len(decided))


def rolled_throughput_yield(yields: list[float | None]) -> float | None:
    """The product of the operations' first-pass yields (operations with none decided are left out)."""
    known = [y for y in yields if y is not None]
    return math.prod(known) if known else None


def distribution(values: list[float]) -> dict:
    """n, mean, median and 90th percentile (Hyndman-Fan definition 7)."""
    if not values:
        return {"n": 0, "mean": None, "median": None, "p90": None}
    a = np.asarray(values, dtype=float)
    return {"n": int(a.size), "mean": float(a.mean()), "median": float(np.median(a)),
            "p90": float(np.percentile(a, 90))}


def pareto(counts: dict[str, float]) -> list[dict]:
    """Categories by count, largest first (ties by name), with their share and the cumulative share, in %."""
    total = sum(counts.values())
    rows, running = [], 0.0
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count <= 0:
            continue
        running += count
        rows.append({"category": name, "count": count, "percent": 100.0 * count / total,
                     "cumulative_percent": 100.0 * running / total})
    return rows


def _cycle(kept: list[float], standards: list[float], left_out: int) -> dict:
    cycle = distribution(kept)
    cycle["standard"] = float(np.mean(standards)) if standards else None
    cycle["mean_to_standard"] = ratio(cycle["mean"], cycle["standard"]) if cycle["mean"] is not None else None
    cycle["left_out"] = left_out
    return cycle


def _figures(*, units: int, through: int, passed: int, fpy_by_op: dict, defects: float, opportunities: int,
             scrapped: int, reworked: int, cycle: dict) -> dict:
    return {"units": units, "units_through": through, "fpy": ratio(passed, through), "fpy_by_operation": fpy_by_op,
            "rty": rolled_throughput_yield(list(fpy_by_op.values())), "defects": defects,
            "opportunities": opportunities, "dpu": ratio(defects, units),
            "dpmo": None if not opportunities else 1e6 * defects / opportunities,
            "scrapped": scrapped, "reworked": reworked, "scrap_rate": ratio(scrapped, units),
            "rework_rate": ratio(reworked, units), "cycle_minutes": cycle}


_MINUTES, _STANDARD = attrgetter("minutes"), attrgetter("standard_minutes")


def summarize(units: list[UnitRecord], lot_defects: float = 0.0) -> dict:
    """Every metric of a group of units (a lot, week, phase or the program); `lot_defects`: the
    quantities of the NCRs raised on the group's lots."""
    units = [u for u in units if u.counted]
    by_op: dict[str, list[Step]] = defaultdict(list)
    for u in units:
        for s in u.steps:
            by_op[s.operation].append(s)
    complete = [u for u in units if u.status == "complete"]
    kept = [u for u in complete if not u.outlier]
    through = [u for u in units if u.through]
    return _figures(
        units=len(units), through=len(through), passed=sum(not u.failed for u in through),
        fpy_by_op={op: first_pass_yield(by_op[op]) for op in sorted(by_op, key=operation_order)},
        defects=sum(u.defects for u in units) + lot_defects,
        opportunities=sum(u.opportunities for u in units),
        scrapped=sum(u.status == "scrapped" for u in units), reworked=sum(u.reworked for u in units),
        cycle=_cycle([sum(filter(None, map(_MINUTES, u.steps))) for u in kept],
                     [sum(map(_STANDARD, u.steps)) for u in kept], len(complete) - len(kept)))


def summarize_operation(operation: str, steps: list[Step], lot_defects: float = 0.0) -> dict:
    """Every metric of one operation over the units that reached it; `lot_defects`: the quantities of
    the NCRs raised on lots that name it."""
    of = Step(*zip(*steps)) if steps else Step(*[()] * len(Step._fields))  # each field: its values, step by step
    timed = [(minutes, standard, off) for minutes, standard, off in zip(of.minutes, of.standard_minutes, of.outlier)
             if minutes is not None]
    kept = [(minutes, standard) for minutes, standard, off in timed if not off]
    return _figures(
        units=len(steps), through=len(steps) - of.first_pass.count(None), passed=of.first_pass.count(True),
        fpy_by_op={operation: first_pass_yield(steps)}, defects=sum(of.defects) + lot_defects,
        opportunities=sum(of.opportunities), scrapped=sum(of.scrapped), reworked=sum(of.reworked),
        cycle=_cycle([minutes for minutes, _ in kept], [standard for _, standard in kept] or
                     list(of.standard_minutes[:1]), len(timed) - len(kept)))


def operation_order(operation: str) -> tuple:
    """'30 Gear train assembly' sorts by its sequence number, 30, then by name."""
    head = operation.split(" ", 1)[0]
    return (int(head), operation) if head.isdigit() else (math.inf, operation)
