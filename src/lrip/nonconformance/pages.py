"""NCR and CAPA pages: the NCR list with filters and aging, a form to raise one; an NCR with its
MRB review, the sign form (the password asked again), the disposition trail and files; the CAPA 8D
form with its actions and effectiveness check. Every action: check the permission, call the
service, redirect; a refusal shows the page again with every reason."""
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed, check
from lrip.db import get_engine, read_session, utcnow
from lrip.errors import Invalid, LripError, NotFound
from lrip.execution.models import Hold
from lrip.nonconformance import rules, service
from lrip.nonconformance.models import NonConformance
from lrip.program.service import list_programs
from lrip.web.render import render, status_code
from lrip.web.session import flash

router = APIRouter(include_in_schema=False)
NCR_FORMS = {"review": "hold.disposition", "sign": "signature.sign", "disposition": "hold.disposition",
             "close": "hold.disposition", "attach": "ncr.raise"}
CAPA_FORMS = {"update": "capa.manage", "action": "capa.manage", "done": "capa.manage", "verify": "capa.manage",
              "close": "capa.manage", "open": "capa.manage"}


def _url(number: str) -> str:
    return f"/ncrs/{quote(number, safe='')}"


def _capa_url(number: str) -> str:
    return f"/capas/{quote(number, safe='')}"


