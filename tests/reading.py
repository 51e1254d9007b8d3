"""For the tests of the read-only analyses (trace, planning, capacity): a viewer who reads through
the API, the CLI and the pages, and a count of the statements a piece of work sends (counts, never
timings)."""
import re
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token, create_user, get_user
from lrip.db import unit_of_work
from lrip.errors import NotFound

PASSWORD = "reads-every-report-7"


def _vera(session: Session) -> None:
    """vera, a viewer (created on first use): reading is everyone's right."""
    try:
        get_user(session, "vera")
    except NotFound:
        create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"],
                    password=PASSWORD)


def viewer_token(url: str) -> str:
    """An API token of vera's."""
    with unit_of_work(url) as session:
        _vera(session)
        return create_token(session, actor(session, "admin"), username="vera", name="desk").token


def viewer_pages(url: str) -> TestClient:
    """A browser of the pages, signed in as vera through the sign-in page."""
    with unit_of_work(url) as session:
        _vera(session)
    client = TestClient(create_app(url))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": "vera", "password": PASSWORD, "next": "/", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    return client


@contextmanager
def counting(session: Session):
    """Yields a list that holds, once the block ends, every statement the session sent inside it
    (BEGIN and the like left out: they come with the transaction, not with the work)."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
