"""What nonconformance does when the areas below tell it something (lrip.events): an out-of-spec result
puts the unit on hold under a new NCR; a rejected receipt gets its NCR on the material lot."""
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.events import handles
from lrip.execution.events import HoldPlaced, OutOfSpec
from lrip.nonconformance.ncr import raise_for_incoming, raise_for_out_of_spec
from lrip.supply.events import IncomingRejected, NcrRaised


@handles(OutOfSpec)
def out_of_spec(session: Session, actor: Actor, event: OutOfSpec) -> HoldPlaced:
    return raise_for_out_of_spec(session, actor, event)


@handles(IncomingRejected)
def incoming_rejected(session: Session, actor: Actor, event: IncomingRejected) -> NcrRaised:
    return raise_for_incoming(session, actor, event)
