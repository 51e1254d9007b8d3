"""The inspection and FAI commands and endpoints over a small finished unit (SQLite: wiring)."""
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from inspection.line import finished_line
from lrip.api.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import engine_for

runner = CliRunner()
PASSWORD = "first-article-77"


@pytest.fixture
def line(sqlite_url):
    """SN-1 through every operation; an inspector and a quality engineer with passwords."""
    with Session(engine_for(sqlite_url), expire_on_commit=False) as s:
        finished_line(s, PASSWORD)
    return sqlite_url


def lrip(url, *args, input=None):
    result = runner.invoke(app, [*args, "--db", url], input=input)
    return result


def test_fai_from_the_command_line(line, tmp_path):
    r = lrip(line, "fai", "status", "ACT", "--json")
    assert json.loads(r.output)["outstanding"][0]["kind"] == "full"
    r = lrip(line, "fai", "create", "SN-1", "--by", "ins", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["number"] == "FAI-0001"
    r = lrip(line, "fai", "sign", "FAI-0001", "--by", "qe", input=PASSWORD + "\n")
    assert r.exit_code == 2 and "is open; complete it first" in r.output
    r = lrip(line, "fai", "complete", "FAI-0001", "--by", "ins")
    assert r.exit_code == 0 and "FAI-0001 full FAI of ACT-100 rev A S/N SN-1" in r.output
    r = lrip(line, "fai", "sign", "FAI-0001", "--by", "qe", "--json", input=PASSWORD + "\n")
    assert json.loads(r.output)["status"] == "approved"
    pdf, csv = tmp_path / "fai.pdf", tmp_path / "fai.csv"
    r = lrip(line, "fai", "export", "FAI-0001", "--pdf", str(pdf), "--csv", str(csv))
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert csv.read_text().splitlines()[1].startswith("FAI-0001,1,TORQUE")
    r = lrip(line, "fai", "list", "ACT", "--json")
    assert [(f["number"], f["status"], f["signatures"]) for f in json.loads(r.output)] == [("FAI-0001", "approved", 1)]
    r = lrip(line, "fai", "require-delta", "ACT-100", "A", "--char", "NOISE", "--reason", "ECO-9", "--by", "qe")
    assert r.exit_code == 0
    r = lrip(line, "fai", "status", "ACT")
    assert "partial (delta) FAI after a change: ECO-9: no FAI yet" in r.output


def test_plan_state_and_lot_results_from_the_command_line(line):
    r = lrip(line, "inspection", "plan", "set", "ACT", "30", "--class", "NOISE=minor", "--aql", "minor=4.0",
             "--by", "qe", "--json")
    assert r.exit_code == 0, r.output
    assert [c["class"] for c in json.loads(r.output)["characteristics"]] == ["critical", "minor"]
    r = lrip(line, "inspection", "plan", "set", "ACT", "30", "--class", "NOISE", "--aql", "minor=x")
    assert r.exit_code == 2 and "'NOISE' is not CODE=VALUE" in r.output and "'x' in 'minor=x' is not a number" in r.output
    r = lrip(line, "inspection", "lot-result", "L1", "30", "--by", "ins", "--json")
    # lot of 5: every unit is in the minor sample; only SN-1 exists
    assert r.exit_code == 2 and "unit 2 of lot L1 (in the minor sample) is not built yet" in r.output
    r = lrip(line, "inspection", "lot-result", "L1", "30", "--minor", "0", "--by", "ins", "--json")
    assert json.loads(r.output)["decision"] == "accept"
    r = lrip(line, "inspection", "state", "ACT", "30", "--json")
    state = json.loads(r.output)
    assert state["state"]["recent_normal"] == [True]
    assert [h["kind"] for h in state["history"]] == ["plan_set", "lot_result"]
    r = lrip(line, "inspection", "unit", "SN-1", "--json")
    assert json.loads(r.output)["operations"][0]["characteristics"][0]["required"] is True


@pytest.fixture
def api(line):
    with Session(engine_for(line), expire_on_commit=False) as s:
        tokens = {u: create_token(s, username=u, name="t", actor="admin")[0] for u in ("ins", "qe", "olga")}
    client = TestClient(create_app(line))
    return client, lambda u: {"Authorization": f"Bearer {tokens[u]}"}


def test_fai_over_http(api):
    client, as_user = api
    r = client.post("/api/v1/fai", json={"serial": "SN-1"}, headers=as_user("olga"))
    assert r.status_code == 403
    r = client.post("/api/v1/fai", json={"serial": "SN-1"}, headers=as_user("ins"))
    assert r.status_code == 201 and r.json()["kind"] == "full" and len(r.json()["form3"]) == 4
    r = client.post("/api/v1/fai/FAI-0001/signatures", json={"password": PASSWORD}, headers=as_user("qe"))
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert client.post("/api/v1/fai/FAI-0001/complete", headers=as_user("ins")).json()["status"] == "complete"
    r = client.post("/api/v1/fai/FAI-0001/signatures", json={"password": PASSWORD, "meaning": "approved"},
                    headers=as_user("qe"))
    assert r.status_code == 201 and r.json()["status"] == "approved"
    r = client.get("/api/v1/fai/FAI-0001/export.pdf", headers=as_user("olga"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.get("/api/v1/fai/FAI-0001/form3.csv", headers=as_user("olga"))
    assert r.text.startswith("fai_number,char_no")
    st = client.get("/api/v1/programs/ACT/fai-status", headers=as_user("olga")).json()
    assert st["complete"] is True and st["records"][0]["number"] == "FAI-0001"
    assert client.get("/api/v1/fai/FAI-9999", headers=as_user("olga")).status_code == 404


def test_plans_and_lot_results_over_http(api):
    client, as_user = api
    r = client.put("/api/v1/programs/ACT/inspection-plans/30", json={"classes": {"NOISE": "minor"}},
                   headers=as_user("ins"))
    assert r.status_code == 403
    r = client.put("/api/v1/programs/ACT/inspection-plans/30", json={"aql": {"major": 1.1}}, headers=as_user("qe"))
    assert r.status_code == 409 and "not in the Z1.4 series" in r.json()["reasons"][0]
    r = client.post("/api/v1/lots/L1/inspection-results/30", json={"defects": {"major": 1}}, headers=as_user("ins"))
    assert r.status_code == 201 and r.json()["decision"] == "reject"
    plan = client.get("/api/v1/programs/ACT/inspection-plans/30", headers=as_user("olga")).json()
    assert plan["history"][0]["accepted"] is False and plan["state"]["recent_normal"] == [False]
    rows = client.get("/api/v1/programs/ACT/inspection-plans", headers=as_user("olga")).json()
    assert [r["lot_results"] for r in rows] == [0, 0, 1]
    need = client.get("/api/v1/units/SN-1/inspection", headers=as_user("olga")).json()
    assert need["inspection"] == "all"
