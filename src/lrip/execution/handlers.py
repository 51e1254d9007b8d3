"""What the shop floor does when a lower area tells it something (lrip.events)."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.errors import verdict
from lrip.events import handles
from lrip.execution.models import Unit
from lrip.execution.rules import UnitStatus
from lrip.program.events import LotClosed
from lrip.program.service import record_lot_results

UNFINISHED = {UnitStatus.IN_WORK: "in work", UnitStatus.ON_HOLD: "on hold"}


@handles(LotClosed)
def lot_closed(session: Session, actor: Actor, event: LotClosed) -> dict[str, int]:
    """A lot closes only when none of its units is in work or on hold; its units by status are then its
    results, kept on the lot (a pilot lot's are what the move to LRIP reviews)."""
    units = session.execute(select(Unit.serial, Unit.status).where(Unit.lot_id == event.lot_id)
                            .order_by(Unit.position)).all()
    open_ = [f"{serial} is {UNFINISHED[status]}" for serial, status in units if status in UNFINISHED]
    verdict([f"lot {event.number} still has units to finish, scrap or disposition: {', '.join(open_[:20])}"
             + (f" and {len(open_) - 20} more" if len(open_) > 20 else "")] if open_ else []
            ).raise_if_refused("lot_refused")
    results: dict[str, int] = {}
    for _, status in units:
        results[status] = results.get(status, 0) + 1
    record_lot_results(session, event.lot_id, results)
    return results
