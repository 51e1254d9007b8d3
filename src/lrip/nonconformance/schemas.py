"""Requests and answers of the nonconformance area: NCRs and their holds, MRB, CAPA. The API, the CLI's
--json and the pages all use these."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from lrip.auth.permissions import ROLES
from lrip.fields import Answer, Identifier, Name, Quantity, Reason, Strict, text
from lrip.nonconformance.rules import CapaStatus, Disposition, NcrStatus, Severity, Subject

Password = Annotated[str, Field(min_length=1, max_length=256)]
DefectCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Units = Annotated[int, Field(ge=1, le=100_000)]
Words = Annotated[str, BeforeValidator(lambda v: text(v, what="the text", max_length=2000, single_line=False))]
"""What a person writes in a box that may run over lines: a description, a disposition's reason, an 8D field."""


# ---------------------------------------------------------------- requests

class NcrRaise(Strict):
    description: Words
    severity: Severity
    defect_code: DefectCode | None = Field(default=None, description="From the catalogue (GET /defect-codes); "
                                                                      "default OTHER.")
    quantity: Quantity = 1
    serial: Identifier | None = Field(default=None, description="A unit: it goes on hold.")
    lot: Identifier | None = Field(default=None, description="A lot: no unit is held.")
    material_lot: Identifier | None = Field(default=None, description="A material lot (a receipt): quarantined.")
    operation: Identifier | None = Field(default=None, description="Operation sequence (30) or name.")
    characteristic: Identifier | None = None


class ReviewRequest(Strict):
    action: Disposition
    reason: Words
    quantity: Quantity | None = Field(default=None, description="Default: all still to disposition.")
    rework_to: Identifier | None = Field(default=None, description="For rework: the operation to return to.")


class NcrDispositionRequest(Strict):
    """Empty: decide the disposition under review. Or name one (it replaces the one under review)."""

    action: Disposition | None = None
    reason: Words | None = None
    quantity: Quantity | None = None
    rework_to: Identifier | None = None


class UnitDispositionRequest(Strict):
    """The unit's NCR is dispositioned through MRB: use_as_is and repair need the phase's signatures
    (POST /ncrs/{number}/signatures) first."""

    action: Literal["use_as_is", "repair", "rework", "scrap"]
    reason: Reason
    rework_to: Identifier | None = Field(default=None, description="For rework: the operation to return to.")


class SignRequest(Strict):
    password: Password = Field(description="The signer's password, asked again for each signature.")
    role: Literal[ROLES] | None = Field(default=None,  # type: ignore[valid-type]
                                        description="The role signed in, if the user holds several.")


class CloseRequest(Strict):
    reason: Reason


class CapaOpen(Strict):
    title: Name
    ncrs: list[Identifier] = Field(default_factory=list, max_length=200)
    program: Identifier | None = None
    effectiveness_units: Units = 20


class CapaUpdate(Strict):
    """The 8D fields to fill in or change; `status` open accepts a proposed CAPA, rejected turns it down."""

    title: Name | None = None
    d1_team: Words | None = None
    d2_problem: Words | None = None
    d3_containment: Words | None = None
    d4_root_cause: Words | None = None
    d5_corrective_action: Words | None = None
    d6_implementation: Words | None = None
    d7_prevention: Words | None = None
    d8_closure: Words | None = None
    effectiveness_units: Units | None = None
    status: Literal["open", "rejected"] | None = None
    reason: Reason | None = None


class CapaActionCreate(Strict):
    kind: Literal["containment", "corrective", "preventive"] = "corrective"
    description: Words
    owner: Identifier
    due_on: date


class CapaActionDone(Strict):
    done_on: date
    note: Reason | None = None


# ---------------------------------------------------------------- answers

class DefectCodeOut(Answer):
    code: str
    meaning: str


class HoldOut(Answer):
    """A hold on a unit and the NCR it is under; only that NCR's disposition releases it."""

    id: int
    serial: str
    reason: str
    opened_at: datetime
    open: bool
    ncr: str | None
    operation_record_id: int | None
    measurement_id: int | None
    disposition: str | None
    disposition_note: str | None
    released_at: datetime | None


