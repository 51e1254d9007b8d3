"""The program dashboard and a lot's unit list, for program managers and the floor."""
from fastapi import APIRouter, Request

from lrip.db import read_session
from lrip.errors import LripError
from lrip.execution.service import list_units
from lrip.program import dashboard
from lrip.program.service import get_lot, list_lots, list_programs
from lrip.web import charts
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)
# the order the progress bar stacks a lot's units in, left to right
PROGRESS = ("complete", "in_work", "on_hold", "scrapped", "planned")


def progress(lot: dict) -> list[dict]:
    """A lot's progress bar: each status's share of the planned quantity (or of the units, if more)."""
    counts = dict(lot["units_by_status"])
    not_created = max(lot["planned_quantity"] - lot["units"], 0)
    whole = max(lot["planned_quantity"], lot["units"], 1)
    parts = [{"status": s, "count": counts.get(s, 0)} for s in PROGRESS]
    parts.append({"status": "not_created", "count": not_created})
    for p in parts:
        p["percent"] = round(100.0 * p["count"] / whole, 2)
    return parts


@router.get("/programs/{code}")
def program_dashboard(request: Request, code: str):
    with read_session(request.app.state.database_url) as session:
        try:
            lots = list_lots(session, code)
            program = next(p for p in list_programs(session) if p["code"] == code)
            wip = dashboard.wip_by_operation(session, code)
            holds = dashboard.open_holds(session, code)
            weeks, per_lot = dashboard.completed_per_week(session, code)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    chart = charts.stacked_bars([f"{w:%d %b}" for w in weeks], per_lot, ylabel="Units completed",
                                title=f"{code}: units completed per week, by lot",
                                legend_title="Lot") if weeks else None
    for lot in lots:
        lot["progress"] = progress(lot)
    return render(request, "dashboard.html", {"program": program, "lots": lots, "wip": wip, "holds": holds,
                                              "chart": chart, "weeks": weeks})


@router.get("/lots/{number}")
def lot_units(request: Request, number: str, status: str | None = None):
    with read_session(request.app.state.database_url) as session:
        try:
            units = list_units(session, number, status=status or None)
            row = get_lot(session, number)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
        lot = {"number": row.number, "program": row.program.code, "phase": row.phase, "status": row.status,
               "planned_quantity": row.planned_quantity}
    return render(request, "lot.html", {"lot": lot, "units": units, "status": status})
