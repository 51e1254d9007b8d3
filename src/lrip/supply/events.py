"""What supply tells the areas above it. Supply sits below nonconformance, so a rejected incoming
lot does not raise its NCR itself: it publishes IncomingRejected, and nonconformance's handler
raises the NCR on the material lot, in the same unit of work, and replies NcrRaised."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IncomingRejected:
    """Incoming inspection rejected a received lot: it needs an NCR against its supplier."""

    required = True

    material_lot_id: int
    lot_number: str
    part: str
    supplier_id: int
    quantity: float
    description: str
    severity: str
    defect_code: str
    at: datetime


@dataclass(frozen=True)
class NcrRaised:
    """The handler's reply: the number of the NCR it raised."""

    number: str
