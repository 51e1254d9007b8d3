"""The program API: programs and their lots."""
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from lrip.api import problems
from lrip.api.deps import Page, page, read_db, require
from lrip.api.schemas import IDENTIFIER_PATTERN, Paged
from lrip.auth.models import User
from lrip.program import service
from lrip.program.schemas import LotRow, ProgramRow

router = APIRouter(tags=["programs"], responses=problems.RESPONSES)
ProgramPath = Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN, description="The program code.")]


@router.get("/programs", response_model=Paged[ProgramRow])
def list_programs(p: Page = Depends(page), session: Session = Depends(read_db), _: User = Depends(require("read"))):
    rows = service.list_programs(session)
    return {"items": rows[p.offset:p.offset + p.limit], "total": len(rows), "limit": p.limit, "offset": p.offset}


@router.get("/programs/{program}/lots", response_model=Paged[LotRow])
def list_lots(program: ProgramPath, p: Page = Depends(page), session: Session = Depends(read_db),
              _: User = Depends(require("read"))):
    rows = service.list_lots(session, program)
    return {"items": rows[p.offset:p.offset + p.limit], "total": len(rows), "limit": p.limit, "offset": p.offset}
