"""Requests and answers of the catalog's use cases: parts, BOM lines, work instructions, work centers,
tools and gauges, qualifications, routings and the product definition file."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from lrip.catalog.rules import (AsFound, CharacteristicKind, CharacteristicSpec, DocumentStatus, OperationSpec,
                                PartRevisionStatus, RoutingStatus, ToolCategory, Tracking)
from lrip.fields import (Answer, Identifier, IsoDate, Name, Number, Quantity, Reason, Revision, Strict, Whole,
                         identifier, text)

Markdown = Annotated[str, BeforeValidator(lambda v: text(v, what="the instruction", max_length=200_000,
                                                         single_line=False))]
"""A work instruction's text: Markdown, several lines."""
Label = Annotated[str, BeforeValidator(lambda v: text(v, what="the text", max_length=60))]
"""A short name a record is matched by: a skill, a tool or gauge kind, units."""
Reference = Annotated[str, BeforeValidator(lambda v: text(v, what="the reference", max_length=60))]
"""A certificate or training record's reference, as the laboratory or the trainer wrote it."""
Tag = Annotated[str, BeforeValidator(lambda v: text(v, what="the text", max_length=20))]
"""A balloon number, a drawing zone, units."""


def _instruction(value):
    """'WI-310:A' as the CLI and the forms type it, or {document, revision} as the API sends it."""
    if isinstance(value, str):
        document, colon, revision = (p.strip() for p in value.partition(":"))
        if not colon:
            raise ValueError(f"an instruction is DOCUMENT:REVISION, like WI-310:A, not {value!r}")
        return {"document": document, "revision": revision}
    return value


# ---------------------------------------------------------------- requests

class PartCreate(Strict):
    number: Identifier
    description: Name
    tracking: Tracking


class PartRevisionCreate(Strict):
    revision: Revision
    release: bool = False


class ReasonRequest(Strict):
    reason: Reason | None = None


class BomLineCreate(Strict):
    child: Identifier
    quantity: Quantity
    operation: Whole = Field(ge=1, le=100_000, description="The operation sequence that consumes it.")


class DocumentCreate(Strict):
    number: Identifier
    title: Name


class DocumentRevisionCreate(Strict):
    revision: Revision
    content: Markdown
    images: dict[str, str] = Field({}, description="Images the Markdown shows: file name → base64 of the file.")


class DocumentRevisionEdit(Strict):
    content: Markdown
    images: dict[str, str] = Field({}, description="Images the Markdown shows: file name → base64 of the file.")


class CalibrationCreate(Strict):
    due: IsoDate
    certificate: Reference
    as_found: AsFound | None = None
    calibrated_on: IsoDate | None = None


class QualificationGrant(Strict):
    username: Identifier
    skill: Label
    expires: IsoDate
    granted_on: IsoDate | None = None
    training: Reference | None = None


class QualificationRevoke(Strict):
    reason: Reason


class RoutingCreate(Strict):
    revision: Revision


class InstructionRef(Strict):
    document: Identifier
    revision: Revision


class OperationCreate(Strict):
    sequence: Whole = Field(ge=1, le=100_000)
    name: Name
    work_center: Identifier
    standard_minutes: Number
    instruction: Annotated[InstructionRef | None, BeforeValidator(_instruction)] = None
    skill: Label | None = None
    tool_kinds: list[Label] = []


class CharacteristicCreate(Strict):
    code: Annotated[str, BeforeValidator(lambda v: identifier(v, "a characteristic code"))]
    name: Name
    kind: CharacteristicKind = CharacteristicKind.VARIABLE
    nominal: Number | None = None
    lsl: Number | None = None
    usl: Number | None = None
    units: Tag | None = None
    key: bool = False
    balloon: Tag | None = None
    drawing_zone: Tag | None = None
    gauge_kind: Label | None = None


def operation_spec(r: OperationCreate) -> OperationSpec:
    """The request as the rules' operation (without characteristics: they are added one by one)."""
    return OperationSpec(r.sequence, r.name, r.work_center, r.standard_minutes,
                         (r.instruction.document, r.instruction.revision) if r.instruction else None,
                         tuple(r.tool_kinds), r.skill)


def characteristic_spec(r: CharacteristicCreate) -> CharacteristicSpec:
    return CharacteristicSpec(r.code, r.name, r.kind, r.nominal, r.lsl, r.usl, r.units, r.key, r.balloon,
                              r.drawing_zone, r.gauge_kind)


class ProductUpload(Strict):
    """A product definition file (YAML or JSON) as text, with the images its instructions show."""

    content: str = Field(min_length=1, max_length=5_000_000, description="The YAML or JSON text.")
    filename: str = Field("product.yaml", max_length=200, description="Its name (for the messages).")
    images: dict[str, str] = Field({}, description="Images beside the file: file name → base64 of the file.")
    dry_run: bool = False


