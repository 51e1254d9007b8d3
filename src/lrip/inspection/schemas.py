"""Request and response bodies of the inspection and first article API."""
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lrip.api.schemas import Identifier, ShortText, Strict, Text

Class = Literal["critical", "major", "minor"]
Count = Annotated[int, Field(ge=0, le=100_000)]


class PlanSet(Strict):
    classes: dict[Identifier, Class] = Field(default_factory=dict, max_length=200,
                                             description="Characteristic code -> class.")
    aql: dict[Literal["major", "minor"], Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=dict, description="AQL per sampled class, from the Z1.4 series (e.g. 1.0, 2.5).")
    level: Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"] | None = None
    reason: Text | None = None


class LotResultIn(Strict):
    defects: dict[Literal["major", "minor"], Count] | None = Field(
        default=None, description="Defective units per sampled class; counted from the records when left out.")
    resubmitted: bool = False
    production_steady: bool = True
    note: Text | None = None


class Reasoned(Strict):
    reason: Text


class OpenLot(BaseModel):
    lot: str
    phase: str
    lot_size: int
    inspection: str
    samples: list[dict]


class SamplingStateOut(BaseModel):
    severity: str
    discontinued: bool
    recent_normal: list[bool]
    consecutive_accepted: int
    tightened_not_accepted: int
    reduced_approved_by: str | None
    reduced_approved_at: str | None


class HistoryRow(BaseModel):
    kind: str
    at: str | None
    actor: str
    lot: str | None
    lot_size: int | None
    plans: dict | None
    defects: dict | None
    accepted: bool | None
    resubmitted: bool
    production_steady: bool
    severity_before: str
    severity_after: str
    transition: str | None
    note: str | None


class PlanOut(BaseModel):
    program: str
    part: str
    part_revision: str
    routing: str
    operation: int
    name: str
    stored: bool
    updated_at: str | None
    updated_by: str | None
    level: str
    aql: dict[str, float]
    characteristics: list[dict]
    state: SamplingStateOut
    open_lots: list[OpenLot]
    history: list[HistoryRow] | None


class PlanRow(BaseModel):
    operation: int
    name: str
    stored: bool
    characteristics: int
    key: int
    classes: dict[str, int]
    aql: dict[str, float]
    level: str
    severity: str
    lot_results: int


class LotResultOut(BaseModel):
    lot: str
    operation: int
    name: str
    lot_size: int
    decision: str
    reinstate_normal: bool
    defects: dict[str, int]
    plans: dict
    resubmitted: bool
    severity_before: str
    severity_after: str
    transition: str | None
    words: list[str]


class UnitInspection(BaseModel):
    serial: str
    lot: str
    phase: str
    inspection: str
    operations: list[dict]


class FaiCreate(Strict):
    serial: Identifier
    kind: Literal["full", "partial"] | None = Field(default=None, description="Default: what the unit owes.")
    characteristics: list[Identifier] = Field(default_factory=list, max_length=500)
    reason: Text | None = None
    organization: ShortText | None = None


class FaiSign(Strict):
    password: Annotated[str, Field(min_length=1, max_length=200)]
    meaning: Literal["authored", "reviewed", "approved", "verified"] = "approved"
    role: Identifier | None = None


class DeltaFaiIn(Strict):
    part: Identifier
    part_revision: Identifier
    characteristics: list[Identifier] = Field(min_length=1, max_length=500)
    reason: Text


class FaiRow(BaseModel):
    number: str
    serial: str
    lot: str
    program: str
    part: str
    part_revision: str
    routing: str
    kind: str
    reason: str
    characteristics: list[str] | None
    status: str
    organization: str
    created_at: str | None
    created_by: str
    completed_at: str | None
    completed_by: str | None


class FaiListRow(FaiRow):
    signatures: int


class FaiOut(FaiRow):
    form1: dict
    form2: dict
    form3: list[dict]
    content_hash: str | None
    blocked_by: list[str]
    signatures: list[dict]


class FaiSigned(BaseModel):
    number: str
    status: str
    signed_by: str
    meaning: str
    role: str
    signed_at: str | None


class FaiStatus(BaseModel):
    program: str
    phase: str
    policy: str
    complete: bool
    records: list[dict]
    outstanding: list[dict]
