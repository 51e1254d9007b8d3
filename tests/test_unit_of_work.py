"""The entry point owns the transaction: a use case outside a unit of work fails loudly instead of
losing its commit; a read-only unit of work never writes and never takes SQLite's write lock."""
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip.auth import service
from lrip.auth.actor import INSTALLATION
from lrip.auth.models import User
from lrip.db import UnitOfWorkMissing, engine_for, unit_of_work


def usernames(url):
    with unit_of_work(url, write=False) as session:
        return session.execute(select(User.username).order_by(User.username)).scalars().all()


def test_a_read_then_a_change_in_one_unit_of_work_is_committed(db_url):
    """The old `transactional` joined whenever a read had begun a transaction, so this lost its commit."""
    with unit_of_work(db_url) as session:
        service.create_user(session, INSTALLATION, username="ada", full_name="Ada", roles=["admin"])
    with unit_of_work(db_url) as session:
        service.get_user(session, "ada")  # a read first: autobegin
        service.create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
    assert usernames(db_url) == ["ada", "olga"]


def test_a_use_case_outside_a_unit_of_work_fails_loudly(db_url):
    with Session(engine_for(db_url)) as session:
        with pytest.raises(UnitOfWorkMissing, match="inside a unit of work"):
            service.create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
    assert usernames(db_url) == []


def test_an_error_rolls_back_everything_the_unit_of_work_did(db_url):
    with pytest.raises(RuntimeError):
        with unit_of_work(db_url) as session:
            service.create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
            raise RuntimeError("the entry point failed after the service")
    assert usernames(db_url) == []


def test_a_read_only_unit_of_work_refuses_changes(db_url):
    with pytest.raises(UnitOfWorkMissing, match="read-only"):
        with unit_of_work(db_url, write=False) as session:
            service.create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
    with pytest.raises(UnitOfWorkMissing, match="cannot write"):
        with unit_of_work(db_url, write=False) as session:
            session.add(User(username="mallory", full_name="M", roles=[], active=True))
            session.flush()
    assert usernames(db_url) == []


def test_a_token_lookup_does_not_wait_behind_a_writer(sqlite_url):
    """A read-only unit of work begins a plain BEGIN: with another connection holding the write lock it
    still reads (busy_timeout 0, so needing the lock would fail at once instead of waiting)."""
    with unit_of_work(sqlite_url) as session:
        service.create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
        token = service.create_token(session, INSTALLATION, username="olga", name="station").token
    writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE user_account SET full_name = 'Olga O.' WHERE username = 'olga'")
    try:
        with unit_of_work(sqlite_url, write=False) as session:
            session.connection().exec_driver_sql("PRAGMA busy_timeout=0")
            assert service.actor_for_token(session, token).actor.username == "olga"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
