"""What change control does when a lower area tells it something (lrip.events)."""
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.change.service import supersede_freed
from lrip.events import handles
from lrip.program.events import LotClosed


@handles(LotClosed)
def lot_closed(session: Session, actor: Actor, event: LotClosed) -> list[str]:
    """A closed lot may free instruction revisions an implemented change kept in effect for it: supersede them."""
    return supersede_freed(session, actor)
