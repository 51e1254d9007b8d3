"""What every API route needs: the signed-in person, its unit of work, paging.

A route is thin: `actor = Depends(signed_in)` finds who is calling (an API token, or the web
session's cookie) in one read that never takes SQLite's write lock; the route then opens its
unit of work with `read(request)` or, for a change, `act(...)` (which also keeps the first answer
to an Idempotency-Key), calls one service function with the actor and returns its typed answer.
The permission is checked by the service, so the CLI, the API and the pages cannot disagree.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from fastapi import BackgroundTasks, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lrip.api import idempotency
from lrip.auth.actor import Actor
from lrip.auth.service import actor_for_token, note_token_use
from lrip.db import unit_of_work
from lrip.errors import NotSignedIn


def _note_use(url: str, token_id: int) -> None:
    with unit_of_work(url) as session:
        note_token_use(session, token_id)


def signed_in(request: Request, background: BackgroundTasks) -> Actor:
    """The person behind the request: the Bearer token's owner, or the web session's (set by WebGuard)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        url = request.app.state.database_url
        with unit_of_work(url, write=False) as session:
            found = actor_for_token(session, token.strip())
        if found.stale:
            background.add_task(_note_use, url, found.token_id)
        return found.actor
    actor = getattr(request.state, "web_actor", None)
    if actor is not None:
        return actor
    raise NotSignedIn("not_signed_in", ["sign in, or send an API token as 'Authorization: Bearer <token>'"])


@contextmanager
def read(request: Request) -> Iterator[Session]:
    """A read-only unit of work for a route that only reads."""
    with unit_of_work(request.app.state.database_url, write=False) as session:
        yield session


def act(request: Request, actor: Actor, payload: object, work: Callable[[Session], BaseModel]):
    """Do one change in its own unit of work and return its typed answer; with an Idempotency-Key,
    a retry gets the first answer and changes nothing (see lrip.api.idempotency)."""
    with unit_of_work(request.app.state.database_url) as session:
        return idempotency.once(session, request, actor, payload, work)


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(limit: int = Query(50, ge=1, le=500, description="How many items (1–500)."),
         offset: int = Query(0, ge=0, le=10_000_000, description="How many to skip.")) -> Page:
    return Page(limit, offset)


def uses(use_case) -> dict:
    """The route's `openapi_extra`: the permission of the one use case it calls, read from the service
    itself (so the API documents what the service checks; the endpoint × role walk reads it)."""
    return {"x-permission": use_case.permission}
