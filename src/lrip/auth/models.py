"""People who use lrip, their API tokens and their electronic signatures."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lrip.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (Index("ux_user_account_username_ci", func.lower(text("username")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[Any] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # argon2 hash; None until a password is set (such a user cannot log in)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # set by an admin (`lrip user lock`): no sign-in, and its sessions and tokens stop, until then
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiToken(Base):
    """A machine's key to the API. Only the SHA-256 of the token is kept; `prefix`
    (the token's first characters, not secret) lets a person tell tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class Signature(Base):
    """One electronic signature (21 CFR 11.50): who (printed name), when, what it means,
    in which role, bound to the SHA-256 of the signed content. Never updated or deleted;
    on PostgreSQL a trigger enforces it."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[str] = mapped_column(String(120), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(80))
    printed_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    meaning: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))


class SignIn(Base):
    """A signed-in session of the web or the CLI (`lrip login`), kept on the server: the browser's
    cookie or the CLI's session file holds only the token, whose SHA-256 is kept here. Logging out,
    disabling or locking the account ends it at once."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # web or cli
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the client's address or host
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class FailedSignIn(Base):
    """Wrong passwords in a row for one name (known or not) from one source (the client's address, or the
    CLI's host): the next sign-in of that name from there waits (auth.rules.wait_after). Bookkeeping, not a
    record: a right password from that source, or a new password, clears it. Other sources never wait."""

    __tablename__ = "failed_sign_in"
    __table_args__ = (UniqueConstraint("username", "source", name="uq_failed_sign_in"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120))  # as typed, lower case
    source: Mapped[str] = mapped_column(String(200))    # '' when unknown
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
