"""The supplier scorecard: delivery and incoming quality from supply's receipts, with the NCRs
raised against each supplier. It lives here, above supply and nonconformance, because it reads both."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor, query
from lrip.db import is_postgres, utcnow
from lrip.nonconformance.models import NonConformance, Scar
from lrip.nonconformance.rules import NcrStatus, ScarStatus
from lrip.quality import rules
from lrip.quality.schemas import Period, Scorecard
from lrip.supply.models import PurchaseOrder, PurchaseOrderLine, Receipt, Supplier
from lrip.supply.rules import OrderStatus, ReceiptResult
from lrip.supply.service import days_between



def _period(session: Session, column):
    """The calendar month of a DATE column, 'YYYY-MM' (SQLite stores dates as ISO text)."""
    return func.to_char(column, "YYYY-MM") if is_postgres(session) else func.substr(column, 1, 7)


def _window(column, since: date | None, until: date | None) -> list:
    return ([column >= since] if since else []) + ([column <= until] if until else [])


@query()
def scorecard(session: Session, actor: Actor, *, since: date | None = None, until: date | None = None,
              early_days: int | None = None, late_days: int = 0) -> list[Scorecard]:
    """Per supplier, over receipts received from `since` to `until` (inclusive dates), and per
    calendar month ("periods", for the trend). Sources and definitions:

    - receipts: receipt rows (one per lot or per purchased serial) against PO lines.
    - on_time_rate: share of receipts with received_on ≤ promised_on + late_days (and, when
      early_days is given, ≥ promised_on − early_days): the PO line's promised date.
    - lead_time_mean/p90/spread_days: received_on − the PO's ordered_on, in days; p90 is the
      nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest); spread is the sample standard deviation.
    - quantity_accuracy: over PO lines promised in the window (and not after today), received ÷
      ordered quantity (over-receipt is refused, so at most 1).
    - acceptance_rate: accepted ÷ inspected receipts (incoming inspection).
    - ppm: defects found ÷ units inspected (sample sizes) × 1e6, incoming inspection.
    - ncr_quantity, ncr_ppm: quantity on NCRs against the supplier opened in the window, and
      that ÷ units received × 1e6 (includes nonconformances found later, on the floor).
    - open_ncrs: NCRs against the supplier not closed, today.
    - scars_open, scars_overdue: corrective action requests to the supplier not closed (verified effective)
      today, and those still waiting for the supplier's response after its due date
      (lrip.nonconformance.rules.scar_overdue).

    The receipts are read by one GROUP BY (supplier, month, lead time in days): dates are whole
    days, so that histogram is small (suppliers × months × distinct lead times) whatever the
    number of receipts, and every sum, the mean, the spread and the percentile come from it.
    """
    lead = days_between(session, Receipt.received_on, PurchaseOrder.ordered_on)
    late = days_between(session, Receipt.received_on, PurchaseOrderLine.promised_on)
    on_time = late <= late_days
    if early_days is not None:
        on_time = and_(on_time, late >= -early_days)
    period = _period(session, Receipt.received_on)
    histogram = session.execute(
        select(Receipt.supplier_id, period, lead, func.count(Receipt.id), func.sum(case((on_time, 1), else_=0)),
               func.sum(case((Receipt.result != ReceiptResult.PENDING.value, 1), else_=0)),
               func.sum(case((Receipt.result == ReceiptResult.ACCEPTED.value, 1), else_=0)),
               func.coalesce(func.sum(Receipt.defects_found), 0), func.coalesce(func.sum(Receipt.sample_size), 0),
               func.sum(Receipt.quantity))
        .join(PurchaseOrderLine, PurchaseOrderLine.id == Receipt.line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(*_window(Receipt.received_on, since, until))
        .group_by(Receipt.supplier_id, period, lead)).all()
    sums: dict[tuple, list] = {}  # (supplier id, period or None) -> [counts by lead, on time, inspected, ...]
    for supplier_id, month, days, n, on, inspected, accepted, defects, units, quantity in histogram:
        for key in ((supplier_id, month), (supplier_id, None)):
            acc = sums.setdefault(key, [{}, 0, 0, 0, 0, 0.0, 0.0])
            acc[0][float(days)] = acc[0].get(float(days), 0) + n
            for i, value in enumerate((on, inspected, accepted, defects, units, quantity), start=1):
                acc[i] += value or 0

    as_of = min(until or date.max, utcnow().date())
    promised = _period(session, PurchaseOrderLine.promised_on)
    due: dict[tuple, list] = {}
    for supplier_id, month, ordered, received in session.execute(
            select(PurchaseOrder.supplier_id, promised, func.sum(PurchaseOrderLine.quantity),
                   func.sum(PurchaseOrderLine.quantity_received))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.status != OrderStatus.CANCELLED.value,
                   *_window(PurchaseOrderLine.promised_on, since, as_of))
            .group_by(PurchaseOrder.supplier_id, promised)).all():
        for key in ((supplier_id, month), (supplier_id, None)):
            acc = due.setdefault(key, [0.0, 0.0])
            acc[0] += float(ordered or 0)
            acc[1] += float(received or 0)

    ncr_at = NonConformance.opened_at
    ncr_window = ([ncr_at >= datetime.combine(since, time(), tzinfo=timezone.utc)] if since else []) + \
                 ([ncr_at <= datetime.combine(until, time.max, tzinfo=timezone.utc)] if until else [])
    ncrs = {supplier_id: (quantity, open_count) for supplier_id, quantity, open_count in session.execute(
        select(NonConformance.supplier_id,
               func.sum(case((and_(*ncr_window), NonConformance.quantity), else_=0.0)) if ncr_window
               else func.sum(NonConformance.quantity),
               func.sum(case((NonConformance.status != NcrStatus.CLOSED.value, 1), else_=0)))
        .where(NonConformance.supplier_id.is_not(None)).group_by(NonConformance.supplier_id)).all()}

    today = utcnow().date()
    scars = {supplier_id: (n, late) for supplier_id, n, late in session.execute(
        select(Scar.supplier_id, func.count(Scar.id),
               func.sum(case((and_(Scar.status == ScarStatus.OPEN.value, Scar.due_on < today), 1), else_=0)))
        .where(Scar.status != ScarStatus.CLOSED.value).group_by(Scar.supplier_id)).all()}

    def card(key) -> dict:
        leads, on, inspected, accepted, defects, units, quantity = sums.get(key, [{}, 0, 0, 0, 0, 0.0, 0.0])
        ordered_due, received_due = due.get(key, (0.0, 0.0))
        n = sum(leads.values())
        out = rules.measures(receipts=n, on_time=on, lead_sum=sum(d * c for d, c in leads.items()),
                             lead_sumsq=sum(d * d * c for d, c in leads.items()), inspected=inspected,
                             accepted_count=accepted, defects=defects, units_inspected=float(units),
                             ordered_due=ordered_due, received_due=received_due)
        return out | {"lead_time_p90_days": rules.percentile(leads, 0.9), "quantity_received": float(quantity),
                      "units_inspected": float(units), "defects_found": int(defects)}

    cards = []
    for s in session.execute(select(Supplier).order_by(Supplier.code)).scalars():
        c = card((s.id, None))
        ncr_quantity, open_ncrs = ncrs.get(s.id, (0.0, 0))
        scars_open, scars_overdue = scars.get(s.id, (0, 0))
        ncr_quantity = float(ncr_quantity or 0)
        months = sorted({m for sid, m in (*sums, *due) if sid == s.id and m is not None})
        cards.append(Scorecard(
            supplier=s.code, name=s.name, status=s.status, **c, ncr_quantity=ncr_quantity,
            ncr_ppm=ncr_quantity / c["quantity_received"] * 1e6 if c["quantity_received"] else None,
            open_ncrs=int(open_ncrs or 0), scars_open=int(scars_open), scars_overdue=int(scars_overdue or 0),
            periods=[Period(period=m, **card((s.id, m))) for m in months]))
    return cards
