"""Capacity of a production line per period: load, bottleneck, sustainable rate.

A work center's available hours are hours per period (per station) × parallel
stations × efficiency. An operation loads its work center with its minutes per
unit (standard minutes, or observed cycle time if the caller passes that) for
every unit started. Rates are in units per period; a utilisation target below 1
keeps headroom for the variability a ramp brings.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

DAYS_PER_WEEK, MIN_DAYS_PER_WEEK, MAX_DAYS_PER_WEEK = 5.0, 0.5, 7.0
MAX_UTILISATION, MIN_UTILISATION = 0.85, 0.05  # the usual target, and the lowest a plan can be made with
MAX_RATE = 1e6  # units a week
MIN_AVAILABLE_HOURS = 0.01  # a work center with less cannot carry a plan (and would overflow the arithmetic)


def settings_problems(rate: float | None, max_utilisation: float, days_per_week: float) -> list[str]:
    """What is wrong with a capacity question's settings, every reason (the request schemas use
    the same bounds, so the API, the CLI and the pages refuse the same values)."""
    reasons = []
    if rate is not None and not 0 < rate <= MAX_RATE:
        reasons.append(f"a rate is more than 0 and at most {MAX_RATE:,.0f} units a week, not {rate:g}")
    if not MIN_UTILISATION <= max_utilisation <= 1:
        reasons.append(f"the utilisation target is {MIN_UTILISATION:g} to 1 (85% is 0.85), not {max_utilisation:g}")
    if not MIN_DAYS_PER_WEEK <= days_per_week <= MAX_DAYS_PER_WEEK:
        reasons.append(f"a week has {MIN_DAYS_PER_WEEK:g} to {MAX_DAYS_PER_WEEK:g} working days, not {days_per_week:g}")
    return reasons


@dataclass(frozen=True)
class WorkCenter:
    code: str
    name: str
    hours_per_period: float  # per station
    stations: int = 1
    efficiency: float = 1.0

    def __post_init__(self):
        if not (math.isfinite(self.hours_per_period) and self.hours_per_period > 0):
            raise ValueError(f"{self.label} must have more than zero hours per period.")
        if not isinstance(self.stations, int) or self.stations < 1:
            raise ValueError(f"{self.label} must have a whole number of stations, at least 1.")
        if not 0 < self.efficiency <= 1:
            raise ValueError(f"{self.label} efficiency must be above 0 and at most 1.")
        if self.available_hours < MIN_AVAILABLE_HOURS:
            raise ValueError(f"{self.label} has {self.available_hours:.2g} hours per period; a work center needs "
                             f"at least {MIN_AVAILABLE_HOURS:g} to plan with.")

    @classmethod
    def from_shifts(cls, code: str, name: str, shifts: int, hours_per_shift: float,
                    days_per_period: float, stations: int = 1, efficiency: float = 1.0):
        """A work center whose hours per period are shifts × hours per shift × days."""
        return cls(code, name, shifts * hours_per_shift * days_per_period, stations, efficiency)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def available_hours(self) -> float:
        return self.hours_per_period * self.stations * self.efficiency


@dataclass(frozen=True)
class OperationLoad:
    operation: str
    work_center: str  # code
    minutes_per_unit: float

    def __post_init__(self):
        if not (math.isfinite(self.minutes_per_unit) and self.minutes_per_unit >= 0):
            raise ValueError(f"Operation {self.operation} must have zero or more minutes per unit.")


@dataclass(frozen=True)
class CenterLoad:
    work_center: str  # code
    load_hours: float
    capacity_hours: float
    utilisation: float
    overloaded: bool  # utilisation above the target


@dataclass(frozen=True)
class PeriodLoad:
    period: str
    starts: int
    centers: tuple[CenterLoad, ...]

    @property
    def overloaded(self) -> bool:
        return any(center.overloaded for center in self.centers)


@dataclass(frozen=True)
class Shortfall:
    """What one work center needs to hold a target rate."""

    work_center: str  # code
    extra_hours_per_period: float  # station hours to add, before efficiency
    extra_stations: int
    message: str


@dataclass(frozen=True)
class RateCheck:
    target_rate: float
    max_utilisation: float
    shortfalls: tuple[Shortfall, ...]

    @property
    def fits(self) -> bool:
        return not self.shortfalls


def minutes_per_unit(
    work_centers: Sequence[WorkCenter], operations: Sequence[OperationLoad]
) -> dict[str, float]:
    """Minutes each work center spends on one unit, summed over its operations."""
    codes = [center.code for center in work_centers]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    unknown = [op for op in operations if op.work_center not in codes]
    problems = [f"Work center {code} is listed more than once." for code in duplicates] + [
        f"Operation {op.operation} uses work center {op.work_center}, which is not on this line."
        for op in unknown
    ]
    if problems:
        raise ValueError(" ".join(problems))
    minutes = dict.fromkeys(codes, 0.0)
    for op in operations:
        minutes[op.work_center] += op.minutes_per_unit
    return minutes


def center_loads(
    work_centers: Sequence[WorkCenter],
    operations: Sequence[OperationLoad],
    starts: int,
    *,
    max_utilisation: float = 1.0,
) -> tuple[CenterLoad, ...]:
    """Load (minutes × starts / 60), capacity and utilisation of each work center."""
    _check_utilisation(max_utilisation)
    if starts < 0:
        raise ValueError(f"Planned starts must be zero or more, not {starts}.")
    minutes = minutes_per_unit(work_centers, operations)
    loads = []
    for center in work_centers:
        load = minutes[center.code] * starts / 60
        utilisation = load / center.available_hours
        loads.append(CenterLoad(center.code, load, center.available_hours, utilisation,
                                utilisation > max_utilisation))
    return tuple(loads)


def plan_loads(
    work_centers: Sequence[WorkCenter],
    operations: Sequence[OperationLoad],
    plan: Sequence[tuple[str, int]],
    *,
    max_utilisation: float = 1.0,
) -> tuple[PeriodLoad, ...]:
    """Each period's load on each work center, for planned starts per period."""
    return tuple(
        PeriodLoad(period, starts, center_loads(work_centers, operations, starts,
                                                max_utilisation=max_utilisation))
        for period, starts in plan
    )


