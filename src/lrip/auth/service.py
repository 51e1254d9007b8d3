"""People and their keys: users, roles, passwords, log-in with lockout, API tokens.

Each function is one audited transaction, except `authenticate` (see there).
The clock is read through `lrip.db.utcnow` so tests can move it.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit, db
from lrip.auth.models import ApiToken, User
from lrip.auth.passwords import generate_password, hash_password, needs_rehash, password_problems, verify_password
from lrip.auth.permissions import ROLES
from lrip.auth.rules import (DISABLED, LOCK_FOR, MAX_FAILED_LOGINS, WRONG_LOGIN, after_failed_login, is_locked,
                             locked_reason, token_problems)
from lrip.db import get_one, transactional
from lrip.errors import NotFound, Refused, verdict

__all__ = ["ROLES", "create_user", "create_first_admin", "get_user", "list_users", "set_password", "authenticate",
           "disable_user", "enable_user", "set_roles", "create_token", "revoke_token", "user_for_token",
           "list_tokens"]

TOKEN_START = "lrip_"
PREFIX_LENGTH = 12          # "lrip_" and 7 characters of the token: enough to tell tokens apart
MAX_TOKEN_DAYS = 366
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


# ---------------------------------------------------------------- users

def _role_problems(roles: list[str]) -> list[str]:
    reasons = [f"'{r}' is not a role; roles are {', '.join(ROLES)}" for r in roles if r not in ROLES]
    if not roles:
        reasons.append("a user needs at least one role")
    return reasons


@transactional
def create_user(session: Session, *, username: str, full_name: str, roles: list[str], actor: str,
                password: str | None = None) -> User:
    """A user with roles; without a password they cannot log in until one is set."""
    reasons = []
    if not username.strip() or " " in username:
        reasons.append("a username is one word")
    if session.execute(select(User.id).where(User.username == username)).first():
        reasons.append(f"username {username} is taken")
    reasons += [f"'{r}' is not a role; roles are {', '.join(ROLES)}" for r in roles if r not in ROLES]
    if password is not None:
        reasons += password_problems(password, username)
    verdict(reasons).raise_if_refused("user_refused")
    user = User(username=username, full_name=full_name, roles=list(roles), active=True, failed_logins=0,
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.created", record_type="user", record_id=username,
                 after={"full_name": full_name, "roles": list(roles), "password_set": password is not None})
    return user


@transactional
def create_first_admin(session: Session) -> str | None:
    """On an empty database, the user `admin` with a generated password, returned to be shown once;
    None when there are users already."""
    if session.execute(select(User.id).limit(1)).first():
        return None
    password = generate_password()
    create_user(session, username="admin", full_name="Administrator", roles=["admin"], actor="lrip init",
                password=password)
    return password


def get_user(session: Session, username: str) -> User:
    return get_one(session, User, "user", username=username)


def list_users(session: Session) -> list[dict]:
    now = db.utcnow()
    return [{"username": u.username, "full_name": u.full_name, "roles": list(u.roles), "active": u.active,
             "locked_until": u.locked_until.isoformat() if is_locked(u.locked_until, now) else None,
             "has_password": u.password_hash is not None}
            for u in session.execute(select(User).order_by(User.username)).scalars()]


def _active_admins_besides(session: Session, username: str) -> int:
    users = session.execute(select(User).where(User.active.is_(True), User.username != username)).scalars()
    return sum(1 for u in users if "admin" in (u.roles or []))


@transactional
def set_password(session: Session, *, username: str, password: str, actor: str, reason: str | None = None) -> User:
    """Set a new password; it also clears failed log-ins and any lock (an admin's way to unlock early)."""
    user = get_one(session, User, "user", lock=True, username=username)
    verdict(password_problems(password, username)).raise_if_refused("password_refused")
    before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor=actor, action="user.password_set", record_type="user", record_id=username,
                 before=before, after={"failed_logins": 0, "locked_until": None, "password_set": True}, reason=reason)
    return user


@transactional
def disable_user(session: Session, *, username: str, actor: str, reason: str | None = None) -> User:
    """A disabled user cannot log in, sign, or use their API tokens. Nothing of theirs is deleted."""
    user = get_one(session, User, "user", lock=True, username=username)
    reasons = []
    if not user.active:
        reasons.append(f"{username} is disabled already")
    if "admin" in user.roles and user.active and not _active_admins_besides(session, username):
        reasons.append(f"{username} is the last active admin; make another user admin first")
    verdict(reasons).raise_if_refused("user_refused")
    user.active = False
    audit.record(session, actor=actor, action="user.disabled", record_type="user", record_id=username,
                 before={"active": True}, after={"active": False}, reason=reason)
    return user


