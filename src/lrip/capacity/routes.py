"""Capacity API: load against capacity for the ramp plan, and the learning curve."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.capacity import service
from lrip.capacity.schemas import Capacity, Learning

router = APIRouter(tags=["capacity"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]
Utilisation = Annotated[float, Query(gt=0, le=1, description="Utilisation target (0.85 = 85%).")]
Days = Annotated[float, Query(gt=0, le=7, description="Working days in a week (a period).")]


@router.get("/programs/{program}/capacity", response_model=Capacity)
def capacity(program: ProgramPath,
             rate: Annotated[float | None, Query(gt=0, lt=1e6, description="Units a week to check "
                                                                           "(default: the FRP target).")] = None,
             observed: Annotated[bool, Query(description="Median observed LRIP minutes instead of standard.")] = False,
             max_utilisation: Utilisation = 0.85, days_per_week: Days = 5.0,
             session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Load, capacity and utilisation per week and work center, the bottleneck, the highest
    sustainable rate, and whether the target rate fits (with the hours or stations to add)."""
    return service.capacity(session, program=program, rate=rate, observed=observed,
                            max_utilisation=max_utilisation, days_per_week=days_per_week)


@router.get("/programs/{program}/learning", response_model=Learning)
def learning(program: ProgramPath,
             operation: Annotated[str | None, Query(max_length=120, pattern=IDENTIFIER_PATTERN,
                                                    description="One operation: sequence (30) or name.")] = None,
             max_utilisation: Utilisation = 0.85, days_per_week: Days = 5.0,
             session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Wright and Crawford fits of hours per unit with the learning rate's 95% interval, and
    projected hours and allowed rate at the FRP quantities."""
    return service.learning(session, program=program, operation=operation, max_utilisation=max_utilisation,
                            days_per_week=days_per_week)
