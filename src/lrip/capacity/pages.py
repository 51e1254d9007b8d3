"""The capacity page (utilisation per work center at the target rate and over the ramp plan)
and the learning-curve page (actual against fitted hours per unit). They read only, as the
signed-in person; each asks capacity.service and draws with capacity.charts."""
from fastapi import APIRouter, Request

from lrip.capacity import charts, service
from lrip.capacity.schemas import CapacityRequest, LearningRequest
from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


def _refused(request: Request, title: str, exc: LripError):
    return render(request, "message.html", {"title": title, "reasons": exc.reasons}, status=status_code(exc))


@router.get("/programs/{code}/capacity")
def capacity_page(request: Request, code: str, rate: str | None = None, observed: str | None = None):
    seen = observed in ("1", "on", "true")
    try:
        asked = parse(CapacityRequest, program=code, rate=rate or None, observed=seen)
        with unit_of_work(request.app.state.database_url, write=False) as session:
            r = service.capacity(session, request.state.web_actor, program=asked.program, rate=asked.rate,
                                 observed=asked.observed)
    except LripError as exc:
        return _refused(request, "Cannot show capacity", exc)
    target = r.max_utilisation
    bars = charts.utilisation_bars([{"label": c.code, "utilisation": c.utilisation_at_target} for c in r.work_centers],
                                   target=target,
                                   title=f"{r.program}: utilisation per work center at {r.target_rate:g} units a week")
    plan = charts.plan_utilisation(
        [p.period[5:] for p in r.periods],
        {c.code: [p.centers[i].utilisation for p in r.periods] for i, c in enumerate(r.work_centers)},
        target=target, title=f"{r.program}: utilisation per week of the ramp plan") if r.periods else None
    return render(request, "capacity_capacity.html", {"code": r.program, "r": r, "bars": bars, "plan": plan,
                                                      "rate": rate or "", "observed": seen})


@router.get("/programs/{code}/learning")
def learning_page(request: Request, code: str, operation: str | None = None):
    try:
        asked = parse(LearningRequest, program=code, operation=operation or None)
        with unit_of_work(request.app.state.database_url, write=False) as session:
            r = service.learning(session, request.state.web_actor, program=asked.program, operation=asked.operation)
    except LripError as exc:
        return _refused(request, "Cannot show the learning curve", exc)
    chart = charts.learning_curve(
        [u.unit for u in r.units], [u.hours for u in r.units],
        {f"Crawford {r.crawford.learning_rate:.1%}": [u.crawford for u in r.units],
         f"Wright {r.wright.learning_rate:.1%} (unit hours implied)": [u.wright for u in r.units]},
        projections=[(p.label, p.unit, p.crawford_hours) for p in r.projections if p.label != "next unit"],
        title=f"{r.program}: hours per unit, actual against fitted")
    return render(request, "capacity_learning.html", {"code": r.program, "r": r, "chart": chart,
                                                      "operations": r.operations, "operation": operation or ""})
