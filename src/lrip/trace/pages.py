"""Traceability pages: search a serial or lot and read its genealogy as a tree; a lot's record
completeness. They read only, as the signed-in person."""
from fastapi import APIRouter, Request

from lrip.db import unit_of_work
from lrip.errors import LripError
from lrip.fields import parse
from lrip.trace import service
from lrip.trace.schemas import CompletenessRequest, TraceRequest
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


@router.get("/trace")
def trace_page(request: Request, identifier: str = "", direction: str = "backward", kind: str = ""):
    """The search box; with an identifier, its tree (backward: what is in it; forward: where it went)."""
    context = {"identifier": identifier.strip(), "direction": direction, "kind": kind, "t": None}
    status = 200
    if context["identifier"]:
        try:
            asked = parse(TraceRequest, identifier=identifier, direction=direction, kind=kind or None)
            with unit_of_work(request.app.state.database_url, write=False) as session:
                context["t"] = service.trace(session, request.state.web_actor, identifier=asked.identifier,
                                             direction=asked.direction, kind=asked.kind)
        except LripError as exc:
            context["reasons"], status = exc.reasons, status_code(exc)
    return render(request, "trace_search.html", context, status=status)


@router.get("/trace/check")
def check_page(request: Request, lot: str = "", serial: str = "", program: str = ""):
    """Record completeness of a lot's units (or one unit's, or a program's)."""
    context = {"lot": lot.strip(), "serial": serial.strip(), "program": program.strip(), "rows": None}
    status = 200
    if any((context["lot"], context["serial"], context["program"])):
        try:
            asked = parse(CompletenessRequest, lot=lot or None, serial=serial or None, program=program or None)
            with unit_of_work(request.app.state.database_url, write=False) as session:
                context["rows"] = service.completeness(session, request.state.web_actor, lot=asked.lot,
                                                       serial=asked.serial, program=asked.program)
        except LripError as exc:
            context["reasons"], status = exc.reasons, status_code(exc)
    return render(request, "trace_check.html", context, status=status)
