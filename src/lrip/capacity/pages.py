"""The capacity page (utilisation per work center at the target rate and over the ramp plan)
and the learning-curve page (actual against fitted hours per unit). Read-only; each asks
capacity.service and draws with capacity.charts."""
from fastapi import APIRouter, Request

from lrip.auth.permissions import check
from lrip.capacity import charts, service
from lrip.catalog.models import Routing
from lrip.db import read_session
from lrip.errors import Invalid, LripError
from lrip.program.service import get_program
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


def _refused(request: Request, title: str, exc: LripError):
    return render(request, "message.html", {"title": title, "reasons": exc.reasons}, status=status_code(exc))


def _number(value: str | None, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise Invalid("page_invalid", f"{name} must be a number, not {value}") from None


@router.get("/programs/{code}/capacity")
def capacity_page(request: Request, code: str, rate: str | None = None, observed: str | None = None):
    check(request.state.web_user, "read")
    seen = observed in ("1", "on", "true")
    with read_session(request.app.state.database_url) as session:
        try:
            r = service.capacity(session, program=code, rate=_number(rate, "The rate"), observed=seen)
        except LripError as exc:
            return _refused(request, "Cannot show capacity", exc)
    target = r["max_utilisation"]
    bars = charts.utilisation_bars([{"label": c["code"], "utilisation": c["utilisation_at_target"]}
                                    for c in r["work_centers"]], target=target,
                                   title=f"{code}: utilisation per work center at {r['target_rate']:g} units a week")
    plan = charts.plan_utilisation(
        [p["period"][5:] for p in r["periods"]],
        {c["code"]: [p["centers"][i]["utilisation"] for p in r["periods"]] for i, c in enumerate(r["work_centers"])},
        target=target, title=f"{code}: utilisation per week of the ramp plan") if r["periods"] else None
    return render(request, "capacity_capacity.html", {"code": code, "r": r, "bars": bars, "plan": plan,
                                                      "rate": rate or "", "observed": seen})


@router.get("/programs/{code}/learning")
def learning_page(request: Request, code: str, operation: str | None = None):
    check(request.state.web_user, "read")
    with read_session(request.app.state.database_url) as session:
        try:
            prog = get_program(session, code)
            routing: Routing = service.current_routing(session, prog)
            operations = [{"sequence": op.sequence, "name": op.name} for op in routing.operations]
            r = service.learning(session, program=code, operation=operation or None)
        except LripError as exc:
            return _refused(request, "Cannot show the learning curve", exc)
    units = [u["unit"] for u in r["units"]]
    chart = charts.learning_curve(
        units, [u["hours"] for u in r["units"]],
        {f"Crawford {r['crawford']['learning_rate']:.1%}": [u["crawford"] for u in r["units"]],
         f"Wright {r['wright']['learning_rate']:.1%} (unit hours implied)": [u["wright"] for u in r["units"]]},
        projections=[(p["label"], p["unit"], p["crawford_hours"]) for p in r["projections"]
                     if p["label"] != "next unit"],
        title=f"{code}: hours per unit, actual against fitted")
    return render(request, "capacity_learning.html", {"code": code, "r": r, "chart": chart,
                                                      "operations": operations, "operation": operation or ""})
