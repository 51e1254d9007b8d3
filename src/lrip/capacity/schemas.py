"""Capacity and learning-curve reports as the API returns them."""
from pydantic import BaseModel


class CenterRow(BaseModel):
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


class OperationRow(BaseModel):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    observed_minutes: float | None
    units_observed: int
    minutes_used: float
    source: str


class CenterLoad(BaseModel):
    work_center: str
    load_hours: float
    capacity_hours: float
    utilisation: float
    overloaded: bool


class PeriodRow(BaseModel):
    period: str
    starts: int
    phases: list[str]
    overloaded: bool
    centers: list[CenterLoad]


class Bottleneck(BaseModel):
    code: str
    name: str
    minutes_per_unit: float
    capacity_hours: float


class Change(BaseModel):
    work_center: str
    extra_hours_per_week: float
    extra_stations: int
    message: str


class Capacity(BaseModel):
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


class Fit(BaseModel):
    model: str
    learning_rate: float
    ci_low: float
    ci_high: float
    confidence: float
    first_unit_hours: float
    exponent: float
    r_squared: float
    n: int


class UnitHours(BaseModel):
    unit: int
    serial: str
    hours: float
    crawford: float
    wright: float | None


class Projection(BaseModel):
    label: str
    unit: int
    crawford_hours: float
    wright_hours: float | None
    rate_allowed: float | None
    fits_target: bool | None


class OperationRef(BaseModel):
    sequence: int
    name: str
    work_center: str


class Learning(BaseModel):
    program: str
    operation: OperationRef | None
    basis: str
    units: list[UnitHours]
    wright: Fit
    crawford: Fit
    projections: list[Projection]
    target_rate: float
    max_utilisation: float
    days_per_week: float
    rate_basis: str
