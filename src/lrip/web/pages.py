"""Pages for people. For now: one plain page listing programs, lots and units."""
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lrip.db import read_session
from lrip.execution.service import list_units
from lrip.program.service import list_lots, list_programs

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request):
    with read_session(request.app.state.database_url) as session:
        programs = list_programs(session)
        for p in programs:
            p["lot_rows"] = list_lots(session, p["code"])
            for lot in p["lot_rows"]:
                lot["unit_rows"] = list_units(session, lot["number"])
    return templates.TemplateResponse(request, "home.html", {"programs": programs})
