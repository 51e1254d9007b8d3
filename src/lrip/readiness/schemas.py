"""Request and response bodies of the readiness API."""
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from lrip.api.schemas import ShortText, Strict, Text
from lrip.readiness.criteria import ATTESTATION_TOPICS, BY_ID, STATUSES, VERDICTS

CriterionId = Literal[tuple(BY_ID)]  # type: ignore[valid-type]
Topic = Literal[tuple(ATTESTATION_TOPICS)]  # type: ignore[valid-type]
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Role = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


class Signing(Strict):
    """Signing asks for the signer's password again (21 CFR 11.200)."""

    password: Password
    role: Role | None = Field(None, description="The role you sign in, when you hold several.")


class TargetSet(Strict):
    value: float = Field(ge=0, le=1_000_000)
    reason: Text


class WaiverCreate(Signing):
    criterion: CriterionId
    condition: Text
    reason: Text


class WaiverWithdraw(Strict):
    reason: Text


class AttestationCreate(Signing):
    topic: Topic
    statement: Text
    attachment_name: ShortText
    attachment_base64: Annotated[str, StringConstraints(min_length=1, max_length=7_000_000)] = Field(
        description="The document that backs the attestation, base64-encoded (at most 5 MB).")


class CriterionResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: CriterionId
    number: int
    title: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    value: float | int | str | None
    target: float | int | str | None
    evidence: list[dict]
    findings: list[str]
    message: str


class AssessmentOut(BaseModel):
    """A frozen assessment: `lrip readiness evaluate --json` gives the same."""

    model_config = ConfigDict(extra="allow")

    program: str
    assessment: int
    verdict: Literal[VERDICTS]  # type: ignore[valid-type]
    evaluated_at: str
    evaluated_by: str
    criteria: list[CriterionResult]
    findings: list[dict]
    changes: list[dict]
    signatures: list[dict]


class AssessmentRow(BaseModel):
    number: int
    verdict: Literal[VERDICTS]  # type: ignore[valid-type]
    evaluated_at: str
    evaluated_by: str
    statuses: dict[str, int]
    changes: int
    signed_by: list[str]