@transactional
def enable_user(session: Session, *, username: str, actor: str, reason: str | None = None) -> User:
    """Enable a disabled user, or unlock a locked one."""
    user = get_one(session, User, "user", lock=True, username=username)
    locked = is_locked(user.locked_until, db.utcnow())
    if user.active and not locked:
        raise Refused("user_refused", f"{username} is enabled already and not locked")
    before = {"active": user.active, "locked_until": user.locked_until, "failed_logins": user.failed_logins}
    user.active, user.locked_until, user.failed_logins = True, None, 0
    audit.record(session, actor=actor, action="user.enabled", record_type="user", record_id=username,
                 before=before, after={"active": True, "locked_until": None, "failed_logins": 0}, reason=reason)
    return user


@transactional
def set_roles(session: Session, *, username: str, roles: list[str], actor: str, reason: str | None = None) -> User:
    user = get_one(session, User, "user", lock=True, username=username)
    roles = list(dict.fromkeys(roles))
    reasons = _role_problems(roles)
    if "admin" in user.roles and "admin" not in roles and user.active and not _active_admins_besides(session, username):
        reasons.append(f"{username} is the last active admin; make another user admin first")
    verdict(reasons).raise_if_refused("user_refused")
    before = list(user.roles)
    user.roles = roles
    audit.record(session, actor=actor, action="user.roles_set", record_type="user", record_id=username,
                 before={"roles": before}, after={"roles": roles}, reason=reason)
    return user


# ---------------------------------------------------------------- log-in

class _LoginFailed(Exception):
    """Carries a refused log-in out of its rolled-back transaction, to be recorded in one of its own."""

    def __init__(self, username: str, password_right: bool):
        self.username, self.password_right = username, password_right


def authenticate(session: Session, username: str, password: str) -> User:
    """The user, if the password is right and the account neither disabled nor locked.

    A refusal must be remembered even though it raises, and even when the caller
    has a transaction open (signing inside a disposition): the caller's
    transaction is rolled back — it was failing anyway — and the failure, the
    lock and their audit events are committed in a transaction of their own.
    The refusal never tells whether the name exists: a wrong password and an
    unknown name read the same, unknown names lock after MAX_FAILED_LOGINS like
    real ones, and "disabled" is said only to whoever gives the right password.
    """
    try:
        return _check_login(session, username, password)
    except _LoginFailed as failure:
        session.rollback()
        with Session(session.get_bind(), expire_on_commit=False) as own, own.begin():
            text = _record_failed_login(own, failure)
        raise Refused("login_refused", text) from None


