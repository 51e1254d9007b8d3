"""The traveler at the station: scan a serial, read the released instruction, start, record values, scan
material, pause, resume or take over at a shift change, and complete; and the unit's as-built record.

Every action runs the shop floor's use case as the signed-in person (web.render.act), which checks the
permission as the API and the CLI do, with the values parsed through the API's request schemas. A
refusal shows the page again with every reason and the values as they were typed; a success redirects
(so a reload does not repeat it) with a one-time message.
"""
from collections import defaultdict
from typing import Callable, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.db import unit_of_work
from lrip.errors import Invalid, LripError
from lrip.execution import rules as floor_rules
from lrip.execution import service as execution
from lrip.execution.schemas import ConsumeRequest, HandoverRequest, MeasurementRequest, PauseRequest, StartRequest
from lrip.fields import parse
from lrip.traveler import service
from lrip.traveler.schemas import Instruction, Traveler
from lrip.web.render import act as form_action
from lrip.web.render import flash, form_fields, render, status_code

router = APIRouter(include_in_schema=False)
ACTIONS = ("operation.start", "operation.complete", "measurement.record", "material.consume", "operation.pause",
           "operation.handover")


def _unit_url(serial: str) -> str:
    return f"/units/{quote(serial, safe='')}"


@router.get("/traveler")
def scan(request: Request, serial: str = ""):
    """The scan box; a known serial goes straight to its traveler."""
    serial = serial.strip()
    if not serial:
        return render(request, "scan.html", {"serial": ""})
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            found = execution.get_unit(session, serial).serial
    except LripError as exc:
        return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    return RedirectResponse(_unit_url(found), status_code=303)


def _current(t: Traveler, document: Instruction | None) -> dict | None:
    """The operation to start or complete now, with its instruction and what is recorded so far."""
    if t.next is None:
        return None
    op = next(o for o in t.operations if o.sequence == t.next.sequence)
    attempt = op.attempts[-1] if op.status == "in_work" else None
    consumed: dict[str, float] = defaultdict(float)
    for a in op.attempts:
        for c in a.consumed:
            consumed[c.part] += c.quantity
    step = floor_rules.StepView(sequence=op.sequence, name=op.name, instruction=op.instruction,
                                instruction_status=op.instruction_status)
    # what the unit takes now, by the rule the recording and the building-in use: a held unit takes no work
    takes_work = floor_rules.check_measure(serial=t.serial, unit_status=t.status, step=step,
                                           record_open=attempt is not None).reasons
    return {**op.model_dump(), "action": t.next.action, "blocked_by": t.next.blocked_by, "attempt": attempt,
            "refused_now": takes_work, "held": t.status == "on_hold",
            "document": document, "characteristics": op.characteristics,
            "latest": {m.characteristic: m for m in attempt.measurements} if attempt else {},
            "materials": [{"part": m.part, "quantity": m.quantity, "consumed": consumed[m.part],
                           "left": max(m.quantity - consumed[m.part], 0.0)} for m in op.materials]}


def _unit_page(request: Request, serial: str, *, errors: dict | None = None, values: dict | None = None,
               notice: str | None = None, status: int = 200):
    """The traveler; `errors` maps a form (start, measure, consume, complete) to its reasons."""
    actor = request.state.web_actor
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            t = service.traveler(session, actor, serial=serial)
            document = service.instruction(session, actor, serial=t.serial, operation=t.next.sequence) if t.next else None
    except LripError as exc:
        return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    return render(request, "unit.html", {"t": t, "current": _current(t, document), "errors": errors or {},
                                         "values": values or {}, "notice": notice,
                                         "may": {a: actor.may(a) for a in ACTIONS}}, status=status)


@router.get("/units/{serial}")
def unit(request: Request, serial: str):
    return _unit_page(request, serial)


@router.get("/units/{serial}/record")
def as_built(request: Request, serial: str):
    """The as-built record: the same answer as `lrip traveler SERIAL`."""
    try:
        with unit_of_work(request.app.state.database_url, write=False) as session:
            t = service.traveler(session, request.state.web_actor, serial=serial)
    except LripError as exc:
        return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    return render(request, "as_built.html", {"t": t})


@router.post("/units/{serial}/{form}")
async def act(request: Request, serial: str,
              form: Literal["start", "measure", "consume", "complete", "pause", "resume", "handover"]):
    """One of the traveler's forms; the use case runs in a worker thread (it blocks on the database)."""
    return await run_in_threadpool(FORMS[form], request, serial, await form_fields(request))


