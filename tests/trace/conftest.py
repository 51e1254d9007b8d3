"""The two-level genealogy of tests/genealogy.py, for trace's tests."""
import pytest

from genealogy import build_genealogy, finish
from lrip.db import unit_of_work


@pytest.fixture
def genealogy(session, db_url):
    """The database URL of the scene, on SQLite and on PostgreSQL (committed: the API reads it too)."""
    build_genealogy(session)
    session.commit()
    return db_url


@pytest.fixture
def gsession(genealogy, session):
    """The test's unit of work, on the scene."""
    return session


@pytest.fixture
def finish_unit():
    """finish_unit(session, serial, results): operations 20 and 30 with these results."""
    return finish


@pytest.fixture
def build_genealogy_into():
    """build_genealogy_into(url): the scene in the database at url."""
    def build(url: str) -> None:
        with unit_of_work(url) as session:
            build_genealogy(session)
    return build
