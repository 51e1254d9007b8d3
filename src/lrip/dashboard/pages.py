"""The programs list (the home page), a program's dashboard and a lot's units, for program managers and
the floor."""
from fastapi import APIRouter, Request

from lrip.dashboard import service
from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.program.service import show_lot
from lrip.web import charts
from lrip.web.render import render, status_code

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


@router.get("/lots/{number}")
def lot_units(request: Request, number: str, status: str | None = None):
    actor = request.state.web_actor
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            lot = show_lot(session, actor, lot=number)
            units = service.list_units(session, actor, lot=number, status=status or None)
    except LripError as exc:
        return _refused(request, exc)
    return render(request, "lot.html", {"lot": lot, "units": units, "status": status})
