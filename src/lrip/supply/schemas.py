"""Request and response bodies of the supply API."""
import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from lrip.api.schemas import Identifier, ShortText, Strict, Text

def _iso_date_only(value):
    """Pydantic would read 0 as 1970-01-01; a buyer means a calendar date."""
    if not (isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))):
        raise ValueError("expected a date like 2026-03-01")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
SupplierStatus = Literal["approved", "conditional", "disqualified"]
Quantity = Field(gt=0, le=1e9, allow_inf_nan=False)


class SupplierCreate(Strict):
    code: Identifier
    name: ShortText
    status: SupplierStatus = "approved"


class SupplierStatusChange(Strict):
    status: SupplierStatus
    reason: Text


class SourceAdd(Strict):
    part: Identifier


class SupplierRow(BaseModel):
    code: str
    name: str
    status: str
    approved_parts: list[str]


class StatusChange(BaseModel):
    at: str
    actor: str
    before: str | None
    after: str | None
    reason: str | None


class ReceiptOut(BaseModel):
    lot: str
    po: str
    line: int
    part: str
    supplier: str
    quantity: float
    received_on: str
    promised_on: str
    days_late: int
    packing_slip: str | None
    certificate: str | None
    received_by: str
    result: str
    aql: float | None
    sample_size: int | None
    defects_found: int | None
    inspected_by: str | None
    inspected_at: str | None
    quantity_on_hand: float


class OrderRow(BaseModel):
    number: str
    supplier: str
    ordered_on: str
    status: str
    lines: int
    next_promised_on: dt.date | None


class SupplierDetail(SupplierRow):
    purchase_orders: list[OrderRow]
    receipts: list[ReceiptOut]
    status_history: list[StatusChange]


class LineIn(Strict):
    part: Identifier
    quantity: float = Quantity
    promised_on: IsoDate


class OrderCreate(Strict):
    number: Identifier
    supplier: Identifier
    ordered_on: IsoDate | None = Field(None, description="Default: today.")
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class LineOut(BaseModel):
    line: int
    part: str
    quantity: float
    promised_on: str
    quantity_received: float
    quantity_open: float
    status: str
    receipts: list[ReceiptOut] = []


class OrderDetail(BaseModel):
    number: str
    supplier: str
    supplier_name: str
    ordered_on: str
    status: str
    lines: list[LineOut]


class ReceiveRequest(Strict):
    quantity: float = Quantity
    lot: Identifier | None = Field(None, description="The lot number, for a lot-tracked part.")
    serials: list[Identifier] = Field(default_factory=list, max_length=1000,
                                      description="One per unit, for a serialized part.")
    received_on: IsoDate | None = Field(None, description="Default: today.")
    packing_slip: ShortText | None = None
    certificate: ShortText | None = Field(None, description="Certificate of conformance reference.")


class PlanOut(BaseModel):
    lot_size: int
    sample_size: int
    accept: int
    reject: int
    aql: float | None
    level: str | None
    code_letter: str | None


class ReceivedOut(BaseModel):
    po: str
    line: int
    lots: list[str]
    status: str
    inspection: PlanOut


class InspectRequest(Strict):
    defects: int = Field(ge=0, le=1_000_000, description="Defective units found in the sample.")
    note: Text | None = None
    severity: Literal["critical", "major", "minor"] = Field("major", description="The NCR's, if the lot is rejected.")
    defect_code: Identifier | None = Field(None, description="The NCR's defect code (default INCOMING).")


class InspectOut(BaseModel):
    lot: str
    result: str
    plan: PlanOut
    defects_found: int
    ncr: str | None


class Measures(BaseModel):
    """Definitions: lrip.supply.service.scorecard."""

    receipts: int
    on_time_rate: float | None
    lead_time_mean_days: float | None
    lead_time_p90_days: float | None
    lead_time_spread_days: float | None
    quantity_accuracy: float | None
    acceptance_rate: float | None
    ppm: float | None
    quantity_received: float
    units_inspected: float
    defects_found: int


class Period(Measures):
    period: str = Field(description="Calendar month, YYYY-MM.")


class Scorecard(Measures):
    supplier: str
    name: str
    status: str
    ncr_quantity: float
    ncr_ppm: float | None
    open_ncrs: int
    periods: list[Period]
