"""Answers of the dashboard: programs and lots with their units counted, a lot's units, and a program's
dashboard (lots with their progress, work in progress by operation, units on hold, completions per week)."""
from __future__ import annotations

from datetime import date, datetime

from lrip.execution.rules import UnitStatus
from lrip.fields import Answer
from lrip.program.schemas import LotOut, ProgramOut


class ProgramRow(ProgramOut):
    lots: int
    units: int
    units_by_status: dict[str, int]


class ProgressPart(Answer):
    """One stretch of a lot's progress bar: a status, its units, its share of the plan (or of the units)."""

    status: str  # a unit status, or 'not_created'
    count: int
    percent: float


class LotRow(LotOut):
    units: int
    units_by_status: dict[str, int]
    progress: list[ProgressPart]


class UnitRow(Answer):
    serial: str
    status: UnitStatus
    operation: str | None  # '10 Assemble', when in work
    hold_reason: str | None
    created_at: datetime
    completed_at: datetime | None


class WipRow(Answer):
    """Units at one operation of the program's routings: waiting for it, in work at it, on hold at it."""

    sequence: int
    name: str
    work_center: str
    in_work: int
    waiting: int
    on_hold: int


class HoldRow(Answer):
    serial: str
    lot: str
    reason: str
    opened_at: datetime
    opened_by: str
    ncr: str | None
    operation: str | None  # '10 Assemble'


class ProgramDashboard(Answer):
    program: ProgramRow
    lots: list[LotRow]
    wip: list[WipRow]
    holds: list[HoldRow]
    weeks: list[date]  # the Mondays from the first completion to the last
    completed_per_week: dict[str, list[int]]  # lot: units completed in each of `weeks`
