"""Requests and answers of the program area: programs, phase policies, lots, the ramp plan and the
signed LRIP quantity."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from lrip.errors import Invalid
from lrip.fields import (Answer, Identifier, IsoDate, Name, Number, Reason, Revision, ShortText, Strict, Whole,
                         parse)
from lrip.program.rules import LotStatus, Phase, ProposalStatus


# ---------------------------------------------------------------- requests

Password = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")


class ProgramCreate(Strict):
    code: Identifier
    name: Name | None = Field(None, description="Default: the part's description.")
    part: Identifier
    revision: Revision = Field(description="The part revision the program builds.")
    planned_total: Annotated[Whole, Field(ge=1, le=10_000_000, description="Units planned over the program.")]
    frp_target_rate: Number = Field(gt=0, le=1_000_000, description="Full-rate target, units per week.")


class PolicyChangeRequest(Strict):
    """A rule's new value: yes/no (or true/false) for a yes-or-no rule, one of the rule's words, or the
    signature roles (a list, or 'engineering,quality')."""

    phase: Phase
    rule: Identifier
    value: bool | list[Identifier] | ShortText
    reason: Reason


class SignRequest(Strict):
    password: str = Password
    role: Identifier | None = Field(None, description="The role you sign in, when you hold several.")


class PhaseChangeRequest(Strict):
    phase: Phase
    reason: Reason


class PhaseSignRequest(SignRequest):
    phase: Phase = Field(description="The phase the move goes to.")


class LotCreate(Strict):
    number: Identifier
    quantity: Annotated[Whole, Field(ge=1, le=1_000_000, description="The units the lot plans.")]
    routing_revision: Revision | None = Field(None, description="Default: the newest released routing.")


class LotClose(Strict):
    reason: Reason


class PlanWeek(Strict):
    week: IsoDate = Field(description="The Monday the week starts on.")
    starts: Annotated[Whole, Field(ge=0, le=1_000_000, description="Units planned to start that week.")]
    phase: Phase | None = Field(None, description="Default: the lot's phase, else the program's.")
    lot: Identifier | None = None


class RampPlanSet(Strict):
    """Weeks of the ramp plan, set together: all of them or none."""

    weeks: list[PlanWeek] = Field(min_length=1, max_length=520)


PLAN_COLUMNS = ("week", "starts", "phase", "lot")
# (A bound on a Whole goes inside Annotated: `Whole = Field(ge=1)` would be overridden by Whole's own bounds.)


def ramp_plan_from_csv(text: str) -> RampPlanSet:
    """A ramp plan from CSV with a header row (week,starts and optionally phase, lot); Invalid with every
    bad row named by its line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in PLAN_COLUMNS]
    if not {"week", "starts"} <= set(header) or unknown:
        raise Invalid("plan_invalid", f"a ramp plan CSV has the header week,starts (and optionally phase, lot), "
                                      f"not {','.join(header) or 'nothing'}")
    weeks, reasons = [], []
    for line, row in enumerate(reader, start=2):
        values = {k.strip().lower(): (v or "").strip() or None for k, v in row.items() if k is not None}
        try:
            weeks.append(parse(PlanWeek, **values))
        except Invalid as exc:
            reasons += [f"line {line}: {r}" for r in exc.reasons]
    if reasons or not weeks:
        raise Invalid("plan_invalid", reasons or ["the file has no weeks"])
    return RampPlanSet(weeks=weeks)


# ---------------------------------------------------------------- answers

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
    customer_approval: str


class LotOut(Answer):
    number: str
    program: str
    phase: Phase
    status: LotStatus
    planned_quantity: int
    routing_revision: str
    units_created: int
    inspection_sample: dict[str, dict[str, list[int]]] | None
    results: dict[str, int] | None = Field(None, description="Its units by status when it closed.")


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


class RampPlan(Answer):
    program: str
    weeks: list[RampPlanEntryOut]


class PolicyChangeOut(Answer):
    """A proposed change of one rule of one phase's policy, its signatures, and what it still needs."""

    program: str
    number: int
    phase: Phase
    rule: str
    value: bool | list[str] | str
    current: bool | list[str] | str  # the rule's value now (before the change applies, or after it did)
    reason: str
    status: ProposalStatus
    proposed_by: str
    proposed_at: datetime
    decided_at: datetime | None
    signatures: list[ApprovalSignature]
    missing: list[str]  # the signatures still missing, in words


class ProgramPolicies(Answer):
    program: str
    phase: Phase  # the program's phase now
    policies: list[PolicyOut]
    proposals: list[PolicyChangeOut]  # open ones first, then the rest, newest first


class GateCondition(Answer):
    key: str
    asks: str
    met: bool
    words: list[str]  # what meets it, or every reason it is not met


class PhaseGate(Answer):
    """The gate the program passes to move to `target`: each condition met or not, in words."""

    program: str
    phase: Phase
    target: Phase | None  # None when the program is in FRP already
    ready: bool
    conditions: list[GateCondition]
    signatures: list[ApprovalSignature]
