"""`lrip shortages` and GET /api/v1/programs/{program}/shortages over the same data: the
same answer, refusals in words (exit 2, problem+json 4xx)."""
import json
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.api.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import engine_for
from lrip.planning.service import monday

runner = CliRunner()
W2 = monday(date.today()) + timedelta(weeks=2)


def test_cli_json_and_text(planned_url):
    r = runner.invoke(app, ["shortages", "ACT", "--json", "--db", planned_url])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [(s["part"], s["quantity_short"]) for s in data["shortages"]] == [("MTR-1", 1), ("MTR-1", 1)]
    assert [(lot["lot"], lot["clear_to_build"]) for lot in data["lots"]] == [
        ("L1", True), (f"FRP {W2}", False), (f"FRP {W2 + timedelta(weeks=1)}", False)]
    text = runner.invoke(app, ["shortages", "ACT", "--horizon", "2", "--use-observed-lateness", "--db", planned_url])
    assert text.exit_code == 0, text.output
    assert "No shortage in the horizon." in text.output and "observed lateness (no receipts yet)" in text.output
    bad = runner.invoke(app, ["shortages", "NOPE", "--db", planned_url])
    assert bad.exit_code == 2 and "No program with code NOPE" in bad.output


def test_api_gives_the_cli_answer(planned_url):
    with Session(engine_for(planned_url), expire_on_commit=False) as session:
        create_user(session, username="vera", full_name="Vera Viewer", roles=["viewer"], actor="admin")
        token = create_token(session, username="vera", name="t", actor="admin")[0]
    client = TestClient(create_app(planned_url))
    headers = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/programs/ACT/shortages", headers=headers)
    assert r.status_code == 200, r.text
    cli = json.loads(runner.invoke(app, ["shortages", "ACT", "--json", "--db", planned_url]).output)
    assert r.json() == cli
    r = client.get("/api/v1/programs/ACT/shortages?horizon=0", headers=headers)
    assert r.status_code == 422
    r = client.get("/api/v1/programs/NOPE/shortages", headers=headers)
    assert r.status_code == 404 and r.json()["reasons"] == ["No program with code NOPE"]
