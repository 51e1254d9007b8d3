"""People and their keys: users, roles, passwords, sign-in slowed after wrong passwords, sessions, API tokens.

Every use case takes the acting person (lrip.auth.actor.Actor) and checks the permission table
itself. Signing in is the one action without an actor: it records its outcome (a new session, or a
counted failure that slows the next try from the same source) and returns it, so the entry point
commits the record either way and then refuses in words. Only an admin locks an account. The clock is
read through `lrip.db.utcnow` so tests can move it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lrip import audit, db
from lrip.auth.actor import INSTALLATION, Actor, command, query
from lrip.auth.models import ApiToken, FailedSignIn, SignIn, User
from lrip.auth.passwords import generate_password, hash_password, needs_rehash, password_problems, verify_password
from lrip.auth.permissions import ROLES, check_token_owner
from lrip.auth.rules import (DISABLED, WRONG_LOGIN, failures_so_far, is_locked, locked_reason, slowed_reason,
                             token_problems, wait_after, wrong_login)
from lrip.auth.schemas import SignedIn, SignedOut, TokenCreated, TokenOut, UserOut, WhoAmI
from lrip.db import get_one, is_postgres, require_unit_of_work
from lrip.errors import NotFound, NotSignedIn, Refused, verdict
from lrip.fields import identifier

TOKEN_START = "lrip_"
PREFIX_LENGTH = 12          # "lrip_" and 7 characters of the token: enough to tell tokens apart
MAX_TOKEN_DAYS = 366
SESSION_FOR = timedelta(hours=12)  # a long shift
MAX_LOCK_HOURS = 24 * 30
TOUCH_EVERY = timedelta(minutes=1)  # a token's last_used_at is written at most this often
NOT_SIGNED_IN = "sign in first: `lrip login USERNAME` (or set LRIP_TOKEN to an API token)"


def _digest(plaintext: str) -> str:
    """SHA-256 is enough: a token is 256 random bits, not a guessable password."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, full_name=user.full_name, roles=tuple(user.roles or ()))


def _user_out(u: User, now) -> UserOut:
    return UserOut(username=u.username, full_name=u.full_name, roles=list(u.roles), active=u.active,
                   locked_until=u.locked_until if is_locked(u.locked_until, now) else None,
                   has_password=u.password_hash is not None)


# ---------------------------------------------------------------- users

def _role_problems(roles: list[str]) -> list[str]:
    reasons = [f"'{r}' is not a role; roles are {', '.join(ROLES)}" for r in roles if r not in ROLES]
    if not roles:
        reasons.append("a user needs at least one role")
    return reasons


def _username_problems(session: Session, username: str) -> list[str]:
    try:
        identifier(username, "a username")
    except ValueError as exc:
        return [str(exc)]
    if session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first():
        return [f"username {username} is taken"]
    return []


def add_user(session: Session, actor: Actor, *, username: str, full_name: str, roles: list[str],
             password: str | None = None) -> UserOut:
    """The user, for `create_user` and the installation's first admin."""
    reasons = _username_problems(session, username) + _role_problems(list(roles))
    if password is not None:
        reasons += password_problems(password, username)
    verdict(reasons).raise_if_refused("user_refused")
    user = User(username=username, full_name=full_name, roles=list(roles), active=True,
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.created", record_type="user", record_id=username,
                 after={"full_name": full_name, "roles": list(roles), "password_set": password is not None})
    return _user_out(user, db.utcnow())


@command("user.manage")
def create_user(session: Session, actor: Actor, *, username: str, full_name: str, roles: list[str],
                password: str | None = None) -> UserOut:
    """A user with roles; without a password they cannot sign in until one is set."""
    return add_user(session, actor, username=username, full_name=full_name, roles=roles, password=password)


def create_first_admin(session: Session) -> str | None:
    """Installation: on an empty database, the user `admin` with a generated password, returned to be
    shown once; None when there are users already."""
    require_unit_of_work(session, write=True)
    if session.execute(select(User.id).limit(1)).first():
        return None
    password = generate_password()
    add_user(session, INSTALLATION, username="admin", full_name="Administrator", roles=["admin"], password=password)
    return password


