"""Signing in and out of the web pages."""
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from lrip.auth.service import sign_in, sign_out
from lrip.db import unit_of_work
from lrip.web import session as web_session
from lrip.web.render import render
from lrip.web.session import safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    if request.state.web_actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
    """Sign in: the attempt is recorded either way (wrong passwords slow the next try from this address); its
    reasons are shown."""
    source = request.client.host if request.client else None
    with unit_of_work(request.app.state.database_url) as session:
        outcome = sign_in(session, username=username, password=password, kind="web", source=source)
    if outcome.signed_in is None:
        return render(request, "login.html", {"next": safe_next(next), "username": username,
                                              "reasons": [outcome.refusal]}, status=401)
    web_session.start(request, outcome.signed_in.token)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request):
    """End the session on the server, not only the cookie: the cookie no longer works after this."""
    token = web_session.end(request)
    if token:
        with unit_of_work(request.app.state.database_url) as session:
            sign_out(session, token)
    return RedirectResponse("/login", status_code=303)
