"""The program manager's setup pages: a new program, and a program's setup (its phase with the gate's
checklist and the move's signatures, its lots, its ramp plan, its LRIP quantity and its phase policies
with their proposed changes).

Forms parse through the program's request schemas and are done by lrip.program.service as the signed-in
person; a refusal shows the page again with every reason beside the form, a success redirects."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lrip.auth.decisions import Decision
from lrip.auth.signatures import signed
from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError
from lrip.fields import parse
from lrip.program import rules, service
from lrip.program.schemas import (LotClose, LotCreate, LripQuantitySet, PhaseChangeRequest, PhaseSignRequest,
                                  PlanWeek, PolicyChangeRequest, ProgramCreate, SignRequest, ramp_plan_from_csv)
from lrip.web.render import act, form_fields, render, status_code
from lrip.web.signing import why_not_sign

router = APIRouter(include_in_schema=False)


def _url(code: str) -> str:
    return f"/programs/{quote(code, safe='')}/setup"


def _setup_page(request: Request, code: str, *, errors: dict | None = None, status: int = 200):
    actor = request.state.web_actor
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            program = service.show_program(session, actor, program=code)
            context = {"program": program, "gate": service.phase_gate(session, actor, program=code),
                       "lots": service.list_lots(session, actor, program=code),
                       "plan": service.ramp_plan(session, actor, program=code),
                       "policies": service.policies(session, actor, program=code),
                       "approvals": service.lrip_quantity_approvals(session, actor, program=code)}
            context["refusals"] = _why_not_sign(session, actor, program.code, context["gate"].target,
                                                [c.number for c in context["policies"].proposals
                                                 if c.status == "proposed"])
    except LripError as exc:
        return render(request, "message.html", {"title": "Not found", "reasons": exc.reasons},
                      status=status_code(exc))
    return render(request, "program_setup.html", {
        **context, "nav": "programs", "errors": errors or {}, "phases": rules.PHASES,
        "rules": list(rules.Policy.__dataclass_fields__), "choices": rules.POLICY_CHOICES,
        "can": {"manage": actor.may("program.manage"), "lot": actor.may("lot.create"),
                "policy": actor.may("policy.edit"), "sign": actor.may("signature.sign")}}, status=status)


def _why_not_sign(session, actor, code: str, target: str | None, proposed: list[int]) -> dict:
    """Why the signed-in person's signature would not count ([]: it would), by the rules the service's
    sign_decision calls apply: on the move to the next phase ("phase"), on each proposed policy change (by
    number), and on an LRIP quantity they approve and sign at once ("quantity")."""
    prog = service.get_program(session, code)
    mine = dict(username=actor.username, roles=actor.roles)
    found: dict = {"quantity": why_not_sign(service.QUANTITY, prog.phase, **mine, given=[], author=actor.username,
                                            record="the LRIP quantity")}
    if target:
        found["phase"] = why_not_sign(
            Decision.PHASE_CHANGE, target, **mine, record=f"the move of {prog.code} to {target.upper()}",
            given=signed(session, service.PHASE_RECORD, f"{prog.code}/{target}", service._move_content(prog, target)))
    for number in proposed:
        change = service.get_policy_change(session, prog, number)
        found[number] = why_not_sign(
            Decision.POLICY_CHANGE, prog.phase, **mine, author=change.proposed_by.username,
            record=f"policy change {prog.code}/{number}",
            given=signed(session, service.POLICY_RECORD, f"{prog.code}/{number}",
                         service._change_content(prog.code, change)))
    return found


@router.get("/programs/{code}/setup")
def setup(request: Request, code: str):
    return _setup_page(request, code)


def _on(request: Request, code: str, form: str):
    """Draw the setup page again with the refusal beside `form`."""
    return lambda reasons, status: _setup_page(request, code, errors={form: reasons}, status=status)


@router.get("/programs/new")
def new_program(request: Request):
    return render(request, "program_new.html", {"nav": "programs", "values": {}, "reasons": []})


@router.post("/programs/new")
async def create_program(request: Request):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(ProgramCreate, code=v.get("code"), name=v.get("name") or None, part=v.get("part"),
                  revision=v.get("revision"), planned_total=v.get("planned_total"),
                  frp_target_rate=v.get("frp_target_rate"))
        p = service.create_program(session, actor, code=r.code, name=r.name, part=r.part, part_revision=r.revision,
                                   planned_total=r.planned_total, frp_target_rate=r.frp_target_rate)
        return f"Program {p.code} created for {p.part}; it is in prototype."

    code = (v.get("code") or "").strip()
    return await run_in_threadpool(act, request, _url(code), work, lambda reasons, status: render(
        request, "program_new.html", {"nav": "programs", "values": v, "reasons": reasons}, status=status))


# ---------------------------------------------------------------- the phase

@router.post("/programs/{code}/phase/sign")
async def sign_phase(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(PhaseSignRequest, phase=v.get("phase"), password=v.get("password"), role=v.get("role") or None)
        gate = service.sign_phase_change(session, actor, program=code, phase=r.phase, password=r.password,
                                         role=r.role)
        return f"You signed the move of {gate.program} to {gate.target.upper()}."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "phase-sign"))


@router.post("/programs/{code}/phase")
async def move_phase(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(PhaseChangeRequest, phase=v.get("phase"), reason=v.get("reason"))
        p = service.change_phase(session, actor, program=code, phase=r.phase, reason=r.reason)
        return f"{p.code} is now in {p.phase.upper()}."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "phase-move"))


@router.post("/programs/{code}/lrip-quantity")
async def set_lrip_quantity(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(LripQuantitySet, quantity=v.get("quantity"), rationale=v.get("rationale") or None,
                  password=v.get("password"), role=v.get("role") or None)
        a = service.set_lrip_quantity(session, actor, program=code, quantity=r.quantity, password=r.password,
                                      rationale=r.rationale, role=r.role)
        return f"LRIP quantity {a.quantity} approved and signed." + "".join(f" {w}." for w in a.warnings)

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "quantity"))


# ---------------------------------------------------------------- lots and the ramp plan

@router.post("/programs/{code}/lots")
async def create_lot(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(LotCreate, number=v.get("number"), quantity=v.get("quantity"),
                  routing_revision=v.get("routing_revision") or None)
        lot = service.create_lot(session, actor, program=code, number=r.number, planned_quantity=r.quantity,
                                 routing_revision=r.routing_revision)
        return f"Lot {lot.number} created: {lot.planned_quantity} units on routing rev {lot.routing_revision}."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "lot-create"))


@router.post("/programs/{code}/lots/{number}/close")
async def close_lot(request: Request, code: str, number: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(LotClose, reason=v.get("reason"))
        lot = service.close_lot(session, actor, number=number, reason=r.reason)
        return f"Lot {lot.number} closed."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, f"lot-{number}"))


@router.post("/programs/{code}/ramp-plan")
async def plan_week(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        w = parse(PlanWeek, week=v.get("week"), starts=v.get("starts"), phase=v.get("phase") or None,
                  lot=v.get("lot") or None)
        e = service.plan_starts(session, actor, program=code, period_start=w.week, planned_starts=w.starts,
                                phase=w.phase, lot=w.lot)
        return f"{e.planned_starts} starts planned in the week of {e.period_start}."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "plan"))


@router.post("/programs/{code}/ramp-plan/import")
async def plan_import(request: Request, code: str):
    form = await request.form()
    upload = form.get("file")
    raw = await upload.read() if upload is not None and hasattr(upload, "read") else b""

    def work(session, actor) -> str:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("plan_invalid", "the ramp plan file is not UTF-8 text") from None
        plan = service.set_ramp_plan(session, actor, program=code, weeks=ramp_plan_from_csv(text).weeks)
        return f"{len(plan.weeks)} weeks of the ramp plan set."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "plan-import"))


# ---------------------------------------------------------------- phase policies

@router.post("/programs/{code}/policy-changes")
async def propose_policy(request: Request, code: str):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(PolicyChangeRequest, phase=v.get("phase"), rule=v.get("rule"), value=v.get("value"),
                  reason=v.get("reason"))
        c = service.propose_policy_change(session, actor, program=code, phase=r.phase, rule=r.rule, value=r.value,
                                          reason=r.reason)
        return f"Policy change {c.number} proposed; it applies when program and quality have signed it."

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, "policy"))


@router.post("/programs/{code}/policy-changes/{number}/sign")
async def sign_policy(request: Request, code: str, number: int):
    v = await form_fields(request)

    def work(session, actor) -> str:
        r = parse(SignRequest, password=v.get("password"), role=v.get("role") or None)
        c = service.sign_policy_change(session, actor, program=code, number=number, password=r.password,
                                       role=r.role)
        return f"You signed policy change {c.number}" + (": it now applies." if c.status == "applied" else ".")

    return await run_in_threadpool(act, request, _url(code), work, _on(request, code, f"change-{number}"))
