"""`lrip capacity` / `lrip learning` and their API routes over the same data: the same answer, the
same bounds on every number (one schema), refusals in words (exit 2, problem+json 4xx, never 500)."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lrip.app import create_app
from lrip.cli import app
from reading import viewer_token

runner = CliRunner()


@pytest.fixture
def url(line_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LRIP_TOKEN", viewer_token(line_url))
    return line_url


@pytest.fixture
def api(url):
    client = TestClient(create_app(url), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {viewer_token(url)}"
    return client


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


def test_capacity_cli(url):
    data = json.loads(lrip(url, "capacity", "ACT", "--rate", "60", "--json").output)
    assert (data["fits"], data["bottleneck"]["code"], data["target_rate"]) == (False, "ASSY", 60)
    text = lrip(url, "capacity", "ACT", "--rate", "60")
    assert text.exit_code == 0, text.output
    assert "60 units a week does NOT fit:" in text.output
    assert "Assembly (ASSY) needs 7.1 more hours a week or 1 more station" in text.output
    fits = lrip(url, "capacity", "ACT", "--observed")
    assert fits.exit_code == 0 and "10 units a week fits." in fits.output
    bad = lrip(url, "capacity", "ACT", "--max-utilisation", "2")
    assert bad.exit_code == 2 and "max_utilisation: Input should be less than or equal to 1" in bad.output


def test_learning_cli(url):
    data = json.loads(lrip(url, "learning", "ACT", "--json").output)
    assert round(data["crawford"]["learning_rate"], 3) == 0.8
    text = lrip(url, "learning", "ACT", "--operation", "30")
    assert text.exit_code == 0, text.output
    assert "operation 30 (Test): 3 units" in text.output
    bad = lrip(url, "learning", "ACT", "--operation", "99", "--json")
    assert bad.exit_code == 2 and json.loads(bad.output)["error"] == "operation_not_found"


def test_api_gives_the_cli_answers(url, api):
    r = api.get("/api/v1/programs/ACT/capacity?rate=60&observed=true")
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(lrip(url, "capacity", "ACT", "--rate", "60", "--observed", "--json").output)
    r = api.get("/api/v1/programs/ACT/learning?operation=Test")
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(lrip(url, "learning", "ACT", "--operation", "Test", "--json").output)
    assert api.get("/api/v1/programs/ACT/capacity?max_utilisation=0").status_code == 422
    r = api.get("/api/v1/programs/ACT/learning?operation=99")
    assert r.status_code == 404 and "no operation 99" in r.json()["reasons"][0]


@pytest.mark.parametrize("path", ["capacity", "learning"])
@pytest.mark.parametrize("name, value", [
    ("days_per_week", "5e-324"), ("days_per_week", "0.4"), ("days_per_week", "7.5"), ("days_per_week", "1e400"),
    ("max_utilisation", "5e-324"), ("max_utilisation", "1.01"), ("max_utilisation", "nan"),
    ("max_utilisation", "0_85")])
def test_tiny_huge_and_odd_settings_are_refused_the_same_way_by_the_api_and_the_cli(url, api, path, name, value):
    """days_per_week=5e-324 made a work center's hours underflow and its utilisation overflow: a 500."""
    r = api.get(f"/api/v1/programs/ACT/{path}", params={name: value})
    assert r.status_code == 422, r.text
    assert r.json()["reasons"][0].startswith(f"{name}:")
    cli = lrip(url, path, "ACT", f"--{name.replace('_', '-')}", value, "--json")
    assert cli.exit_code == 2, cli.output
    assert json.loads(cli.output)["reasons"][0].startswith(f"{name}:")


@pytest.mark.parametrize("value", ["0", "-1", "5e-325", "1000001", "inf", "1_0"])
def test_rates_outside_the_bounds_are_refused_the_same_way(url, api, value):
    assert api.get("/api/v1/programs/ACT/capacity", params={"rate": value}).status_code == 422
    cli = lrip(url, "capacity", "ACT", "--rate", value, "--json")
    assert cli.exit_code == 2 and json.loads(cli.output)["reasons"][0].startswith("rate:")


@pytest.mark.parametrize("settings", [
    {"days_per_week": "0.5", "max_utilisation": "0.05", "rate": "1000000"},
    {"days_per_week": "7", "max_utilisation": "1", "rate": "5e-324"}])
def test_the_extremes_accepted_are_answered(url, api, settings):
    r = api.get("/api/v1/programs/ACT/capacity", params=settings)
    assert r.status_code == 200, r.text
    options = [a for k, v in settings.items() for a in (f"--{k.replace('_', '-')}", v)]
    assert json.loads(lrip(url, "capacity", "ACT", *options, "--json").output) == r.json()
