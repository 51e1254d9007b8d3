"""Requests and answers of the inspection area: plans, sampling state and lot results, what a unit must
have measured, and first article inspections. The API, the CLI's --json and the pages all use these."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from lrip.errors import Invalid
from lrip.fields import Answer, Identifier, Reason, Revision, Strict
from lrip.inspection.rules import FaiStatus

Class = Literal["critical", "major", "minor"]
Count = Annotated[int, Field(ge=0, le=100_000)]


# ---------------------------------------------------------------- requests

class PlanSet(Strict):
    classes: dict[Identifier, Class] = Field(default_factory=dict, max_length=200,
                                             description="Characteristic code -> class.")
    aql: dict[Literal["major", "minor"], Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=dict, description="AQL per sampled class, from the Z1.4 series (e.g. 1.0, 2.5).")
    level: Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"] | None = None
    reason: Reason | None = None


class LotResultIn(Strict):
    defects: dict[Literal["major", "minor"], Count] | None = Field(
        default=None, description="Defective units per sampled class as you counted them: the result is counted "
                                  "from the unit records, and a count that disagrees with them is refused.")
    resubmitted: bool = False
    production_steady: bool = True
    note: Reason | None = None


class Reasoned(Strict):
    reason: Reason


class FaiCreate(Strict):
    serial: Identifier
    kind: Literal["full", "partial"] | None = Field(default=None, description="Default: what the unit owes.")
    characteristics: list[Identifier] = Field(default_factory=list, max_length=500)
    reason: Reason | None = None


class FaiSign(Strict):
    password: Annotated[str, Field(min_length=1, max_length=256)]
    meaning: Literal["authored", "reviewed", "approved", "verified"] = "approved"
    role: Identifier | None = None


class DeltaFaiIn(Strict):
    part: Identifier
    part_revision: Revision
    characteristics: list[Identifier] = Field(min_length=1, max_length=500)
    reason: Reason


def pairs(items: list[str], what: str, cast=str) -> dict:
    """'CODE=major' pairs typed at the command line or in a form, as a dict; Invalid names every bad one."""
    found, bad = {}, []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            bad.append(f"'{item}' is not {what}=VALUE")
            continue
        try:
            found[key.strip()] = cast(value.strip())
        except ValueError:
            bad.append(f"'{value.strip()}' in '{item}' is not a number")
    if bad:
        raise Invalid("invalid_pairs", bad)
    return found


# ---------------------------------------------------------------- plans and sampling

class _ByClass(Answer):
    """Answers with a `class` field (a Python word): `klass` in the code, `class` in every JSON."""

    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True, validate_by_name=True)


class SampleOut(_ByClass):
    """One class's Z1.4 plan for a lot, and which units it picks."""

    klass: str = Field(alias="class")
    aql: float
    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str
    level: str
    hundred_percent: bool
    positions: list[int]
    seed: int | None = Field(default=None, description="The lot's seed the positions were drawn at random with.")
    words: str


class CharacteristicPlan(_ByClass):
    code: str
    name: str
    kind: str
    key: bool
    klass: str = Field(alias="class")
    frp: str


class OpenLot(Answer):
    lot: str
    phase: str
    lot_size: int
    seed: int | None = Field(description="The seed the lot's samples are drawn at random with (Z1.4 section 7).")
    inspection: str
    samples: list[SampleOut]
    stored: dict[str, list[int]] | None = Field(description="The sample stored on the lot for this operation: "
                                                            "characteristic -> unit positions (absent: every unit).")


class SamplingStateOut(Answer):
    severity: str
    discontinued: bool
    recent_normal: list[bool]
    consecutive_accepted: int
    tightened_not_accepted: int
    reduced_approved_by: str | None
    reduced_approved_at: datetime | None


class HistoryRow(Answer):
    kind: str
    at: datetime
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


class PlanOut(Answer):
    program: str
    part: str
    part_revision: str
    routing: str
    operation: int
    name: str
    stored: bool
    updated_at: datetime | None
    updated_by: str | None
    level: str
    aql: dict[str, float]
    characteristics: list[CharacteristicPlan]
    state: SamplingStateOut
    open_lots: list[OpenLot]
    history: list[HistoryRow]


class PlanRow(Answer):
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


class DefectiveUnit(Answer):
    """A unit of a sample with a first result out of spec, and the NCRs those results raised."""

    serial: str
    position: int
    characteristics: list[str]
    ncrs: list[str]


class ClassResultOut(SampleOut):
    """One class's random sample as the unit records show it."""

    inspected: list[str] = Field(description="Serials of the sample units with every result of the class.")
    missing: list[str] = Field(description="What the count still waits for, in words.")
    defective: list[DefectiveUnit]


class LotResultDraft(Answer):
    """A lot's result at an operation counted from the unit records, for a person to confirm."""

    lot: str
    operation: int
    name: str
    lot_size: int
    lot_status: str
    seed: int | None
    resubmitted: bool
    classes: list[ClassResultOut]
    defects: dict[str, int]
    decision: Literal["accept", "reject"] | None = Field(description="None while it cannot be recorded.")
    reinstate_normal: bool
    words: list[str]
    blocked_by: list[str] = Field(description="Every reason it cannot be recorded now.")


class LotResultOut(Answer):
    lot: str
    operation: int
    name: str
    lot_size: int
    seed: int | None
    classes: list[ClassResultOut]
    decision: Literal["accept", "reject"]
    reinstate_normal: bool
    defects: dict[str, int]
    plans: dict
    resubmitted: bool
    severity_before: str
    severity_after: str
    transition: str | None
    words: list[str]


class RequirementOut(Answer):
    code: str
    required: bool
    why: str


class OperationRequirements(Answer):
    sequence: int
    name: str
    characteristics: list[RequirementOut]


class UnitInspection(Answer):
    serial: str
    lot: str
    phase: str
    inspection: str
    operations: list[OperationRequirements]


# ---------------------------------------------------------------- first article inspection

class FaiRow(Answer):
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
    status: FaiStatus
    organization: str
    created_at: datetime
    created_by: str
    completed_at: datetime | None
    completed_by: str | None


class FaiListRow(FaiRow):
    signatures: int


class FaiSignature(Answer):
    id: int
    username: str
    name: str
    role: str
    meaning: str
    signed_at: datetime
    content_hash: str
    valid: bool | None


class FaiOut(FaiRow):
    """The FAI with AS9102 Forms 1-3 (frozen once complete, else as the records stand), its signatures and,
    while it is open, every reason it cannot be completed yet."""

    form1: dict
    form2: dict
    form3: list[dict]
    content_hash: str | None
    blocked_by: list[str]
    signatures: list[FaiSignature]


class FaiSigned(Answer):
    number: str
    status: FaiStatus
    signed_by: str
    meaning: str
    role: str
    signed_at: datetime


class Outstanding(Answer):
    reason: str
    kind: str
    configuration: str | None
    serial: str | None
    fai: str | None
    characteristics: list[str]
    raised_at: datetime | None = None
    raised_by: str | None = None


class FaiStatusOut(Answer):
    program: str
    phase: str
    policy: str
    complete: bool
    records: list[FaiListRow]
    outstanding: list[Outstanding]


class FaiOwed(Answer):
    serial: str
    kind: str | None
    reasons: list[str]
    characteristics: list[str] | None


class DeltaFaiOut(Answer):
    requirement: int
    part: str
    part_revision: str
    characteristics: list[str]
    reason: str
