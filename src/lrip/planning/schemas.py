"""Requests and the answer of the shortage report."""
from typing import Annotated

from pydantic import BeforeValidator, Field

from lrip.fields import Answer, Identifier, Strict, plain_number
from lrip.program.rules import Phase

MAX_HORIZON = 520  # weeks: ten years of ramp plan
# a plain decimal ('1_0' is not 10); the bounds before the validator, so the OpenAPI document shows them
Weeks = Annotated[int, Field(ge=1, le=MAX_HORIZON),
                  BeforeValidator(lambda v: plain_number(v, "the horizon") if isinstance(v, str) else v)]


class ShortagesOptions(Strict):
    """What to net: the query of GET /programs/{program}/shortages."""

    horizon: Weeks | None = Field(None, description="Weeks ahead from this one (default: to the end of the plan).")
    use_observed_lateness: bool = Field(False, description="Expect open orders their supplier's mean observed "
                                                           "lateness after the promised date.")


class ShortagesRequest(ShortagesOptions):
    """The program and what to net, as the CLI and the shortages page take them."""

    program: Identifier


class ShortageRow(Answer):
    part: str
    description: str
    period: str  # the Monday of the week, ISO date
    demand: float
    quantity_short: float  # of this week's demand
    backlog: float  # everything owed and not covered by the end of the week
    first_short_date: str
    blocks_lots: list[str]


class LotRow(Answer):
    lot: str  # a lot number, or 'FRP 2026-12-07' for a plan week without a lot yet
    phase: Phase
    assigned: bool  # False: a plan week without a lot
    starts: float
    clear_to_build: bool
    reasons: list[str]


class PartRow(Answer):
    part: str
    description: str
    per_unit: float
    on_hand: float
    on_order: float  # open PO lines expected within the horizon
    demand: float
    short: float  # backlog at the end of the horizon
    first_short_date: str | None


class Shortages(Answer):
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
