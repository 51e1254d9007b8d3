"""What the readiness gate answers when a lower area asks it (lrip.events)."""
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor
from lrip.events import handles
from lrip.quality.events import TargetsAsked
from lrip.readiness.service import quality_targets


@handles(TargetsAsked)
def targets_asked(session: Session, actor: Actor, event: TargetsAsked) -> dict[str, float]:
    return quality_targets(session, event.program)
