"""What every API route needs: a database session, the signed-in user, a permission check, paging."""
from dataclasses import dataclass
from typing import Iterator

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from lrip.api.problems import Unauthenticated
from lrip.auth import permissions
from lrip.auth.models import User
from lrip.db import get_engine, read_session
from lrip.errors import LripError


def db(request: Request) -> Iterator[Session]:
    """A session for a route that writes: the service it calls owns the transaction."""
    with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
        yield session


def read_db(request: Request) -> Iterator[Session]:
    """A session for a route that only reads: on SQLite it takes no write lock."""
    with read_session(request.app.state.database_url) as session:
        yield session


def current_user(request: Request) -> User:
    """The user of the Bearer token, or of the signed web session cookie."""
    from lrip.auth.service import user_for_token

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        with Session(get_engine(request.app.state.database_url), expire_on_commit=False) as session:
            try:
                return user_for_token(session, token.strip())
            except LripError as exc:
                raise Unauthenticated("token_invalid", exc.reasons) from None
    user = getattr(request.state, "web_user", None)
    if user is not None:
        return user
    raise Unauthenticated("not_signed_in", ["sign in, or send an API token as 'Authorization: Bearer <token>'"])


def require(action: str):
    """A dependency that lets the route run only for a role the permission table allows."""

    def check(user: User = Depends(current_user)) -> User:
        permissions.check(user, action)
        return user

    check.action = action  # lets the endpoint × role test read each route's permission
    return check


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(limit: int = Query(50, ge=1, le=500, description="How many items (1–500)."),
         offset: int = Query(0, ge=0, le=10_000_000, description="How many to skip.")) -> Page:
    return Page(limit, offset)
