"""One Jinja environment for every page, and `render`, which gives each page what
the shared layout needs: the signed-in person, the CSRF token, and the one-time message;
`act` for a page's form action (its own unit of work, the service's refusal shown in place)."""
from datetime import datetime
from pathlib import Path
from typing import Callable

from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.requests import Request

from lrip.db import unit_of_work
from lrip.errors import Forbidden, Invalid, LripError, NotFound

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATUS_WORDS = {"planned": "Planned", "in_work": "In work", "on_hold": "On hold", "complete": "Complete",
                "scrapped": "Scrapped", "pending": "Not started", "reworked": "Reworked", "stopped": "Stopped",
                "open": "Open", "closed": "Closed"}


def when(iso: str | datetime | None) -> str:
    """'2026-03-01 14:05 UTC' from a stored time (the CLI shows the same)."""
    if not iso:
        return ""
    at = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return f"{at:%Y-%m-%d %H:%M} UTC"


def number(x) -> str:
    return "" if x is None else f"{x:g}"

def whole(value: str | None, name: str) -> int | None:
    """A whole number typed in a form field, or None when it was left empty."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid("page_invalid", f"{name} must be a whole number, not {value}") from None


def sentence(reason: str) -> str:
    """A service's reason as a sentence: 'No unit with serial X' → 'No unit with serial X.'"""
    text = reason.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


templates.env.filters.update(when=when, number=number, sentence=sentence,
                             status=lambda s: STATUS_WORDS.get(s, str(s).replace("_", " ")))


def status_code(exc: LripError) -> int:
    """The HTTP status a page answers a refusal with (the API's, without its JSON)."""
    return {NotFound: 404, Forbidden: 403, Invalid: 422}.get(type(exc), 409)


def render(request: Request, name: str, context: dict | None = None, status: int = 200):
    session = request.session
    base = {"user": getattr(request.state, "web_actor", None), "csrf_token": session.get("csrf", ""),
            "flash": session.pop("flash", None) if "flash" in session else None}
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status)


async def form_fields(request: Request) -> dict:
    """A posted form's text fields, without the CSRF token."""
    return {k: v for k, v in (await request.form()).items() if k != "csrf_token" and isinstance(v, str)}


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once, on the next page (after a redirect)."""
    request.session["flash"] = {"text": text, "kind": kind}


def act(request: Request, back: str, work: Callable[[Session, object], str | tuple[str, str]], on_refusal: Callable):
    """A page's form action: run `work(session, actor)` in its own unit of work (it returns the message
    to show, or (message, kind) when the news is not good: "warn", "bad") and redirect to `back`; on
    refusal `on_refusal(reasons, status)` draws the page again.
    The service checks the permission, as it does for the API and the CLI."""
    try:
        with unit_of_work(request.app.state.database_url) as session:
            message = work(session, request.state.web_actor)
    except LripError as exc:
        return on_refusal(exc.reasons, status_code(exc))
    text, kind = message if isinstance(message, tuple) else (message, "ok")
    flash(request, text, kind)
    return RedirectResponse(back, status_code=303)
