"""One Jinja environment for every page, and `render`, which gives each page what
the shared layout needs: the signed-in user, the CSRF token, and the one-time message."""
from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
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
