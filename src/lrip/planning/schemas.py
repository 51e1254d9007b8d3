"""The shortage report as the API returns it."""
from pydantic import BaseModel


class ShortageRow(BaseModel):
    part: str
    description: str
    period: str  # the Monday of the week, ISO date
    demand: float
    quantity_short: float  # of this week's demand
    backlog: float  # everything owed and not covered by the end of the week
    first_short_date: str
    blocks_lots: list[str]


class LotRow(BaseModel):
    lot: str  # a lot number, or 'FRP 2026-12-07' for a plan week without a lot yet
    phase: str
    assigned: bool  # False: a plan week without a lot
    starts: float
    clear_to_build: bool
    reasons: list[str]


class PartRow(BaseModel):
    part: str
    description: str
    per_unit: float
    on_hand: float
    on_order: float  # open PO lines expected within the horizon
    demand: float
    short: float  # backlog at the end of the horizon
    first_short_date: str | None


class Shortages(BaseModel):
    program: str
    as_of: str
    weeks: int
    first_week: str
    last_week: str
    use_observed_lateness: bool
    lateness_days: dict[str, float]
    clear_to_build: bool
    shortages: list[ShortageRow]
    lots: list[LotRow]
    parts: list[PartRow]
