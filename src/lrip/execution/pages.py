"""The traveler at the station: scan a serial, read the released instruction, start,
record values, scan material and complete; and the unit's as-built record.

Every action is checked with lrip.auth.permissions.check, then done by
lrip.execution.service as the signed-in user. A refusal shows the same page again
with every reason and the values as they were typed; a success redirects (so a
reload does not repeat it) with a one-time message.
"""
from collections import defaultdict
from typing import Callable, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lrip.auth.permissions import allowed, check
from lrip.db import get_engine, read_session
from lrip.errors import Invalid, LripError
from lrip.execution import service
from lrip.web.render import act as form_action
from lrip.web.render import form_fields, render, status_code
from lrip.web.session import flash

router = APIRouter(include_in_schema=False)
ACTIONS = ("operation.start", "operation.complete", "measurement.record", "material.consume")


def _unit_url(serial: str) -> str:
    return f"/units/{quote(serial, safe='')}"


@router.get("/traveler")
def scan(request: Request, serial: str = ""):
    """The scan box; a known serial goes straight to its traveler."""
    serial = serial.strip()
    if not serial:
        return render(request, "scan.html", {"serial": ""})
    with read_session(request.app.state.database_url) as session:
        try:
            service.get_unit(session, serial)
        except LripError as exc:
            return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    return RedirectResponse(_unit_url(serial), status_code=303)


def _current(session: Session, t: dict) -> dict | None:
    """The operation to start or complete now, with its instruction text and what is recorded so far."""
    if t["next"] is None:
        return None
    op = next(o for o in t["operations"] if o["sequence"] == t["next"]["sequence"])
    doc = service.find_operation(service.get_unit(session, t["serial"]), op["sequence"]).document_revision
    attempt = op["attempts"][-1] if op["status"] == "in_work" else None
    consumed: dict[str, float] = defaultdict(float)
    for a in op["attempts"]:
        for c in a["consumed"]:
            consumed[c["part"]] += c["quantity"]
    return {**op, "action": t["next"]["action"], "blocked_by": t["next"]["blocked_by"], "attempt": attempt,
            "document": doc and {"label": doc.label, "status": doc.status, "title": doc.document.title,
                                 "content": doc.content},
            "latest": {m["characteristic"]: m for m in attempt["measurements"]} if attempt else {},
            "materials": [{"part": m["part"], "quantity": m["quantity"], "consumed": consumed[m["part"]],
                           "left": max(m["quantity"] - consumed[m["part"]], 0.0)} for m in op["materials"]]}


def _unit_page(request: Request, serial: str, *, errors: dict | None = None, values: dict | None = None,
               notice: str | None = None, status: int = 200):
    """The traveler; `errors` maps a form (start, measure, consume, complete) to its reasons."""
    user = request.state.web_user
    with read_session(request.app.state.database_url) as session:
        try:
            t = service.traveler(session, serial)
            current = _current(session, t)
        except LripError as exc:
            return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    may = {a: allowed(user.roles or [], a) for a in ACTIONS}
    return render(request, "unit.html", {"t": t, "current": current, "errors": errors or {}, "values": values or {},
                                         "notice": notice, "may": may}, status=status)


@router.get("/units/{serial}")
def unit(request: Request, serial: str):
    return _unit_page(request, serial)


@router.get("/units/{serial}/record")
def as_built(request: Request, serial: str):
    """The as-built record: the same data as `lrip traveler SERIAL`."""
    with read_session(request.app.state.database_url) as session:
        try:
            t = service.traveler(session, serial)
        except LripError as exc:
            return render(request, "scan.html", {"serial": serial, "reasons": exc.reasons}, status=status_code(exc))
    return render(request, "as_built.html", {"t": t})


@router.post("/units/{serial}/{form}")
async def act(request: Request, serial: str, form: Literal["start", "measure", "consume", "complete"]):
    """One of the traveler's forms; the service call runs in a worker thread (it blocks on the database)."""
    return await run_in_threadpool(FORMS[form], request, serial, await form_fields(request))


def _do(request: Request, serial: str, form: str, action: str, values: dict, work: Callable[[Session, str], str]):
    """Run the form's action (web.render.act); on refusal show the traveler again with the reasons
    and the values kept."""
    return form_action(request, action, _unit_url(serial), work,
                       lambda reasons, status: _unit_page(request, serial, errors={form: reasons}, values=values,
                                                          status=status))


def _start(request: Request, serial: str, v: dict):
    tools = v.get("tools", "").replace(",", " ").split()

    def work(session: Session, who: str) -> str:
        record = service.start_operation(session, serial=serial, operation=v.get("operation", ""), operator=who,
                                         tools=tools)
        return (f"Operation {record.operation.sequence} ({record.operation.name}) started"
                + (f" with {', '.join(tools)}" if tools else ""))

    return _do(request, serial, "start", "operation.start", v, work)


def _complete(request: Request, serial: str, v: dict):
    def work(session: Session, who: str) -> str:
        record = service.complete_operation(session, serial=serial, operation=v.get("operation", ""), operator=who)
        done = f" — {serial} is complete" if record.unit.status == "complete" else ""
        return f"Operation {record.operation.sequence} ({record.operation.name}) complete{done}"

    return _do(request, serial, "complete", "operation.complete", v, work)


def _consume(request: Request, serial: str, v: dict):
    material, quantity = v.get("material", "").strip(), v.get("quantity", "").strip()

    def work(session: Session, who: str) -> str:
        if not material:
            raise Invalid("consume_invalid", "scan or type the material's lot number or serial")
        try:
            amount = float(quantity) if quantity else None
        except ValueError:
            raise Invalid("consume_invalid", f"the quantity is a number, not '{quantity}'") from None
        link = service.consume(session, serial=serial, operation=v.get("operation", ""), identifier=material,
                               quantity=amount, operator=who)
        return f"{material} × {link.quantity:g} built into {serial}"

    return _do(request, serial, "consume", "material.consume", v, work)


def _measure(request: Request, serial: str, v: dict):
    """Record every value typed, one by one: those refused keep their typed value and say why,
    those recorded show as recorded; an out-of-spec value puts the unit on hold (shown on the page)."""
    typed = {k[2:]: raw.strip() for k, raw in v.items() if k.startswith("m_") and raw.strip()}
    user = request.state.web_user
    refused, recorded, held = [], [], []
    try:
        check(user, "measurement.record")
        if not typed:
            raise Invalid("measurement_invalid", "type a value, or choose pass or fail, for at least one characteristic")
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            for code, raw in typed.items():
                try:
                    result = service.record_measurement(session, serial=serial, characteristic=code, result=raw,
                                                        operator=user.username, gauge=v.get("gauge", "").strip() or None)
                except LripError as exc:
                    refused.append(exc)
                    continue
                recorded.append(code)
                if result.hold is not None:
                    held.append(result.hold.reason)
    except LripError as exc:
        refused.append(exc)
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


FORMS = {"start": _start, "measure": _measure, "consume": _consume, "complete": _complete}
