"""Requests and answers of the readiness gate: what the API, the CLI (--json) and the pages all use."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from lrip.change.schemas import SignatureOut
from lrip.fields import Answer, Identifier, Name, Note, Number, Reason, Strict
from lrip.readiness.criteria import ATTESTATION_TOPICS, BY_ID
from lrip.readiness.rules import AssessmentStatus, CriterionStatus, GateVerdict

CriterionId = Literal[tuple(BY_ID)]  # type: ignore[valid-type]
Topic = Literal[tuple(ATTESTATION_TOPICS)]  # type: ignore[valid-type]
Value = float | int | str | None

# ---------------------------------------------------------------- requests


class Signing(Strict):
    """Signing asks for the signer's password again (21 CFR 11.200)."""

    password: str = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")
    role: Identifier | None = Field(None, description="The role you sign in, when you hold several.")


class TargetSet(Signing):
    """A proposed target, signed by whoever proposes it; program and quality both sign before it applies."""

    value: Number
    reason: Reason


class WaiverCreate(Signing):
    criterion: CriterionId
    condition: Note = Field(description="What is done instead, until when.")
    reason: Reason


class WaiverWithdraw(Strict):
    reason: Reason


class AttestationCreate(Signing):
    topic: Topic
    statement: Note
    attachment_name: Name
    attachment_base64: str = Field(min_length=1, max_length=7_000_000,
                                   description="The document that backs the attestation, base64-encoded "
                                               "(at most 5 MB).")


# ---------------------------------------------------------------- answers


class TargetOut(Answer):
    name: str
    value: float
    default: float
    words: str
    kind: str
    own: bool


class CriterionTemplate(Answer):
    """A criterion of the program's template, with its targets (the program's own, or the defaults)."""

    id: str
    number: int
    group: str
    title: str
    how_to_close: str
    targets: list[TargetOut]


class TargetChanged(Answer):
    """A proposed change of one target: pending until program and quality have signed it (`missing` says
    who is still to sign), then applied; a newer proposal for the same target supersedes a pending one."""

    id: int
    program: str
    criterion: str
    name: str
    value: float
    before: float
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: Literal["pending", "applied", "superseded"]
    applied_at: datetime | None
    content: dict[str, Any]
    signatures: list[SignatureOut]
    missing: list[str]


class ChangedTarget(Answer):
    """A target an assessment was judged on that was changed, with the signatures that changed it."""

    id: int
    criterion: str
    name: str
    default: float
    previous: float
    value: float
    reason: str
    proposed_by: str
    applied_at: datetime
    signed_by: list[str]


class Evidence(Answer):
    kind: str
    id: str
    url: str | None
    note: str


class Measure(Answer):
    name: str
    value: Value
    target: Value
    ok: bool | None
    unit: str


class ActiveWaiver(Answer):
    """A signed waiver an assessment applied."""

    id: int
    criterion: str
    condition: str
    reason: str
    name: str
    username: str
    signed_at: datetime
    signatures: list[SignatureOut]


class CriterionResult(Answer):
    id: str
    number: int
    group: str
    title: str
    status: CriterionStatus
    value: Value
    target: Value
    unit: str
    message: str
    findings: list[str]
    evidence: list[Evidence]
    measures: list[Measure]
    charts: dict[str, Any]
    stand_in: bool
    waiver: ActiveWaiver | None = None


class Finding(Answer):
    criterion: str
    title: str
    kind: Literal["blocking", "condition"]
    text: str
    findings: list[str]


class CriterionChange(Answer):
    """What changed in one criterion since the previous assessment."""

    id: str
    title: str
    status_before: CriterionStatus | None
    status: CriterionStatus
    value_before: Value
    value: Value
    resolved: list[str] = []
    new: list[str] = []


class AssessmentOut(Answer):
    """A frozen assessment with its signatures: `lrip readiness evaluate --json` gives the same."""

    program: str
    name: str
    phase: str
    part: str
    frp_target_rate: float
    assessment: int
    verdict: GateVerdict
    status: AssessmentStatus
    evaluated_at: datetime
    evaluated_by: str
    criteria: list[CriterionResult]
    findings: list[Finding]
    waivers: list[ActiveWaiver]
    targets: dict[str, dict[str, float]]
    target_changes: list[ChangedTarget] = []  # assessments frozen before targets were signed have none
    previous: int | None
    changes: list[CriterionChange]
    audit_head: str | None
    snapshot_sha256: str
    signed_content: dict[str, Any]
    signatures: list[SignatureOut]
    missing: list[str]  # the decision's signatures still to give


class AssessmentRow(Answer):
    number: int
    verdict: GateVerdict
    status: AssessmentStatus
    evaluated_at: datetime
    evaluated_by: str
    statuses: dict[str, int]
    changes: int
    signed_by: list[str]


class WaiverOut(Answer):
    id: int
    program: str
    criterion: str
    condition: str
    reason: str
    granted_by: str
    granted_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    content: dict[str, Any]
    signatures: list[SignatureOut]
    missing: list[str]  # signatures still to give before it applies


class AttestationOut(Answer):
    id: int
    program: str
    topic: str
    statement: str
    attachment: str
    attachment_sha256: str
    attested_by: str
    attested_at: datetime
    content: dict[str, Any]
    signatures: list[SignatureOut]


class AttachmentFile(Answer):
    """An attestation's document, as it was attached."""

    name: str
    content: bytes


class EvidencePackage(Answer):
    """The evidence package of an assessment as one zip."""

    name: str
    assessment: int
    content: bytes


class PackageWritten(Answer):
    program: str
    assessment: int
    verdict: GateVerdict
    directory: str
    files: list[str]
    manifest_sha256: str
    key_fingerprint: str  # SHA-256 of the installation key that signed the manifest and report.pdf
    checkpoint: int       # the audit event the package's signed checkpoint ends at
    unverified: list[str] = []  # records the package cites that failed the record check, marked so in it


class PackageCheck(Answer):
    """`lrip readiness verify`: the manifest's signature and key, every file against the manifest, the PDF's
    signature, every e-signature against what it signed; with a database, the assessment and audit-chain
    head against the ones recorded (`recorded`)."""

    ok: bool
    files: int
    signatures: int
    problems: list[str]
    key_fingerprint: str | None = None       # SHA-256 of the package's public key
    key_checked_against: str | None = None   # "the fingerprint given", "this installation's key", or None
    program: str | None = None
    assessment: int | None = None
    recorded: bool | None = None
    unverified: list[str] = []  # records the package marks as having failed the record check when written
