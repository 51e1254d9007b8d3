"""Inspection plans per operation (with their Z1.4 sampling state and history) and first article
inspection records, for quality engineers and inspectors.

Every action is checked with lrip.auth.permissions.check, then done by lrip.inspection.service
as the signed-in user; a refusal shows the page again with every reason, a success redirects."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed
from lrip.db import read_session
from lrip.errors import LripError
from lrip.inspection import export, rules, service
from lrip.quality.sampling import AQLS, LEVELS
from lrip.web.render import act, form_fields, render, status_code

router = APIRouter(include_in_schema=False)


def _q(text: str) -> str:
    return quote(str(text), safe="")


def _plan_url(program: str, operation) -> str:
    return f"/programs/{_q(program)}/inspection/{_q(operation)}"


def _fai_url(number: str) -> str:
    return f"/fai/{_q(number)}"


def _may(request: Request, *actions: str) -> dict:
    roles = request.state.web_user.roles or []
    return {a: allowed(roles, a) for a in actions}


def _not_found(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


# ---------------------------------------------------------------- inspection plans


@router.get("/programs/{program}/inspection")
def plans(request: Request, program: str):
    with read_session(request.app.state.database_url) as session:
        try:
            rows = service.list_plans(session, program=program)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "inspection_plans.html", {"program": program, "rows": rows, "nav": "quality"})


def _plan_page(request: Request, program: str, operation: str, *, errors: dict | None = None,
               values: dict | None = None, status: int = 200):
    with read_session(request.app.state.database_url) as session:
        try:
            plan = service.show_plan(session, program=program, operation=operation)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "inspection_plan.html", {
        "p": plan, "errors": errors or {}, "values": values or {}, "classes": rules.CLASSES,
        "aqls": AQLS, "levels": LEVELS, "may": _may(request, "inspection.plan", "inspection.lot")}, status=status)


@router.get("/programs/{program}/inspection/{operation}")
def plan(request: Request, program: str, operation: str):
    return _plan_page(request, program, operation)


@router.post("/programs/{program}/inspection/{operation}/{form}")
async def plan_action(request: Request, program: str, operation: str, form: str):
    values = await form_fields(request)
    if form not in PLAN_FORMS:
        return render(request, "message.html", {"title": "Not found", "reasons": [f"no form {form}"]}, status=404)
    action, work = PLAN_FORMS[form]

    def again(reasons, status):
        return _plan_page(request, program, operation, errors={form: reasons}, values=values, status=status)

    return await run_in_threadpool(act, request, action, _plan_url(program, operation),
                                   lambda s, who: work(s, who, program, operation, values), again)


def _set(s: Session, who: str, program: str, operation: str, v: dict) -> str:
    classes = {k[len("class_"):]: val for k, val in v.items() if k.startswith("class_")}
    aql = service.parse_pairs([f"{k}={v[f'aql_{k}']}" for k in rules.SAMPLED_CLASSES if v.get(f"aql_{k}")],
                              "CLASS", float)
    service.set_plan(s, program=program, operation=operation, classes=classes, aql=aql,
                     level=v.get("level") or None, reason=v.get("reason") or None, actor=who)
    return f"Inspection plan of operation {operation} saved."


def _lot_result(s: Session, who: str, program: str, operation: str, v: dict) -> str:
    defects = service.parse_pairs([f"{k}={v[k]}" for k in rules.SAMPLED_CLASSES if v.get(k, "").strip()],
                                  "CLASS", int) or None
    r = service.record_lot_result(s, lot=v.get("lot", ""), operation=operation, actor=who, defects=defects,
                                  resubmitted=v.get("resubmitted") == "on",
                                  production_steady=v.get("irregular") != "on", note=v.get("note") or None)
    return (f"Lot {r['lot']}: {r['decision']}; sampling {r['severity_after']}"
            + (f" ({r['transition']})" if r["transition"] else "") + ".")


def _approve(s: Session, who: str, program: str, operation: str, v: dict) -> str:
    service.approve_reduced(s, program=program, operation=operation, reason=v.get("reason", ""), actor=who)
    return "Reduced inspection approved; it starts after 10 consecutive accepted lots with steady production."


def _corrective(s: Session, who: str, program: str, operation: str, v: dict) -> str:
    service.record_corrective_action(s, program=program, operation=operation, reason=v.get("reason", ""), actor=who)
    return "Corrective action recorded; sampling resumes on tightened inspection."


PLAN_FORMS = {"set": ("inspection.plan", _set), "lot-result": ("inspection.lot", _lot_result),
              "approve-reduced": ("inspection.plan", _approve), "corrective-action": ("inspection.plan", _corrective)}


# ---------------------------------------------------------------- first article inspection


def _fai_list_page(request: Request, *, errors: list | None = None, values: dict | None = None, status: int = 200):
    program = request.query_params.get("program") or None
    with read_session(request.app.state.database_url) as session:
        try:
            rows = service.list_fais(session, program=program)
            st = service.fai_status(session, program=program) if program else None
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "fai_list.html", {"rows": rows, "program": program, "st": st, "errors": errors or [],
                                             "values": values or {}, "may": _may(request, "fai.record"),
                                             "nav": "quality"}, status=status)


@router.get("/fai")
def fai_list(request: Request):
    return _fai_list_page(request)


@router.post("/fai")
async def fai_create(request: Request):
    v = await form_fields(request)

    def work(s: Session, who: str) -> str:
        kind = v.get("kind") or None
        chars = v.get("characteristics", "").replace(",", " ").split()
        fai = service.create_fai(s, serial=v.get("serial", "").strip(), actor=who, kind=kind, characteristics=chars,
                                 reason=v.get("reason") or None)
        request.state.created = fai.number
        return f"{fai.number} opened on {v.get('serial', '').strip()}."

    def again(reasons, status):
        return _fai_list_page(request, errors=reasons, values=v, status=status)

    response = await run_in_threadpool(act, request, "fai.record", "/fai", work, again)
    created = getattr(request.state, "created", None)
    return RedirectResponse(_fai_url(created), status_code=303) if created else response


def _fai_page(request: Request, number: str, *, errors: dict | None = None, status: int = 200):
    with read_session(request.app.state.database_url) as session:
        try:
            f = service.fai_record(session, number)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "fai_record.html", {"f": f, "errors": errors or {}, "nav": "quality",
                                               "may": _may(request, "fai.record", "signature.sign")}, status=status)


@router.get("/fai/{number}")
def fai_record(request: Request, number: str):
    return _fai_page(request, number)


@router.get("/fai/{number}/export.pdf")
def fai_pdf(request: Request, number: str):
    with read_session(request.app.state.database_url) as session:
        try:
            record = service.fai_record(session, number)
        except LripError as exc:
            return _not_found(request, exc)
    return Response(export.fai_pdf(record), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


@router.get("/fai/{number}/form3.csv")
def fai_csv(request: Request, number: str):
    with read_session(request.app.state.database_url) as session:
        try:
            record = service.fai_record(session, number)
        except LripError as exc:
            return _not_found(request, exc)
    return Response(export.form3_csv(record), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{number}-form3.csv"'})


@router.post("/fai/{number}/{form}")
async def fai_action(request: Request, number: str, form: str):
    v = await form_fields(request)
    if form == "complete":
        action = "fai.record"

        def work(s: Session, who: str) -> str:
            service.complete_fai(s, number=number, actor=who)
            return f"{number} completed; its forms are frozen for signature."
    elif form == "sign":
        action = "signature.sign"

        def work(s: Session, who: str) -> str:
            r = service.sign_fai(s, number=number, username=who, password=v.get("password", ""),
                                 meaning=v.get("meaning", "approved"), role=v.get("role") or None)
            return f"{number} signed {r['meaning']}; it is {r['status']}."
    else:
        return render(request, "message.html", {"title": "Not found", "reasons": [f"no form {form}"]}, status=404)

    def again(reasons, status):
        return _fai_page(request, number, errors={form: reasons}, status=status)

    return await run_in_threadpool(act, request, action, _fai_url(number), work, again)
