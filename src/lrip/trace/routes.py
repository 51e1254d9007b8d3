"""Traceability API: the genealogy both ways, and a lot's record completeness."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.trace import service
from lrip.trace.schemas import Trace, UnitCompleteness

router = APIRouter(tags=["trace"], responses=problems.RESPONSES)
Identifier = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN,
                                 description="A unit serial or a material lot number.")]


@router.get("/trace/{identifier}", response_model=Trace, response_model_exclude_none=True)
def trace(identifier: Identifier,
          direction: Annotated[Literal["backward", "forward"], Query(
              description="backward: what is in it; forward: what it is in (the recall question).")] = "backward",
          kind: Annotated[Literal["unit", "material_lot"] | None, Query(
              description="Read the identifier as this kind (when it is both a serial and a lot number).")] = None,
          session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """The genealogy of a unit or material lot, down (backward) or up (forward) every level."""
    return service.trace(session, identifier, direction=direction, kind=kind)


@router.get("/lots/{lot}/completeness", response_model=list[UnitCompleteness])
def lot_completeness(lot: Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN)],
                     session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Per unit of the lot: every operation completed, required result recorded and BOM line consumed?"""
    return service.completeness(session, lot=lot)


@router.get("/units/{serial}/completeness", response_model=UnitCompleteness)
def unit_completeness(serial: Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN)],
                      session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """One unit's record: every operation completed, required result recorded and BOM line consumed?"""
    return service.completeness(session, serial=serial)[0]
