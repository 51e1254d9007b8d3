"""Requests and answers of the program area: programs, phase policies, lots, the ramp plan and the
signed LRIP quantity."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from lrip.fields import Answer, Identifier, Reason, Strict
from lrip.program.rules import LotStatus, Phase


class ProgramOut(Answer):
    code: str
    name: str
    phase: Phase
    part: str  # 'ACT-100 rev A'
    planned_total: int
    frp_target_rate: float
    lrip_quantity: int | None
    lrip_quantity_rationale: str | None
    frp_go_assessment: str | None
    frp_go_at: datetime | None


class PolicyOut(Answer):
    """A program's rules for one phase (program.rules.Policy)."""

    program: str
    phase: Phase
    production_intent: bool
    released_instruction: bool
    production_tools: bool
    current_calibration: bool
    qualified_operator: bool
    approved_material: bool
    inspection: str
    first_article: str
    change_signatures: list[str]
    disposition_signatures: list[str]
    quantity_control: str
    open_lot_changes: str


class LotOut(Answer):
    number: str
    program: str
    phase: Phase
    status: LotStatus
    planned_quantity: int
    routing_revision: str
    units_created: int
    inspection_sample: dict[str, dict[str, list[int]]] | None


class RampPlanEntryOut(Answer):
    program: str
    period_start: date
    phase: Phase
    planned_starts: int
    lot: str | None


class LripQuantitySet(Strict):
    quantity: int = Field(ge=1, le=10_000_000)
    rationale: Reason | None = Field(None, description="Required above 10% of the planned total.")
    password: str = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")
    role: Identifier | None = None


class ApprovalSignature(Answer):
    name: str
    username: str
    role: str | None
    meaning: str
    signed_at: datetime
    valid: bool


class QuantityApproval(Answer):
    """One signed decision on the LRIP quantity; `warnings` (above 10% of the plan) when it was just given."""

    program: str
    quantity: int
    previous: int | None
    planned_total: int
    percent_of_planned: float
    above_ten_percent: bool
    rationale: str | None
    approved_by: str
    approved_at: datetime
    signature: ApprovalSignature
    warnings: list[str] = []
