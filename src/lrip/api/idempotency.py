"""Shop-floor terminals retry: a POST with an Idempotency-Key is done once.

The key is checked, the action done and its answer stored in the route's one unit of work, so a
retry returns the first answer and records nothing twice. On PostgreSQL an advisory lock on the
key makes a retry that arrives while the first request is still running wait for it; SQLite's
BEGIN IMMEDIATE does the same.
"""
import hashlib
import json
from typing import Callable

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.api.models import IdempotencyRecord
from lrip.db import is_postgres
from lrip.errors import Invalid


def once(session: Session, request: Request, actor, payload: object, work: Callable[[Session], BaseModel]):
    """The answer of `work(session)`, or the stored first answer to this request's Idempotency-Key."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return work(session)
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise Invalid("idempotency_key_invalid", "an Idempotency-Key is 1 to 200 printable characters")
    digest = hashlib.sha256(json.dumps([request.method, request.url.path, payload], sort_keys=True,
                                       default=str).encode()).hexdigest()
    if is_postgres(session):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{actor.id}:{key}"))))
    first = session.execute(select(IdempotencyRecord).filter_by(user_id=actor.id, key=key)).scalar_one_or_none()
    if first is not None:
        if first.request_hash != digest:
            raise Invalid("idempotency_key_reused",
                          f"Idempotency-Key {key} was first used for a different request ({first.method} {first.path})")
        return JSONResponse(first.body, status_code=first.status_code, headers={"Idempotent-Replayed": "true"})
    answer = work(session)
    status = _status(request)
    session.add(IdempotencyRecord(user_id=actor.id, key=key, method=request.method, path=request.url.path,
                                  request_hash=digest, status_code=status, body=jsonable_encoder(answer)))
    return answer


def _status(request: Request) -> int:
    """The status code the route answers with (its decorator's), stored for the replay."""
    route = request.scope.get("route")
    return getattr(route, "status_code", None) or 200
