"""Programs and their lots over HTTP, with their units counted."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from lrip.api import problems
from lrip.api.deps import Page, page, read, signed_in, uses
from lrip.auth.actor import Actor
from lrip.dashboard import service
from lrip.dashboard.schemas import LotRow, ProgramRow
from lrip.fields import IDENTIFIER_PATTERN, Paged

router = APIRouter(tags=["programs"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=60, pattern=IDENTIFIER_PATTERN, description="The program code.")]


def _page(rows: list, p: Page) -> dict:
    return {"items": rows[p.offset:p.offset + p.limit], "total": len(rows), "limit": p.limit, "offset": p.offset}


@router.get("/programs", response_model=Paged[ProgramRow], openapi_extra=uses(service.list_programs))
def list_programs(request: Request, p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """Every program with its lots and its units by status."""
    with read(request) as session:
        return _page(service.list_programs(session, actor), p)


@router.get("/programs/{program}/lots", response_model=Paged[LotRow], openapi_extra=uses(service.list_lots))
def list_lots(program: ProgramPath, request: Request, p: Page = Depends(page), actor: Actor = Depends(signed_in)):
    """The program's lots, oldest first, with their units by status and progress."""
    with read(request) as session:
        return _page(service.list_lots(session, actor, program=program), p)