class NcrRow(Answer):
    number: str
    status: NcrStatus
    severity: Severity
    defect_code: str
    serial: str | None
    lot: str | None
    material_lot: str | None
    supplier: str | None
    operation: int | None
    characteristic: str | None
    quantity: float
    opened_at: datetime
    closed_at: datetime | None
    capa: str | None
    description: str
    recurring: bool
    program: str | None
    age_days: float


class Limits(Answer):
    kind: str
    lsl: float | None
    usl: float | None
    units: str | None


class Measured(Answer):
    value: float | None
    passed: bool | None
    gauge: str | None
    recorded_at: datetime


class SignatureState(Answer):
    """A signature on the NCR; `valid` says whether it still matches what it was given to."""

    id: int
    username: str
    name: str
    role: str
    meaning: str
    signed_at: datetime
    content_hash: str
    valid: bool | None


class Proposal(Answer):
    """The disposition under MRB review: what signatures are given to, who has signed, who is missing."""

    ncr: str
    disposition: int
    action: Disposition
    quantity: float
    reason: str
    rework_to: int | None
    subject: str
    signatures: list[SignatureState]
    missing: list[str]
    signed: bool


class DispositionOut(Answer):
    action: Disposition
    quantity: float
    reason: str
    rework_to: int | None
    decided_by: str
    decided_at: datetime
    signatures: list[SignatureState]


class AttachmentOut(Answer):
    ncr: str
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    added_at: datetime


class AttachmentFile(Answer):
    """An attached file with its content, for the download."""

    filename: str
    content_type: str
    sha256: str
    data: bytes


class HistoryOut(Answer):
    at: datetime
    actor: str
    action: str
    reason: str | None


class NcrDetail(NcrRow):
    subject: Subject
    subject_label: str
    operation_name: str | None
    characteristic_name: str | None
    limits: Limits | None
    measured: Measured | None
    opened_by: str
    closed_by: str | None
    remaining: float
    required_signatures: list[str]
    proposal: Proposal | None
    dispositions: list[DispositionOut]
    holds: list[HoldOut]
    attachments: list[AttachmentOut]
    history: list[HistoryOut]


class NcrPage(Answer):
    items: list[NcrRow]
    total: int
    limit: int
    offset: int


class SignatureOut(Answer):
    ncr: str
    username: str
    name: str
    role: str
    meaning: str
    signed_at: datetime
    content_hash: str
    missing: list[str]


class UnitDispositioned(Answer):
    """A unit's hold dispositioned through its NCR: the unit as it stands now."""

    serial: str
    lot: str
    status: str
    ncr: str
    disposition: Disposition


class RecurringDefect(Answer):
    defect_code: str
    operation: int
    operation_name: str
    ncrs: int
    days: int


class CapaRow(Answer):
    number: str
    status: CapaStatus
    ncrs: list[str]
    effectiveness_verified: bool
    closed_at: datetime | None
    title: str
    defect_code: str | None
    operation: int | None
    program: str | None
    opened_at: datetime
    actions_open: int


class Effectiveness(Answer):
    """Where the effectiveness check stands: units through the operation since the actions, recurrences."""

    since: date | None
    units_after: int
    needed: int
    recurrences: list[str]
    ready: bool
    reasons: list[str]


class CapaActionOut(Answer):
    id: int
    kind: str
    description: str
    owner: str
    due_on: date
    done_on: date | None


class LinkedNcr(Answer):
    number: str
    status: NcrStatus
    serial: str | None
    opened_at: datetime
    description: str


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
    effectiveness_verified_at: datetime | None
    effectiveness_note: str | None
    effectiveness: Effectiveness
    actions: list[CapaActionOut]
    linked_ncrs: list[LinkedNcr]
    history: list[HistoryOut]


class VerifyOut(Answer):
    since: date | None
    units_after: int
    needed: int
    recurrences: list[str]
    verified: bool
    note: str