@query()
def whoami(session: Session, actor: Actor) -> WhoAmI:
    return WhoAmI(username=actor.username, full_name=actor.full_name, roles=list(actor.roles))


def get_user(session: Session, username: str) -> User:
    return get_one(session, User, "user", username=username)


@query("user.manage")
def list_users(session: Session, actor: Actor) -> list[UserOut]:
    now = db.utcnow()
    return [_user_out(u, now) for u in session.execute(select(User).order_by(User.username)).scalars()]


def _active_admins_besides(session: Session, username: str) -> int:
    users = session.execute(select(User).where(User.active.is_(True), User.username != username)).scalars()
    return sum(1 for u in users if "admin" in (u.roles or []))


def _end_sign_ins(session: Session, user: User, now) -> None:
    """A disabled or locked account's sessions end now; its tokens stop by the owner check."""
    for s in session.execute(select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))).scalars():
        s.ended_at = now


@command("user.manage")
def set_password(session: Session, actor: Actor, *, username: str, password: str,
                 reason: str | None = None) -> UserOut:
    """Set a new password; it also forgets the wrong passwords tried (from every source) and any lock."""
    user = get_one(session, User, "user", lock=True, username=username)
    verdict(password_problems(password, user.username)).raise_if_refused("password_refused")
    before = {"locked_until": user.locked_until}
    user.password_hash = hash_password(password)
    user.locked_until = None
    session.execute(delete(FailedSignIn).where(FailedSignIn.username == user.username.lower()))
    audit.record(session, actor=actor, action="user.password_set", record_type="user", record_id=user.username,
                 before=before, after={"locked_until": None, "password_set": True}, reason=reason)
    return _user_out(user, db.utcnow())


@command("user.manage")
def disable_user(session: Session, actor: Actor, *, username: str, reason: str | None = None) -> UserOut:
    """A disabled user cannot sign in, sign, or use their tokens and sessions. Nothing of theirs is deleted."""
    user = get_one(session, User, "user", lock=True, username=username)
    reasons = []
    if not user.active:
        reasons.append(f"{user.username} is disabled already")
    if "admin" in user.roles and user.active and not _active_admins_besides(session, user.username):
        reasons.append(f"{user.username} is the last active admin; make another user admin first")
    verdict(reasons).raise_if_refused("user_refused")
    now = db.utcnow()
    user.active = False
    _end_sign_ins(session, user, now)
    audit.record(session, actor=actor, action="user.disabled", record_type="user", record_id=user.username,
                 before={"active": True}, after={"active": False}, reason=reason)
    return _user_out(user, now)


@command("user.manage")
def enable_user(session: Session, actor: Actor, *, username: str, reason: str | None = None) -> UserOut:
    """Enable a disabled user, or unlock a locked one."""
    user = get_one(session, User, "user", lock=True, username=username)
    now = db.utcnow()
    if user.active and not is_locked(user.locked_until, now):
        raise Refused("user_refused", f"{user.username} is enabled already and not locked")
    before = {"active": user.active, "locked_until": user.locked_until}
    user.active, user.locked_until = True, None
    audit.record(session, actor=actor, action="user.enabled", record_type="user", record_id=user.username,
                 before=before, after={"active": True, "locked_until": None}, reason=reason)
    return _user_out(user, now)


@command("user.manage")
def lock_user(session: Session, actor: Actor, *, username: str, hours: int, reason: str | None = None) -> UserOut:
    """Lock an account for some hours (a stolen password, a badge left at a station): no sign-in, and its
    sessions and tokens stop at once. Wrong passwords never lock anyone; only an admin does."""
    user = get_one(session, User, "user", lock=True, username=username)
    reasons = [] if 1 <= hours <= MAX_LOCK_HOURS else [f"a lock lasts 1 to {MAX_LOCK_HOURS} hours, not {hours}"]
    if not user.active:
        reasons.append(f"{user.username} is disabled already")
    if user.username == actor.username:
        reasons.append("an admin does not lock their own account")
    verdict(reasons).raise_if_refused("user_refused")
    now = db.utcnow()
    before = {"locked_until": user.locked_until}
    user.locked_until = now + timedelta(hours=hours)
    _end_sign_ins(session, user, now)
    audit.record(session, actor=actor, action="user.locked", record_type="user", record_id=user.username,
                 before=before, after={"locked_until": user.locked_until}, reason=reason)
    return _user_out(user, now)