def bottleneck(
    work_centers: Sequence[WorkCenter], operations: Sequence[OperationLoad]
) -> WorkCenter:
    """The work center with the most minutes per unit for its available hours."""
    minutes = minutes_per_unit(work_centers, operations)
    loaded = [center for center in work_centers if minutes[center.code] > 0]
    if not loaded:
        raise ValueError("No operation puts any minutes on a work center.")
    return max(loaded, key=lambda center: minutes[center.code] / center.available_hours)


def max_sustainable_rate(
    work_centers: Sequence[WorkCenter],
    operations: Sequence[OperationLoad],
    *,
    max_utilisation: float = 1.0,
) -> float:
    """Units per period: min over work centers of available hours × 60 × target
    utilisation / minutes per unit there."""
    _check_utilisation(max_utilisation)
    center = bottleneck(work_centers, operations)
    minutes = minutes_per_unit(work_centers, operations)[center.code]
    return center.available_hours * max_utilisation * 60 / minutes


def check_rate(
    work_centers: Sequence[WorkCenter],
    operations: Sequence[OperationLoad],
    target_rate: float,
    *,
    max_utilisation: float = 1.0,
) -> RateCheck:
    """Whether the line holds a target rate at the utilisation target, and for
    each work center that doesn't, the station hours or stations to add."""
    _check_utilisation(max_utilisation)
    if not (math.isfinite(target_rate) and target_rate > 0):
        raise ValueError(f"Target rate must be more than zero units per period, not {target_rate}.")
    minutes = minutes_per_unit(work_centers, operations)
    shortfalls = []
    for center in work_centers:
        # station hours the load needs, before efficiency, at the utilisation target
        needed = minutes[center.code] * target_rate / 60 / (max_utilisation * center.efficiency)
        have = center.hours_per_period * center.stations
        if needed <= have * (1 + 1e-9):
            continue
        extra_hours = needed - have
        extra_stations = math.ceil(needed / center.hours_per_period - 1e-9) - center.stations
        shortfalls.append(Shortfall(center.code, extra_hours, extra_stations, (
            f"{center.label} needs {_hours(extra_hours)} more hours per period or "
            f"{extra_stations} more station{'s' if extra_stations > 1 else ''} to hold "
            f"{target_rate:g} units per period at {max_utilisation:.0%} utilisation"
        )))
    return RateCheck(target_rate, max_utilisation, tuple(shortfalls))


def _hours(hours: float) -> str:
    """Hours rounded up to a tenth, so the stated figure is always enough."""
    return f"{math.ceil(hours * 10 - 1e-9) / 10:.1f}".removesuffix(".0")


def _check_utilisation(max_utilisation: float) -> None:
    if not 0 < max_utilisation <= 1:
        raise ValueError(
            f"The utilisation target must be above 0 and at most 1, not {max_utilisation}."
        )
