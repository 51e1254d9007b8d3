"""The CLI and the API of change control, over one SQLite line (the services are tested on both
databases in test_service.py): same data, same refusals, every command with --json."""
import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.api.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import engine_for

runner = CliRunner()


def lrip(url, *args, stdin=None):
    return runner.invoke(app, [*args, "--db", url, "--json"], input=stdin)


def test_cli_raise_sign_approve_implement(sqlite_url, kit):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        kit.build(session)
    r = lrip(sqlite_url, "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "document:WI-10:A:B", "--effectivity", "immediate",
             "--by", "eli")
    assert r.exit_code == 2 and json.loads(r.stdout)["reasons"] == [
        "only an urgent change takes effect immediately; make it effective from the next lot or from a serial, "
        "or flag it urgent"]
    r = lrip(sqlite_url, "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "document:WI-10:A:B", "--class", "major", "--by", "eli")
    assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout)["number"] == "CR-0001"
    shown = json.loads(lrip(sqlite_url, "change", "submit", "CR-0001", "--by", "eli").stdout)
    assert shown["status"] == "submitted" and shown["impact_is_snapshot"]
    assert shown["impact"]["delta_fai"]["characteristics"] == ["TORQUE"]
    r = lrip(sqlite_url, "change", "approve", "CR-0001", "--by", "pam")
    assert r.exit_code == 2 and len(json.loads(r.stdout)["reasons"]) == 3
    r = lrip(sqlite_url, "change", "sign", "CR-0001", "--by", "quinn", stdin="wrong\n")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "signature_refused"
    for who in ("eli", "quinn", "pam"):
        r = lrip(sqlite_url, "change", "sign", "CR-0001", "--by", who, stdin=kit.password + "\n")
        assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout)["missing"] == []
    assert json.loads(lrip(sqlite_url, "change", "approve", "CR-0001", "--by", "pam").stdout)["status"] == "approved"
    done = json.loads(lrip(sqlite_url, "change", "implement", "CR-0001", "--by", "eli").stdout)
    assert done["status"] == "implemented" and done["implementation"]["delta_fai"]["characteristics"] == ["TORQUE"]
    rows = json.loads(lrip(sqlite_url, "change", "list", "--program", "ACT").stdout)
    assert [(r["number"], r["status"], r["signatures"]) for r in rows] == [("CR-0001", "implemented", 3)]
    weeks = json.loads(lrip(sqlite_url, "change", "traffic", "ACT", "--weeks", "2").stdout)
    assert [w["major"] for w in weeks] == [0, 1]
    # the LRIP quantity: signed by the program manager; above 10% of 200 it needs the rationale
    r = lrip(sqlite_url, "lrip-quantity", "set", "ACT", "40", "--by", "pam", stdin=kit.password + "\n")
    assert r.exit_code == 2 and "write the rationale" in json.loads(r.stdout)["reasons"][0]
    r = lrip(sqlite_url, "lrip-quantity", "set", "ACT", "30", "--by", "eli", stdin=kit.password + "\n",)
    assert r.exit_code == 2 and "needs program manager" in json.loads(r.stdout)["reasons"][-1]
    r = lrip(sqlite_url, "lrip-quantity", "set", "ACT", "40", "--by", "pam", "--rationale", "bridge to FRP",
             stdin=kit.password + "\n")
    assert r.exit_code == 0, r.stdout
    d = json.loads(r.stdout)
    assert (d["quantity"], d["previous"], d["above_ten_percent"], d["rationale"]) == (40, 20, True, "bridge to FRP")
    assert d["signature"]["role"] == "program_manager" and d["signature"]["valid"]
    assert d["warnings"] == ["40 is 20% of the planned total, above 10%; rationale recorded"]


def test_api_flow_and_refusals(sqlite_url, kit):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        kit.build(session, phase="pilot")
        tokens = {u: create_token(session, username=u, name="t", actor="admin")[0] for u in ("eli", "quinn", "ivy")}
    client = TestClient(create_app(sqlite_url))

    def post(who, path, body=None):
        return client.post(f"/api/v1{path}", json=body or {}, headers={"Authorization": f"Bearer {tokens[who]}"})

    body = {"program": "ACT", "title": "Clarify WI-10", "reason": "pilot redline", "description": "Fold RL-0001 in",
            "change_class": "minor", "items": [{"kind": "document", "identifier": "WI-10", "from_revision": "A",
                                                "to_revision": "B"}]}
    assert post("ivy", "/changes", body).status_code == 403
    r = post("eli", "/changes", body)
    assert r.status_code == 201 and r.json()["number"] == "CR-0001" and r.json()["class"] == "minor"
    assert post("eli", "/changes/CR-0001/submit").json()["status"] == "submitted"
    r = post("eli", "/changes/CR-0001/approve")
    assert r.status_code == 409 and r.json()["reasons"] == [
        "CR-0001 is missing an engineering signature (from a manufacturing engineer): PILOT approves a change "
        "with the signatures of engineering, quality",
        "CR-0001 is missing a quality signature (from a quality engineer or an MRB member): PILOT approves a "
        "change with the signatures of engineering, quality"]
    for who in ("eli", "quinn"):
        assert post(who, "/changes/CR-0001/signatures", {"password": kit.password}).status_code == 201
    assert post("eli", "/changes/CR-0001/approve").json()["status"] == "approved"
    r = post("eli", "/changes/CR-0001/implement")
    assert r.status_code == 200 and r.json()["implementation"]["released"] == ["WI-10 rev B"]
    got = client.get("/api/v1/changes/CR-0001", headers={"Authorization": f"Bearer {tokens['ivy']}"}).json()
    assert [e["action"] for e in got["history"]][-1] == "change.implemented"
    assert client.get("/api/v1/changes/CR-9", headers={"Authorization": f"Bearer {tokens['ivy']}"}).status_code == 404
