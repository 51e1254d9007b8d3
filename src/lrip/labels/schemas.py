"""The answer the labels are printed from: a unit or a lot, its routing, its serials."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from lrip.fields import Answer


class LabelOperation(Answer):
    sequence: int
    name: str
    work_center: str
    instruction: str | None  # 'WI-10 rev A'
    skill: str | None
    characteristics: list[str]  # 'TORQUE Screw torque'


class LabelUnit(Answer):
    serial: str
    position: int


class LabelSheet(Answer):
    """What a traveler cover sheet and its serial labels show, for one unit or every unit of a lot."""

    kind: Literal["unit", "lot"]
    program: str
    phase: str
    lot: str
    part: str  # 'ACT-100 rev A'
    description: str
    routing_revision: str
    operations: list[LabelOperation]
    units: list[LabelUnit]
    printed_at: datetime
