"""Request and response bodies of the shop-floor API."""
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lrip.api.schemas import Identifier, ShortText, Strict, Text


class UnitCreate(Strict):
    serial: Identifier


class UnitRow(BaseModel):
    serial: str
    lot: str
    status: str
    operation: str | None
    created_at: str | None
    completed_at: str | None


class StartRequest(Strict):
    tools: list[Identifier] = Field(default_factory=list, max_length=20,
                                    description="Codes of the tools scanned at the station.")


class AttemptTimes(BaseModel):
    """One attempt at an operation: who, when, how long, with what."""

    attempt: int
    status: str
    started_at: str | None
    started_by: str
    completed_at: str | None
    completed_by: str | None
    cycle_minutes: float | None
    tools: list[str]
    instruction: str | None


class OperationRecordOut(AttemptTimes):
    serial: str
    operation: int
    name: str


class MeasurementRequest(Strict):
    characteristic: Identifier
    value: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$")] | float | bool = Field(
        description="A number for a variable characteristic; pass/fail (or true/false) for an attribute.")
    gauge: ShortText | None = None


class MeasurementOut(BaseModel):
    serial: str
    characteristic: str
    value: float | None
    passed: bool | None
    in_spec: bool
    gauge: str | None
    recorded_at: str
    on_hold: bool
    hold_reason: str | None


class ConsumeRequest(Strict):
    operation: Identifier
    material: Identifier = Field(description="A material lot number, a purchased serial or a child unit's serial.")
    quantity: Annotated[float, Field(gt=0, le=1_000_000)] | None = Field(
        default=None, description="Default: what the BOM still needs at this operation.")


class ConsumptionOut(BaseModel):
    serial: str
    operation: int
    material: str
    quantity: float
    on_hand_after: float | None


class DispositionRequest(Strict):
    """The unit's NCR is dispositioned through MRB: use_as_is and repair need the phase's signatures
    (POST /ncrs/{number}/signatures) first."""

    action: Literal["use_as_is", "repair", "rework", "scrap"]
    reason: Text
    rework_to: Identifier | None = Field(default=None, description="For rework: the operation to return to.")


class ImportOut(BaseModel):
    rows: int
    units: int
    out_of_spec: int
    holds: list[dict]
    sha256: str


class Limit(BaseModel):
    code: str
    name: str
    kind: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    required: bool = True
    inspection: str | None = None  # why it is or is not required on this unit (phase policy, Z1.4 sample)


class MeasurementRow(BaseModel):
    characteristic: str
    name: str
    kind: str
    value: float | None
    passed: bool | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    in_spec: bool
    gauge: str | None
    recorded_by: str
    recorded_at: str | None
    source: str


class ConsumedRow(BaseModel):
    kind: str
    identifier: str
    part: str
    quantity: float
    supplier: str | None


class Attempt(AttemptTimes):
    measurements: list[MeasurementRow]
    consumed: list[ConsumedRow]


class TravelerOperation(BaseModel):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: str | None
    instruction_status: str | None
    required_tool_kinds: list[str]
    required_skill: str | None
    characteristics: list[Limit]
    materials: list[dict]
    status: str
    attempts: list[Attempt]


class HoldRow(BaseModel):
    id: int
    reason: str
    opened_at: str | None
    open: bool
    ncr_id: int | None
    disposition: str | None
    disposition_note: str | None
    released_at: str | None


class NextStep(BaseModel):
    action: str
    sequence: int
    name: str
    blocked_by: list[str]


class Traveler(BaseModel):
    serial: str
    status: str
    lot: str
    phase: str
    program: str
    part: str
    part_revision: str
    routing_revision: str
    created_at: str | None
    completed_at: str | None
    holds: list[HoldRow]
    operations: list[TravelerOperation]
    next: NextStep | None
