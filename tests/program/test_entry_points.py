"""The signed LRIP quantity through the CLI and the API, over one SQLite line (the service is tested on
both databases in test_service.py): the same answer, the same refusals, as the signed-in person."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import PM, PM_PASSWORD, actor, build_line
from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()


@pytest.fixture
def tokens(sqlite_url, monkeypatch, tmp_path):
    """The factory line (LRIP quantity 20 of 200) and API tokens of the program manager, an engineer and
    an operator."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as session:
        build_line(session)
        admin = actor(session, "admin")
        create_user(session, admin, username="eli", full_name="Eli Engineer", roles=["manufacturing_engineer"],
                    password=PM_PASSWORD)
        return {who: create_token(session, admin, username=who, name="desk").token for who in (PM, "eli", "olga")}


def lrip(url, token, *args, stdin=None):
    return runner.invoke(app, [*args, "--db", url, "--json"], input=stdin, env={"LRIP_TOKEN": token})


def test_cli_sets_the_lrip_quantity_as_the_signed_in_program_manager(sqlite_url, tokens):
    r = lrip(sqlite_url, tokens[PM], "lrip-quantity", "set", "ACT", "40", stdin=PM_PASSWORD + "\n")
    assert r.exit_code == 2 and "write the rationale" in json.loads(r.stdout)["reasons"][0]
    r = lrip(sqlite_url, tokens["eli"], "lrip-quantity", "set", "ACT", "30", stdin=PM_PASSWORD + "\n")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "forbidden"
    r = lrip(sqlite_url, tokens[PM], "lrip-quantity", "set", "ACT", "40", "--rationale", "bridge to FRP",
             stdin=PM_PASSWORD + "\n")
    assert r.exit_code == 0, r.stdout
    d = json.loads(r.stdout)
    assert (d["quantity"], d["previous"], d["above_ten_percent"], d["rationale"]) == (40, 20, True, "bridge to FRP")
    assert d["signature"]["role"] == "program_manager" and d["signature"]["valid"]
    assert d["warnings"] == ["40 is 20% of the planned total, above 10%; rationale recorded"]
    rows = json.loads(lrip(sqlite_url, tokens["olga"], "lrip-quantity", "approvals", "ACT").stdout)
    assert [(a["quantity"], a["approved_by"]) for a in rows] == [(20, PM), (40, PM)]
    human = runner.invoke(app, ["lrip-quantity", "approvals", "ACT", "--db", sqlite_url],
                          env={"LRIP_TOKEN": tokens["olga"]})
    assert human.exit_code == 0 and "bridge to FRP" in human.stdout


def test_cli_without_a_signed_in_person_changes_nothing(sqlite_url, tokens):
    r = runner.invoke(app, ["lrip-quantity", "set", "ACT", "25", "--db", sqlite_url, "--json"],
                      input=PM_PASSWORD + "\n", env={"LRIP_TOKEN": ""})
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "not_signed_in"


def test_api_gives_the_same_answer_and_refusals(sqlite_url, tokens):
    client = TestClient(create_app(sqlite_url))

    def post(who, body):
        return client.post("/api/v1/programs/ACT/lrip-quantity", json=body,
                           headers={"Authorization": f"Bearer {tokens[who]}"})

    assert post("olga", {"quantity": 25, "password": PM_PASSWORD}).status_code == 403
    r = post(PM, {"quantity": 19, "password": "not-it"})
    assert r.status_code == 409 and r.json()["code"] == "signature_refused"
    assert post(PM, {"quantity": 25, "password": PM_PASSWORD, "rationale": " "}).status_code == 422
    r = post(PM, {"quantity": 25, "password": PM_PASSWORD, "rationale": "qualification units"})
    assert r.status_code == 201, r.text
    assert (r.json()["quantity"], r.json()["warnings"]) == (
        25, ["25 is 12% of the planned total, above 10%; rationale recorded"])
    listed = client.get("/api/v1/programs/act/lrip-quantity", headers={"Authorization": f"Bearer {tokens['olga']}"})
    assert [a["quantity"] for a in listed.json()] == [20, 25]
    assert listed.json()[-1] == {**r.json(), "warnings": []}
