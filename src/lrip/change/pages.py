"""Change control pages: the list with the change traffic chart and a form to raise a change;
one change request with its impact analysis, its signatures (the password asked again) and the
actions its state allows. Forms parse through change control's request schemas and are done by
lrip.change.service as the signed-in person; a refusal shows the page again with every reason."""
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lrip.change import service
from lrip.change.charts import traffic_chart
from lrip.change.rules import ItemSpec
from lrip.change.schemas import ChangeCreate, ReasonRequest, SignRequest
from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse
from lrip.program.service import list_programs
from lrip.auth.signatures import signed
from lrip.web.render import act, form_fields, render, status_code
from lrip.web.signing import why_not_sign

router = APIRouter(include_in_schema=False)
TRAFFIC_WEEKS = 12
USE_CASES = {"submit": service.submit_change, "sign": service.sign_change, "approve": service.approve_change,
             "implement": service.implement_change, "reject": service.reject_change,
             "cancel": service.cancel_change}
"""The page's forms and the use case each runs (whose permission decides whether it is offered)."""


def _url(number: str) -> str:
    return f"/changes/{quote(number, safe='')}"


def _list_page(request: Request, *, program: str | None, status: str | None, errors: list[str] | None = None,
               values: dict | None = None, code: int = 200):
    actor = request.state.web_actor
    with unit_of_work(request.app.state.database_url, write=False) as session:
        programs = [p.code for p in list_programs(session, actor)]
        program = program or (programs[0] if programs else None)
        try:
            rows = service.list_changes(session, actor, program=program, status=status or None) if program else []
            weeks = service.change_traffic(session, actor, program=program, weeks=TRAFFIC_WEEKS) if program else []
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    chart = traffic_chart(weeks, title=f"{program}: change requests per week (latest step), by class") if weeks else None
    return render(request, "change_list.html", {
        "program": program, "programs": programs, "status": status, "rows": rows, "chart": chart, "weeks": weeks,
        "may_raise": actor.may(service.create_change.permission), "errors": errors or [], "values": values or {}},
        status=code)


@router.get("/changes")
def changes(request: Request, program: str | None = None, status: str | None = None):
    return _list_page(request, program=program, status=status)


@router.post("/changes")
async def raise_change(request: Request):
    v = await form_fields(request)
    raised = []

    def work(session, actor) -> str:
        r = parse(ChangeCreate, program=v.get("program"), title=v.get("title"), reason=v.get("reason"),
                  description=v.get("description"), change_class=v.get("change_class"),
                  urgency=v.get("urgency") or None, effectivity=v.get("effectivity") or None,
                  effectivity_serial=v.get("effectivity_serial") or None,
                  items=[line.strip() for line in v.get("items", "").splitlines() if line.strip()])
        change = service.create_change(
            session, actor, program=r.program, title=r.title, reason=r.reason, description=r.description,
            change_class=r.change_class, urgency=r.urgency, effectivity=r.effectivity,
            effectivity_serial=r.effectivity_serial,
            items=[ItemSpec(i.kind, i.identifier, i.from_revision, i.to_revision) for i in r.items])
        raised.append(change.number)
        return f"{change.number} raised as a draft: submit it when it is complete."

    response = await run_in_threadpool(act, request, "/changes", work, lambda reasons, code: _list_page(
        request, program=v.get("program"), status=None, errors=reasons, values=v, code=code))
    if raised:
        response.headers["location"] = _url(raised[0])
    return response


def _detail_page(request: Request, number: str, *, errors: dict | None = None, code: int = 200):
    actor = request.state.web_actor
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            c = service.change_detail(session, actor, number=number)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
        sign_refusals = _why_not_sign(session, actor, c.number) if c.status == "submitted" else []
    may = {form: actor.may(use_case.permission) for form, use_case in USE_CASES.items()}
    return render(request, "change_detail.html", {"c": c, "may": may, "errors": errors or {},
                                                  "sign_refusals": sign_refusals}, status=code)


def _why_not_sign(session, actor, number: str) -> list[str]:
    """Why the signed-in person's approval would not count on the change (none: it would), by the rule
    service.sign_change applies through sign_decision (the author signs no independent approval)."""
    change = service.get_change(session, number)
    phase, also = service._signed_in(session, change)
    return why_not_sign(service.CHANGE, phase, username=actor.username, roles=actor.roles, also=also,
                        given=signed(session, service.RECORD, change.number, service._content(change)),
                        author=change.raised_by.username, record=change.number)


@router.get("/changes/{number}")
def change(request: Request, number: str):
    return _detail_page(request, number)


def _sign(session, actor, number: str, v: dict) -> str:
    r = parse(SignRequest, password=v.get("password", ""), role=v.get("role") or None)
    result = service.sign_change(session, actor, number=number, password=r.password, role=r.role)
    return (f"Signed. Still to sign: {'; '.join(result.missing)}." if result.missing
            else "Signed. Every signature is in: the change can be approved.")


def _close(session, actor, number: str, v: dict, form: str) -> str:
    r = parse(ReasonRequest, reason=v.get("reason", ""))
    USE_CASES[form](session, actor, number=number, reason=r.reason)
    return f"{number} {'rejected' if form == 'reject' else 'cancelled'}."


MESSAGES = {"submit": "{} submitted; its impact analysis is kept with it.", "approve": "{} approved.",
            "implement": "{} implemented."}


@router.post("/changes/{number}/{form}")
async def change_action(request: Request, number: str,
                        form: Literal["submit", "sign", "approve", "implement", "reject", "cancel"]):
    v = await form_fields(request)

    def work(session, actor) -> str:
        if form == "sign":
            return _sign(session, actor, number, v)
        if form in ("reject", "cancel"):
            return _close(session, actor, number, v, form)
        return MESSAGES[form].format(USE_CASES[form](session, actor, number=number).number)

    return await run_in_threadpool(act, request, _url(number), work, lambda reasons, code: _detail_page(
        request, number, errors={form: reasons}, code=code))
