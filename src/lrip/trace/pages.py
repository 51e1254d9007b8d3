"""Traceability pages: search a serial or lot and read its genealogy as a tree; a lot's record
completeness. Read-only: `read` for everyone signed in."""
from fastapi import APIRouter, Request

from lrip.auth.permissions import check
from lrip.db import read_session
from lrip.errors import LripError
from lrip.trace import service
from lrip.web.render import render, status_code

router = APIRouter(include_in_schema=False)


@router.get("/trace")
def trace_page(request: Request, identifier: str = "", direction: str = "backward", kind: str = ""):
    """The search box; with an identifier, its tree (backward: what is in it; forward: where it went)."""
    context = {"identifier": identifier.strip(), "direction": direction, "kind": kind, "t": None}
    status = 200
    if context["identifier"]:
        try:
            check(request.state.web_user, "read")
            with read_session(request.app.state.database_url) as session:
                context["t"] = service.trace(session, context["identifier"], direction=direction, kind=kind or None)
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
            check(request.state.web_user, "read")
            with read_session(request.app.state.database_url) as session:
                context["rows"] = service.completeness(session, lot=context["lot"] or None,
                                                       serial=context["serial"] or None,
                                                       program=context["program"] or None)
        except LripError as exc:
            context["reasons"], status = exc.reasons, status_code(exc)
    return render(request, "trace_check.html", context, status=status)
