"""Planning API: the ramp plan's shortages and clear-to-build."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from lrip.api import problems
from lrip.api.deps import read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.fields import IDENTIFIER_PATTERN
from lrip.planning import service
from lrip.planning.schemas import Shortages, ShortagesOptions

router = APIRouter(tags=["planning"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]


@router.get("/programs/{program}/shortages", response_model=Shortages, openapi_extra=uses(service.shortages))
def shortages(program: ProgramPath, options: Annotated[ShortagesOptions, Query()], request: Request,
              actor: Actor = Depends(signed_in)):
    """Per part and week, the ramp plan's demand netted against accepted stock and open PO lines;
    the shortage list and clear-to-build per lot, with reasons."""
    with read(request) as session:
        return service.shortages(session, actor, program=program, horizon=options.horizon,
                                 use_observed_lateness=options.use_observed_lateness)
