"""The readiness page: the latest assessment with every criterion against its target, the findings and their
evidence, what changed since the last one; forms to evaluate, waive, attest and sign; the evidence package.
Forms parse through readiness's request schemas and are done by lrip.readiness.service as the signed-in
person; a refusal shows the page again with every reason."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError
from lrip.fields import parse
from lrip.program.service import get_program
from lrip.readiness import criteria as rules
from lrip.readiness import report, service
from lrip.readiness.schemas import Signing, WaiverCreate
from lrip.auth.decisions import Decision
from lrip.auth.signatures import signed
from lrip.web.render import act, render, status_code
from lrip.web.signing import why_not_sign

router = APIRouter(include_in_schema=False)


def _url(code: str) -> str:
    return f"/programs/{quote(code, safe='')}/readiness"


def _page(request: Request, code: str, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = request.state.web_actor
    with unit_of_work(request.app.state.database_url, write=False) as session:
        try:
            prog = get_program(session, code)
            history = service.list_assessments(session, actor, program=prog.code)
            latest = service.get_assessment(session, actor, program=prog.code) if history else None
            waivers = service.list_waivers(session, actor, program=prog.code)
            attestations = service.list_attestations(session, actor, program=prog.code)
            sign_refusals = _why_not_sign(session, actor, prog.code) if latest else []
            waiver_refusals = {w.id: _why_not_sign_waiver(session, actor, prog.code, w) for w in waivers
                               if w.missing and not w.withdrawn_at}
        except LripError as exc:
            return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                          status=status_code(exc))
        program = {"code": prog.code, "name": prog.name, "phase": prog.phase}
    may = {p: actor.may(p) for p in (service.evaluate.permission, service.sign_assessment.permission,
                                      service.waive.permission)}
    return render(request, "readiness_page.html", {
        "program": program, "a": latest, "history": history, "waivers": waivers, "attestations": attestations,
        "topics": rules.ATTESTATION_TOPICS, "may": may, "errors": errors or {}, "values": values or {},
        "nav": "programs", "sign_refusals": sign_refusals, "waiver_refusals": waiver_refusals,
        "waivers_offered": _why_not_waive(actor), "attest_refusals": _why_not_attest(actor)}, status=status)


def _why_not_sign(session, actor, code: str) -> list[str]:
    """Why the signed-in person's signature on the latest assessment would not count (none: it would), by
    the rule service.sign_assessment applies through sign_decision."""
    prog, a = service.frozen(session, program=code)
    content, _ = service.signed_decision(session, prog.code, a)
    return why_not_sign(Decision.READINESS_DECISION, None, username=actor.username, roles=actor.roles,
                        given=signed(session, "readiness_assessment", f"{prog.code}/{a.number}", content),
                        record=f"assessment {a.number}")


def _why_not_sign_waiver(session, actor, code: str, w) -> list[str]:
    """Why the signed-in person's signature on a waiver still missing one would not count, by the rule
    service.sign_waiver applies (a quality criterion's waiver needs quality's signature, not its grantor's)."""
    return why_not_sign(service._waiver_decision(w.criterion), None, username=actor.username, roles=actor.roles,
                        given=signed(session, "readiness_waiver", f"{code}/{w.id}", w.content), author=w.granted_by,
                        record=f"waiver {w.id} of {w.criterion}")


def _why_not_waive(actor) -> list[dict]:
    """The criteria whose waiver the signed-in person's signature would count on (service.waive signs it as
    its grantor at once, so only those are offered), and, for the others, why not: one entry per kind of
    waiver, {"criteria": [...], "reasons": [...]}, the offered ones with no reasons."""
    kinds: dict = {}
    for c in sorted(rules.CRITERIA, key=lambda c: c.number):
        decision = service._waiver_decision(c.id)
        if decision not in kinds:
            kinds[decision] = {"criteria": [], "reasons": why_not_sign(
                decision, None, username=actor.username, roles=actor.roles, given=[], author=actor.username)}
        kinds[decision]["criteria"].append(c)
    return list(kinds.values())


def _why_not_attest(actor) -> list[str]:
    """Why an attestation the signed-in person makes would not count with their signature ([]: it would), by
    the rule service.attest applies through sign_decision."""
    return why_not_sign(Decision.ATTESTATION, None, username=actor.username, roles=actor.roles, given=[],
                        author=actor.username)


@router.get("/programs/{code}/readiness")
def readiness(request: Request, code: str):
    return _page(request, code)


@router.get("/programs/{code}/readiness/package")
def package(request: Request, code: str):
    """The evidence package of the latest assessment, as a zip (it records a signed checkpoint)."""
    with unit_of_work(request.app.state.database_url) as session:
        try:
            found = report.evidence_package(session, request.state.web_actor, program=code)
        except LripError as exc:
            return _page(request, code, errors={"package": exc.reasons}, status=status_code(exc))
    return Response(found.content, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{found.name}"'})


VERDICT_NEWS = {"GO": "ok", "GO_WITH_CONDITIONS": "warn", "NO_GO": "bad"}  # green only for good news


def _evaluate(session, actor, code: str, v: dict, file) -> tuple[str, str]:
    a = service.evaluate(session, actor, program=code)
    return f"Assessment {a.assessment}: {a.verdict.replace('_', ' ')}", VERDICT_NEWS.get(a.verdict, "warn")


def _waive(session, actor, code: str, v: dict, file) -> str:
    r = parse(WaiverCreate, criterion=v.get("criterion"), condition=v.get("condition"), reason=v.get("reason"),
              password=v.get("password", ""), role=v.get("role") or None)
    w = service.waive(session, actor, program=code, criterion=r.criterion, condition=r.condition, reason=r.reason,
                      password=r.password, role=r.role)
    return (f"Waiver {w.id} on {rules.BY_ID[w.criterion].title} signed; "
            + (f"still to sign: {'; '.join(w.missing)}" if w.missing else "evaluate again to apply it"))


def _sign_waiver(session, actor, code: str, v: dict, file) -> str:
    r = parse(Signing, password=v.get("password", ""), role=v.get("role") or None)
    if not (v.get("waiver") or "").isdigit():
        raise Invalid("waiver_invalid", "name the waiver to sign")
    w = service.sign_waiver(session, actor, program=code, waiver=int(v["waiver"]), password=r.password, role=r.role)
    return f"Waiver {w.id} signed; " + (f"still to sign: {'; '.join(w.missing)}" if w.missing
                                        else "evaluate again to apply it")


def _attest(session, actor, code: str, v: dict, file) -> str:
    if file is None or not file[1]:
        raise Invalid("attestation_invalid", "choose the file that backs the attestation")
    r = parse(Signing, password=v.get("password", ""), role=v.get("role") or None)
    a = service.attest(session, actor, program=code, topic=v.get("topic", ""), statement=v.get("statement", ""),
                       attachment_name=file[0] or "attachment", attachment=file[1], password=r.password, role=r.role)
    return f"Attestation {a.id} ({a.topic.replace('_', ' ')}) signed; evaluate again to count it"


def _sign(session, actor, code: str, v: dict, file) -> str:
    r = parse(Signing, password=v.get("password", ""), role=v.get("role") or None)
    a = service.sign_assessment(session, actor, program=code, password=r.password, role=r.role)
    return (f"Assessment {a.assessment} ({a.verdict.replace('_', ' ')}) signed"
            + (f"; still to sign: {'; '.join(a.missing)}" if a.missing else "; the decision is made"))


FORMS = {"evaluate": _evaluate, "waive": _waive, "attest": _attest, "sign": _sign, "sign-waiver": _sign_waiver}


@router.post("/programs/{code}/readiness/{form}")
async def readiness_action(request: Request, code: str, form: str):
    """One of the page's forms; the attestation form carries a file (multipart)."""
    if form not in FORMS:
        return render(request, "message.html", {"title": "Not found", "reasons": [f"no form {form}"]}, status=404)
    data = await request.form()
    values = {k: v for k, v in data.items() if k != "csrf_token" and isinstance(v, str)}
    upload = data.get("attachment")
    file = (upload.filename, await upload.read()) if upload is not None and not isinstance(upload, str) else None
    kept = {k: v for k, v in values.items() if k != "password"}
    return await run_in_threadpool(act, request, _url(code), lambda s, actor: FORMS[form](s, actor, code, values, file),
                                   lambda reasons, status: _page(request, code, errors={form: reasons}, values=kept,
                                                                 status=status))