def _not_found(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


def _values(form) -> dict:
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


# ---------------------------------------------------------------- the list

def _list_page(request: Request, filters: dict, *, errors: list[str] | None = None, values: dict | None = None,
               code: int = 200):
    from lrip.quality.charts import ncr_aging
    from lrip.quality.metrics import aging

    user = request.state.web_user
    filters = {k: v or None for k, v in filters.items()}
    with read_session(request.app.state.database_url) as session:
        try:
            rows = service.list_ncrs(session, **filters)
            capas = service.list_capas(session, program=filters.get("program"))
        except LripError as exc:
            return _not_found(request, exc)
        programs = [p["code"] for p in list_programs(session)]
    now = utcnow()
    buckets = aging([datetime.fromisoformat(r["opened_at"]) for r in rows if r["status"] != "closed"], now)
    chart = ncr_aging([b["bucket"] for b in buckets], [b["count"] for b in buckets],
                      title="Open NCRs by days open") if any(b["count"] for b in buckets) else None
    return render(request, "ncr_list.html", {
        "rows": rows, "capas": capas, "filters": filters, "programs": programs, "buckets": buckets, "chart": chart,
        "codes": rules.DEFECT_CODES, "may_raise": allowed(user.roles or [], "ncr.raise"),
        "errors": errors or [], "values": values or {}}, status=code)


@router.get("/ncrs")
def ncrs(request: Request, program: str = "", status: str = "", severity: str = "", supplier: str = "",
         serial: str = "", lot: str = ""):
    return _list_page(request, {"program": program, "status": status, "severity": severity, "supplier": supplier,
                                "serial": serial, "lot": lot})


def _raise(request: Request, v: dict):
    user = request.state.web_user
    subject, identifier = v.get("subject", "serial"), v.get("identifier", "").strip()
    try:
        check(user, "ncr.raise")
        if subject not in ("serial", "lot", "material_lot"):
            raise Invalid("ncr_invalid", "choose a unit, a lot or a material lot")
        try:
            quantity = float(v.get("quantity") or 1)
        except ValueError:
            raise Invalid("ncr_invalid", f"the quantity is a number, not '{v.get('quantity')}'") from None
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            ncr = service.raise_ncr(session, actor=user.username, description=v.get("description", ""),
                                    severity=v.get("severity", ""), defect_code=v.get("defect_code") or None,
                                    quantity=quantity, operation=v.get("operation") or None,
                                    characteristic=v.get("characteristic") or None, **{subject: identifier or None})
            number, held = ncr.number, ncr.unit_id is not None
    except LripError as exc:
        return _list_page(request, {}, errors=exc.reasons, values=v, code=status_code(exc))
    flash(request, f"{number} raised" + (f"; {identifier} is on hold." if held else "."), "warn" if held else "ok")
    return RedirectResponse(_url(number), status_code=303)


@router.post("/ncrs")
async def raise_ncr(request: Request):
    return await run_in_threadpool(_raise, request, _values(await request.form()))


@router.get("/holds/{hold_id}/ncr")
def hold_ncr(request: Request, hold_id: int):
    """From a hold on the traveler to the NCR that holds it."""
    with read_session(request.app.state.database_url) as session:
        number = session.execute(select(NonConformance.number).join(Hold, Hold.ncr_id == NonConformance.id)
                                 .where(Hold.id == hold_id)).scalar_one_or_none()
    if number is None:
        return _not_found(request, NotFound("ncr_not_found", f"Hold {hold_id} has no NCR"))
    return RedirectResponse(_url(number), status_code=303)


# ---------------------------------------------------------------- one NCR

def _detail_page(request: Request, number: str, *, errors: dict | None = None, values: dict | None = None,
                 code: int = 200):
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        try:
            d = service.ncr_detail(session, number)
        except LripError as exc:
            return _not_found(request, exc)
    may = {form: allowed(user.roles or [], action) for form, action in NCR_FORMS.items()}
    return render(request, "ncr_detail.html", {"n": d, "may": may, "errors": errors or {}, "values": values or {},
                                               "actions": rules.ACTIONS_FOR[d["subject"]]}, status=code)


@router.get("/ncrs/{number}")
def ncr(request: Request, number: str):
    return _detail_page(request, number)


@router.get("/ncrs/{number}/files/{attachment_id}")
def ncr_file(request: Request, number: str, attachment_id: int):
    with read_session(request.app.state.database_url) as session:
        try:
            row = service.attachment(session, number, attachment_id)
        except LripError as exc:
            return _not_found(request, exc)
        return Response(row.data, media_type=row.content_type,
                        headers={"Content-Disposition": f'inline; filename="{row.filename}"'})


def _ncr_act(request: Request, number: str, form: str, v: dict, upload: tuple | None = None):
    user = request.state.web_user
    try:
        check(user, NCR_FORMS[form])
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            if form == "review":
                service.review(session, number=number, actor=user.username, action=v.get("action", ""),
                               reason=v.get("reason", ""), rework_to=v.get("rework_to") or None,
                               quantity=_float(v.get("quantity")))
                message = f"{number} is under MRB review."
            elif form == "sign":
                result = service.sign_disposition(session, number=number, username=user.username,
                                                  password=v.get("password", ""), role=v.get("role") or None)
                message = ("Signed. Still to sign: " + "; ".join(result["missing"]) + "." if result["missing"]
                           else "Signed. Every signature is on it: the disposition can be decided.")
            elif form == "disposition":
                d = service.disposition(session, number=number, actor=user.username)
                message = f"{number} dispositioned {d.action.replace('_', ' ')}."
            elif form == "close":
                service.close_ncr(session, number=number, actor=user.username, reason=v.get("reason", ""))
                message = f"{number} closed."
            else:
                filename, content_type, data = upload or ("", "", b"")
                service.attach(session, number=number, actor=user.username, filename=filename,
                               content_type=content_type, data=data)
                message = f"{filename} attached."
    except LripError as exc:
        return _detail_page(request, number, errors={form: exc.reasons}, values=v, code=status_code(exc))
    flash(request, message)
    return RedirectResponse(_url(number), status_code=303)


def _float(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Invalid("ncr_invalid", f"the quantity is a number, not '{text}'") from None


@router.post("/ncrs/{number}/{form}")
async def ncr_act(request: Request, number: str, form: Literal["review", "sign", "disposition", "close", "attach"]):
    data = await request.form()
    upload = None
    if form == "attach":
        file = data.get("file")
        if file is not None and hasattr(file, "read"):
            content = await file.read(rules.MAX_ATTACHMENT_BYTES + 1)
            upload = (file.filename or "", file.content_type or "", content)
    return await run_in_threadpool(_ncr_act, request, number, form, _values(data), upload)


# ---------------------------------------------------------------- CAPA

@router.get("/capas")
def capas(request: Request, program: str = ""):
    return _list_page(request, {"program": program})


def _capa_page(request: Request, number: str, *, errors: dict | None = None, values: dict | None = None,
               code: int = 200):
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        try:
            c = service.capa_detail(session, number)
        except LripError as exc:
            return _not_found(request, exc)
    may = allowed(user.roles or [], "capa.manage")
    return render(request, "capa_detail.html", {"c": c, "may": may, "errors": errors or {}, "values": values or {},
                                                "d_fields": [(f, rules.D_WORDS[f]) for f in rules.D_FIELDS],
                                                "today": utcnow().date().isoformat()}, status=code)


@router.get("/capas/{number}")
def capa(request: Request, number: str):
    return _capa_page(request, number)


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise Invalid("date_invalid", f"'{text or ''}' is not a date; write it like 2026-03-01") from None


def _capa_act(request: Request, number: str, form: str, v: dict):
    user = request.state.web_user
    target = number
    try:
        check(user, CAPA_FORMS[form])
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            if form == "open":
                capa = service.open_capa(session, actor=user.username, title=v.get("title", ""),
                                         ncrs=[number] if number.startswith("NCR") else [])
                target, message = capa.number, f"{capa.number} opened."
            elif form == "update":
                fields = {f: v[f] for f in rules.D_FIELDS + ("title",) if f in v and v[f].strip()}
                if v.get("effectiveness_units", "").strip():
                    try:
                        fields["effectiveness_units"] = int(v["effectiveness_units"])
                    except ValueError:
                        raise Invalid("capa_invalid", "the number of units is a whole number") from None
                service.update_capa(session, number=number, actor=user.username, fields=fields)
                message = "8D saved."
            elif form == "action":
                service.add_action(session, number=number, actor=user.username, kind=v.get("kind", "corrective"),
                                   description=v.get("description", ""), owner=v.get("owner", ""),
                                   due_on=_date(v.get("due_on")))
                message = "Action added."
            elif form == "done":
                try:
                    action_id = int(v.get("action_id", ""))
                except ValueError:
                    raise Invalid("capa_invalid", "choose an action") from None
                service.complete_action(session, number=number, action_id=action_id, actor=user.username,
                                        done_on=_date(v.get("done_on")))
                message = "Action done."
            elif form == "verify":
                facts = service.verify_effectiveness(session, number=number, actor=user.username)
                message = f"Effectiveness verified: {facts['note']}."
            else:
                service.close_capa(session, number=number, actor=user.username, reason=v.get("reason", ""))
                message = f"{number} closed."
    except LripError as exc:
        if form == "open":
            return _detail_page(request, number, errors={"capa": exc.reasons}, code=status_code(exc))
        return _capa_page(request, number, errors={form: exc.reasons}, values=v, code=status_code(exc))
    flash(request, message)
    return RedirectResponse(_capa_url(target), status_code=303)


@router.post("/capas/{number}/{form}")
async def capa_act(request: Request, number: str, form: Literal["open", "update", "action", "done", "verify", "close"]):
    """`open` is posted from an NCR's page with the NCR's number; the others on the CAPA's page."""
    return await run_in_threadpool(_capa_act, request, number, form, _values(await request.form()))
