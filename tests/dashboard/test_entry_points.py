"""`lrip programs`, `lrip lots`, `lrip units` and GET /programs, /programs/{program}/lots over one SQLite
line, signed in as a viewer: the CLI's --json is the API's answer."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import actor, build_line
from lrip.app import create_app
from lrip.cli import app
from lrip.db import unit_of_work
from lrip.execution import service as execution
from reading import viewer_token

runner = CliRunner()


@pytest.fixture
def token(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as session:
        build_line(session)
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    return viewer_token(sqlite_url)


def lrip(url, token, *args):
    return runner.invoke(app, [*args, "--db", url], env={"LRIP_TOKEN": token})


def test_the_cli_lists_as_the_api_does(sqlite_url, token):
    client = TestClient(create_app(sqlite_url), headers={"Authorization": f"Bearer {token}"})
    programs = json.loads(lrip(sqlite_url, token, "programs", "--json").stdout)
    assert programs == client.get("/api/v1/programs").json()["items"]
    assert (programs[0]["code"], programs[0]["units_by_status"]) == ("ACT", {"planned": 1, "complete": 1})
    lots = json.loads(lrip(sqlite_url, token, "lots", "act", "--json").stdout)
    assert lots == client.get("/api/v1/programs/ACT/lots").json()["items"]
    assert [(lot["number"], lot["units"], lot["units_created"]) for lot in lots] == [("P1", 1, 1), ("L1", 1, 1)]
    units = json.loads(lrip(sqlite_url, token, "units", "L1", "--json").stdout)
    assert [(u["serial"], u["status"], u["hold_reason"]) for u in units] == [("SN-1", "planned", None)]
    assert "SN-1" in lrip(sqlite_url, token, "units", "L1", "--status", "planned").stdout
    assert "L1" in lrip(sqlite_url, token, "lots", "ACT").stdout
    assert "ACT" in lrip(sqlite_url, token, "programs").stdout


def test_refusals_exit_2_in_words(sqlite_url, token):
    missing = lrip(sqlite_url, token, "lots", "NOPE", "--json")
    assert missing.exit_code == 2 and json.loads(missing.stdout)["reasons"] == ["No program with code NOPE"]
    nobody = lrip(sqlite_url, "", "programs", "--json")
    assert nobody.exit_code == 2 and json.loads(nobody.stdout)["error"] == "not_signed_in"
    assert TestClient(create_app(sqlite_url)).get("/api/v1/programs").status_code == 401
