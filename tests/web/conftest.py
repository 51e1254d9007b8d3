"""Pages over the ASGI test client: a line with users who have passwords, and a way to sign in."""
import re

import pytest
from fastapi.testclient import TestClient

from factory import actor, build_line
from lrip.app import create_app
from lrip.auth.service import create_user, set_password
from lrip.db import unit_of_work
from lrip.execution.service import create_unit

PASSWORD = "floor-web-pass-7"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():
    """The CSRF token in a page's forms."""
    return csrf_of


@pytest.fixture
def web_url(sqlite_url):
    """The database the pages run on: SQLite; a module that means both DBs overrides this with db_url."""
    return sqlite_url


@pytest.fixture
def line(web_url):
    """The factory line, olga/oscar/newbie with PASSWORD, viewer vera, and unit SN-1 (planned) in lot L1."""
    with unit_of_work(web_url) as session:
        build_line(session)
        admin = actor(session, "admin")
        for name in ("olga", "oscar", "newbie"):
            set_password(session, admin, username=name, password=PASSWORD)
        create_user(session, admin, username="vera", full_name="Vera Viewer", roles=["viewer"], password=PASSWORD)
        create_unit(session, admin, lot="L1", serial="SN-1")
    return web_url


@pytest.fixture
def db(line):
    """db(lambda s: ...) runs one read or service call in a unit of work of its own, committed at once,
    so the test never holds a transaction (or SQLite's write lock) while the app works."""

    def run(work):
        with unit_of_work(line) as session:
            return work(session)

    return run


@pytest.fixture
def sign_in(line):
    """sign_in("olga") -> (a client signed in as olga, the session's CSRF token)."""

    def sign(username: str, password: str = PASSWORD):
        client = TestClient(create_app(line))
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": username, "password": password, "next": "/",
                                               "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return client, csrf_of(client.get("/").text)

    return sign
