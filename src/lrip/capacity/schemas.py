"""Requests and answers of the capacity and learning-curve reports. The settings are bounded here
as the service bounds them (capacity.rules), so no value a client can send makes the arithmetic
overflow."""
from typing import Annotated

from pydantic import BeforeValidator, Field

from lrip.capacity.rules import (DAYS_PER_WEEK, MAX_DAYS_PER_WEEK, MAX_RATE, MAX_UTILISATION, MIN_DAYS_PER_WEEK,
                                 MIN_UTILISATION)
from lrip.fields import Answer, Identifier, Name, Strict, plain_number
from lrip.program.rules import Phase

_plain = BeforeValidator(lambda v: plain_number(v) if isinstance(v, str) else v)
# the bounds come before the validator, so the OpenAPI document shows them as minimum and maximum
Rate = Annotated[float, Field(gt=0, le=MAX_RATE, allow_inf_nan=False, description="Units a week."), _plain]
Utilisation = Annotated[float, Field(ge=MIN_UTILISATION, le=1, allow_inf_nan=False,
                                     description="Utilisation target (0.85 = 85%)."), _plain]
DaysPerWeek = Annotated[float, Field(ge=MIN_DAYS_PER_WEEK, le=MAX_DAYS_PER_WEEK, allow_inf_nan=False,
                                     description="Working days in a week (a period)."), _plain]


class LineOptions(Strict):
    max_utilisation: Utilisation = MAX_UTILISATION
    days_per_week: DaysPerWeek = DAYS_PER_WEEK


class CapacityOptions(LineOptions):
    """The query of GET /programs/{program}/capacity."""

    rate: Rate | None = Field(None, description="Units a week to check (default: the FRP target).")
    observed: bool = Field(False, description="Load with the median observed minutes of LRIP units, not the "
                                              "standard.")


class CapacityRequest(CapacityOptions):
    """The program and the settings, as the CLI and the capacity page take them."""

    program: Identifier


class LearningOptions(LineOptions):
    """The query of GET /programs/{program}/learning."""

    operation: Name | None = Field(None, description="One operation: sequence (30) or name.")


class LearningRequest(LearningOptions):
    """The program and the settings, as the CLI and the learning page take them."""

    program: Identifier


class CenterRow(Answer):
    code: str
    name: str
    hours_per_day: float
    stations: int
    efficiency: float
    capacity_hours: float  # a week: hours per day × days × stations × efficiency
    minutes_per_unit: float
    load_hours_at_target: float
    utilisation_at_target: float
    overloaded_at_target: bool
    max_rate: float | None  # units a week this center holds at the utilisation target


class OperationRow(Answer):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    observed_minutes: float | None
    units_observed: int
    left_out: int  # units whose minutes here lie off the learning trend (lrip.stats.outliers)
    minutes_used: float
    source: str


class CenterLoad(Answer):
    work_center: str
    load_hours: float
    capacity_hours: float
    utilisation: float
    overloaded: bool


class PeriodRow(Answer):
    period: str
    starts: int
    phases: list[Phase]
    overloaded: bool
    centers: list[CenterLoad]


class Bottleneck(Answer):
    code: str
    name: str
    minutes_per_unit: float
    capacity_hours: float


class Change(Answer):
    work_center: str
    extra_hours_per_week: float
    extra_stations: int
    message: str


class Capacity(Answer):
    program: str
    routing: str
    period: str
    days_per_week: float
    minutes: str
    observed: bool
    max_utilisation: float
    target_rate: float
    target_source: str
    work_centers: list[CenterRow]
    operations: list[OperationRow]
    periods: list[PeriodRow]
    bottleneck: Bottleneck
    sustainable_rate: float
    sustainable_rate_at_full_load: float
    fits: bool
    changes_needed: list[Change]


class Fit(Answer):
    model: str
    learning_rate: float
    ci_low: float
    ci_high: float
    confidence: float
    first_unit_hours: float
    exponent: float
    r_squared: float
    n: int


class UnitHours(Answer):
    unit: int
    serial: str
    hours: float
    crawford: float
    wright: float | None
    outlier: bool  # off the learning trend (lrip.stats.outliers): left out of the fit


class Projection(Answer):
    label: str
    unit: int
    crawford_hours: float
    wright_hours: float | None
    rate_allowed: float | None
    fits_target: bool | None


class OperationRef(Answer):
    sequence: int
    name: str
    work_center: str


class Learning(Answer):
    program: str
    operation: OperationRef | None
    operations: list[OperationRef]  # the routing's, to choose one
    basis: str
    units: list[UnitHours]
    left_out: int  # units off the learning trend, not fitted
    wright: Fit
    crawford: Fit
    projections: list[Projection]
    target_rate: float
    max_utilisation: float
    days_per_week: float
    rate_basis: str
