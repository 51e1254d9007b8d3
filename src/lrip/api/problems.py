"""Errors as application/problem+json (RFC 9457), mapped once for the whole API.

Every problem carries a stable `code` and the list of `reasons`, so a terminal can
show all of them at once. Nothing a client sends may produce a 500.
"""
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lrip.fields import reasons_of
from lrip.errors import Conflict, Forbidden, Invalid, LripError, NotFound, NotSignedIn, Refused

MEDIA_TYPE = "application/problem+json"
STATUS = {Refused: 409, Conflict: 409, NotFound: 404, Forbidden: 403, Invalid: 422}
TITLES = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Refused", 413: "Request too large", 415: "Unsupported media type", 422: "Invalid input",
          429: "Too many requests"}


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "reasons"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "instance": {"type": "string"}, "code": {"type": "string"},
                   "reasons": {"type": "array", "items": {"type": "string"}}},
}
RESPONSES = {status: {"description": TITLES[status], "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
             for status in (400, 401, 403, 404, 409, 413, 415, 422)}
"""Every API router documents these, so clients (and schemathesis) know each error's shape."""


def problem(status: int, code: str, reasons: list[str], instance: str = "", headers: dict | None = None) -> JSONResponse:
    body = {"type": f"urn:lrip:problem:{code}", "title": TITLES.get(status, "Error"), "status": status,
            "detail": "; ".join(reasons), "instance": instance, "code": code, "reasons": reasons}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(LripError)
    async def lrip_error(request: Request, exc: LripError):
        if isinstance(exc, NotSignedIn):
            return problem(401, exc.code, exc.reasons, request.url.path, {"WWW-Authenticate": "Bearer"})
        return problem(STATUS.get(type(exc), 409), exc.code, exc.reasons, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(400, "malformed_json", ["the request body is not valid JSON"], request.url.path)
        reasons = reasons_of(errors)
        return problem(422, "invalid_input", reasons, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}.get(
            exc.status_code, "http_error")
        return problem(exc.status_code, code, [str(exc.detail)], request.url.path)
