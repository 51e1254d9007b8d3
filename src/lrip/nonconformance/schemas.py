"""Request and response bodies of the NCR, MRB and CAPA API."""
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lrip.api.schemas import Identifier, ShortText, Strict, Text
from lrip.auth.permissions import ROLES

Severity = Literal["critical", "major", "minor"]
Action = Literal["use_as_is", "repair", "rework", "scrap", "return_to_supplier"]
Quantity = Annotated[float, Field(gt=0, le=1_000_000_000)]
Password = Annotated[str, Field(min_length=1, max_length=256)]


class NcrRaise(Strict):
    description: Text
    severity: Severity
    defect_code: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")] | None = Field(
        default=None, description="From the catalogue (GET /defect-codes); default OTHER.")
    quantity: Quantity = 1
    serial: Identifier | None = Field(default=None, description="A unit: it goes on hold.")
    lot: Identifier | None = Field(default=None, description="A lot: no unit is held.")
    material_lot: Identifier | None = Field(default=None, description="A material lot (a receipt): quarantined.")
    operation: Identifier | None = None
    characteristic: Identifier | None = None


class NcrRow(BaseModel):
    number: str
    status: str
    severity: str
    defect_code: str
    serial: str | None
    lot: str | None
    material_lot: str | None
    supplier: str | None
    operation: int | None
    characteristic: str | None
    quantity: float
    opened_at: str
    closed_at: str | None
    capa: str | None
    description: str
    recurring: bool
    program: str | None
    age_days: float


class NcrDetail(NcrRow):
    subject: str
    subject_label: str
    operation_name: str | None
    characteristic_name: str | None
    limits: dict | None
    measured: dict | None
    opened_by: str
    closed_by: str | None
    remaining: float
    required_signatures: list[str]
    proposal: dict | None
    dispositions: list[dict]
    holds: list[dict]
    attachments: list[dict]
    history: list[dict]


class ReviewRequest(Strict):
    action: Action
    reason: Text
    quantity: Quantity | None = Field(default=None, description="Default: all still to disposition.")
    rework_to: Identifier | None = Field(default=None, description="For rework: the operation to return to.")


class NcrDispositionRequest(Strict):
    """Empty: decide the disposition under review. Or name one (it replaces the one under review)."""

    action: Action | None = None
    reason: Text | None = None
    quantity: Quantity | None = None
    rework_to: Identifier | None = None


class SignRequest(Strict):
    password: Password = Field(description="The signer's password, asked again for each signature.")
    role: Literal[ROLES] | None = Field(default=None, description="The role signed in, if the user holds several.")


class SignatureOut(BaseModel):
    ncr: str
    username: str
    name: str
    role: str
    meaning: str
    signed_at: str
    content_hash: str
    missing: list[str]


class CloseRequest(Strict):
    reason: Text


class AttachmentOut(BaseModel):
    ncr: str
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class CapaRow(BaseModel):
    number: str
    status: str
    ncrs: list[str]
    effectiveness_verified: bool
    closed_at: str | None
    title: str
    defect_code: str | None
    operation: int | None
    program: str | None
    opened_at: str
    actions_open: int


class CapaDetail(CapaRow):
    d1_team: str | None
    d2_problem: str | None
    d3_containment: str | None
    d4_root_cause: str | None
    d5_corrective_action: str | None
    d6_implementation: str | None
    d7_prevention: str | None
    d8_closure: str | None
    operation_name: str | None
    opened_by: str
    effectiveness_units: int
    effectiveness_verified_at: str | None
    effectiveness_note: str | None
    effectiveness: dict
    actions: list[dict]
    linked_ncrs: list[dict]
    history: list[dict]


class CapaOpen(Strict):
    title: ShortText
    ncrs: list[Identifier] = Field(default_factory=list, max_length=200)
    program: Identifier | None = None
    effectiveness_units: Annotated[int, Field(ge=1, le=100_000)] = 20


class CapaUpdate(Strict):
    """The 8D fields to fill in or change; `status` open accepts a proposed CAPA, rejected turns it down."""

    title: ShortText | None = None
    d1_team: Text | None = None
    d2_problem: Text | None = None
    d3_containment: Text | None = None
    d4_root_cause: Text | None = None
    d5_corrective_action: Text | None = None
    d6_implementation: Text | None = None
    d7_prevention: Text | None = None
    d8_closure: Text | None = None
    effectiveness_units: Annotated[int, Field(ge=1, le=100_000)] | None = None
    status: Literal["open", "rejected"] | None = None
    reason: Text | None = None


class CapaActionCreate(Strict):
    kind: Literal["containment", "corrective", "preventive"] = "corrective"
    description: Text
    owner: Identifier
    due_on: date


class CapaActionDone(Strict):
    done_on: date
    note: Text | None = None


class VerifyOut(BaseModel):
    since: str | None
    units_after: int
    needed: int
    recurrences: list[str]
    verified: bool
    note: str
