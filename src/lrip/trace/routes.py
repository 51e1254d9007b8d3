"""Traceability API: the genealogy both ways, and a lot's record completeness."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.trace import service
from lrip.trace.schemas import Trace, TraceOptions, UnitCompleteness

router = APIRouter(tags=["trace"], responses=problems.RESPONSES)
IdentifierPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                     description="A unit serial or a material lot number.")]
LotPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="A production lot number.")]
SerialPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The unit's serial.")]


@router.get("/trace/{identifier}", response_model=Trace, openapi_extra=uses(service.trace))
def trace(identifier: IdentifierPath, options: Annotated[TraceOptions, Query()], request: Request,
          actor: Actor = Depends(signed_in)):
    """The genealogy of a unit or material lot, down (backward) or up (forward) every level."""
    with read(request) as session:
        return service.trace(session, actor, identifier=identifier, direction=options.direction, kind=options.kind)


@router.get("/lots/{lot}/completeness", response_model=list[UnitCompleteness],
            openapi_extra=uses(service.completeness))
def lot_completeness(lot: LotPath, request: Request, actor: Actor = Depends(signed_in)):
    """Per unit of the lot: every operation completed, required result recorded and BOM line consumed?"""
    with read(request) as session:
        return service.completeness(session, actor, lot=lot)


@router.get("/units/{serial}/completeness", response_model=UnitCompleteness,
            openapi_extra=uses(service.completeness))
def unit_completeness(serial: SerialPath, request: Request, actor: Actor = Depends(signed_in)):
    """One unit's record: every operation completed, required result recorded and BOM line consumed?"""
    with read(request) as session:
        [unit] = service.completeness(session, actor, serial=serial)
        return unit
