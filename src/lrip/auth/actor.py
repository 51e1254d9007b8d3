"""Who acts: the signed-in person every use case receives, and the two decorators that make a
service function a use case (it checks the unit of work and the permission table, once, so the
CLI, the API and the web cannot disagree).

An Actor is made only from an account that may act now (active, not locked), by the sign-in
services in lrip.auth.service; installation commands (`lrip init`, migrations) act as INSTALLATION.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from lrip.auth import permissions
from lrip.db import require_unit_of_work


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    full_name: str
    roles: tuple[str, ...]

    active = True  # an Actor exists only for an account that may act now

    def may(self, action: str) -> bool:
        return permissions.allowed(self.roles, action)


INSTALLATION = Actor(id=None, username="installation", full_name="lrip installation", roles=("admin",))
"""`lrip init` and migrations: they hold the database's own credentials, not a user's."""


def _use_case(permission: str, write: bool):
    def wrap(fn):
        @functools.wraps(fn)
        def use_case(session, actor: Actor, *args, **kwargs):
            require_unit_of_work(session, write=write)
            permissions.check(actor, permission)
            return fn(session, actor, *args, **kwargs)

        use_case.permission = permission
        use_case.writes = write
        return use_case

    return wrap


def command(permission: str):
    """A use case that changes records: a read-write unit of work, and the actor holds `permission`."""
    return _use_case(permission, write=True)


def query(permission: str = "read"):
    """A use case that only reads: any unit of work, and the actor holds `permission`."""
    return _use_case(permission, write=False)
