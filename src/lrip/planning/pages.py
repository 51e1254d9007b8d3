"""The shortages page: the ramp plan's shortage list and clear-to-build per lot, for buyers
and the program manager. Read-only; asks planning.service and draws with planning.charts."""
from datetime import date, timedelta

from fastapi import APIRouter, Request

from lrip.auth.permissions import check
from lrip.db import read_session
from lrip.errors import LripError
from lrip.planning import charts, service
from lrip.web.render import render, status_code, whole

router = APIRouter(include_in_schema=False)


@router.get("/programs/{code}/shortages")
def shortages_page(request: Request, code: str, horizon: str | None = None, lateness: str | None = None):
    check(request.state.web_user, "read")
    late = lateness in ("1", "on", "true")
    with read_session(request.app.state.database_url) as session:
        try:
            report = service.shortages(session, program=code, horizon=whole(horizon, "The horizon"),
                                       use_observed_lateness=late)
        except LripError as exc:
            return render(request, "message.html", {"title": "Cannot show shortages", "reasons": exc.reasons},
                          status=status_code(exc))
    first = date.fromisoformat(report["first_week"])
    weeks = [(first + timedelta(weeks=k)).isoformat() for k in range(report["weeks"])]
    chart = charts.shortage_bars(weeks, report["shortages"], title=f"{code}: quantity short per week, by part",
                                 labels=[w[5:] for w in weeks]) if report["shortages"] else None
    return render(request, "planning_shortages.html", {"code": code, "r": report, "chart": chart,
                                                       "horizon": horizon or "", "lateness": late})
