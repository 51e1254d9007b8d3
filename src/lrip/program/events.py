"""What a program's lots tell the areas above them (lrip.events): a lot created (inspection stores the
FRP sample on it), a lot closed (change control supersedes the instruction revisions it kept in effect
for the open lots)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class LotCreated:
    """A new lot: inspection may store the units it samples on it (program.service.set_inspection_sample)."""

    lot_id: int
    number: str
    program_id: int
    phase: str
    planned_quantity: int


@dataclass(frozen=True)
class LotClosed:
    """A lot closed: instruction revisions kept in effect only for it are superseded (change control)."""

    required: ClassVar[bool] = True
    lot_id: int
    number: str
    program_id: int
