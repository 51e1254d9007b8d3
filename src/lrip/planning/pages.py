"""The shortages page: the ramp plan's shortage list and clear-to-build per lot, for buyers
and the program manager. It reads only, as the signed-in person, and draws with planning.charts."""
from datetime import date, timedelta

from fastapi import APIRouter, Request

from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse
from lrip.planning import charts, service
from lrip.planning.schemas import ShortagesRequest
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


@router.get("/programs/{code}/shortages")
def shortages_page(request: Request, code: str, horizon: str | None = None, lateness: str | None = None):
    # suppliers' observed lateness counts unless the buyer turns it off: promised dates alone flatter the plan
    late = lateness is None or lateness in ("1", "on", "true")
    try:
        asked = parse(ShortagesRequest, program=code, horizon=horizon or None, use_observed_lateness=late)
        with unit_of_work(request.app.state.database_url, write=False) as session:
            report = service.shortages(session, request.state.web_actor, program=asked.program, horizon=asked.horizon,
                                       use_observed_lateness=asked.use_observed_lateness)
    except LripError as exc:
        return render(request, "message.html", {"title": "Cannot show shortages", "reasons": exc.reasons},
                      status=status_code(exc))
    first = date.fromisoformat(report.first_week)
    weeks = [(first + timedelta(weeks=k)).isoformat() for k in range(report.weeks)]
    chart = charts.shortage_bars(weeks, [s.model_dump() for s in report.shortages],
                                 title=f"{report.program}: quantity short per week, by part",
                                 labels=[w[5:] for w in weeks]) if report.shortages else None
    return render(request, "planning_shortages.html", {"code": report.program, "r": report, "chart": chart,
                                                       "horizon": horizon or "", "lateness": late})
