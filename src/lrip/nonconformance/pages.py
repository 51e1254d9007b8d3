"""NCR and CAPA pages: the NCR list with filters and aging, a form to raise one; an NCR with its MRB
review, the sign form (the password asked again), the disposition trail and files; the CAPA 8D form
with its actions and effectiveness check. A form runs its use case as the signed-in person and
redirects; a refusal draws the page again with every reason."""
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lrip import files
from lrip.auth.signatures import signed
from lrip.db import unit_of_work, utcnow
from lrip.errors import LripError
from lrip.fields import parse
from lrip.nonconformance import capa, codes, mrb, ncr, rules, scar
from lrip.nonconformance.schemas import (CapaActionCreate, CapaActionDone, CapaClose, CapaOpen, CapaUpdate,
                                         CloseRequest, DefectCodeAdd, DefectCodeChange, NcrRaise, ReviewRequest,
                                         ScarRaise, ScarResponse, ScarVerification, SignRequest)
from lrip.web.charts import PALETTE, bars
from lrip.web.render import act, form_fields, render, status_code, whole
from lrip.web.signing import why_not_sign

router = APIRouter(include_in_schema=False)
NCR_FORMS = {"review": mrb.review, "sign": mrb.sign_disposition, "disposition": mrb.disposition,
             "close": mrb.close_ncr, "attach": ncr.attach}


def _url(number: str) -> str:
    return f"/ncrs/{quote(number, safe='')}"


def _capa_url(number: str) -> str:
    return f"/capas/{quote(number, safe='')}"


def _reading(request: Request):
    return unit_of_work(request.app.state.database_url, write=False)


def _not_found(request: Request, exc: LripError):
    return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons}, status=status_code(exc))


async def _act_to(request: Request, work, again):
    """A form that creates a record: run it, then go to the record's page (`work` returns (message, url))."""
    created = {}

    def run(s, actor):
        message, created["url"] = work(s, actor)
        return message

    response = await run_in_threadpool(act, request, "/ncrs", run, again)
    return RedirectResponse(created["url"], status_code=303) if "url" in created else response


# ---------------------------------------------------------------- the list

def _list_page(request: Request, filters: dict, *, errors: list[str] | None = None, values: dict | None = None,
               code: int = 200):
    actor = request.state.web_actor
    filters = {k: v or None for k, v in filters.items()}
    # the list opens on the NCRs still to work ("not closed"); status=all shows every one
    everything = filters.get("status") == "all"
    not_closed = "status" in filters and filters["status"] is None
    if everything:
        filters["status"] = None
    with _reading(request) as session:
        try:
            rows = ncr.list_ncrs(session, actor, **filters).items
            if not_closed:
                rows = [r for r in rows if r.status != rules.NcrStatus.CLOSED]
            capas = capa.list_capas(session, actor, program=filters.get("program"))
        except LripError as exc:
            return _not_found(request, exc)
        in_use = codes.codes_in_use(session)
    buckets = rules.aging([r.opened_at for r in rows if r.status != rules.NcrStatus.CLOSED], utcnow())
    chart = bars([b["bucket"] for b in buckets], [b["count"] for b in buckets], ylabel="open NCRs (count)",
                 xlabel="time open", title="Open NCRs by days open",
                 colour=PALETTE[1]) if any(b["count"] for b in buckets) else None
    return render(request, "ncr_list.html", {
        "rows": rows, "capas": capas, "filters": filters, "buckets": buckets, "chart": chart,
        "everything": everything, "not_closed": not_closed,
        "codes": in_use, "may_raise": actor.may(ncr.raise_ncr.permission),
        "errors": errors or [], "values": values or {}}, status=code)


@router.get("/ncrs")
def ncrs(request: Request, program: str = "", status: str = "", severity: str = "", supplier: str = "",
         serial: str = "", lot: str = ""):
    return _list_page(request, {"program": program, "status": status, "severity": severity, "supplier": supplier,
                                "serial": serial, "lot": lot})


@router.post("/ncrs")
async def raise_ncr(request: Request):
    v = await form_fields(request)

    def work(s, actor):
        subject = v.get("subject", "serial")
        named = {subject: v.get("identifier")} if subject in ("serial", "lot", "material_lot") else {}
        request_ = parse(NcrRaise, description=v.get("description"), severity=v.get("severity"),
                         defect_code=v.get("defect_code") or None, quantity=v.get("quantity") or None,
                         operation=v.get("operation") or None, characteristic=v.get("characteristic") or None,
                         **named)
        d = ncr.raise_ncr(s, actor, **request_.model_dump())
        return (f"{d.number} raised" + (f"; {d.serial} is on hold." if d.serial else "."), _url(d.number))

    return await _act_to(request, work, lambda reasons, status: _list_page(request, {}, errors=reasons, values=v,
                                                                           code=status))


