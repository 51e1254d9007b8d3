"""`lrip shortages` and GET /api/v1/programs/{program}/shortages over the same data: the
same answer, the same bounds on the horizon, refusals in words (exit 2, problem+json 4xx)."""
import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lrip.app import create_app
from lrip.cli import app
from lrip.planning.service import monday
from reading import viewer_token

runner = CliRunner()
W2 = monday(date.today()) + timedelta(weeks=2)


@pytest.fixture
def url(planned_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LRIP_TOKEN", viewer_token(planned_url))
    return planned_url


@pytest.fixture
def api(url):
    client = TestClient(create_app(url))
    client.headers["Authorization"] = f"Bearer {viewer_token(url)}"
    return client


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


def test_cli_json_and_text(url):
    r = lrip(url, "shortages", "ACT", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [(s["part"], s["quantity_short"]) for s in data["shortages"]] == [("MTR-1", 1), ("MTR-1", 1)]
    assert [(lot["lot"], lot["clear_to_build"]) for lot in data["lots"]] == [
        ("L1", True), (f"FRP {W2}", False), (f"FRP {W2 + timedelta(weeks=1)}", False)]
    text = lrip(url, "shortages", "ACT", "--horizon", "2", "--use-observed-lateness")
    assert text.exit_code == 0, text.output
    assert "No shortage in the horizon." in text.output and "observed lateness (no receipts yet)" in text.output
    bad = lrip(url, "shortages", "NOPE")
    assert bad.exit_code == 2 and "No program with code NOPE" in bad.output


def test_api_gives_the_cli_answer(url, api):
    r = api.get("/api/v1/programs/ACT/shortages")
    assert r.status_code == 200, r.text
    assert r.json() == json.loads(lrip(url, "shortages", "ACT", "--json").output)
    r = api.get("/api/v1/programs/act/shortages", params={"horizon": 2})  # found regardless of case
    assert r.status_code == 200 and r.json() == json.loads(lrip(url, "shortages", "act", "--horizon", "2",
                                                                "--json").output)
    r = api.get("/api/v1/programs/NOPE/shortages")
    assert r.status_code == 404 and r.json()["reasons"] == ["No program with code NOPE"]


@pytest.mark.parametrize("horizon", ["0", "521", "1_0", "2.5", "1e400", "nan", "x"])
def test_the_api_and_the_cli_refuse_the_same_horizons(url, api, horizon):
    r = api.get("/api/v1/programs/ACT/shortages", params={"horizon": horizon})
    assert r.status_code == 422, r.text
    cli = lrip(url, "shortages", "ACT", "--horizon", horizon, "--json")
    assert cli.exit_code == 2 and json.loads(cli.output)["reasons"][0].startswith("horizon:")
