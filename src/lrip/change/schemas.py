"""Requests and answers of change control: what the API, the CLI (--json) and the pages all use."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from lrip.change.rules import (ChangeClass, ChangeStatus, Effectivity, ItemKind, Urgency, parse_attachment,
                               parse_item)
from lrip.fields import Answer, Identifier, Name, Note, Reason, Revision, Strict, identifier, revision

# ---------------------------------------------------------------- requests


class ItemIn(Strict):
    """An affected item; the CLI and the pages may write it as text, KIND:IDENTIFIER[:FROM[:TO]]."""

    kind: ItemKind
    identifier: str = Field(max_length=81, description="Part, document or tool number; a routing as "
                                                       "PART/PART_REVISION.")
    from_revision: Revision | None = None
    to_revision: Revision | None = Field(None, description="The draft revision it changes to (not for a tool).")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            spec = parse_item(value)
            return {"kind": spec.kind, "identifier": spec.identifier, "from_revision": spec.from_revision,
                    "to_revision": spec.to_revision}
        return value

    @model_validator(mode="after")
    def _identifier(self) -> "ItemIn":
        """A routing is named by its part and part revision (PART/REV); everything else by its identifier."""
        if self.kind == ItemKind.ROUTING:
            part, slash, rev = self.identifier.partition("/")
            if not slash:
                raise ValueError(f"name the routing as PART/PART_REVISION, e.g. {part.strip() or 'EMA-200'}/A")
            self.identifier = f"{identifier(part, 'a part number')}/{revision(rev)}"
        else:
            self.identifier = identifier(self.identifier, f"a {self.kind.replace('_', ' ')}'s identifier")
        return self


class AttachmentIn(Strict):
    """A released document attached to the request; the CLI writes it as NUMBER:REV."""

    document: Identifier
    revision: Revision

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            document, rev = parse_attachment(value)
            return {"document": document, "revision": rev}
        return value


class ChangeCreate(Strict):
    program: Identifier
    title: Name
    reason: Reason
    description: Note
    change_class: ChangeClass
    urgency: Urgency = Urgency.NORMAL
    effectivity: Effectivity = Effectivity.NEXT_LOT
    effectivity_serial: Identifier | None = None
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    redlines: list[Identifier] = Field(default_factory=list, max_length=50)


class SignRequest(Strict):
    password: str = Field(min_length=1, max_length=200, description="Your password, asked again to sign.")
    role: Identifier | None = Field(None, description="The role you sign in, if you hold several.")


class ReasonRequest(Strict):
    reason: Reason


class RedlineCreate(Strict):
    operation: Name = Field(description="Operation sequence number (30) or name.")
    markup: Note


# ---------------------------------------------------------------- answers


class SignatureOut(Answer):
    """One e-signature on a record; `valid` says whether it still matches the record's content."""

    id: int
    username: str
    name: str
    role: str | None
    meaning: str
    signed_at: datetime
    content_hash: str
    valid: bool | None


class ChangeRow(Answer):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)

    number: str
    program: str
    title: str
    class_: ChangeClass = Field(alias="class")
    urgency: Urgency
    effectivity: Effectivity
    effectivity_serial: str | None
    status: ChangeStatus
    items: list[str]
    raised_by: str
    raised_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    implemented_at: datetime | None
    closed_at: datetime | None
    signatures: int
    required_signatures: list[str]
    missing_signatures: list[str]


class OpenLot(Answer):
    lot: str
    routing: str
    phase: str
    uses_changed_routing_or_instruction: bool
    reaches: list[str] = Field([], description="How the change reaches it: what it consumes or uses, at which "
                                               "operation, or the routing it builds on.")


class UnitReached(Answer):
    """A unit of an open lot the change reaches (operations ahead) or that is built on what it changes
    (operations done, lots of the changed part built in)."""

    serial: str
    lot: str
    status: str
    operations_ahead: list[int]
    operations_done: list[int] = []
    contains: list[str] = Field([], description="Lots of a changed part built into it, with their revisions.")


class OperationTouched(Answer):
    routing: str
    sequence: int
    name: str
    because: list[str]


class StepChange(Answer):
    """An operation a routing revision adds, removes or changes (and how)."""

    sequence: int
    change: str
    details: list[str]


class CharacteristicChange(Answer):
    code: str
    operation: int
    change: str
    details: list[str]


class RoutingChange(Answer):
    item: str
    operations: list[StepChange]
    characteristics: list[CharacteristicChange]


class CharacteristicTouched(CharacteristicChange):
    name: str
    key: bool


class DeltaFai(Answer):
    required: bool
    characteristics: list[str]
    first_units: list[str]
    note: str


class OpenNcr(Answer):
    number: str
    status: str
    severity: str
    serial: str | None
    operation: int | None
    characteristic: str | None
    description: str


class Impact(Answer):
    """What a change reaches: open lots, units in work, superseded revisions, operations and characteristics
    touched, the delta FAI it asks for and the open NCRs citing its items."""

    computed_at: datetime
    as_of: Literal["now", "submission", "implementation"] = Field(
        "submission", description="Computed now (a change still waiting), or the snapshot kept at submission or "
                                  "at implementation.")
    phase: str
    open_lots: list[OpenLot]
    units: list[UnitReached]
    superseded: list[str]
    operations: list[OperationTouched]
    routing_changes: list[RoutingChange]
    characteristics: list[CharacteristicTouched]
    delta_fai: DeltaFai
    open_ncrs: list[OpenNcr]


class PendingSupersession(Answer):
    document: str
    revision: str
    until_lots_close: list[str]


class LotRouting(Answer):
    lot: str
    routing: str


class Repointed(Answer):
    routing: str
    operation: int
    instruction: str
    lots: list[str]


class DeltaFaiRequired(Answer):
    characteristics: list[str]
    note: str


class Implementation(Answer):
    """What implementing did."""

    released: list[str] = []
    superseded: list[str] = []
    pending_supersession: list[PendingSupersession] = []
    lots_switched: list[LotRouting] = []
    lots_kept: list[LotRouting] = []
    configurations: list[str] = Field([], description="The part revisions open lots build with, as the effectivity "
                                                       "pinned them.")
    routings_created: list[str] = []
    instructions_repointed: list[Repointed] = []
    notes: list[str] = []
    delta_fai: DeltaFaiRequired | None = None


class AttachmentOut(Answer):
    document: str
    revision: str
    content_hash: str


class ItemOut(Answer):
    kind: ItemKind
    identifier: str
    from_revision: str | None
    to_revision: str | None


class HistoryEntry(Answer):
    at: datetime
    actor: str
    action: str
    reason: str | None


class ChangeDetail(ChangeRow):
    reason: str
    description: str
    decision_note: str | None
    attachments: list[AttachmentOut]
    item_details: list[ItemOut]
    redlines: list[str]
    impact: Impact
    signature_list: list[SignatureOut]
    implementation: Implementation | None
    history: list[HistoryEntry]


class ChangeSigned(Answer):
    number: str
    signatures: list[SignatureOut]
    missing: list[str]


class TrafficWeek(Answer):
    week: date
    major: int
    minor: int


class RedlineOut(Answer):
    number: str
    serial: str
    lot: str
    phase: str
    operation: int
    instruction: str | None
    markup: str
    recorded_by: str
    recorded_at: datetime
    change: str | None
    incorporated: bool
