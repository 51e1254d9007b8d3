"""A unit's traveler over HTTP: its as-built record and what blocks its next operation."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.traveler import service
from lrip.traveler.schemas import Traveler

router = APIRouter(tags=["shop floor"], responses=problems.RESPONSES)
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]


@router.get("/units/{serial}", response_model=Traveler, openapi_extra=uses(service.traveler))
def traveler(serial: SerialPath, request: Request, actor: Actor = Depends(signed_in)):
    """The unit's traveler: its as-built record, its holds, and what blocks the next operation."""
    with read(request) as session:
        return service.traveler(session, actor, serial=serial)
