"""One Jinja environment for every page, and `render`, which gives each page what
the shared layout needs: the signed-in user, the CSRF token, and the one-time message."""
from datetime import datetime
from pathlib import Path
from typing import Callable

from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.requests import Request

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
    base = {"user": getattr(request.state, "web_user", None), "csrf_token": session.get("csrf", ""),
            "flash": session.pop("flash", None) if "flash" in session else None}
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status)


async def form_fields(request: Request) -> dict:
    """A posted form's text fields, without the CSRF token."""
    return {k: v for k, v in (await request.form()).items() if k != "csrf_token" and isinstance(v, str)}


def act(request: Request, action: str, back: str, work: Callable[[Session, str], str], on_refusal: Callable):
    """A page's form action: check the permission, run `work(session, username)` (it returns the message
    to show) and redirect to `back`; on refusal `on_refusal(reasons, status)` draws the page again."""
    from lrip.auth.permissions import check
    from lrip.db import get_engine
    from lrip.web.session import flash

    user = request.state.web_user
    try:
        check(user, action)
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            message = work(session, user.username)
    except LripError as exc:
        return on_refusal(exc.reasons, status_code(exc))
    flash(request, message)
    return RedirectResponse(back, status_code=303)
