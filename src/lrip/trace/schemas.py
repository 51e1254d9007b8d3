"""Response bodies of the traceability API."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Receipt(BaseModel):
    """The purchase-order receipt a material lot came in on."""

    po: str = Field(description="The purchase order number.")
    line: int = Field(description="The PO line number.")
    received_on: str
    promised_on: str
    quantity: float
    inspection: str = Field(description="Incoming inspection result: pending, accepted or rejected.")


class TraceItem(BaseModel):
    """A unit or a material lot in a trace. Below the root, the link that put it there: how many,
    at which operation, when; `into` (backward) or `contains` (forward) names its tree parent."""

    kind: str = Field(description="unit or material_lot")
    identifier: str = Field(description="The serial or the lot number.")
    part: str
    status: str
    lot: str | None = Field(None, description="A unit's production lot.")
    program: str | None = None
    supplier: str | None = None
    supplier_name: str | None = None
    supplier_status: str | None = None
    quantity_received: float | None = None
    received_at: str | None = None
    receipt: Receipt | None = None
    quantity: float | None = Field(None, description="Quantity consumed on this link.")
    operation: int | None = Field(None, description="Sequence of the operation where it was consumed.")
    operation_name: str | None = None
    consumed_at: str | None = None
    depth: int
    into: str | list[str] | None = None
    contains: str | None = None
    repeated: bool | None = Field(None, description="Shown expanded elsewhere in the tree.")
    cycle: bool | None = Field(None, description="Already on this branch: the data has a cycle here.")


class TraceNode(TraceItem):
    links: list[TraceNode] = Field(default_factory=list)


class Trace(BaseModel):
    identifier: str
    kind: str
    direction: str
    note: str | None = Field(None, description="How an identifier that names two things was read.")
    root: TraceNode
    depth: int = Field(description="Levels below the root.")
    cycles: list[str]
    truncated: bool
    units: list[TraceItem]
    units_by_status: dict[str, int]
    material_lots: list[TraceItem]
    suppliers: list[str]


class UnitCompleteness(BaseModel):
    serial: str
    lot: str
    status: str
    complete: bool = Field(description="No gaps in the unit's record (a scrapped unit is not checked).")
    gaps: list[str]