@command("user.manage")
def set_roles(session: Session, actor: Actor, *, username: str, roles: list[str],
              reason: str | None = None) -> UserOut:
    user = get_one(session, User, "user", lock=True, username=username)
    roles = list(dict.fromkeys(roles))
    reasons = _role_problems(roles)
    if ("admin" in user.roles and "admin" not in roles and user.active
            and not _active_admins_besides(session, user.username)):
        reasons.append(f"{user.username} is the last active admin; make another user admin first")
    verdict(reasons).raise_if_refused("user_refused")
    before = list(user.roles)
    user.roles = roles
    audit.record(session, actor=actor, action="user.roles_set", record_type="user", record_id=user.username,
                 before={"roles": before}, after={"roles": roles}, reason=reason)
    return _user_out(user, db.utcnow())


# ---------------------------------------------------------------- signing in

@dataclass(frozen=True)
class SignInOutcome:
    """What a sign-in attempt did: `signed_in` when it worked, otherwise the words to refuse it with.
    Either way the attempt is recorded, so the entry point commits and then refuses."""

    signed_in: SignedIn | None = None
    refusal: str | None = None

    def raise_if_refused(self) -> SignedIn:
        if self.signed_in is None:
            raise Refused("login_refused", self.refusal or WRONG_LOGIN)
        return self.signed_in


def check_password(session: Session, username: str, password: str) -> User | None:
    """The user, when the password is right and the account may act now; None otherwise. Records
    nothing: signing in records its attempts, an e-signature refuses a wrong password in words."""
    user = session.execute(select(User).where(func.lower(User.username) == username.strip().lower())
                           ).scalar_one_or_none()
    if user is None:
        verify_password(None, password)  # the same time as a real check
        return None
    if not verify_password(user.password_hash, password):
        return None
    return user


def _failures(session: Session, name: str, source: str) -> FailedSignIn:
    """The row counting wrong passwords for this name from this source, locked for this attempt (made
    first if there is none; two first attempts at once make one row)."""
    key = dict(username=name.lower()[:120], source=source)
    insert = (postgresql_insert if is_postgres(session) else sqlite_insert)(FailedSignIn)
    session.execute(insert.values(**key, failures=0).on_conflict_do_nothing(index_elements=["username", "source"]))
    return session.execute(select(FailedSignIn).filter_by(**key).with_for_update()).scalar_one()


def _count_failure(row: FailedSignIn, now) -> timedelta:
    """One more wrong password in a row from this source; how long the next try from here waits."""
    row.failures = failures_so_far(row.failures, row.last_failed_at, now) + 1
    wait = wait_after(row.failures)
    row.last_failed_at, row.wait_until = now, now + wait
    return wait


def sign_in(session: Session, *, username: str, password: str, kind: str, source: str | None = None
            ) -> SignInOutcome:
    """A session for `kind` ('web' or 'cli') when the password is right and the account neither disabled
    nor locked by an admin. Wrong passwords slow the next try of that name from that source only
    (auth.rules.wait_after): a guesser cannot lock anyone out. A refusal never tells whether the name
    exists: a wrong password and an unknown name read and wait the same, and "disabled" is said only to
    whoever gives the right password."""
    require_unit_of_work(session, write=True)
    name, now, source = username.strip(), db.utcnow(), (source or "")[:200]
    failures = _failures(session, name, source)
    user = session.execute(select(User).where(func.lower(User.username) == name.lower()).with_for_update()
                           ).scalar_one_or_none()
    who = dict(actor=user.username if user else name[:80], record_type="user",
               record_id=user.username if user else name[:120])
    if failures.wait_until is not None and now < failures.wait_until:
        audit.record(session, action="user.login_refused", after={"source": source, "failures": failures.failures},
                     reason="waiting after wrong passwords", **who)
        return SignInOutcome(refusal=slowed_reason(failures.wait_until - now))
    if user is not None and is_locked(user.locked_until, now):
        verify_password(None, password)
        audit.record(session, action="user.login_refused", reason="locked", **who)
        return SignInOutcome(refusal=locked_reason(user.locked_until))
    right = verify_password(user.password_hash if user else None, password)
    if right and not user.active:
        audit.record(session, action="user.login_refused", reason="disabled", **who)
        return SignInOutcome(refusal=DISABLED)
    if not right:
        wait = _count_failure(failures, now)
        audit.record(session, action="user.login_failed", reason="wrong password" if user else "no such user",
                     after={"source": source, "failures": failures.failures, "wait_seconds": wait.total_seconds()},
                     **who)
        return SignInOutcome(refusal=wrong_login(wait))
    session.delete(failures)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    row = SignIn(user_id=user.id, kind=kind, token_hash=_digest(token), source=source or None,
                 created_at=now, expires_at=now + SESSION_FOR)
    session.add(row)
    session.flush()
    audit.record(session, action="user.signed_in", after={"kind": kind, "session": row.id, "source": row.source},
                 **who)
    return SignInOutcome(SignedIn(token=token, username=user.username, full_name=user.full_name,
                                  roles=list(user.roles), expires_at=row.expires_at))


