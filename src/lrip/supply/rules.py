"""Receiving and incoming inspection rules, and the scorecard arithmetic: plain data in,
verdicts and numbers out.

Over-receipt: a receipt larger than what is still open on its PO line is refused (the buyer
raises the line first), so a line's received quantity never exceeds its ordered quantity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from lrip.errors import Verdict, verdict
from lrip.quality.sampling import single_sampling_plan

SUPPLIER_STATUSES = ("approved", "conditional", "disqualified")
SEVERITIES = ("critical", "major", "minor")


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
    if r.supplier_status == "disqualified":
        reasons.append(f"supplier {r.supplier} is disqualified; nothing is received from it")
    if not r.approved_source:
        reasons.append(f"{r.supplier} is not an approved source of {r.part}")
    if r.po_status != "open":
        reasons.append(f"purchase order {r.po} is {r.po_status}")
    elif r.line_status != "open":
        reasons.append(f"line {r.line} of {r.po} is {r.line_status}: everything ordered has been received")
    if not (isinstance(quantity, (int, float)) and math.isfinite(quantity) and quantity > 0):
        reasons.append(f"a received quantity is positive, not {quantity}")
    elif quantity > r.quantity_open + 1e-9:
        reasons.append(f"{quantity:g} received but only {r.quantity_open:g} of {r.part} is still open on "
                       f"{r.po} line {r.line}; raise the line before receiving more")
    if r.tracking == "serial":
        if lot_number:
            reasons.append(f"{r.part} is serialized: give its serials, not a lot number")
        elif len(serials) != quantity:
            reasons.append(f"{r.part} is serialized: {quantity:g} received needs {quantity:g} serials, "
                           f"{len(serials)} given")
        if len(set(serials)) != len(serials):
            reasons.append("a serial is given twice")
    elif serials:
        reasons.append(f"{r.part} is tracked by lot, not by serial: give one lot number")
    elif not (lot_number or "").strip():
        reasons.append(f"a receipt of {r.part} needs a lot number")
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

    def as_dict(self) -> dict:
        return {"lot_size": self.lot_size, "sample_size": self.sample_size, "accept": self.accept,
                "reject": self.reject, "aql": self.aql, "level": self.level, "code_letter": self.code_letter}


def inspection_plan(lot_size: int, aql: float | None, level: str = "II") -> InspectionPlan:
    """ANSI/ASQ Z1.4 single sampling, normal inspection, at the part's AQL (see
    lrip.quality.sampling). With no AQL, or a lot of one, every unit is inspected and one
    defect rejects the lot (Ac 0, Re 1)."""
    if aql is None or lot_size < 2:
        return InspectionPlan(lot_size, lot_size, 0, 1, None, None, None)
    plan = single_sampling_plan(lot_size, aql, level)
    return InspectionPlan(lot_size, plan.sample_size, plan.accept, plan.reject, aql, level, plan.code_letter)


def inspection_problems(plan: InspectionPlan, defects: int, lot: str, status: str) -> list[str]:
    reasons = []
    if status != "quarantine":
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


def percentile(counts: dict[float, int], q: float) -> float | None:
    """Nearest-rank percentile of a histogram {value: count}: the ⌈q·n⌉-th smallest value, the
    inverse of the empirical distribution function (Hyndman & Fan 1996, "Sample quantiles in
    statistical packages", The American Statistician 50(4), definition 1)."""
    n = sum(counts.values())
    if not n:
        return None
    rank, seen = math.ceil(q * n - 1e-9), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None


def measures(*, receipts: int, on_time: int, lead_sum: float, lead_sumsq: float, inspected: int,
             accepted_count: int, defects: int, units_inspected: float, ordered_due: float,
             received_due: float) -> dict:
    """The scorecard's rates from the sums a GROUP BY returns (see service.scorecard).
    Spread is the sample standard deviation, sqrt((Σx² − (Σx)²/n)/(n−1))."""
    mean = lead_sum / receipts if receipts else None
    spread = None
    if receipts > 1:
        spread = math.sqrt(max(0.0, (lead_sumsq - lead_sum * lead_sum / receipts) / (receipts - 1)))
    return {
        "receipts": receipts,
        "on_time_rate": on_time / receipts if receipts else None,
        "lead_time_mean_days": mean,
        "lead_time_spread_days": spread,
        "quantity_accuracy": received_due / ordered_due if ordered_due else None,
        "acceptance_rate": accepted_count / inspected if inspected else None,
        "ppm": defects / units_inspected * 1e6 if units_inspected else None,
    }
