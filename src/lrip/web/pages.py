"""The pages every area shares: sign in, sign out, and the list of programs."""
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from lrip.auth.service import authenticate
from lrip.db import get_engine, read_session
from lrip.errors import LripError
from lrip.program.service import list_programs
from lrip.web.render import render
from lrip.web.session import safe_next, sign_in, sign_out

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request):
    with read_session(request.app.state.database_url) as session:
        programs = list_programs(session)
    return render(request, "home.html", {"programs": programs})


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    if request.state.web_user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
    """Sign in through auth.service.authenticate, which counts failures and locks; its reasons are shown."""
    with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
        try:
            user = authenticate(session, username.strip(), password)
        except LripError as exc:
            return render(request, "login.html", {"next": safe_next(next), "username": username,
                                                  "reasons": exc.reasons}, status=401)
    sign_in(request, user.username)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request):
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