def _may_act(user: User, now) -> list[str]:
    if not user.active:
        return [f"the account {user.username} is disabled"]
    if is_locked(user.locked_until, now):
        return [f"the account {user.username} is locked until {user.locked_until:%Y-%m-%d %H:%M} UTC"]
    return []


def actor_for_session(session: Session, token: str) -> Actor:
    """The person a web or CLI session stands for, in one read; NotSignedIn when it ended, expired,
    or its account was disabled or locked since."""
    found = session.execute(select(SignIn, User).join(User, User.id == SignIn.user_id)
                            .where(SignIn.token_hash == _digest(token))).first()
    now = db.utcnow()
    if found is None:
        raise NotSignedIn("not_signed_in", [f"this session is not known; {NOT_SIGNED_IN}"])
    row, user = found
    reasons = _may_act(user, now)
    if row.ended_at is not None:
        reasons.append(f"this session was ended on {row.ended_at:%Y-%m-%d %H:%M} UTC")
    elif now >= row.expires_at:
        reasons.append(f"this session expired on {row.expires_at:%Y-%m-%d %H:%M} UTC")
    if reasons:
        raise NotSignedIn("not_signed_in", reasons + [NOT_SIGNED_IN])
    return actor_of(user)


def sign_out(session: Session, token: str) -> SignedOut | None:
    """End the session of this token (logging out); None when it was over already."""
    require_unit_of_work(session, write=True)
    row = session.execute(select(SignIn).where(SignIn.token_hash == _digest(token)).with_for_update()
                          ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = db.utcnow()
    audit.record(session, actor=row.user.username, action="user.signed_out", record_type="user",
                 record_id=row.user.username, after={"kind": row.kind, "session": row.id})
    return SignedOut(username=row.user.username, ended_at=row.ended_at)


# ---------------------------------------------------------------- API tokens

def _token_out(t: ApiToken, now, token: str | None = None) -> TokenOut:
    status = "revoked" if t.revoked_at else "expired" if now >= t.expires_at else "active"
    fields = dict(id=t.id, prefix=t.prefix, user=t.user.username, name=t.name, status=status,
                  created_at=t.created_at, expires_at=t.expires_at, last_used_at=t.last_used_at)
    return TokenCreated(**fields, token=token) if token else TokenOut(**fields)


@command("token.manage")
def create_token(session: Session, actor: Actor, *, username: str, name: str,
                 expires_in_days: int = 90) -> TokenCreated:
    """A new API token for a user (an admin's for anyone; everyone's own), shown once; only its hash is kept."""
    check_token_owner(actor, username)
    user = get_user(session, username)
    reasons = []
    if not name.strip():
        reasons.append("a token needs a name saying what uses it")
    if len(name) > 80:
        reasons.append("a token's name has at most 80 characters")
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        reasons.append(f"a token lasts 1 to {MAX_TOKEN_DAYS} days, not {expires_in_days}")
    if not user.active:
        reasons.append(f"{user.username}'s account is disabled")
    verdict(reasons).raise_if_refused("token_refused")
    plaintext = TOKEN_START + secrets.token_urlsafe(32)
    now = db.utcnow()
    row = ApiToken(user_id=user.id, name=name.strip(), prefix=plaintext[:PREFIX_LENGTH],
                   token_hash=_digest(plaintext), created_at=now, created_by=actor.username,
                   expires_at=now + timedelta(days=expires_in_days))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="token.created", record_type="api_token", record_id=row.id,
                 after={"user": user.username, "name": row.name, "prefix": row.prefix, "expires_at": row.expires_at})
    row.user = user
    return _token_out(row, now, plaintext)


