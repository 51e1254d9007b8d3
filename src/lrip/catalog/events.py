"""What engineering asks the areas above it (lrip.events) before a released revision is succeeded outside
change control: an engineer releasing a new revision, or a product file changing a released one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Succession:
    """A released revision about to be succeeded by another. `kind` and `identifier` name it as a change
    request's item does (change.rules.ItemKind): part_revision or bom (a part number), routing
    ('PART/PART_REVISION'), document (its number)."""

    kind: str
    identifier: str
    from_revision: str
    to_revision: str


@dataclass(frozen=True)
class ReleasedRevisionsSucceeded:
    """Released revisions about to be succeeded without a change request. A handler answers, for each
    succession in order, every reason it may not be done (a program that builds on the revision is in
    LRIP or FRP, where a change request must carry it, named)."""

    required: ClassVar[bool] = True
    successions: tuple[Succession, ...]