@router.get("/holds/{hold_id}/ncr")
def hold_ncr(request: Request, hold_id: int):
    """From a hold on the traveler to the NCR that holds it."""
    with _reading(request) as session:
        try:
            number = ncr.ncr_of_hold(session, hold_id)
        except LripError as exc:
            return _not_found(request, exc)
    return RedirectResponse(_url(number), status_code=303)


# ---------------------------------------------------------------- one NCR

def _detail_page(request: Request, number: str, *, errors: dict | None = None, values: dict | None = None,
                 code: int = 200):
    actor = request.state.web_actor
    with _reading(request) as session:
        try:
            d = ncr.ncr_detail(session, actor, number=number)
        except LripError as exc:
            return _not_found(request, exc)
        sign_refusals = _why_not_sign(session, actor, d.number) if d.proposal else []
    may = {form: actor.may(use_case.permission) for form, use_case in NCR_FORMS.items()}
    held = [c for c in d.contained if c.held]
    actions = rules.ACTIONS_FOR[d.subject] + (tuple(a for a in rules.ACTIONS_FOR[rules.Subject.UNIT]
                                                     if a not in rules.ACTIONS_FOR[d.subject]) if held else ())
    return render(request, "ncr_detail.html", {"n": d, "may": may, "errors": errors or {}, "values": values or {},
                                               "actions": actions, "held": held, "sign_refusals": sign_refusals,
                                               "may_scar": actor.may(scar.raise_scar.permission)}, status=code)


def _why_not_sign(session, actor, number: str) -> list[str]:
    """Why the signed-in person's signature would not count on the proposal under review (none: it would),
    by the rule mrb.sign_disposition applies."""
    row = ncr.get_ncr(session, number)
    if row.proposed_action is None:
        return []
    phase, also = ncr.signed_in(session, row)
    return why_not_sign(ncr.MRB, phase, username=actor.username, roles=actor.roles, also=also,
                        given=signed(session, "ncr", row.number, ncr.proposal_content(row)),
                        author=ncr.proposer(row), record=f"{row.number}'s {row.proposed_action.replace('_', ' ')}")


@router.get("/ncrs/{number}")
def ncr_page(request: Request, number: str):
    return _detail_page(request, number)


@router.get("/ncrs/{number}/files/{attachment_id}")
def ncr_file(request: Request, number: str, attachment_id: int):
    with _reading(request) as session:
        try:
            f = ncr.attachment(session, request.state.web_actor, number=number, attachment_id=attachment_id)
        except LripError as exc:
            return _not_found(request, exc)
    media_type, headers = files.served(f.filename, f.data, f.content_type)
    return Response(f.data, media_type=media_type, headers=headers)


def _ncr_work(number: str, form: str, v: dict, upload: tuple | None):
    """The use case of one form on the NCR page, as `work(session, actor) -> message`."""
    def review(s, actor):
        target = v.get("target") or "material"
        r = parse(ReviewRequest, action=v.get("action"), reason=v.get("reason"), rework_to=v.get("rework_to") or None,
                  quantity=v.get("quantity") or None, contained=target == "contained",
                  units=[] if target in ("material", "contained") else [target])
        return f"{mrb.review(s, actor, number=number, **r.model_dump()).number} is under MRB review."

    def sign(s, actor):
        r = parse(SignRequest, password=v.get("password"), role=v.get("role") or None)
        missing = mrb.sign_disposition(s, actor, number=number, password=r.password, role=r.role).missing
        return ("Signed. Still to sign: " + "; ".join(missing) + "." if missing
                else "Signed. Every signature is on it: the disposition can be decided.")

    def disposition(s, actor):
        d = mrb.disposition(s, actor, number=number)
        return f"{d.number} dispositioned {d.dispositions[-1].action.replace('_', ' ')}."

    def close(s, actor):
        r = parse(CloseRequest, reason=v.get("reason"))
        return f"{mrb.close_ncr(s, actor, number=number, reason=r.reason).number} closed."

    def attach(s, actor):
        filename, content_type, data = upload or ("", "", b"")
        f = ncr.attach(s, actor, number=number, filename=filename, content_type=content_type, data=data)
        return f"{f.filename} attached."

    return {"review": review, "sign": sign, "disposition": disposition, "close": close, "attach": attach}[form]


