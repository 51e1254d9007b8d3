"""Planning API: the ramp plan's shortages and clear-to-build."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN
from lrip.auth.models import User
from lrip.planning import service
from lrip.planning.schemas import Shortages

router = APIRouter(tags=["planning"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]


@router.get("/programs/{program}/shortages", response_model=Shortages)
def shortages(program: ProgramPath,
              horizon: Annotated[int | None, Query(ge=1, le=520, description="Weeks ahead from this one.")] = None,
              use_observed_lateness: Annotated[bool, Query(
                  description="Expect open orders their supplier's mean observed lateness after the promised date.")]
              = False,
              session: Session = Depends(read_db), _: User = Depends(require("read"))):
    """Per part and week, the ramp plan's demand netted against accepted stock and open PO lines;
    the shortage list and clear-to-build per lot, with reasons."""
    return service.shortages(session, program=program, horizon=horizon, use_observed_lateness=use_observed_lateness)