def _find_token(session: Session, token: str) -> ApiToken:
    """By id, by the whole token, or by its prefix."""
    if token.isdigit():
        return get_one(session, ApiToken, "API token", lock=True, id=int(token))
    if len(token) > PREFIX_LENGTH:
        found = session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(token)).with_for_update()
                                ).scalar_one_or_none()
        if found is None:
            raise NotFound("api_token_not_found", "No API token like the one given")
        return found
    rows = session.execute(select(ApiToken).where(ApiToken.prefix == token).with_for_update()).scalars().all()
    if not rows:
        raise NotFound("api_token_not_found", f"No API token with prefix {token}")
    if len(rows) > 1:
        raise Refused("token_refused", f"{len(rows)} tokens begin {token}; give the token's id")
    return rows[0]


@command("token.manage")
def revoke_token(session: Session, actor: Actor, *, token: str, reason: str | None = None) -> TokenOut:
    """Revoke a token (id, prefix or the token itself); it stops working at once."""
    row = _find_token(session, token)
    check_token_owner(actor, row.user.username)
    if row.revoked_at is not None:
        raise Refused("token_refused", f"token {row.prefix} was revoked already, on "
                                       f"{row.revoked_at:%Y-%m-%d %H:%M} UTC by {row.revoked_by}")
    row.revoked_at, row.revoked_by = db.utcnow(), actor.username
    audit.record(session, actor=actor, action="token.revoked", record_type="api_token", record_id=row.id,
                 before={"revoked_at": None}, after={"revoked_at": row.revoked_at, "prefix": row.prefix},
                 reason=reason)
    return _token_out(row, db.utcnow())


@dataclass(frozen=True)
class TokenActor:
    actor: Actor
    token_id: int
    stale: bool  # last_used_at is older than TOUCH_EVERY: the entry point may note the use


def actor_for_token(session: Session, plaintext: str) -> TokenActor:
    """The person an API token stands for, in one read (no write: a read never waits behind a writer);
    NotSignedIn in words when it is unknown, revoked, expired, or its owner is disabled or locked."""
    found = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == _digest(plaintext))).first()
    if found is None:
        raise NotSignedIn("token_invalid", "this API token is not known; check it was copied whole")
    row, user = found
    now = db.utcnow()
    reasons = token_problems(expires_at=row.expires_at, revoked_at=row.revoked_at, revoked_by=row.revoked_by,
                             owner=user.username, owner_active=user.active, now=now)
    if user.active and is_locked(user.locked_until, now):
        reasons.append(f"the account {user.username} that owns this API token is locked until "
                       f"{user.locked_until:%Y-%m-%d %H:%M} UTC")
    if reasons:
        raise NotSignedIn("token_invalid", reasons)
    stale = row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY
    return TokenActor(actor_of(user), row.id, stale)


def note_token_use(session: Session, token_id: int) -> None:
    """Bookkeeping, not a change to a record: not audited, written at most once a minute."""
    require_unit_of_work(session, write=True)
    row = session.get(ApiToken, token_id)
    now = db.utcnow()
    if row is not None and (row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY):
        row.last_used_at = now


@query("token.manage")
def list_tokens(session: Session, actor: Actor, username: str | None = None) -> list[TokenOut]:
    """Tokens (never the tokens themselves): everyone sees their own, an admin anyone's."""
    if username is None and not actor.may("token.manage_others"):
        username = actor.username
    if username is not None:
        check_token_owner(actor, get_user(session, username).username)
    query_ = select(ApiToken).join(User).order_by(ApiToken.id)
    if username:
        query_ = query_.where(func.lower(User.username) == username.lower())
    now = db.utcnow()
    return [_token_out(t, now) for t in session.execute(query_).scalars()]