def _do(request: Request, serial: str, form: str, values: dict, work: Callable[[Session, object], str]):
    """Run the form's action; on refusal show the traveler again with the reasons and the values kept."""
    return form_action(request, _unit_url(serial), work,
                       lambda reasons, status: _unit_page(request, serial, errors={form: reasons}, values=values,
                                                          status=status))


def _start(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        tools = parse(StartRequest, tools=v.get("tools", "").replace(",", " ").split()).tools
        r = execution.start_operation(session, actor, serial=serial, operation=v.get("operation", ""), tools=tools)
        return f"Operation {r.operation} ({r.name}) started" + (f" with {', '.join(r.tools)}" if r.tools else "")

    return _do(request, serial, "start", v, work)


def _complete(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        r = execution.complete_operation(session, actor, serial=serial, operation=v.get("operation", ""))
        done = f" — {r.serial} is complete" if r.unit_status == "complete" else ""
        return f"Operation {r.operation} ({r.name}) complete{done}"

    return _do(request, serial, "complete", v, work)


def _pause(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        reason = parse(PauseRequest, reason=v.get("reason", "")).reason
        r = execution.pause_operation(session, actor, serial=serial, operation=v.get("operation", ""), reason=reason)
        return f"Operation {r.operation} ({r.name}) paused after {r.worked_minutes:.0f} worked minutes"

    return _do(request, serial, "clock", v, work)


def _resume(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        r = execution.resume_operation(session, actor, serial=serial, operation=v.get("operation", ""))
        return f"Operation {r.operation} ({r.name}) resumed"

    return _do(request, serial, "clock", v, work)


def _handover(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        note = parse(HandoverRequest, reason=v.get("reason", "").strip() or None).reason
        r = execution.hand_over_operation(session, actor, serial=serial, operation=v.get("operation", ""),
                                          reason=note)
        return f"Operation {r.operation} ({r.name}) is yours now, {r.worked_by}"

    return _do(request, serial, "clock", v, work)


def _consume(request: Request, serial: str, v: dict):
    def work(session: Session, actor) -> str:
        if not v.get("material", "").strip():
            raise Invalid("consume_invalid", "scan or type the material's lot number or serial")
        request_ = parse(ConsumeRequest, operation=v.get("operation", ""), material=v.get("material", ""),
                         quantity=v.get("quantity", "").strip() or None)
        c = execution.consume(session, actor, serial=serial, operation=request_.operation,
                              identifier=request_.material, quantity=request_.quantity)
        return f"{c.material} × {c.quantity:g} built into {c.serial}"

    return _do(request, serial, "consume", v, work)


def _measure(request: Request, serial: str, v: dict):
    """Record every value typed, each in its own unit of work: those refused keep their typed value and
    say why, those recorded show as recorded; an out-of-spec value puts the unit on hold (and a unit
    on hold takes no further value until the MRB's disposition)."""
    typed = {k[2:]: raw.strip() for k, raw in v.items() if k.startswith("m_") and raw.strip()}
    actor = request.state.web_actor
    refused, recorded, held = [], [], []
    if not typed:
        refused.append(Invalid("measurement_invalid",
                               "type a value, or choose pass or fail, for at least one characteristic"))
    for code, raw in typed.items():
        try:
            m = parse(MeasurementRequest, characteristic=code, value=raw, gauge=v.get("gauge", "").strip() or None)
            with unit_of_work(request.app.state.database_url) as session:
                result = execution.record_measurement(session, actor, serial=serial, characteristic=m.characteristic,
                                                      result=m.result, gauge=m.gauge)
        except LripError as exc:
            refused.append(exc)
            continue
        recorded.append(code)
        if not result.in_spec:
            held.append(f"{result.hold_reason} ({result.ncr})")
    if refused:
        kept = {k: raw for k, raw in v.items() if not (k.startswith("m_") and k[2:] in recorded)}
        return _unit_page(request, serial, errors={"measure": [r for e in refused for r in e.reasons]}, values=kept,
                          notice=f"Recorded {', '.join(recorded)}." if recorded else None,
                          status=status_code(refused[0]))
    if held:
        flash(request, f"Recorded {', '.join(recorded)}. Out of spec — {serial} is now ON HOLD: " + "; ".join(held),
              "warn")
    else:
        flash(request, f"Recorded {', '.join(recorded)}: in spec.")
    return RedirectResponse(_unit_url(serial), status_code=303)


FORMS = {"start": _start, "measure": _measure, "consume": _consume, "complete": _complete, "pause": _pause,
         "resume": _resume, "handover": _handover}