@router.post("/ncrs/{number}/{form}")
async def ncr_act(request: Request, number: str, form: Literal["review", "sign", "disposition", "close", "attach"]):
    data = await request.form()
    upload = None
    if form == "attach":
        file = data.get("file")
        if file is not None and hasattr(file, "read"):
            upload = (file.filename or "", file.content_type or "", await file.read(rules.MAX_ATTACHMENT_BYTES + 1))
    v = {k: x for k, x in data.items() if k != "csrf_token" and isinstance(x, str)}

    def again(reasons, status):
        return _detail_page(request, number, errors={form: reasons}, values=v, code=status)

    return await run_in_threadpool(act, request, _url(number), _ncr_work(number, form, v, upload), again)


# ---------------------------------------------------------------- CAPA

@router.get("/capas")
def capas(request: Request, program: str = ""):
    return _list_page(request, {"program": program})


def _capa_page(request: Request, number: str, *, errors: dict | None = None, values: dict | None = None,
               code: int = 200):
    actor = request.state.web_actor
    with _reading(request) as session:
        try:
            c = capa.capa_detail(session, actor, number=number)
        except LripError as exc:
            return _not_found(request, exc)
    today = utcnow().date()
    # why closing now would be refused, by the rule close_capa applies (the same-day waiver is the form's own)
    close_refusals = list(rules.check_capa_close(
        number=c.number, status=c.status, missing_fields=[rules.D_WORDS[f] for f in rules.D_FIELDS
                                                          if not (getattr(c, f) or "").strip()],
        verified=c.effectiveness_verified_at is not None, open_ncrs=[n.number for n in c.linked_ncrs
                                                                    if n.status != rules.NcrStatus.CLOSED],
        opened_on=c.opened_at.date(), today=today, waived=True).reasons)
    return render(request, "capa_detail.html", {"c": c, "may": actor.may(capa.update_capa.permission),
                                                "close_refusals": close_refusals,
                                                "errors": errors or {}, "values": values or {},
                                                "d_fields": [(f, rules.D_WORDS[f]) for f in rules.D_FIELDS],
                                                "today": utcnow().date().isoformat()}, status=code)


@router.get("/capas/{number}")
def capa_page(request: Request, number: str):
    return _capa_page(request, number)


def _capa_work(number: str, form: str, v: dict):
    """The use case of one form on the CAPA page, as `work(session, actor) -> message`."""
    def update(s, actor):
        r = parse(CapaUpdate, **{f: v.get(f) or None for f in (*rules.D_FIELDS, "title")},
                  effectiveness_units=v.get("effectiveness_units") or None, reason=v.get("sample_reason") or None,
                  password=v.get("password") or None)
        capa.update_capa(s, actor, number=number, reason=r.reason, password=r.password,
                         fields=r.model_dump(exclude_none=True, exclude={"reason", "password", "role"}))
        return "8D saved."

    def action(s, actor):
        r = parse(CapaActionCreate, kind=v.get("kind") or "corrective", description=v.get("description"),
                  owner=v.get("owner"), due_on=v.get("due_on"))
        capa.add_action(s, actor, number=number, **r.model_dump())
        return "Action added."

    def done(s, actor):
        r = parse(CapaActionDone, done_on=v.get("done_on"))
        capa.complete_action(s, actor, number=number, action_id=whole(v.get("action_id"), "the action") or 0,
                             done_on=r.done_on)
        return "Action done."

    def verify(s, actor):
        return f"Effectiveness verified: {capa.verify_effectiveness(s, actor, number=number).note}."

    def close(s, actor):
        r = parse(CapaClose, reason=v.get("reason"), same_day_waiver=bool(v.get("same_day_waiver")),
                  password=v.get("password") or None)
        return f"{capa.close_capa(s, actor, number=number, **r.model_dump()).number} closed."

    return {"update": update, "action": action, "done": done, "verify": verify, "close": close}[form]


@router.post("/capas/{number}/{form}")
async def capa_act(request: Request, number: str, form: Literal["open", "update", "action", "done", "verify", "close"]):
    """`open` is posted from an NCR's page with the NCR's number; the others on the CAPA's page."""
    v = await form_fields(request)
    if form == "open":
        def work(s, actor):
            c = capa.open_capa(s, actor, **parse(CapaOpen, title=v.get("title"), ncrs=[number]).model_dump())
            return f"{c.number} opened.", _capa_url(c.number)

        return await _act_to(request, work, lambda reasons, status: _detail_page(
            request, number, errors={"capa": reasons}, code=status))

    def again(reasons, status):
        return _capa_page(request, number, errors={form: reasons}, values=v, code=status)

    return await run_in_threadpool(act, request, _capa_url(number), _capa_work(number, form, v), again)

