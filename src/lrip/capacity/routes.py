"""Capacity API: load against capacity for the ramp plan, and the learning curve."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.capacity import service
from lrip.capacity.schemas import Capacity, CapacityOptions, Learning, LearningOptions
from lrip.fields import IDENTIFIER_PATTERN

router = APIRouter(tags=["capacity"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]


@router.get("/programs/{program}/capacity", response_model=Capacity, openapi_extra=uses(service.capacity))
def capacity(program: ProgramPath, options: Annotated[CapacityOptions, Query()], request: Request,
             actor: Actor = Depends(signed_in)):
    """Load, capacity and utilisation per week and work center, the bottleneck, the highest
    sustainable rate, and whether the target rate fits (with the hours or stations to add)."""
    with read(request) as session:
        return service.capacity(session, actor, program=program, rate=options.rate, observed=options.observed,
                                max_utilisation=options.max_utilisation, days_per_week=options.days_per_week)


@router.get("/programs/{program}/learning", response_model=Learning, openapi_extra=uses(service.learning))
def learning(program: ProgramPath, options: Annotated[LearningOptions, Query()], request: Request,
             actor: Actor = Depends(signed_in)):
    """Wright and Crawford fits of hours per unit with the learning rate's 95% interval, and
    projected hours and allowed rate at the FRP quantities."""
    with read(request) as session:
        return service.learning(session, actor, program=program, operation=options.operation,
                                max_utilisation=options.max_utilisation, days_per_week=options.days_per_week)
