"""Password hashing (argon2id, argon2-cffi's defaults) and the password rules.

Set LRIP_FAST_HASH=1 to hash with cheap parameters (time_cost=1, 8 MiB): for the
test suite only, never for a real database. A hash records its own parameters,
so either kind verifies whatever the setting; a cheap hash is upgraded to the
production parameters the next time its owner logs in without LRIP_FAST_HASH.
"""
from __future__ import annotations

import functools
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256


@functools.cache
def _hasher(fast: bool) -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1) if fast else PasswordHasher()


def hasher() -> PasswordHasher:
    return _hasher(os.environ.get("LRIP_FAST_HASH") == "1")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash matches nothing (but costs the same time)."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when there is no user, so an unknown name takes as long as a wrong password."""
    return hasher().hash(secrets.token_urlsafe(16))


def generate_password() -> str:
    """About 96 random bits, 16 characters, easy to copy."""
    return secrets.token_urlsafe(12)


def password_problems(password: str, username: str) -> list[str]:
    """Every reason a new password is not acceptable (NIST SP 800-63B: length, not the name)."""
    reasons = []
    if len(password) < MIN_LENGTH:
        reasons.append(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        reasons.append(f"a password has at most {MAX_LENGTH} characters")
    if username and username.lower() in password.lower():
        reasons.append("a password may not contain the user name")
    if password != password.strip():
        reasons.append("a password may not begin or end with a space")
    return reasons
