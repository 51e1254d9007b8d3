"""What inspection does when the areas below tell it something (lrip.events): a lot created under a
sampling policy gets the units its Z1.4 samples pick stored on it."""
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.events import handles
from lrip.inspection.plans import store_lot_sample
from lrip.program.events import LotCreated
from lrip.program.models import Lot


@handles(LotCreated)
def lot_created(session: Session, actor: Actor, event: LotCreated) -> None:
    store_lot_sample(session, actor, session.get(Lot, event.lot_id))
