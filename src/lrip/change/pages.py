"""Change control pages: the list with the change traffic chart and a form to raise a change;
one change request with its impact analysis, its signatures (the password asked again) and the
actions its state allows. Every action: check the permission, call the service, redirect; a
refusal shows the page again with every reason."""
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed, check
from lrip.change import service
from lrip.change.charts import traffic_chart
from lrip.db import get_engine, read_session
from lrip.errors import LripError
from lrip.program.service import list_programs
from lrip.web.render import render, status_code
from lrip.web.session import flash

router = APIRouter(include_in_schema=False)
TRAFFIC_WEEKS = 12
ACTIONS = {"submit": "change.request", "sign": "signature.sign", "approve": "change.approve",
           "implement": "change.approve", "reject": "change.approve", "cancel": "change.request"}


def _url(number: str) -> str:
    return f"/changes/{quote(number, safe='')}"


def _list_page(request: Request, *, program: str | None, status: str | None, errors: list[str] | None = None,
               values: dict | None = None, code: int = 200):
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        programs = [p["code"] for p in list_programs(session)]
        program = program or (programs[0] if programs else None)
        try:
            rows = service.list_changes(session, program=program, status=status or None) if program else []
            weeks = service.change_traffic(session, program=program, weeks=TRAFFIC_WEEKS) if program else []
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    chart = traffic_chart(weeks, title=f"{program}: change requests per week, by class") if weeks else None
    return render(request, "change_list.html", {
        "program": program, "programs": programs, "status": status, "rows": rows, "chart": chart, "weeks": weeks,
        "may_raise": allowed(user.roles or [], "change.request"), "errors": errors or [], "values": values or {}},
        status=code)


@router.get("/changes")
def changes(request: Request, program: str | None = None, status: str | None = None):
    return _list_page(request, program=program, status=status)


def _raise(request: Request, v: dict):
    user = request.state.web_user
    try:
        check(user, "change.request")
        items = [line.strip() for line in v.get("items", "").splitlines() if line.strip()]
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            change = service.create_change(
                session, program=v.get("program", ""), title=v.get("title", ""), reason=v.get("reason", ""),
                description=v.get("description", ""), change_class=v.get("change_class", ""),
                urgency=v.get("urgency", "normal"), effectivity=v.get("effectivity", "next_lot"),
                effectivity_serial=v.get("effectivity_serial") or None, items=items, actor=user.username)
            number = change.number
    except LripError as exc:
        return _list_page(request, program=v.get("program"), status=None, errors=exc.reasons, values=v,
                          code=status_code(exc))
    flash(request, f"{number} raised as a draft: submit it when it is complete.")
    return RedirectResponse(_url(number), status_code=303)


@router.post("/changes")
async def raise_change(request: Request):
    values = {k: v for k, v in (await request.form()).items() if k != "csrf_token" and isinstance(v, str)}
    return await run_in_threadpool(_raise, request, values)


def _detail_page(request: Request, number: str, *, errors: dict | None = None, code: int = 200):
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        try:
            d = service.change_detail(session, number)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
    may = {a: allowed(user.roles or [], action) for a, action in ACTIONS.items()}
    return render(request, "change_detail.html", {"c": d, "may": may, "errors": errors or {}}, status=code)


@router.get("/changes/{number}")
def change(request: Request, number: str):
    return _detail_page(request, number)


def _act(request: Request, number: str, form: str, v: dict):
    user = request.state.web_user
    try:
        check(user, ACTIONS[form])
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            if form == "sign":
                result = service.sign_change(session, number=number, username=user.username,
                                             password=v.get("password", ""), role=v.get("role") or None)
                message = (f"Signed. Still to sign: {'; '.join(result['missing'])}." if result["missing"]
                           else "Signed. Every signature is in: the change can be approved.")
            elif form in ("reject", "cancel"):
                work = service.reject_change if form == "reject" else service.cancel_change
                work(session, number=number, actor=user.username, reason=v.get("reason", ""))
                message = f"{number} {'rejected' if form == 'reject' else 'cancelled'}."
            else:
                work = {"submit": service.submit_change, "approve": service.approve_change,
                        "implement": service.implement_change}[form]
                work(session, number=number, actor=user.username)
                message = {"submit": f"{number} submitted; its impact analysis is kept with it.",
                           "approve": f"{number} approved.",
                           "implement": f"{number} implemented."}[form]
    except LripError as exc:
        return _detail_page(request, number, errors={form: exc.reasons}, code=status_code(exc))
    flash(request, message)
    return RedirectResponse(_url(number), status_code=303)


@router.post("/changes/{number}/{form}")
async def act(request: Request, number: str,
              form: Literal["submit", "sign", "approve", "implement", "reject", "cancel"]):
    values = {k: v for k, v in (await request.form()).items() if k != "csrf_token" and isinstance(v, str)}
    return await run_in_threadpool(_act, request, number, form, values)
