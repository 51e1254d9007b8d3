"""Accounts tests: cheap argon2 parameters, a clock the test can move, a few users."""
from datetime import datetime, timedelta, timezone

import pytest

from lrip.auth.actor import INSTALLATION
from lrip.auth.service import actor_of, create_user, get_user

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    monkeypatch.setenv("LRIP_FAST_HASH", "1")


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock(monkeypatch):
    """The services read lrip.db.utcnow; this one stands still until told to move."""
    c = Clock()
    monkeypatch.setattr("lrip.db.utcnow", c)
    return c


@pytest.fixture
def people(session):
    """An admin, an operator, a quality engineer who is also an MRB member, an engineer, a viewer."""
    for username, name, roles in [("ada", "Ada Admin", ["admin"]), ("olga", "Olga Operator", ["operator"]),
                                  ("quinn", "Quinn Quality", ["quality_engineer", "mrb_member"]),
                                  ("mel", "Mel Engineer", ["manufacturing_engineer"]),
                                  ("vic", "Vic Viewer", ["viewer"])]:
        create_user(session, INSTALLATION, username=username, full_name=name, roles=roles, password=PASSWORD)
    return session


@pytest.fixture
def ada(people):
    return actor_of(get_user(people, "ada"))
