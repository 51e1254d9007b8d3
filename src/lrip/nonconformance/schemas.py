"""Requests and answers of the nonconformance area: NCRs and their holds, MRB, CAPA. The API, the CLI's
--json and the pages all use these."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from lrip.auth.permissions import ROLES
from lrip.fields import Answer, Identifier, IsoDate, Name, Quantity, Reason, Strict, text
from lrip.nonconformance.rules import CapaStatus, Disposition, NcrStatus, ScarStatus, Severity, Subject

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


_UNITS = "On a material lot: the contained units this disposition decides (serials), instead of the material."
_CONTAINED = "On a material lot: every contained unit still on hold under it."


class DefectCodeAdd(Strict):
    code: DefectCode
    meaning: Name


class DefectCodeChange(Strict):
    """A new meaning, retiring the code (active false) or bringing it back (active true), with the reason."""

    meaning: Name | None = None
    active: bool | None = None
    reason: Reason


class ReviewRequest(Strict):
    action: Disposition
    reason: Words
    quantity: Quantity | None = Field(default=None, description="Default: all still to disposition.")
    rework_to: Identifier | None = Field(default=None, description="For rework: the operation to return to.")
    units: list[Identifier] = Field(default_factory=list, max_length=1000, description=_UNITS)
    contained: bool = Field(default=False, description=_CONTAINED)


class NcrDispositionRequest(Strict):
    """Empty: decide the disposition under review. Or name one (it replaces the one under review)."""

    action: Disposition | None = None
    reason: Words | None = None
    quantity: Quantity | None = None
    rework_to: Identifier | None = None
    units: list[Identifier] = Field(default_factory=list, max_length=1000, description=_UNITS)
    contained: bool = Field(default=False, description=_CONTAINED)


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


class SampleSigning(Strict):
    """Changing a CAPA's effectiveness sample: a reason and a quality signature (the password asked again)."""

    reason: Reason | None = None
    password: Password | None = Field(default=None, description="Your password, to sign a change of the sample.")
    role: Literal[ROLES] | None = Field(default=None,  # type: ignore[valid-type]
                                        description="The role signed in, if the user holds several.")


class CapaOpen(SampleSigning):
    title: Name
    ncrs: list[Identifier] = Field(default_factory=list, max_length=200)
    program: Identifier | None = None
    effectiveness_units: Units = 20


class CapaClose(Strict):
    reason: Reason
    same_day_waiver: bool = Field(False, description="Close on the day it opened, under a quality waiver you sign.")
    password: Password | None = Field(default=None, description="Your password, to sign the waiver.")
    role: Literal[ROLES] | None = Field(default=None)  # type: ignore[valid-type]


class CapaUpdate(SampleSigning):
    """The 8D fields to fill in or change; `status` open accepts a proposed CAPA, rejected turns it down;
    a new effectiveness sample needs a reason and a quality signature."""

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
    active: bool = Field(description="In use: new NCRs may take it (a retired code stays on its NCRs).")
    automatic: bool = Field(description="Given by lrip itself (out of spec, failed test, rejected receipt, "
                                        "by default): never retired.")
    added_at: datetime
    added_by: str


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


class ContainedOut(Answer):
    """A unit an NCR on a material lot contained (built from the lot, put on hold under the NCR)."""

    serial: str
    lot: str
    status: str
    held: bool
    disposition: str | None
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
    units: list[str] | None = None
    signatures: list[SignatureState]
    missing: list[str]
    signed: bool


class DispositionOut(Answer):
    action: Disposition
    quantity: float
    reason: str
    rework_to: int | None
    units: list[str] | None
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
    contained: list[ContainedOut]
    scars: list[str] = Field(description="The supplier corrective action requests raised from it.")
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
    same_day_waiver: str | None = None  # closed the day it opened: the quality waiver that allowed it
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


# ---------------------------------------------------------------- SCAR

class ScarRaise(Strict):
    ncr: Identifier = Field(description="The NCR against the supplier it is raised from.")
    request: Words = Field(description="What the supplier is asked to find and correct.")
    due_on: IsoDate = Field(description="The date the supplier's response is due.")


class ScarResponse(Strict):
    response: Words = Field(description="The supplier's response as they gave it: containment, root cause, "
                                        "corrective action.")
    responded_on: IsoDate | None = Field(default=None, description="The day it came (default today).")


class ScarVerification(Strict):
    """Quality's verification of the response: effective closes the SCAR; not effective sends it back to the
    supplier with a new due date."""

    effective: bool
    verification: Words = Field(description="How the effect was checked (lots inspected since, results).")
    due_on: IsoDate | None = Field(default=None, description="Not effective: the new date a response is due.")


class ScarRow(Answer):
    number: str
    status: ScarStatus
    supplier: str
    supplier_name: str
    ncr: str
    due_on: date
    round: int
    overdue: bool
    raised_at: datetime
    responded_on: date | None
    closed_at: datetime | None


class ScarDetail(ScarRow):
    request: str
    raised_by: str
    response: str | None
    response_recorded_by: str | None
    verification: str | None
    verified_at: datetime | None
    verified_by: str | None
    ncr_description: str
    material_lot: str | None
    history: list[HistoryOut]
