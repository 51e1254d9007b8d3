"""What the shop floor tells the areas above it (lrip.events): an out-of-spec result puts the unit on
hold under an NCR, which nonconformance raises and answers with."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class OutOfSpec:
    """A value out of spec or a failed test: the unit goes on hold under an NCR (nonconformance handles it)."""

    required: ClassVar[bool] = True
    unit_id: int
    serial: str
    operation_record_id: int
    measurement_id: int
    characteristic: str
    key: bool
    reason: str
    at: datetime


@dataclass(frozen=True)
class HoldPlaced:
    """The handler's answer to OutOfSpec: the NCR the unit is held under, and the hold."""

    ncr: str
    hold_id: int
