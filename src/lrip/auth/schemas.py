"""Requests and answers of the accounts area: users, sign-ins, API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from lrip.auth.permissions import ROLES
from lrip.fields import Answer, Identifier, Name, Reason, Strict

Role = Literal[ROLES]  # type: ignore[valid-type]


class UserCreate(Strict):
    username: Identifier
    full_name: Name
    roles: list[Role] = Field(min_length=1)


class UserOut(Answer):
    username: str
    full_name: str
    roles: list[str]
    active: bool
    locked_until: datetime | None = None
    has_password: bool = True


class WhoAmI(Answer):
    username: str
    full_name: str
    roles: list[str]


class SignedIn(Answer):
    """A sign-in that worked: the session token (shown to the entry point once), who, until when."""

    token: str
    username: str
    full_name: str
    roles: list[str]
    expires_at: datetime


class SignedOut(Answer):
    username: str
    ended_at: datetime


class TokenCreate(Strict):
    username: Identifier
    name: Name
    days: int = Field(90, ge=1, le=366)


class TokenOut(Answer):
    id: int
    prefix: str
    user: str
    name: str
    status: Literal["active", "revoked", "expired"]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str  # shown once


class RevokeRequest(Strict):
    reason: Reason | None = None
