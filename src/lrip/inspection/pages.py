"""Inspection plans per operation (with their Z1.4 sampling state and history) and first article
inspection records, for quality engineers and inspectors. A form runs its use case as the signed-in
person and redirects; a refusal draws the page again with every reason."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lrip.auth.signatures import signed
from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse, plain_number
from lrip.inspection import export, first_article, plans, rules
from lrip.inspection.schemas import FaiCreate, FaiSign, LotResultIn, PlanSet, Reasoned, pairs
from lrip.stats.sampling import AQLS, LEVELS
from lrip.web.render import act, form_fields, render, status_code
from lrip.web.signing import why_not_sign

router = APIRouter(include_in_schema=False)


def _q(text: str) -> str:
    return quote(str(text), safe="")


def _plan_url(program: str, operation) -> str:
    return f"/programs/{_q(program)}/inspection/{_q(operation)}"


def _fai_url(number: str) -> str:
    return f"/fai/{_q(number)}"


def _reading(request: Request):
    return unit_of_work(request.app.state.database_url, write=False)


def _not_found(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


def _may(request: Request, *use_cases) -> dict[str, bool]:
    """What the signed-in person may do here, by the permissions of the use cases the page offers."""
    return {u.permission: request.state.web_actor.may(u.permission) for u in use_cases}


def _no_form(request: Request, form: str):
    return render(request, "message.html", {"title": "Not found", "reasons": [f"no form {form}"]}, status=404)


# ---------------------------------------------------------------- inspection plans

@router.get("/programs/{program}/inspection")
def plan_list(request: Request, program: str):
    with _reading(request) as session:
        try:
            rows = plans.list_plans(session, request.state.web_actor, program=program)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "inspection_plans.html", {"program": program, "rows": rows, "nav": "quality"})


def _plan_page(request: Request, program: str, operation: str, *, errors: dict | None = None,
               values: dict | None = None, status: int = 200, lot: str = "", resubmitted: bool = False):
    """The plan; with `lot`, that lot's result at the operation counted from the records, to confirm."""
    actor = request.state.web_actor
    errors = dict(errors or {})
    draft = None
    with _reading(request) as session:
        try:
            plan = plans.show_plan(session, actor, program=program, operation=operation)
        except LripError as exc:
            return _not_found(request, exc)
        if lot:
            try:
                draft = plans.lot_result(session, actor, lot=lot, operation=operation, resubmitted=resubmitted)
            except LripError as exc:
                errors.setdefault("lot-result", exc.reasons)
    return render(request, "inspection_plan.html", {
        "p": plan, "draft": draft, "lot": lot, "errors": errors, "values": values or {}, "classes": rules.CLASSES,
        "aqls": AQLS, "levels": LEVELS, "may": _may(request, plans.set_plan, plans.record_lot_result)}, status=status)


@router.get("/programs/{program}/inspection/{operation}")
def plan_page(request: Request, program: str, operation: str, lot: str = "", resubmitted: str = ""):
    return _plan_page(request, program, operation, lot=lot, resubmitted=resubmitted == "on")


def _plan_work(program: str, operation: str, form: str, v: dict):
    """The use case of one form on the plan page, as `work(session, actor) -> message`."""
    def set_(s, actor):
        aql = pairs([f"{k}={v[f'aql_{k}']}" for k in rules.SAMPLED_CLASSES if v.get(f"aql_{k}")], "CLASS",
                    plain_number)
        r = parse(PlanSet, classes={k.removeprefix("class_"): x for k, x in v.items() if k.startswith("class_")},
                  aql=aql, level=v.get("level") or None, reason=v.get("reason") or None)
        plans.set_plan(s, actor, program=program, operation=operation, **r.model_dump())
        return f"Inspection plan of operation {operation} saved."

    def lot_result(s, actor):
        r = parse(LotResultIn, resubmitted=v.get("resubmitted") == "on",
                  production_steady=v.get("irregular") != "on", note=v.get("note") or None)
        done = plans.record_lot_result(s, actor, lot=v.get("lot", ""), operation=operation, **r.model_dump())
        return (f"Lot {done.lot}: {done.decision}; sampling {done.severity_after}"
                + (f" ({done.transition})" if done.transition else "") + ".")

    def approve(s, actor):
        plans.approve_reduced(s, actor, program=program, operation=operation,
                              reason=parse(Reasoned, reason=v.get("reason")).reason)
        return "Reduced inspection approved; it starts after 10 consecutive accepted lots with steady production."

    def corrective(s, actor):
        plans.record_corrective_action(s, actor, program=program, operation=operation,
                                       reason=parse(Reasoned, reason=v.get("reason")).reason)
        return "Corrective action recorded; sampling resumes on tightened inspection."

    forms = {"set": set_, "lot-result": lot_result, "approve-reduced": approve, "corrective-action": corrective}
    return forms.get(form)


