"""Pure rules of accounts and signatures: how long a wrong password slows the next sign-in, when a token works,
what a signature is bound to and when a signature is refused."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lrip.auth.permissions import allowed
from lrip.errors import Verdict, verdict

# ---------------------------------------------------------------- log-in

FREE_FAILURES = 2                   # a typo or two costs nothing
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)  # failures older than this no longer count
WRONG_LOGIN = "the user name or password is not right"
DISABLED = "this account is disabled; ask an admin"


def wait_after(failures: int) -> timedelta:
    """How long one account must wait, from one source, after its `failures`-th wrong password in a row:
    nothing for the first FREE_FAILURES, then 2 s, 4 s, 8 s ... doubling up to LONGEST_WAIT. The wait is
    per account and source, so nobody can lock anyone else out: a guesser slows only their own guesses,
    and the account's owner, signing in from her own station, never waits for them."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)), LONGEST_WAIT)


def failures_so_far(failures: int, last_failed_at: datetime | None, now: datetime) -> int:
    """Wrong passwords in a row that still count: none once FORGET_AFTER has passed since the last."""
    return failures if last_failed_at is not None and now - last_failed_at < FORGET_AFTER else 0


def _seconds(wait: timedelta) -> str:
    seconds = max(1, round(wait.total_seconds()))
    return f"{seconds} second{'s' if seconds != 1 else ''}" if seconds < 120 else f"{round(seconds / 60)} minutes"


def wrong_login(wait: timedelta) -> str:
    """The refusal of a wrong password, saying how long to wait before the next try from here."""
    return WRONG_LOGIN if not wait else f"{WRONG_LOGIN}; wait {_seconds(wait)} before trying again from here"


def slowed_reason(wait: timedelta) -> str:
    return (f"too many wrong passwords for this name from here: wait {_seconds(wait)} before trying again "
            "(the password was not checked)")


def locked_reason(until: datetime) -> str:
    return f"this account is locked by an admin until {until:%Y-%m-%d %H:%M} UTC; ask an admin to unlock it"


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


# ---------------------------------------------------------------- tokens

def token_problems(*, expires_at: datetime, revoked_at: datetime | None, revoked_by: str | None,
                   owner: str, owner_active: bool, now: datetime) -> list[str]:
    reasons = []
    if revoked_at is not None:
        reasons.append(f"this API token was revoked on {revoked_at:%Y-%m-%d %H:%M} UTC by {revoked_by}")
    if now >= expires_at:
        reasons.append(f"this API token expired on {expires_at:%Y-%m-%d %H:%M} UTC")
    if not owner_active:
        reasons.append(f"the account {owner} that owns this API token is disabled")
    return reasons


# ---------------------------------------------------------------- signatures

MEANINGS = ("authored", "reviewed", "approved", "verified")
# meanings that check someone's work: with independent=True the author may not give them
INDEPENDENT = {"reviewed": "review", "approved": "approval", "verified": "verification"}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot sign a {type(value).__name__}: give signed content as JSON values")


def canonical_json(content: dict) -> str:
    """Sorted keys, no spaces, UTF-8: the same content always gives the same text."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


@dataclass(frozen=True)
class PriorSignature:
    username: str
    role: str
    meaning: str
    content_hash: str


def signing_role(roles: list[str], role: str | None) -> str | None:
    """The role a signature is given in: the one asked for, or the signer's only role."""
    if role is not None:
        return role
    return roles[0] if len(roles) == 1 else None


def signing_verdict(*, username: str, roles: list[str], role: str | None, meaning: str, content_hash: str,
                    prior: list[PriorSignature], author: str | None = None, independent: bool = False) -> Verdict:
    """Every reason this person may not sign this record now (the password is checked apart)."""
    reasons = []
    if meaning not in MEANINGS:
        reasons.append(f"'{meaning}' is not a signature meaning; the meanings are {', '.join(MEANINGS)}")
    if role is None:
        reasons.append(f"{username} holds several roles ({', '.join(roles)}); say in which role this signature is given"
                       if roles else f"{username} holds no role and may not sign")
    elif role not in roles:
        reasons.append(f"{username} does not hold the role {role}")
    elif not allowed([role], "signature.sign"):
        reasons.append(f"the role {role} may not sign records")
    mine = [p for p in prior if p.username == username]
    for other_role in sorted({p.role for p in mine if role is not None and p.role != role}):
        reasons.append(f"{username} already signed this record as {other_role}; "
                       "one person signs a record in one role only")
    if any(p.role == role and p.meaning == meaning and p.content_hash == content_hash for p in mine):
        reasons.append(f"{username} already signed this record as {meaning}")
    is_author = author == username or any(p.meaning == "authored" for p in mine)
    if independent and is_author and meaning in INDEPENDENT:
        reasons.append(f"{username} is the author of this record and may not sign it as {meaning}: "
                       f"it needs independent {INDEPENDENT[meaning]}")
    return verdict(reasons)
