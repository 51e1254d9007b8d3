"""The browser's session: a signed cookie, the signed-in person, CSRF checks, and sign-in required.

The cookie is Starlette's SessionMiddleware: itsdangerous-signed (so it cannot be
forged or edited) but not encrypted, so it holds only the server-side session's
token (lrip.auth.models.SignIn: logging out, disabling or locking the account ends
it at once) and the CSRF token. The signing key is LRIP_SECRET_KEY; without it a
random key is made once per process, so every session ends when the server
restarts and several worker processes would not accept each other's cookies — set
LRIP_SECRET_KEY for those.

`WebGuard` runs inside the session middleware, on every request:
- it sets `request.state.web_actor` from the session (one read, no write lock), so
  the API's `signed_in` works for the browser too;
- every page POST must carry the session's CSRF token (hidden field `csrf_token`,
  or header `X-CSRF-Token`): without it the answer is 403 and no route runs, so
  nothing changes. Page forms are url-encoded, which is what is parsed here;
- an API write (POST, PUT, PATCH, DELETE) is signed in by the cookie only with the
  `X-CSRF-Token` header, so another site cannot post to the API in the user's name;
- a visitor who is not signed in is sent to /login?next=… from every page.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse

from lrip.auth.service import actor_for_session
from lrip.db import unit_of_work
from lrip.errors import NotSignedIn
from lrip.web.render import render

STATIC_DIR = str(Path(__file__).parent / "static")
_PROCESS_KEY = secrets.token_urlsafe(32)
SHIFT_SECONDS = 12 * 3600  # a long shift, counted from the last change to the session (sign-in, a message)
PUBLIC = ("/login", "/static/", "/health", "/api/", "/favicon.ico")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_options() -> dict:
    """Keyword arguments for Starlette's SessionMiddleware."""
    return {"secret_key": os.environ.get("LRIP_SECRET_KEY") or _PROCESS_KEY, "session_cookie": "lrip_session",
            "max_age": SHIFT_SECONDS, "same_site": "lax", "https_only": False}


def start(request: Request, token: str) -> None:
    """A fresh cookie for a new sign-in: a new CSRF token, so a token seen before sign-in is useless after."""
    request.session.clear()
    request.session.update({"sid": token, "csrf": secrets.token_urlsafe(32)})


def end(request: Request) -> str | None:
    """Forget the cookie's session; its token, for the server-side session to be ended."""
    token = request.session.get("sid")
    request.session.clear()
    return token


def safe_next(target: str | None) -> str:
    """Only a path on this site: never //other.host or a full URL."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and secrets.compare_digest(given.encode(), expected.encode())


def _load_actor(url: str, token: str):
    """The signed-in person, or None when the session ended or its account was disabled or locked since."""
    try:
        with unit_of_work(url, write=False) as session:
            return actor_for_session(session, token)
    except NotSignedIn:
        return None


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    """A receive that gives the body already read, then listens as before (for a disconnect)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class WebGuard:
    """Signed-in user, CSRF and sign-in-required for every request; see the module docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        session, path, method = scope["session"], scope["path"], scope["method"]
        api = path.startswith("/api/")
        user = None
        if session.get("sid"):
            user = await run_in_threadpool(_load_actor, scope["app"].state.database_url, session["sid"])
            if user is None:
                session.clear()
        if not api and "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        if method in UNSAFE:
            header = Headers(scope=scope).get("x-csrf-token")
            if api:
                if not _same(header, session.get("csrf")):
                    user = None  # the cookie alone never writes through the API
            else:
                body = await _read_body(receive)
                token = header or parse_qs(body.decode("latin-1")).get("csrf_token", [None])[0]
                if not _same(token, session.get("csrf")):
                    return await _csrf_refused(scope, receive, send)
                receive = _replay(body, receive)
        scope.setdefault("state", {})["web_actor"] = user
        if user is None and not api and not path.startswith(PUBLIC):
            target = "/login"
            if method == "GET" and path != "/":
                query = scope.get("query_string", b"").decode("latin-1")
                target += "?next=" + quote(path + ("?" + query if query else ""), safe="")
            return await RedirectResponse(target, status_code=303)(scope, receive, send)
        await self.app(scope, receive, send)


async def _csrf_refused(scope, receive, send):
    response = render(Request(scope, receive), "message.html", {
        "title": "Form refused", "kind": "refused",
        "reasons": ["This form did not carry this session's security token (it is out of date, or it did not "
                    "come from an lrip page). Nothing was changed. Go back, reload the page and try again."]},
        status=403)
    await response(scope, receive, send)
