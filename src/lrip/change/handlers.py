"""What change control does when a lower area tells it something (lrip.events)."""
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.catalog.events import ReleasedRevisionsSucceeded
from lrip.change.service import succession_refusals, supersede_freed
from lrip.events import handles
from lrip.program.events import LotClosed


@handles(LotClosed)
def lot_closed(session: Session, actor: Actor, event: LotClosed) -> list[str]:
    """A closed lot may free instruction revisions an implemented change kept in effect for it: supersede them."""
    return supersede_freed(session, actor)


@handles(ReleasedRevisionsSucceeded)
def released_revisions_succeeded(session: Session, actor: Actor, event: ReleasedRevisionsSucceeded) -> list[list[str]]:
    """In LRIP and FRP a released revision a program builds on is succeeded only by a change request."""
    return succession_refusals(session, event.successions)
