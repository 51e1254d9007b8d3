"""`lrip capacity` / `lrip learning` and their API routes over the same data: the same
answer, refusals in words (exit 2, problem+json 4xx)."""
import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.api.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import engine_for

runner = CliRunner()


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


def test_capacity_cli(line_url):
    data = json.loads(lrip(line_url, "capacity", "ACT", "--rate", "60", "--json").output)
    assert (data["fits"], data["bottleneck"]["code"], data["target_rate"]) == (False, "ASSY", 60)
    text = lrip(line_url, "capacity", "ACT", "--rate", "60")
    assert text.exit_code == 0, text.output
    assert "60 units a week does NOT fit:" in text.output
    assert "Assembly (ASSY) needs 7.1 more hours a week or 1 more station" in text.output
    fits = lrip(line_url, "capacity", "ACT", "--observed")
    assert fits.exit_code == 0 and "10 units a week fits." in fits.output
    bad = lrip(line_url, "capacity", "ACT", "--max-utilisation", "2")
    assert bad.exit_code == 2 and "the utilisation target is above 0 and at most 1" in bad.output


def test_learning_cli(line_url):
    data = json.loads(lrip(line_url, "learning", "ACT", "--json").output)
    assert round(data["crawford"]["learning_rate"], 3) == 0.8
    text = lrip(line_url, "learning", "ACT", "--operation", "30")
    assert text.exit_code == 0, text.output
    assert "operation 30 (Test): 3 units" in text.output
    bad = lrip(line_url, "learning", "ACT", "--operation", "99", "--json")
    assert bad.exit_code == 2 and json.loads(bad.output)["error"] == "operation_not_found"


def test_api_gives_the_cli_answers(line_url):
    with Session(engine_for(line_url), expire_on_commit=False) as session:
        create_user(session, username="vera", full_name="Vera Viewer", roles=["viewer"], actor="admin")
        token = create_token(session, username="vera", name="t", actor="admin")[0]
    client = TestClient(create_app(line_url))
    headers = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/programs/ACT/capacity?rate=60&observed=true", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(lrip(line_url, "capacity", "ACT", "--rate", "60", "--observed", "--json").output)
    r = client.get("/api/v1/programs/ACT/learning?operation=Test", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(lrip(line_url, "learning", "ACT", "--operation", "Test", "--json").output)
    assert client.get("/api/v1/programs/ACT/capacity?max_utilisation=0", headers=headers).status_code == 422
    r = client.get("/api/v1/programs/ACT/learning?operation=99", headers=headers)
    assert r.status_code == 404 and "no operation 99" in r.json()["reasons"][0]
