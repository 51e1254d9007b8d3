"""The readiness page: the latest assessment with every criterion against its target, the findings and their
evidence, what changed since the last one; forms to evaluate, waive, attest and sign; the evidence package."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed, check
from lrip.db import get_engine, read_session
from lrip.errors import Invalid, LripError
from lrip.program.service import get_program
from lrip.readiness import criteria as rules
from lrip.readiness import report, service
from lrip.web.render import render, status_code
from lrip.web.session import flash

router = APIRouter(include_in_schema=False)
FORM_ACTIONS = {"evaluate": "readiness.assess", "attest": "readiness.assess", "waive": "readiness.decide",
                "sign": "readiness.decide"}


def _url(code: str) -> str:
    return f"/programs/{quote(code, safe='')}/readiness"


def _page(request: Request, code: str, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        try:
            prog = get_program(session, code)
            history = service.list_assessments(session, program=code)
            latest = service.get_assessment(session, program=code) if history else None
            waivers = service.list_waivers(session, program=code)
            attestations = service.list_attestations(session, program=code)
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
        program = {"code": prog.code, "name": prog.name, "phase": prog.phase}
    may = {a: allowed(user.roles or [], a) for a in ("readiness.assess", "readiness.decide")}
    return render(request, "readiness_page.html", {
        "program": program, "a": latest, "history": history, "waivers": waivers, "attestations": attestations,
        "criteria": sorted(rules.CRITERIA, key=lambda c: c.number), "topics": rules.ATTESTATION_TOPICS,
        "may": may, "errors": errors or {}, "values": values or {}, "nav": "programs"}, status=status)


@router.get("/programs/{code}/readiness")
def readiness(request: Request, code: str):
    return _page(request, code)


@router.get("/programs/{code}/readiness/package")
def package(request: Request, code: str):
    """The evidence package of the latest assessment, as a zip."""
    with read_session(request.app.state.database_url) as session:
        try:
            name, content = report.zip_package(session, program=code)
        except LripError as exc:
            return _page(request, code, errors={"package": exc.reasons}, status=status_code(exc))
    return Response(content, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/programs/{code}/readiness/{form}")
async def act(request: Request, code: str, form: str):
    """One of the page's forms; the attestation form carries a file (multipart)."""
    if form not in FORM_ACTIONS:
        return render(request, "message.html", {"title": "Not found", "reasons": [f"no form {form}"]}, status=404)
    data = await request.form()
    values = {k: v for k, v in data.items() if k != "csrf_token" and isinstance(v, str)}
    upload = data.get("attachment")
    file = (upload.filename, await upload.read()) if upload is not None and not isinstance(upload, str) else None
    return await run_in_threadpool(_do, request, code, form, values, file)


def _do(request: Request, code: str, form: str, v: dict, file: tuple[str, bytes] | None):
    user = request.state.web_user
    try:
        check(user, FORM_ACTIONS[form])
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            message = FORMS[form](session, code, user.username, v, file)
    except LripError as exc:
        kept = {k: val for k, val in v.items() if k != "password"}
        return _page(request, code, errors={form: exc.reasons}, values=kept, status=status_code(exc))
    flash(request, message)
    return RedirectResponse(_url(code), status_code=303)


def _evaluate(session: Session, code: str, who: str, v: dict, file) -> str:
    a = service.evaluate(session, program=code, actor=who)
    return f"Assessment {a['assessment']}: {a['verdict'].replace('_', ' ')}"


def _role(v: dict) -> str | None:
    return v.get("role", "").strip() or None


def _waive(session: Session, code: str, who: str, v: dict, file) -> str:
    w = service.waive(session, program=code, criterion=v.get("criterion", ""), condition=v.get("condition", ""),
                      reason=v.get("reason", ""), username=who, password=v.get("password", ""), role=_role(v))
    return f"Waiver {w['id']} on {rules.BY_ID[w['criterion']].title} signed; evaluate again to apply it"


def _attest(session: Session, code: str, who: str, v: dict, file) -> str:
    if file is None or not file[1]:
        raise Invalid("attestation_invalid", "choose the file that backs the attestation")
    a = service.attest(session, program=code, topic=v.get("topic", ""), statement=v.get("statement", ""),
                       attachment_name=file[0] or "attachment", attachment=file[1], username=who,
                       password=v.get("password", ""), role=_role(v))
    return f"Attestation {a['id']} ({a['topic'].replace('_', ' ')}) signed; evaluate again to count it"


def _sign(session: Session, code: str, who: str, v: dict, file) -> str:
    a = service.sign_assessment(session, program=code, username=who, password=v.get("password", ""), role=_role(v))
    return f"Assessment {a['assessment']} ({a['verdict'].replace('_', ' ')}) signed"


FORMS = {"evaluate": _evaluate, "waive": _waive, "attest": _attest, "sign": _sign}