class SheetUpload(Strict):
    """A spreadsheet (.xlsx) or CSV file, base64."""

    filename: str = Field(min_length=1, max_length=200, pattern=r"(?i)\.(xlsx|csv)$")
    content_base64: str = Field(min_length=1, max_length=8_000_000)
    dry_run: bool = False


# ---------------------------------------------------------------- answers

class PartOut(Answer):
    number: str
    description: str
    tracking: Tracking


class PartRevisionOut(Answer):
    part: str
    revision: str
    status: PartRevisionStatus


class PartRow(Answer):
    number: str
    description: str
    tracking: Tracking
    revisions: list[PartRevisionOut]


class BomLineOut(Answer):
    parent: str
    revision: str
    child: str
    quantity: float
    operation_sequence: int


class RoutingRow(Answer):
    part: str
    part_revision: str
    revision: str
    status: RoutingStatus
    operations: int
    created_at: datetime


class PartRevisionDetail(Answer):
    revision: str
    status: PartRevisionStatus
    bom: list[BomLineOut]
    routings: list[RoutingRow]


class PartDetail(Answer):
    number: str
    description: str
    tracking: Tracking
    revisions: list[PartRevisionDetail]
    used_in: list[str]  # 'PMP-40 rev A' whose BOM has this part


class BomNode(Answer):
    part: str
    description: str
    tracking: Tracking
    revision: str | None  # the child's current revision: its newest released, else its newest
    quantity: float
    operation_sequence: int
    children: list[BomNode]


class BomTree(Answer):
    part: str
    revision: str
    status: PartRevisionStatus
    description: str
    lines: list[BomNode]


class DocumentOut(Answer):
    number: str
    title: str


class DocumentRevisionOut(Answer):
    document: str
    revision: str
    status: DocumentStatus
    content_hash: str
    released_at: datetime | None


class ImageOut(Answer):
    name: str
    content_type: str
    size: int
    sha256: str


class DocumentRevisionDetail(DocumentRevisionOut):
    content: str
    images: list[ImageOut]
    used_by: list[str]  # 'PMP-40/A routing 1, operation 10'


class DocumentRow(Answer):
    number: str
    title: str
    revisions: list[DocumentRevisionOut]


class DocumentDetail(Answer):
    number: str
    title: str
    revisions: list[DocumentRevisionDetail]


class ImageFile(Answer):
    name: str
    content_type: str
    data: bytes


class WorkCenterOut(Answer):
    code: str
    name: str
    hours_per_day: float
    stations: int
    efficiency: float


class ToolOut(Answer):
    code: str
    kind: str
    description: str
    category: ToolCategory
    calibration_due: date | None
    active: bool
    certificate: str | None = None  # the newest calibration's
    calibrated_on: date | None = None
    as_found: AsFound | None = None


class CalibrationOut(Answer):
    tool: str
    calibrated_on: date
    due: date
    certificate: str
    as_found: AsFound | None
    recorded_at: datetime
    recorded_by: str


class QualificationOut(Answer):
    username: str
    skill: str
    granted_on: date
    expires_on: date
    training: str | None = None
    revoked_on: date | None = None
    status: str = "current"  # current | expiring | expired | revoked (as of today)


class SkillOut(Answer):
    skill: str
    holders: list[str]  # operators qualified today
    operations: list[str]  # 'PMP-40/A routing 1, operation 10'


class CharacteristicOut(Answer):
    code: str
    name: str
    kind: CharacteristicKind
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    balloon: str | None = None
    drawing_zone: str | None = None
    gauge_kind: str | None = None


class OperationOut(Answer):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: str | None  # 'WI-10 rev A'
    tool_kinds: list[str]
    skill: str | None
    characteristics: list[CharacteristicOut]


class RoutingOut(Answer):
    part: str
    part_revision: str
    revision: str
    status: RoutingStatus
    operations: list[OperationOut]


class ImportChange(Answer):
    """One change an import makes (or would make, on a dry run)."""

    kind: str  # work center, tool, document, part, routing, …
    record: str  # 'MACH', 'WI-310 rev A', 'PMP-40/A routing 1'
    action: str  # created, updated, released, calibrated, new revision
    detail: str | None = None


class ImportReport(Answer):
    dry_run: bool
    changes: int
    unchanged: int
    items: list[ImportChange]
    notes: list[str] = []  # what a person should know (a change request must carry a draft to release)


class ProductExport(Answer):
    """A product file's data (productfile.dump writes it as YAML) and the images its instructions show."""

    part: str
    revision: str
    data: dict[str, Any]
    images: dict[str, str] = Field(description="file name → base64 of the image")
