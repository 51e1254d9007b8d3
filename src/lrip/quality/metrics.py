"""Yield and defect metrics of a production line, from what happened to each unit at each operation.

Pure: plain rows in, plain numbers out (the service loads the rows). Definitions and sources:

- First-pass yield of an operation, FPY = units that passed it at the first attempt, with no
  hold raised on that attempt and not scrapped there, / units whose first attempt is decided
  (passed, held, or stopped). A first attempt still open is not counted either way. Juran's
  Quality Handbook, 5th ed. (1999), Sect. 22 ("first-time yield"); Minitab, "throughput yield".
- Rolled throughput yield, RTY = the product of the operations' FPYs: the chance that a unit
  passes every operation first time. Pyzdek, *The Six Sigma Project Planner* (McGraw-Hill,
  2003), "Calculating yields", Table 24; Juran's Quality Handbook, Sect. 22.
- FPY of a lot, phase, week or the program (more than one operation): the share of finished
  units (complete or scrapped) that passed every operation first time ("first-time-through");
  RTY is its estimate from the operations' yields.
- DPU = defects / units inspected; DPMO = defects / opportunities x 10^6, the opportunities being
  the characteristic results recorded (each characteristic inspected on a unit is one chance of
  a defect, re-inspection after rework another). A defect is an out-of-spec value or a failed
  attribute. AIAG / Breyfogle, *Implementing Six Sigma* 2nd ed. (2003), Sect. 9.4;
  Pyzdek, *The Six Sigma Handbook* (2003), Ch. 9.
- Scrap rate = units scrapped / units started; rework rate = units sent back to rework at least
  once / units started (by operation: scrapped or reworked on a hold raised at that operation,
  over the units that reached it). Juran's Quality Handbook, Sect. 8 (cost of poor quality).
- Cycle time: the minutes of work recorded (touch time of every completed attempt, rework
  included) against the standard minutes: by operation, per unit that completed it; otherwise
  per complete unit, against the sum of the standard minutes of its routing. Mean, median and the
  90th percentile by linear interpolation between order statistics (Hyndman and Fan 1996,
  definition 7, NumPy's default).
- Pareto: categories by count, largest first, with the cumulative percentage (Juran, *Quality
  Control Handbook*, "the vital few and the useful many").
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Step:
    """One unit at one operation: what happened there over all its attempts."""

    unit: str
    group: str  # the lot, phase, week or operation this step is reported under
    operation: str  # "30 Gear train assembly"
    unit_status: str  # planned | in_work | on_hold | complete | scrapped
    first_pass: bool | None  # None: the first attempt is still open, no hold
    reworked: bool = False  # a hold raised here was dispositioned rework
    scrapped: bool = False  # a hold raised here was dispositioned scrap
    inspected: int = 0  # characteristic results recorded here, every attempt
    defects: int = 0  # of those, out of spec or failed
    minutes: float | None = None  # cycle minutes of its completed attempts, together
    standard_minutes: float = 0.0


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def first_pass_yield(steps: list[Step]) -> float | None:
    """Passed at the first attempt / first attempts decided (see the module docstring)."""
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


def summarize(steps: list[Step]) -> dict:
    """Every metric of one group of steps (a lot, phase, week, one operation, or the whole program)."""
    by_op: dict[str, list[Step]] = defaultdict(list)
    by_unit: dict[str, list[Step]] = defaultdict(list)
    for s in steps:
        by_op[s.operation].append(s)
        by_unit[s.unit].append(s)
    fpy_by_op = {op: first_pass_yield(by_op[op]) for op in sorted(by_op, key=operation_order)}
    finished = through = scrapped = reworked = inspected_units = 0
    unit_minutes, unit_standards = [], []
    for rows in by_unit.values():
        status = rows[0].unit_status
        if status in ("complete", "scrapped"):
            finished += 1
            through += all(s.first_pass for s in rows)
        scrapped += any(s.scrapped for s in rows)
        reworked += any(s.reworked for s in rows)
        inspected_units += any(s.inspected for s in rows)
        if status == "complete":
            unit_minutes.append(sum(s.minutes or 0.0 for s in rows))
            unit_standards.append(sum(s.standard_minutes for s in rows))
    defects = sum(s.defects for s in steps)
    opportunities = sum(s.inspected for s in steps)
    units = len(by_unit)
    if len(by_op) == 1:  # one operation: per unit that completed it, against its standard
        cycle = distribution([s.minutes for s in steps if s.minutes is not None])
        cycle["standard"] = steps[0].standard_minutes
    else:  # per complete unit, against its routing's standard
        cycle = distribution(unit_minutes)
        cycle["standard"] = float(np.mean(unit_standards)) if unit_standards else None
    cycle["mean_to_standard"] = ratio(cycle["mean"], cycle["standard"]) if cycle["mean"] is not None else None
    return {
        "units": units,
        "units_finished": finished,
        "fpy": first_pass_yield(steps) if len(by_op) == 1 else ratio(through, finished),
        "fpy_by_operation": fpy_by_op,
        "rty": rolled_throughput_yield(list(fpy_by_op.values())),
        "defects": defects,
        "opportunities": opportunities,
        "units_inspected": inspected_units,
        "dpu": ratio(defects, inspected_units),
        "dpmo": None if not opportunities else 1e6 * defects / opportunities,
        "scrapped": scrapped,
        "reworked": reworked,
        "scrap_rate": ratio(scrapped, units),
        "rework_rate": ratio(reworked, units),
        "cycle_minutes": cycle,
    }


def grouped(steps: list[Step], order: list[str] | None = None, key=lambda s: s.group) -> list[dict]:
    """summarize() for each group (`key` of a step: its group by default), in the given order
    (else by first appearance)."""
    groups: dict[str, list[Step]] = defaultdict(list)
    for s in steps:
        groups[key(s)].append(s)
    keys = [k for k in order if k in groups] if order is not None else list(groups)
    return [{"group": k, **summarize(groups[k])} for k in keys]


def operation_order(operation: str) -> tuple:
    """'30 Gear train assembly' sorts by its sequence number, 30, then by name."""
    head = operation.split(" ", 1)[0]
    return (int(head), operation) if head.isdigit() else (math.inf, operation)
