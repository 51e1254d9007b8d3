"""Requests and answers of traceability: the genealogy both ways, and record completeness."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from lrip.execution.rules import UnitStatus
from lrip.fields import Answer, Identifier, Strict
from lrip.supply.rules import ReceiptResult

Direction = Literal["backward", "forward"]
Kind = Literal["unit", "material_lot"]


class TraceOptions(Strict):
    """How to trace: the query of GET /trace/{identifier}."""

    direction: Direction = Field("backward", description="backward: what is in it; forward: what it is in "
                                                         "(the recall question).")
    kind: Kind | None = Field(None, description="Read the identifier as this kind (when it is both a serial and "
                                                "a lot number).")


class TraceRequest(TraceOptions):
    """What to trace and how, as the CLI and the trace page take it."""

    identifier: Identifier = Field(description="A unit serial or a material lot number.")


class CompletenessRequest(Strict):
    """One serial, one lot or one program to check (the service refuses anything else, in words)."""

    serial: Identifier | None = None
    lot: Identifier | None = None
    program: Identifier | None = None


class Receipt(Answer):
    """The purchase-order receipt a material lot came in on."""

    po: str = Field(description="The purchase order number.")
    line: int = Field(description="The PO line number.")
    received_on: str
    promised_on: str
    quantity: float
    inspection: ReceiptResult = Field(description="Incoming inspection result.")


class TraceItem(Answer):
    """A unit or a material lot in a trace. Below the root, the link that put it there: how many,
    at which operation, when; `into` (backward) or `contains` (forward) names its tree parent."""

    kind: Kind
    identifier: str = Field(description="The serial or the lot number.")
    part: str
    revision: str | None = Field(None, description="The part revision: a unit's, the one it is built to; a lot's, "
                                                   "the one received.")
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


class Trace(Answer):
    identifier: str
    kind: Kind
    direction: Direction
    note: str | None = Field(None, description="How an identifier that names two things was read.")
    root: TraceNode
    depth: int = Field(description="Levels below the root.")
    cycles: list[str]
    truncated: bool
    units: list[TraceItem]
    units_by_status: dict[str, int]
    material_lots: list[TraceItem]
    suppliers: list[str]


class UnitCompleteness(Answer):
    serial: str
    lot: str
    status: UnitStatus
    complete: bool = Field(description="No gaps in the unit's record (a scrapped unit is not checked).")
    gaps: list[str]