@router.post("/programs/{program}/inspection/{operation}/{form}")
async def plan_action(request: Request, program: str, operation: str, form: str):
    values = await form_fields(request)
    work = _plan_work(program, operation, form, values)
    if work is None:
        return _no_form(request, form)

    def again(reasons, status):
        return _plan_page(request, program, operation, errors={form: reasons}, values=values, status=status,
                          lot=values.get("lot", "") if form == "lot-result" else "",
                          resubmitted=values.get("resubmitted") == "on")

    return await run_in_threadpool(act, request, _plan_url(program, operation), work, again)


# ---------------------------------------------------------------- first article inspection

def _fai_list_page(request: Request, *, errors: list | None = None, values: dict | None = None, status: int = 200):
    actor = request.state.web_actor
    program = request.query_params.get("program") or None
    with _reading(request) as session:
        try:
            rows = first_article.list_fais(session, actor, program=program)
            st = first_article.fai_status(session, actor, program=program) if program else None
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "fai_list.html", {"rows": rows, "program": program, "st": st, "errors": errors or [],
                                             "values": values or {}, "nav": "quality",
                                             "may": _may(request, first_article.create_fai)}, status=status)


@router.get("/fai")
def fai_list(request: Request):
    return _fai_list_page(request)


@router.post("/fai")
async def fai_create(request: Request):
    v = await form_fields(request)
    created = {}

    def work(s, actor) -> str:
        r = parse(FaiCreate, serial=v.get("serial"), kind=v.get("kind") or None, reason=v.get("reason") or None,
                  characteristics=v.get("characteristics", "").replace(",", " ").split())
        fai = first_article.create_fai(s, actor, **r.model_dump())
        created["number"] = fai.number
        return f"{fai.number} opened on {fai.serial}."

    def again(reasons, status):
        return _fai_list_page(request, errors=reasons, values=v, status=status)

    response = await run_in_threadpool(act, request, "/fai", work, again)
    return RedirectResponse(_fai_url(created["number"]), status_code=303) if created else response


def _fai_page(request: Request, number: str, *, errors: dict | None = None, status: int = 200):
    actor = request.state.web_actor
    with _reading(request) as session:
        try:
            f = first_article.fai_record(session, actor, number=number)
        except LripError as exc:
            return _not_found(request, exc)
        approve_refusals = _why_not_approve(session, actor, f.number) if f.status != "open" else []
    may = _may(request, first_article.complete_fai, first_article.sign_fai)
    return render(request, "fai_record.html", {"f": f, "errors": errors or {}, "nav": "quality", "may": may,
                                               "approve_refusals": approve_refusals}, status=status)


def _why_not_approve(session, actor, number: str) -> list[str]:
    """Why the signed-in person's approval of a completed FAI would not count (none: it would), by the rule
    first_article.sign_fai applies through sign_decision (the inspector who completed it approves nothing)."""
    fai = first_article.get_fai(session, number)
    return why_not_sign(first_article.FAI_APPROVAL, fai.unit.lot.phase, username=actor.username, roles=actor.roles,
                        given=signed(session, "first_article", fai.number, fai.content), author=fai.completed_by,
                        record=fai.number)


@router.get("/fai/{number}")
def fai_page(request: Request, number: str):
    return _fai_page(request, number)


def _export(request: Request, number: str, build, media_type: str, disposition: str):
    with _reading(request) as session:
        try:
            record = first_article.fai_record(session, request.state.web_actor, number=number)
        except LripError as exc:
            return _not_found(request, exc)
    return Response(build(record), media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/fai/{number}/export.pdf")
def fai_pdf(request: Request, number: str):
    return _export(request, number, export.fai_pdf, "application/pdf", f'inline; filename="{number}.pdf"')


@router.get("/fai/{number}/form3.csv")
def fai_csv(request: Request, number: str):
    return _export(request, number, export.form3_csv, "text/csv", f'attachment; filename="{number}-form3.csv"')


@router.post("/fai/{number}/{form}")
async def fai_action(request: Request, number: str, form: str):
    v = await form_fields(request)

    def complete(s, actor) -> str:
        first_article.complete_fai(s, actor, number=number)
        return f"{number} completed; its forms are frozen for signature."

    def sign(s, actor) -> str:
        r = parse(FaiSign, password=v.get("password"), meaning=v.get("meaning") or "approved",
                  role=v.get("role") or None)
        signed = first_article.sign_fai(s, actor, number=number, **r.model_dump())
        return f"{signed.number} signed {signed.meaning}; it is {signed.status}."

    work = {"complete": complete, "sign": sign}.get(form)
    if work is None:
        return _no_form(request, form)

    def again(reasons, status):
        return _fai_page(request, number, errors={form: reasons}, status=status)

    return await run_in_threadpool(act, request, _fai_url(number), work, again)
