"""Answers of the catalog's use cases: parts, BOM lines, work instructions, work centers, tools,
qualifications and routings."""
from __future__ import annotations

from datetime import date, datetime

from lrip.catalog.rules import (CharacteristicKind, DocumentStatus, PartRevisionStatus, RoutingStatus, ToolCategory,
                                Tracking)
from lrip.fields import Answer


class PartOut(Answer):
    number: str
    description: str
    tracking: Tracking


class PartRevisionOut(Answer):
    part: str
    revision: str
    status: PartRevisionStatus


class BomLineOut(Answer):
    parent: str
    revision: str
    child: str
    quantity: float
    operation_sequence: int


class DocumentOut(Answer):
    number: str
    title: str


class DocumentRevisionOut(Answer):
    document: str
    revision: str
    status: DocumentStatus
    content_hash: str
    released_at: datetime | None


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


class QualificationOut(Answer):
    username: str
    skill: str
    granted_on: date
    expires_on: date


class CharacteristicOut(Answer):
    code: str
    name: str
    kind: CharacteristicKind
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool


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
