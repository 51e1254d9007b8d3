"""Supply's rules: the lifecycle states of suppliers, orders, lots and receipts, what may be
ordered and received, and incoming inspection by Z1.4 sampling. Plain data in, verdicts,
states and numbers out.

Over-receipt: a receipt larger than what is still open on its PO line is refused (the buyer
raises the line first), so a line's received quantity never exceeds its ordered quantity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lrip.errors import Verdict, verdict
from lrip.fields import identifier
from lrip.stats.sampling import single_sampling_plan


class SupplierStatus(StrEnum):
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    DISQUALIFIED = "disqualified"


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # every line received
    CANCELLED = "cancelled"


class LineStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # everything ordered received


class LotStatus(StrEnum):
    """A material lot: in quarantine until incoming inspection accepts or rejects it."""

    QUARANTINE = "quarantine"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ReceiptResult(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


CODE_LENGTH = 40  # supplier codes and PO numbers: the width of their columns
MAX_QUANTITY = 1e9
MAX_PROMISE = timedelta(days=5 * 366)  # a promise further out than five years is a typing slip
MAX_ORDER_AGE = timedelta(days=10 * 366)


def _words(values) -> str:
    return ", ".join(str(v) for v in values)


def identifier_problems(value: str, what: str, longest: int = 60) -> list[str]:
    """A supplier code, PO number, lot number or serial: an identifier (lrip.fields) that fits its column."""
    try:
        identifier(value, what)
    except ValueError as exc:
        return [str(exc)]
    return [f"{what} has at most {longest} characters, not {len(value)}"] if len(value) > longest else []


def quantity_problems(quantity: float, what: str) -> list[str]:
    if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not math.isfinite(quantity) \
            or not 0 < quantity <= MAX_QUANTITY:
        return [f"{what} is a number above 0 and at most {MAX_QUANTITY:g}, not {quantity}"]
    return []


def status_problems(status: str) -> list[str]:
    if status in {s.value for s in SupplierStatus}:
        return []
    return [f"a supplier is {_words(SupplierStatus)}, not '{status}'"]


def supplier_status_problems(code: str, current: str, new: str, reason: str | None) -> list[str]:
    """A supplier may move between any two statuses, with a reason for the audit trail."""
    reasons = status_problems(new)
    if not reasons and new == current:
        reasons.append(f"supplier {code} is already {new}")
    if not (reason or "").strip():
        reasons.append("changing a supplier's status needs a reason")
    return reasons


def order_problems(*, supplier: str, supplier_status: str, ordered_on: date, today: date) -> list[str]:
    reasons = []
    if supplier_status == SupplierStatus.DISQUALIFIED:
        reasons.append(f"supplier {supplier} is disqualified; nothing is ordered from it")
    if ordered_on > today:
        reasons.append(f"ordered on {ordered_on} is in the future")
    elif today - ordered_on > MAX_ORDER_AGE:
        reasons.append(f"ordered on {ordered_on} is more than ten years ago")
    return reasons


def line_problems(*, po: str, po_status: str, part: str, tracking: str, supplier: str, approved_source: bool,
                  quantity: float, promised_on: date, ordered_on: date) -> list[str]:
    """May this line go on the order? Every reason at once."""
    reasons = []
    if po_status != OrderStatus.OPEN:
        reasons.append(f"purchase order {po} is {po_status}")
    if not approved_source:
        reasons.append(f"{supplier} is not an approved source of {part}")
    bad_quantity = quantity_problems(quantity, "an ordered quantity")
    reasons += bad_quantity
    if not bad_quantity and tracking == "serial" and quantity != int(quantity):
        reasons.append(f"{part} is serialized: order a whole number")
    if promised_on < ordered_on:
        reasons.append(f"promised on {promised_on}, before the order date {ordered_on}")
    elif promised_on - ordered_on > MAX_PROMISE:
        reasons.append(f"promised on {promised_on}, more than five years after the order date {ordered_on}")
    return reasons


def after_receipt(quantity: float, received: float) -> LineStatus:
    """A line closes when everything ordered has been received."""
    return LineStatus.CLOSED if received >= quantity - 1e-9 else LineStatus.OPEN


def order_after_receipt(lines: list[str]) -> OrderStatus:
    """An order closes when every line has."""
    return OrderStatus.CLOSED if all(s == LineStatus.CLOSED for s in lines) else OrderStatus.OPEN


@dataclass(frozen=True)
class ReceiptView:
    """What receiving needs to know about the PO line, the supplier and the goods."""

    po: str
    line: int
    part: str
    tracking: str  # serial | lot | none
    supplier: str
    supplier_status: str
    approved_source: bool
    po_status: str
    line_status: str
    quantity_open: float
    ordered_on: date


def check_receipt(r: ReceiptView, *, quantity: float, lot_number: str | None, serials: list[str],
                  existing: list[str], received_on: date, today: date) -> Verdict:
    """May these goods be received against this line? Every reason at once."""
    reasons = []
    if r.supplier_status == SupplierStatus.DISQUALIFIED:
        reasons.append(f"supplier {r.supplier} is disqualified; nothing is received from it")
    if not r.approved_source:
        reasons.append(f"{r.supplier} is not an approved source of {r.part}")
    if r.po_status != OrderStatus.OPEN:
        reasons.append(f"purchase order {r.po} is {r.po_status}")
    elif r.line_status != LineStatus.OPEN:
        reasons.append(f"line {r.line} of {r.po} is {r.line_status}: everything ordered has been received")
    bad_quantity = quantity_problems(quantity, "a received quantity")
    reasons += bad_quantity
    if not bad_quantity and quantity > r.quantity_open + 1e-9:
        reasons.append(f"{quantity:g} received but only {r.quantity_open:g} of {r.part} is still open on "
                       f"{r.po} line {r.line}; raise the line before receiving more")
    if r.tracking == "serial":
        if not bad_quantity and quantity != int(quantity):
            reasons.append(f"{r.part} is serialized: receive whole units, not {quantity:g}")
        if lot_number:
            reasons.append(f"{r.part} is serialized: give its serials, not a lot number")
        elif quantity == int(quantity) and len(serials) != quantity:
            reasons.append(f"{r.part} is serialized: {quantity:g} received needs {quantity:g} serials, "
                           f"{len(serials)} given")
        if len({s.lower() for s in serials}) != len(serials):
            reasons.append("a serial is given twice")
    elif serials:
        reasons.append(f"{r.part} is tracked by lot, not by serial: give one lot number")
    elif not (lot_number or "").strip():
        reasons.append(f"a receipt of {r.part} needs a lot number")
    for number in [lot_number] if lot_number else serials:
        reasons += identifier_problems(number, "a lot number or serial")
    for number in existing:
        reasons.append(f"lot or serial {number} has already been received")
    if received_on > today:
        reasons.append(f"received on {received_on} is in the future")
    if received_on < r.ordered_on:
        reasons.append(f"received on {received_on}, before {r.po} was ordered on {r.ordered_on}")
    return verdict(reasons)


@dataclass(frozen=True)
class InspectionPlan:
    """How many of the lot to inspect and the accept/reject numbers; aql None = 100%."""

    lot_size: int
    sample_size: int
    accept: int
    reject: int
    aql: float | None
    level: str | None
    code_letter: str | None

    @property
    def hundred_percent(self) -> bool:
        return self.sample_size >= self.lot_size


def inspection_lot_size(quantity: float) -> int:
    """The units incoming inspection counts in a received quantity: whole units, at least one (a
    lot of 0.333 is one piece to look at, never nothing)."""
    return max(1, math.ceil(quantity - 1e-9))


def inspection_plan(lot_size: int, aql: float | None, level: str = "II") -> InspectionPlan:
    """ANSI/ASQ Z1.4 single sampling, normal inspection, at the part's AQL (see
    lrip.stats.sampling). With no AQL, or a lot of one, every unit is inspected and one
    defect rejects the lot (Ac 0, Re 1)."""
    if aql is None or lot_size < 2:
        return InspectionPlan(lot_size, lot_size, 0, 1, None, None, None)
    plan = single_sampling_plan(lot_size, aql, level)
    return InspectionPlan(lot_size, plan.sample_size, plan.accept, plan.reject, aql, level, plan.code_letter)


def inspection_problems(plan: InspectionPlan, defects: int, lot: str, status: str) -> list[str]:
    reasons = []
    if status != LotStatus.QUARANTINE:
        reasons.append(f"lot {lot} is {status}; only a lot in quarantine is inspected")
    if isinstance(defects, bool) or not isinstance(defects, int) or defects < 0:
        reasons.append(f"defects found is a whole number of at least 0, not {defects}")
    elif defects > plan.sample_size:
        reasons.append(f"{defects} defects found in a sample of {plan.sample_size}")
    return reasons


def accepted(plan: InspectionPlan, defects: int) -> bool:
    """Reject at or above Re, accept below it (Z1.4 normal inspection: Re = Ac + 1;
    100% inspection: any defect rejects)."""
    return defects < plan.reject


def after_inspection(accept: bool) -> LotStatus:
    """Incoming inspection moves a lot out of quarantine (inspection_problems says when it may)."""
    return LotStatus.ACCEPTED if accept else LotStatus.REJECTED
