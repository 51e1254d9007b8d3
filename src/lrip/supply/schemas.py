"""Supply's requests (the API's bodies, the CLI's arguments and the pages' forms all parse
through them) and the one typed answer of each use case."""
import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from lrip.catalog.rules import Severity
from lrip.fields import (
    Answer,
    Identifier,
    IsoDate,
    Name,
    Number,
    Quantity,
    Reason,
    Revision,
    Strict,
    text,
)
from lrip.supply.rules import (
    CODE_LENGTH,
    LineStatus,
    LotStatus,
    OrderStatus,
    ReceiptResult,
    SupplierStatus,
)

Code = Annotated[Identifier, StringConstraints(max_length=CODE_LENGTH)]
"""A supplier code or purchase order number: an identifier of at most 40 characters."""
Reference = Annotated[str, BeforeValidator(lambda v: text(v, what="the reference", max_length=80))]
"""A packing slip or certificate number, as printed on the paperwork."""


# ---------------------------------------------------------------- requests

class SupplierCreate(Strict):
    code: Code
    name: Name
    status: SupplierStatus = SupplierStatus.APPROVED


class SupplierStatusChange(Strict):
    status: SupplierStatus
    reason: Reason


class SourceAdd(Strict):
    part: Identifier


class AqlSet(Strict):
    aql: Number | None = Field(None, description="A Z1.4 AQL, e.g. 1.0; none: inspect every unit.")
    part: Identifier | None = Field(None, description="The part; none: the default for every part.")
    level: Identifier = Field("II", description="The Z1.4 inspection level.")


class LineIn(Strict):
    part: Identifier
    quantity: Quantity
    promised_on: IsoDate


class OrderOpen(Strict):
    number: Code
    supplier: Code
    ordered_on: IsoDate | None = Field(None, description="Default: today.")


class OrderCreate(OrderOpen):
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class ReceiveRequest(Strict):
    quantity: Quantity
    lot: Identifier | None = Field(None, description="The lot number, for a lot-tracked part.")
    serials: list[Identifier] = Field(default_factory=list, max_length=1000,
                                      description="One per unit, for a serialized part.")
    received_on: IsoDate | None = Field(None, description="Default: today.")
    revision: Revision | None = Field(None, description="The part revision received (default: the released one).")
    packing_slip: Reference | None = None
    certificate: Reference | None = Field(None, description="Certificate of conformance reference.")


class InspectRequest(Strict):
    defects: int = Field(ge=0, le=1_000_000, description="Defective units found in the sample.")
    note: Reason | None = None
    severity: Severity = Field(Severity.MAJOR, description="The NCR's, if the lot is rejected.")
    defect_code: Identifier | None = Field(None, description="The NCR's defect code (default INCOMING).")


class ReceiptFilter(Strict):
    supplier: Code | None = None
    po: Code | None = None
    result: ReceiptResult | None = None
    limit: int = Field(50, ge=1, le=500)


class OrderFilter(Strict):
    supplier: Code | None = None
    status: OrderStatus | None = None


# ---------------------------------------------------------------- answers

class SupplierRow(Answer):
    code: str
    name: str
    status: SupplierStatus
    approved_parts: list[str]


class StatusChange(Answer):
    at: dt.datetime
    actor: str
    before: SupplierStatus | None
    after: SupplierStatus | None
    reason: str | None


class PlanOut(Answer):
    lot_size: int
    sample_size: int
    accept: int
    reject: int
    aql: float | None
    level: str | None
    code_letter: str | None


class ReceiptOut(Answer):
    lot: str
    po: str
    line: int
    part: str
    revision: str | None = Field(description="The part revision received.")
    supplier: str
    quantity: float
    received_on: dt.date
    promised_on: dt.date
    days_late: int
    packing_slip: str | None
    certificate: str | None
    received_by: str
    result: ReceiptResult
    aql: float | None
    sample_size: int | None
    defects_found: int | None
    inspected_by: str | None
    inspected_at: dt.datetime | None
    quantity_on_hand: float
    plan: PlanOut | None = Field(None, description="The sampling plan, while the lot waits for inspection.")


class OrderRow(Answer):
    number: str
    supplier: str
    ordered_on: dt.date
    status: OrderStatus
    lines: int
    next_promised_on: dt.date | None


class SupplierDetail(SupplierRow):
    purchase_orders: list[OrderRow]
    receipts: list[ReceiptOut]
    status_history: list[StatusChange]


class LineOut(Answer):
    line: int
    part: str
    quantity: float
    promised_on: dt.date
    quantity_received: float
    quantity_open: float
    status: LineStatus
    receipts: list[ReceiptOut] = []


class OrderDetail(Answer):
    number: str
    supplier: str
    supplier_name: str
    ordered_on: dt.date
    status: OrderStatus
    lines: list[LineOut]


class ReceivedOut(Answer):
    po: str
    line: int
    part: str
    revision: str = Field(description="The part revision received.")
    revision_status: str = Field(description="draft, released or obsolete, in the catalog today.")
    quantity: float
    lots: list[str]
    status: LotStatus
    inspection: PlanOut


class InspectOut(Answer):
    lot: str
    result: LotStatus
    plan: PlanOut
    defects_found: int
    ncr: str | None


class InspectionsOut(Answer):
    """The lots of one delivery, inspected together."""

    lots: list[InspectOut]


class IncomingAqlOut(Answer):
    part: str | None
    aql: float | None
    level: str


class MaterialLotOut(Answer):
    lot_number: str
    part: str
    revision: str | None
    supplier: str | None
    quantity_received: float
    quantity_on_hand: float
    status: LotStatus
    received_at: dt.datetime
