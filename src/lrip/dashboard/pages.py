"""The programs list (the home page), a program's dashboard and a lot's units, for program managers and
the floor; on a lot's page, the form that creates many units at once and the button that prints their
travelers and labels (lrip.labels)."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lrip.dashboard import service
from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.execution import service as execution
from lrip.execution.schemas import UnitsCreate
from lrip.fields import parse
from lrip.program.service import show_lot
from lrip.web import charts
from lrip.web.render import act, form_fields, render, status_code

router = APIRouter(include_in_schema=False)


def _refused(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


@router.get("/")
def home(request: Request):
    with unit_of_work(request.app.state.database_url, write=False) as session:
        programs = service.list_programs(session, request.state.web_actor)
    return render(request, "home.html", {"programs": programs})


@router.get("/programs/{code}")
def program_dashboard(request: Request, code: str):
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            d = service.program_dashboard(session, request.state.web_actor, program=code)
    except LripError as exc:
        return _refused(request, exc)
    chart = charts.stacked_bars([f"{w:%d %b}" for w in d.weeks], d.completed_per_week, ylabel="Units completed",
                                title=f"{d.program.code}: units completed per week, by lot",
                                legend_title="Lot") if d.weeks else None
    return render(request, "dashboard.html", {"program": d.program, "lots": d.lots, "wip": d.wip, "holds": d.holds,
                                              "chart": chart, "weeks": d.weeks})


def _lot_page(request: Request, number: str, status: str | None = None, *, reasons: list[str] | None = None,
              values: dict | None = None, code: int = 200):
    actor = request.state.web_actor
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            lot = show_lot(session, actor, lot=number)
            units = service.list_units(session, actor, lot=number, status=status or None)
    except LripError as exc:
        return _refused(request, exc)
    return render(request, "lot.html", {"lot": lot, "units": units, "status": status, "reasons": reasons or [],
                                        "values": values or {}, "can_create": actor.may("unit.create")},
                  status=code)


@router.get("/lots/{number}")
def lot_units(request: Request, number: str, status: str | None = None):
    return _lot_page(request, number, status)


@router.post("/lots/{number}/units")
async def create_units(request: Request, number: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        by_range = bool(v.get("first") or v.get("last"))
        r = parse(UnitsCreate, **({"first": v.get("first"), "last": v.get("last")} if by_range else
                                  {"count": v.get("count"), "pattern": v.get("pattern"), "start": v.get("start") or "1"}))
        made = execution.create_units(session, actor, lot=number, serials=r.serials())
        return f"Created {made.count} units in lot {made.lot}: {made.serials[0]} to {made.serials[-1]}."

    return await run_in_threadpool(act, request, f"/lots/{quote(number, safe='')}", work, lambda reasons, status:
                                   _lot_page(request, number, reasons=reasons, values=v, code=status))
