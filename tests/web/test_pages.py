"""The health endpoint and the plain listing page, over real HTTP handling (ASGI test client)."""
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lrip.api.app import create_app
from lrip.db import engine_for
from lrip.execution.service import create_unit
from lrip.migrate import alembic_config
from factory import build_line


def test_health_names_the_database_and_migration(db_url):
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    body = TestClient(create_app(db_url)).get("/health").json()
    assert body == {"status": "ok", "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
                    "migration": head}


def test_home_lists_programs_lots_and_units(sqlite_url):
    client = TestClient(create_app(sqlite_url))
    assert "No programs yet" in client.get("/").text
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        build_line(session)
        create_unit(session, lot="L1", serial="SN-77", actor="admin")
    page = client.get("/").text
    assert "ACT — Actuator ramp" in page
    assert "<td>L1</td>" in page
    assert "SN-77" in page and "1 planned" in page
