"""Quality pages: the dashboard (yield by lot, DPU, defect Pareto, NCR aging), the list of a
program's characteristics with Cpk and status, and one characteristic's control chart and
capability. Read-only; each asks the service and draws with quality.charts."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lrip.auth.permissions import check
from lrip.db import read_session
from lrip.errors import LripError
from lrip.program.service import list_programs
from lrip.quality import charts, service
from lrip.web.render import render, status_code, whole

router = APIRouter(include_in_schema=False)
CHART_NAMES = {"imr": "Individuals and moving range", "xbar-r": "X̄ and R", "xbar-s": "X̄ and S",
               "p": "Fraction failed (p) by lot"}


def _refused(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Cannot show this", "reasons": exc.reasons},
                  status=status_code(exc))


@router.get("/quality")
def quality_home(request: Request):
    """Straight to the program's quality dashboard when there is one program; else pick one."""
    check(request.state.web_user, "read")
    with read_session(request.app.state.database_url) as session:
        programs = list_programs(session)
    if len(programs) == 1:
        return RedirectResponse(f"/programs/{quote(programs[0]['code'], safe='')}/quality", status_code=303)
    return render(request, "quality_index.html", {"programs": programs})


@router.get("/programs/{code}/quality")
def quality_dashboard(request: Request, code: str, phase: str | None = None):
    check(request.state.web_user, "read")
    with read_session(request.app.state.database_url) as session:
        try:
            figures = service.dashboard(session, program=code, phase=phase or None)
            key = service.characteristics_overview(session, program=code, phase=phase or None, key_only=True)
        except LripError as exc:
            return _refused(request, exc)
    by_lot = figures["by_lot"]
    lots = [g["group"] for g in by_lot["groups"]]
    drawn = {
        "yield": charts.yield_by_lot(lots, [g["fpy"] for g in by_lot["groups"]], [g["rty"] for g in by_lot["groups"]],
                                     title=f"{code}: first-pass yield and RTY by lot") if lots else None,
        "dpu": charts.dpu_trend(lots, [g["dpu"] for g in by_lot["groups"]],
                                title=f"{code}: defects per unit by lot") if lots else None,
        "pareto": charts.defect_pareto([p["category"] for p in by_lot["pareto"]],
                                       [p["count"] for p in by_lot["pareto"]],
                                       title=f"{code}: defect Pareto") if by_lot["pareto"] else None,
        "aging": charts.ncr_aging([a["bucket"] for a in by_lot["ncr_aging"]],
                                  [a["count"] for a in by_lot["ncr_aging"]],
                                  title=f"{code}: open NCRs by age")
        if by_lot["ncr_aging"] and any(a["count"] for a in by_lot["ncr_aging"]) else None,
    }
    return render(request, "quality_dashboard.html", {"code": code, "phase": phase or "", "by_lot": by_lot,
                                                      "by_op": figures["by_operation"], "charts": drawn, "key_chars": key})


@router.get("/programs/{code}/spc")
def characteristic_list(request: Request, code: str, phase: str | None = None):
    check(request.state.web_user, "read")
    with read_session(request.app.state.database_url) as session:
        try:
            rows = service.characteristics_overview(session, program=code, phase=phase or None)
        except LripError as exc:
            return _refused(request, exc)
    return render(request, "spc_list.html", {"code": code, "phase": phase or "", "rows": rows,
                                             "target": service.CPK_TARGET})


@router.get("/programs/{code}/spc/{characteristic}")
def characteristic_chart(request: Request, code: str, characteristic: str, phase: str | None = None,
                         chart: str | None = None, rules: str = "nelson", baseline: str | None = None):
    check(request.state.web_user, "read")
    form = {"phase": phase or "", "chart": chart or "", "rules": rules, "baseline": baseline or ""}
    with read_session(request.app.state.database_url) as session:
        try:
            result = service.characteristic_spc(session, program=code, characteristic=characteristic,
                                                phase=phase or None, chart=chart or None, rules=rules,
                                                baseline=whole(baseline, "the baseline"))
        except LripError as exc:
            return _refused(request, exc)
    title = f"{code} {result['characteristic']}: {CHART_NAMES[result['chart']]} chart"
    control = charts.control_chart(result, title=title)
    cap = result["capability"]
    histogram = None
    if cap:
        values = result["values"] or result["points"]
        base = values[: result["baseline"] * (len(values) // len(result["points"]))]
        histogram = charts.capability_histogram(base, lsl=result["lsl"], usl=result["usl"],
                                                mean=sum(base) / len(base), sigma_within=cap["sigma_within"],
                                                sigma_overall=cap["sigma_overall"],
                                                title=f"{code} {result['characteristic']}: capability")
    flagged = {}
    for v in result["violations"]:
        flagged.setdefault(v["index"], []).append(v["rule"])
    violations = [{"index": i, "label": result["labels"][i], "point": result["points"][i], "rules": rules_hit}
                  for i, rules_hit in sorted(flagged.items())]
    return render(request, "spc_chart.html", {"code": code, "r": result, "control": control, "histogram": histogram,
                                              "violations": violations, "form": form, "chart_name":
                                              CHART_NAMES[result["chart"]], "target": service.CPK_TARGET,
                                              "status": service.status_of(cap and cap["cpk"], len(violations),
                                                                          result["n_points"])})