# ---------------------------------------------------------------- SCAR

def _scar_url(number: str) -> str:
    return f"/scars/{quote(number, safe='')}"


@router.get("/scars")
def scars(request: Request, supplier: str = "", status: str = ""):
    actor = request.state.web_actor
    with _reading(request) as session:
        try:
            rows = scar.list_scars(session, actor, supplier=supplier or None, status=status or None)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "scar_list.html", {"rows": rows, "supplier": supplier, "status": status})


@router.post("/scars")
async def raise_scar(request: Request):
    """Posted from an NCR's page with the NCR's number; goes to the new SCAR."""
    v = await form_fields(request)
    number = v.get("ncr", "")

    def work(s, actor):
        r = parse(ScarRaise, ncr=number, request=v.get("request"), due_on=v.get("due_on"))
        d = scar.raise_scar(s, actor, **r.model_dump())
        return f"{d.number} raised to {d.supplier}; response due {d.due_on}.", _scar_url(d.number)

    return await _act_to(request, work, lambda reasons, status: _detail_page(
        request, number, errors={"scar": reasons}, values=v, code=status))


def _scar_page(request: Request, number: str, *, errors: dict | None = None, values: dict | None = None,
               code: int = 200):
    actor = request.state.web_actor
    with _reading(request) as session:
        try:
            d = scar.scar_detail(session, actor, number=number)
        except LripError as exc:
            return _not_found(request, exc)
    return render(request, "scar_detail.html", {
        "d": d, "errors": errors or {}, "values": values or {}, "today": utcnow().date().isoformat(),
        "may": {"respond": actor.may(scar.record_response.permission),
                "verify": actor.may(scar.verify_scar.permission)}}, status=code)


@router.get("/scars/{number}")
def scar_page(request: Request, number: str):
    return _scar_page(request, number)


@router.post("/scars/{number}/{form}")
async def scar_act(request: Request, number: str, form: Literal["respond", "verify"]):
    v = await form_fields(request)

    def respond(s, actor):
        r = parse(ScarResponse, response=v.get("response"), responded_on=v.get("responded_on") or None)
        return f"Response recorded on {scar.record_response(s, actor, number=number, **r.model_dump()).number}."

    def verify(s, actor):
        r = parse(ScarVerification, effective=v.get("effective") == "yes", verification=v.get("verification"),
                  due_on=v.get("due_on") or None)
        d = scar.verify_scar(s, actor, number=number, **r.model_dump())
        return f"{d.number} closed: verified effective." if d.status == "closed" else \
            f"{d.number} sent back to {d.supplier}; a new response is due {d.due_on}."

    def again(reasons, status):
        return _scar_page(request, number, errors={form: reasons}, values=v, code=status)

    return await run_in_threadpool(act, request, _scar_url(number), {"respond": respond, "verify": verify}[form],
                                   again)


# ---------------------------------------------------------------- the defect-code catalogue

def _codes_page(request: Request, *, errors: dict | None = None, values: dict | None = None, code: int = 200):
    actor = request.state.web_actor
    with _reading(request) as session:
        rows = codes.defect_codes(session, actor, retired=True)
    return render(request, "defect_codes.html", {"rows": rows, "errors": errors or {}, "values": values or {},
                                                 "may": actor.may(codes.add_defect_code.permission)}, status=code)


@router.get("/defect-codes")
def defect_codes(request: Request):
    return _codes_page(request)


@router.post("/defect-codes")
async def add_defect_code(request: Request):
    v = await form_fields(request)

    def work(s, actor):
        r = parse(DefectCodeAdd, code=v.get("code"), meaning=v.get("meaning"))
        return f"Defect code {codes.add_defect_code(s, actor, **r.model_dump()).code} added."

    return await run_in_threadpool(act, request, "/defect-codes", work, lambda reasons, status: _codes_page(
        request, errors={"add": reasons}, values=v, code=status))


@router.post("/defect-codes/{code}")
async def change_defect_code(request: Request, code: str):
    v = await form_fields(request)

    def work(s, actor):
        change = v.get("change", "")
        r = parse(DefectCodeChange, meaning=v.get("meaning") or None, reason=v.get("reason"),
                  active={"retire": False, "reinstate": True}.get(change))
        c = codes.change_defect_code(s, actor, code=code, **r.model_dump())
        return f"Defect code {c.code} {'retired' if not c.active else 'changed'}."

    return await run_in_threadpool(act, request, "/defect-codes", work, lambda reasons, status: _codes_page(
        request, errors={code: reasons}, values=v, code=status))
