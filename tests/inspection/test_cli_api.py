"""The inspection and FAI commands and endpoints over a small finished unit (SQLite: wiring)."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import actor
from inspection.line import finished_line, two_unit_lots
from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()
PASSWORD = "first-article-77"
PEOPLE = ("ins", "qe", "olga")


@pytest.fixture
def line(sqlite_url):
    """SN-1 through every operation; an inspector and a quality engineer with passwords; a token each."""
    with unit_of_work(sqlite_url) as s:
        finished_line(s, PASSWORD)
        tokens = {u: create_token(s, actor(s, u), username=u, name="t").token for u in PEOPLE}
    return sqlite_url, tokens


def lrip(line, who, *args, input=None):
    url, tokens = line
    return runner.invoke(app, [*args, "--db", url], input=input, env={"LRIP_TOKEN": tokens[who]})


def test_fai_from_the_command_line(line, tmp_path):
    r = lrip(line, "olga", "fai", "status", "ACT", "--json")
    assert json.loads(r.output)["outstanding"][0]["kind"] == "full"
    r = lrip(line, "ins", "fai", "create", "SN-1", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["number"] == "FAI-0001"
    r = lrip(line, "qe", "fai", "sign", "FAI-0001", input=PASSWORD + "\n")
    assert r.exit_code == 2 and "is open; complete it first" in r.output
    r = lrip(line, "ins", "fai", "complete", "FAI-0001")
    assert r.exit_code == 0 and "FAI-0001 full FAI of ACT-100 rev A S/N SN-1" in r.output
    r = lrip(line, "qe", "fai", "sign", "FAI-0001", "--json", input=PASSWORD + "\n")
    assert json.loads(r.output)["status"] == "approved"
    pdf, csv = tmp_path / "fai.pdf", tmp_path / "fai.csv"
    r = lrip(line, "olga", "fai", "export", "FAI-0001", "--pdf", str(pdf), "--csv", str(csv))
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert csv.read_text().splitlines()[1].startswith("FAI-0001,1,,,TORQUE")
    r = lrip(line, "olga", "fai", "list", "ACT", "--json")
    assert [(f["number"], f["status"], f["signatures"]) for f in json.loads(r.output)] == [("FAI-0001", "approved", 1)]
    r = lrip(line, "qe", "fai", "require-delta", "ACT-100", "A", "--char", "NOISE", "--reason", "ECO-9")
    assert r.exit_code == 0
    r = lrip(line, "olga", "fai", "status", "ACT")
    assert "partial (delta) FAI after a change: ECO-9: no FAI yet" in r.output


def test_plan_state_and_lot_results_from_the_command_line(line):
    r = lrip(line, "ins", "inspection", "plan", "set", "ACT", "30", "--class", "NOISE=minor", "--json")
    assert r.exit_code == 2 and json.loads(r.output)["error"] == "forbidden"
    r = lrip(line, "qe", "inspection", "plan", "set", "ACT", "30", "--class", "NOISE=minor", "--aql", "minor=4.0",
             "--json")
    assert r.exit_code == 0, r.output
    assert [c["class"] for c in json.loads(r.output)["characteristics"]] == ["critical", "minor"]
    r = lrip(line, "qe", "inspection", "plan", "set", "ACT", "30", "--class", "NOISE", "--aql", "minor=x")
    assert r.exit_code == 2 and "'NOISE' is not CODE=VALUE" in r.output and "'x' in 'minor=x' is not a number" in r.output
    r = lrip(line, "ins", "inspection", "lot-result", "L1", "30", "--confirm", "--json")
    # lot of 5, minor AQL 4.0: n=3 drawn at random; only SN-1 exists
    assert r.exit_code == 2 and "of lot L1 (in the minor sample) is not built yet" in r.output
    with unit_of_work(line[0]) as s:
        two_unit_lots(s, 1)
    r = lrip(line, "olga", "inspection", "lot-result", "S1", "30")  # shown from the records, recorded by no one
    assert r.exit_code == 0 and "Result from the records: ACCEPT" in r.output and "--confirm" in r.output
    assert "drawn at random with the lot's seed" in r.output
    r = lrip(line, "ins", "inspection", "lot-result", "S1", "30", "--minor", "3", "--confirm", "--json")
    assert r.exit_code == 2 and "3 minor defective unit(s) were given, but the records show 0" in r.output
    r = lrip(line, "ins", "inspection", "lot-result", "S1", "30", "--confirm", "--json")
    assert (json.loads(r.output)["decision"], json.loads(r.output)["defects"]) == ("accept", {"minor": 0})
    r = lrip(line, "olga", "inspection", "state", "ACT", "30", "--json")
    state = json.loads(r.output)
    assert state["state"]["recent_normal"] == [True]
    assert [h["kind"] for h in state["history"]] == ["plan_set", "lot_result"]
    r = lrip(line, "olga", "inspection", "unit", "SN-1", "--json")
    assert json.loads(r.output)["operations"][0]["characteristics"][0]["required"] is True


@pytest.fixture
def api(line):
    url, tokens = line
    return TestClient(create_app(url)), lambda u: {"Authorization": f"Bearer {tokens[u]}"}, url


def test_fai_over_http(api):
    client, as_user, _ = api
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
    client, as_user, _ = api
    r = client.put("/api/v1/programs/ACT/inspection-plans/30", json={"classes": {"NOISE": "minor"}},
                   headers=as_user("ins"))
    assert r.status_code == 403
    r = client.put("/api/v1/programs/ACT/inspection-plans/30", json={"aql": {"major": 1.1}}, headers=as_user("qe"))
    assert r.status_code == 409 and "not in the Z1.4 series" in r.json()["reasons"][0]
    with unit_of_work(api[2]) as s:
        two_unit_lots(s, 1, defective={"S1"})
    draft = client.get("/api/v1/lots/S1/inspection-results/30", headers=as_user("olga")).json()
    assert (draft["decision"], draft["defects"], draft["blocked_by"]) == ("reject", {"major": 1}, [])
    assert draft["classes"][0]["defective"][0]["ncrs"] == ["NCR-000001"]
    r = client.post("/api/v1/lots/S1/inspection-results/30", json={"defects": {"major": 0}}, headers=as_user("ins"))
    assert r.status_code == 409 and "the records show 1 in the major sample (S1-2 (NOISE))" in r.json()["reasons"][0]
    r = client.post("/api/v1/lots/S1/inspection-results/30", json={}, headers=as_user("ins"))
    assert r.status_code == 201 and r.json()["decision"] == "reject"
    plan = client.get("/api/v1/programs/ACT/inspection-plans/30", headers=as_user("olga")).json()
    assert plan["history"][0]["accepted"] is False and plan["state"]["recent_normal"] == [False]
    rows = client.get("/api/v1/programs/ACT/inspection-plans", headers=as_user("olga")).json()
    assert [r["lot_results"] for r in rows] == [0, 0, 1]
    need = client.get("/api/v1/units/SN-1/inspection", headers=as_user("olga")).json()
    assert need["inspection"] == "all"


def test_only_quality_approves_a_first_article_over_http(line):
    """Any signing role approved a first article (an operator and the supply-chain user both did,
    POST /fai/FAI-0003/signatures): the approval is quality's, and the refusal names what is missing."""
    url, tokens = line
    with unit_of_work(url) as s:
        admin = actor(s, "admin")
        for username, role in (("opal", "operator"), ("lars", "supply_chain")):
            create_user(s, admin, username=username, full_name=username.title(), roles=[role], password=PASSWORD)
            tokens[username] = create_token(s, actor(s, username), username=username, name="t").token
    client = TestClient(create_app(url))
    as_user = lambda u: {"Authorization": f"Bearer {tokens[u]}"}  # noqa: E731
    client.post("/api/v1/fai", json={"serial": "SN-1"}, headers=as_user("ins"))
    client.post("/api/v1/fai/FAI-0001/complete", headers=as_user("ins"))
    for who, role in (("opal", "an operator"), ("lars", "a supply chain")):
        r = client.post("/api/v1/fai/FAI-0001/signatures", json={"password": PASSWORD, "meaning": "approved"},
                        headers=as_user(who))
        assert r.status_code == 409, r.text
        assert r.json()["reasons"] == [f"FAI-0001 is not signed by {role} ({who}); it still needs a quality "
                                       "signature (a quality engineer or an MRB member)"]
    assert client.get("/api/v1/fai/FAI-0001", headers=as_user("olga")).json()["status"] == "complete"
    r = client.post("/api/v1/fai/FAI-0001/signatures", json={"password": PASSWORD, "meaning": "approved"},
                    headers=as_user("qe"))
    assert r.status_code == 201 and r.json()["status"] == "approved"
