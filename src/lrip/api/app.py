"""The web application: the REST API under /api/v1 and the pages for people."""
from importlib import import_module

from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from lrip.api import problems
from lrip.config import database_url
from lrip.db import get_engine, read_session

# every business area has a JSON router (routes.py, under /api/v1) and pages for people (pages.py)
AREAS = ("program", "execution", "nonconformance", "inspection", "quality", "supply", "trace", "planning", "capacity",
         "change", "readiness")
MAX_BODY = 8 * 1024 * 1024  # a test station's CSV fits; anything larger is refused with 413


class BodyLimit:
    """Refuse request bodies over MAX_BODY before they reach a route (413, problem+json)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await self._too_large(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope, receive, send):
        response = problems.problem(413, "too_large", [f"the request body is over {MAX_BODY // (1024 * 1024)} MB"],
                                    scope.get("path", ""))
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(url: str | None = None) -> FastAPI:
    url = database_url(url)
    app = FastAPI(title="lrip", version="1", openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None,
                  description="Low-rate initial production under control. Errors are application/problem+json "
                              "with a stable `code` and every reason in `reasons`.")
    app.state.database_url = url
    problems.install(app)

    @app.get("/health", tags=["platform"])
    def health() -> dict:
        """Alive, and the database answers with its migration revision."""
        with read_session(url) as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return {"status": "ok", "database": get_engine(url).dialect.name, "migration": revision}

    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.sessions import SessionMiddleware

    from lrip.api.audit_routes import router as audit_router
    from lrip.web.pages import router as pages_router
    from lrip.web.session import STATIC_DIR, WebGuard, session_options

    for router in (*_routers("routes"), audit_router):
        app.include_router(router, prefix="/api/v1")
    for router in (pages_router, *_routers("pages")):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(WebGuard)  # the signed-in user, CSRF, sign-in required (inside the session)
    app.add_middleware(SessionMiddleware, **session_options())
    app.add_middleware(BodyLimit)
    return app


def _routers(module: str) -> list[APIRouter]:
    return [import_module(f"lrip.{area}.{module}").router for area in AREAS]
