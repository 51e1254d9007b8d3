"""Request and response models of the change control API."""
from typing import Any, Literal

from pydantic import BaseModel, Field

from lrip.api.schemas import Identifier, ShortText, Strict, Text


class ItemIn(Strict):
    kind: Literal["part_revision", "bom", "routing", "document", "tool"]
    identifier: Identifier = Field(description="Part, document or tool number; a routing as PART/PART_REVISION.")
    from_revision: Identifier | None = None
    to_revision: Identifier | None = Field(None, description="The draft revision it changes to (not for a tool).")


class AttachmentIn(Strict):
    document: Identifier
    revision: Identifier


class ChangeCreate(Strict):
    program: Identifier
    title: ShortText
    reason: Text
    description: Text
    change_class: Literal["major", "minor"]
    urgency: Literal["normal", "urgent"] = "normal"
    effectivity: Literal["from_serial", "next_lot", "immediate"] = "next_lot"
    effectivity_serial: Identifier | None = None
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    redlines: list[Identifier] = Field(default_factory=list, max_length=50)


class SignRequest(Strict):
    password: str = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")
    role: Identifier | None = Field(None, description="The role you sign in, if you hold several.")


class ReasonRequest(Strict):
    reason: Text


class RedlineCreate(Strict):
    operation: Identifier = Field(description="Operation sequence number (30) or name.")
    markup: Text


class LripQuantitySet(Strict):
    quantity: int = Field(ge=1, le=10_000_000)
    rationale: Text | None = Field(None, description="Required above 10% of the planned total.")
    password: str = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")
    role: Identifier | None = None


class ChangeRow(BaseModel):
    number: str
    program: str
    title: str
    class_: str = Field(alias="class")
    urgency: str
    effectivity: str
    effectivity_serial: str | None
    status: str
    items: list[str]
    raised_by: str
    raised_at: str
    submitted_at: str | None
    approved_at: str | None
    implemented_at: str | None
    closed_at: str | None
    signatures: int
    required_signatures: list[str]
    missing_signatures: list[str]


class ChangeDetail(ChangeRow):
    reason: str
    description: str
    decision_note: str | None
    attachments: list[dict[str, Any]]
    item_details: list[dict[str, Any]]
    redlines: list[str]
    impact: dict[str, Any]
    impact_is_snapshot: bool
    signature_list: list[dict[str, Any]]
    implementation: dict[str, Any] | None
    history: list[dict[str, Any]]


class SignOut(BaseModel):
    number: str
    signatures: list[dict[str, Any]]
    missing: list[str]


class TrafficWeek(BaseModel):
    week: str
    major: int
    minor: int


class RedlineOut(BaseModel):
    number: str
    serial: str
    lot: str
    phase: str
    operation: int
    instruction: str | None
    markup: str
    recorded_by: str
    recorded_at: str
    change: str | None
    incorporated: bool


class QuantityApproval(BaseModel):
    program: str
    quantity: int
    previous: int | None
    planned_total: int
    percent_of_planned: float
    above_ten_percent: bool
    rationale: str | None
    approved_by: str
    approved_at: str
    signature: dict[str, Any]
    warnings: list[str] = []