@transactional
def _check_login(session: Session, username: str, password: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or is_locked(user.locked_until, db.utcnow()):
        verify_password(None, password)  # the same time as a real check
        raise _LoginFailed(username, False)
    right = verify_password(user.password_hash, password)
    if not right or not user.active:
        raise _LoginFailed(username, right)
    if user.failed_logins or user.locked_until or needs_rehash(user.password_hash):
        before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
        user.failed_logins, user.locked_until = 0, None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(session, actor=username, action="user.logged_in", record_type="user", record_id=username,
                     before=before, after={"failed_logins": 0, "locked_until": None})
    return user


def _record_failed_login(session: Session, failure: _LoginFailed) -> str:
    """Count and audit one refused log-in; returns the words to refuse it with."""
    now, name = db.utcnow(), failure.username
    who = dict(actor=name[:80], record_type="user", record_id=name[:120])
    user = session.execute(select(User).where(User.username == name).with_for_update()).scalar_one_or_none()
    if user is None:
        return _record_unknown_name(session, name, now, who)
    if is_locked(user.locked_until, now):
        audit.record(session, action="user.login_refused", reason="locked", **who)
        return locked_reason(user.locked_until)
    if failure.password_right:  # so the account is disabled
        audit.record(session, action="user.login_refused", reason="disabled", **who)
        return DISABLED
    before = {"failed_logins": user.failed_logins}
    user.failed_logins, user.locked_until = after_failed_login(user.failed_logins, now)
    audit.record(session, action="user.login_failed", before=before, after={"failed_logins": user.failed_logins},
                 reason="wrong password", **who)
    if user.locked_until is None:
        return WRONG_LOGIN
    audit.record(session, action="user.locked", after={"locked_until": user.locked_until},
                 reason=f"{MAX_FAILED_LOGINS} failed log-ins", **who)
    return locked_reason(user.locked_until)


def _record_unknown_name(session: Session, name: str, now, who: dict) -> str:
    """An unknown name is refused like a real one, lock included, counted from the audit trail."""
    failures = session.execute(select(audit.AuditEvent.at).where(
        audit.AuditEvent.record_type == "user", audit.AuditEvent.record_id == who["record_id"],
        audit.AuditEvent.action == "user.login_failed", audit.AuditEvent.at > now - LOCK_FOR,
    ).order_by(audit.AuditEvent.seq)).scalars().all()
    if len(failures) >= MAX_FAILED_LOGINS:
        audit.record(session, action="user.login_refused", reason="locked", **who)
        return locked_reason(failures[-1] + LOCK_FOR)
    audit.record(session, action="user.login_failed", reason="no such user", **who)
    return locked_reason(now + LOCK_FOR) if len(failures) + 1 >= MAX_FAILED_LOGINS else WRONG_LOGIN


# ---------------------------------------------------------------- API tokens

def _token_hash(plaintext: str) -> str:
    """SHA-256 is enough: a token is 256 random bits, not a guessable password."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transactional
def create_token(session: Session, *, username: str, name: str, expires_in_days: int = 90,
                 actor: str) -> tuple[str, ApiToken]:
    """A new API token for a user: (the token, to show once; its row, which keeps only a hash)."""
    user = get_user(session, username)
    reasons = []
    if not name.strip():
        reasons.append("a token needs a name saying what uses it")
    if len(name) > 80:
        reasons.append("a token's name has at most 80 characters")
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        reasons.append(f"a token lasts 1 to {MAX_TOKEN_DAYS} days, not {expires_in_days}")
    if not user.active:
        reasons.append(f"{username}'s account is disabled")
    verdict(reasons).raise_if_refused("token_refused")
    plaintext = TOKEN_START + secrets.token_urlsafe(32)
    now = db.utcnow()
    row = ApiToken(user_id=user.id, name=name.strip(), prefix=plaintext[:PREFIX_LENGTH],
                   token_hash=_token_hash(plaintext), created_at=now, created_by=actor,
                   expires_at=now + timedelta(days=expires_in_days))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="token.created", record_type="api_token", record_id=row.id,
                 after={"user": username, "name": row.name, "prefix": row.prefix, "expires_at": row.expires_at})
    return plaintext, row


def _find_token(session: Session, token: str) -> ApiToken:
    """By id, by the whole token, or by its prefix."""
    if token.isdigit():
        return get_one(session, ApiToken, "API token", lock=True, id=int(token))
    if len(token) > PREFIX_LENGTH:
        return get_one(session, ApiToken, "API token", lock=True, token_hash=_token_hash(token))
    rows = session.execute(select(ApiToken).where(ApiToken.prefix == token).with_for_update()).scalars().all()
    if not rows:
        raise NotFound("api_token_not_found", f"No API token with prefix {token}")
    if len(rows) > 1:
        raise Refused("token_refused", f"{len(rows)} tokens begin {token}; give the token's id")
    return rows[0]


@transactional
def revoke_token(session: Session, *, token: str, actor: str, reason: str | None = None) -> ApiToken:
    """Revoke a token (id, prefix or the token itself); it stops working at once."""
    row = _find_token(session, token)
    if row.revoked_at is not None:
        raise Refused("token_refused", f"token {row.prefix} was revoked already, on "
                                       f"{row.revoked_at:%Y-%m-%d %H:%M} UTC by {row.revoked_by}")
    row.revoked_at, row.revoked_by = db.utcnow(), actor
    audit.record(session, actor=actor, action="token.revoked", record_type="api_token", record_id=row.id,
                 before={"revoked_at": None}, after={"revoked_at": row.revoked_at, "prefix": row.prefix},
                 reason=reason)
    return row


@transactional
def user_for_token(session: Session, plaintext: str) -> User:
    """The user an API token stands for, or refused in words (unknown, revoked, expired, owner disabled).

    last_used_at is bookkeeping, not a change to a record: it is not audited,
    and written at most once a minute so a busy client does not write on every call."""
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == _token_hash(plaintext))).scalar_one_or_none()
    if row is None:
        raise Refused("token_refused", "this API token is not known; check it was copied whole")
    now = db.utcnow()
    verdict(token_problems(expires_at=row.expires_at, revoked_at=row.revoked_at, revoked_by=row.revoked_by,
                           owner=row.user.username, owner_active=row.user.active,
                           now=now)).raise_if_refused("token_refused")
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    return row.user


def list_tokens(session: Session, username: str | None = None) -> list[dict]:
    query = select(ApiToken).join(User).order_by(ApiToken.id)
    if username:
        query = query.where(User.username == username)
    now = db.utcnow()

    def status(t: ApiToken) -> str:
        return "revoked" if t.revoked_at else "expired" if now >= t.expires_at else "active"

    return [{"id": t.id, "prefix": t.prefix, "user": t.user.username, "name": t.name, "status": status(t),
             "created_at": t.created_at.isoformat(), "expires_at": t.expires_at.isoformat(),
             "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}
            for t in session.execute(query).scalars()]
