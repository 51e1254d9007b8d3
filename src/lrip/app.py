"""The web application: the REST API under /api/v1 and the pages for people, from every area's
`routes.py` and `pages.py` (lrip.areas lists them); while it serves, a checkpoint of the audit trail
at start and then at least hourly (lrip.auditing.installation)."""
import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from swagger_ui_bundle import swagger_ui_path

from lrip import areas
from lrip.api import problems
from lrip.auditing.installation import checkpoints_while_serving
from lrip.config import database_url
from lrip.db import get_engine, unit_of_work
from lrip.web.headers import SecurityHeaders, https_from_environment
from lrip.web.session import STATIC_DIR, WebGuard, session_options

DOCS_ASSETS = "/api/docs/assets"  # Swagger UI's files, from the swagger-ui-bundle package (no CDN)
DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>lrip API</title><link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css">
<link rel="icon" href="{DOCS_ASSETS}/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script><script src="/static/swagger-init.js"></script></body></html>
"""
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


def create_app(url: str | None = None, *, https: bool | None = None) -> FastAPI:
    """The app on this database; `https` (default: LRIP_HTTPS) when clients reach it over https."""
    url = database_url(url)
    areas.load()

    @asynccontextmanager
    async def lifespan(_app):
        task = asyncio.create_task(checkpoints_while_serving(url))
        yield
        task.cancel()

    app = FastAPI(title="lrip", version="1", openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="Low-rate initial production under control. Errors are application/problem+json "
                              "with a stable `code` and every reason in `reasons`.")
    app.state.database_url = url
    problems.install(app)

    @app.get("/health", tags=["platform"])
    def health() -> dict:
        """Alive, and the database answers with its migration revision."""
        with unit_of_work(url, write=False) as session:
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return {"status": "ok", "database": get_engine(url).dialect.name, "migration": revision}

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the installed swagger-ui-bundle's files (a station without internet reads it too),
        started by our own script, so the page runs under the same Content-Security-Policy as the others."""
        return HTMLResponse(DOCS_PAGE)

    for module in areas.modules("routes"):
        app.include_router(module.router, prefix="/api/v1")
    for module in areas.modules("pages"):
        app.include_router(module.router)
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="api-docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(WebGuard)  # the signed-in person, CSRF, sign-in required (inside the session)
    app.add_middleware(SessionMiddleware, **session_options())
    app.add_middleware(BodyLimit)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # pages, JSON and charts over a plant's network
    app.add_middleware(SecurityHeaders, https=https_from_environment() if https is None else https)
    return app
