"""The CLI and the API of change control, over one SQLite line (the services are tested on both
databases in test_service.py): same answers, same refusals, every command with --json, each run as
the person signed in."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import unit_of_work
from lrip.execution import service as execution

runner = CliRunner()
PEOPLE = ("eli", "emil", "quinn", "pam", "ivy", "olga")


@pytest.fixture
def line(sqlite_url, kit, monkeypatch, tmp_path):
    """The line on SQLite, and an API token for each person (LRIP_TOKEN signs the CLI in as them)."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as session:
        kit.build(session, phase="pilot")
        admin = actor(session, "admin")
        tokens = {u: create_token(session, admin, username=u, name="test").token for u in PEOPLE}
    return sqlite_url, tokens


def lrip(line, who, *args, stdin=None):
    url, tokens = line
    return runner.invoke(app, [*args, "--db", url, "--json"], input=stdin, env={"LRIP_TOKEN": tokens[who]})


def test_cli_raise_sign_approve_implement(line, kit):
    r = lrip(line, "eli", "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "document:WI-10:A:B", "--effectivity", "immediate")
    assert r.exit_code == 2 and json.loads(r.stdout)["reasons"] == [
        "only an urgent change takes effect immediately; make it effective from the next lot or from a serial, "
        "or flag it urgent"]
    r = lrip(line, "eli", "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "routing:ACT-100:1:2")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "invalid_input"
    assert "name the routing as PART/PART_REVISION, e.g. ACT-100/A" in json.loads(r.stdout)["reasons"][0]
    r = lrip(line, "olga", "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "document:WI-10:A:B")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "forbidden"  # no --by: the operator is who she is
    r = lrip(line, "eli", "change", "create", "ACT", "--title", "Verify driver", "--reason", "drift",
             "--description", "Add a check", "--item", "document:WI-10:A:B", "--class", "major")
    assert r.exit_code == 0, r.stdout
    created = json.loads(r.stdout)
    assert (created["number"], created["class"], created["raised_by"]) == ("CR-0001", "major", "eli")
    shown = json.loads(lrip(line, "eli", "change", "submit", "CR-0001").stdout)
    assert shown["status"] == "submitted" and shown["impact"]["as_of"] == "now"  # waiting: computed now
    r = lrip(line, "eli", "change", "approve", "CR-0001")
    assert r.exit_code == 2 and len(json.loads(r.stdout)["reasons"]) == 2  # pilot: engineering and quality
    r = lrip(line, "quinn", "change", "sign", "CR-0001", stdin="wrong\n")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "signature_refused"
    r = lrip(line, "eli", "change", "sign", "CR-0001", stdin=kit.password + "\n")  # the author
    assert r.exit_code == 2 and json.loads(r.stdout)["reasons"][0].startswith(
        "eli raised CR-0001 and may not give it its engineering approval")
    for who in ("emil", "quinn"):
        r = lrip(line, who, "change", "sign", "CR-0001", stdin=kit.password + "\n")
        assert r.exit_code == 0, r.stdout
    signed = json.loads(r.stdout)
    assert signed["missing"] == [] and [s["username"] for s in signed["signatures"]] == ["emil", "quinn"]
    assert json.loads(lrip(line, "eli", "change", "approve", "CR-0001").stdout)["status"] == "approved"
    done = json.loads(lrip(line, "eli", "change", "implement", "CR-0001").stdout)
    assert done["status"] == "implemented" and done["implementation"]["released"] == ["WI-10 rev B"]
    rows = json.loads(lrip(line, "ivy", "change", "list", "--program", "ACT").stdout)
    assert [(r["number"], r["status"], r["signatures"]) for r in rows] == [("CR-0001", "implemented", 2)]
    weeks = json.loads(lrip(line, "ivy", "change", "traffic", "ACT", "--weeks", "2").stdout)
    assert [w["major"] for w in weeks] == [0, 1]


def test_the_cli_needs_someone_signed_in(line):
    url, _ = line
    r = runner.invoke(app, ["change", "list", "--db", url, "--json"], env={"LRIP_TOKEN": ""})
    assert r.exit_code == 2 and json.loads(r.stdout)["error"] == "not_signed_in"


def test_api_and_cli_give_one_answer(line, kit):
    url, tokens = line
    client = TestClient(create_app(url))

    def post(who, path, body=None):
        return client.post(f"/api/v1{path}", json=body or {}, headers={"Authorization": f"Bearer {tokens[who]}"})

    def get(who, path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens[who]}"})

    body = {"program": "ACT", "title": "Clarify WI-10", "reason": "pilot redline", "description": "Fold RL-0001 in",
            "change_class": "minor", "items": [{"kind": "document", "identifier": "WI-10", "from_revision": "A",
                                                "to_revision": "B"}]}
    assert post("ivy", "/changes", body).status_code == 403
    assert post("eli", "/changes", {**body, "items": [{**body["items"][0], "identifier": "WI/10"}]}).status_code == 422
    r = post("eli", "/changes", body)
    assert r.status_code == 201 and r.json()["number"] == "CR-0001" and r.json()["class"] == "minor"
    assert post("eli", "/changes/CR-0001/submit").json()["status"] == "submitted"
    r = post("eli", "/changes/CR-0001/approve")
    assert r.status_code == 409 and r.json()["reasons"] == [
        "CR-0001 is missing an engineering signature (a manufacturing engineer): PILOT approves a change "
        "with the signatures of engineering, quality",
        "CR-0001 is missing a quality signature (a quality engineer or an MRB member): PILOT approves a "
        "change with the signatures of engineering, quality"]
    for who in ("emil", "quinn"):
        assert post(who, "/changes/CR-0001/signatures", {"password": kit.password}).status_code == 201
    assert post("eli", "/changes/CR-0001/approve").json()["status"] == "approved"
    r = post("eli", "/changes/CR-0001/implement")
    assert r.status_code == 200 and r.json()["implementation"]["released"] == ["WI-10 rev B"]
    got = get("ivy", "/changes/CR-0001")
    assert [e["action"] for e in got.json()["history"]][-1] == "change.implemented"
    assert got.json() == json.loads(lrip(line, "ivy", "change", "show", "CR-0001").stdout)
    listed = get("ivy", "/changes?program=ACT").json()
    assert listed["items"] == json.loads(lrip(line, "ivy", "change", "list", "--program", "ACT").stdout)
    assert get("ivy", "/changes/CR-9").status_code == 404


def test_redline_from_the_cli(line):
    url, _ = line
    with unit_of_work(url) as session:
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    r = lrip(line, "eli", "redline", "add", "SN-1", "Assemble", "--markup", "Torque in a cross pattern")
    assert r.exit_code == 0, r.stdout
    assert json.loads(r.stdout) | {"recorded_at": None} == {
        "number": "RL-0001", "serial": "SN-1", "lot": "L1", "phase": "pilot", "operation": 10,
        "instruction": "WI-10 rev A", "markup": "Torque in a cross pattern", "recorded_by": "eli",
        "recorded_at": None, "change": None, "incorporated": False}
    assert [r["number"] for r in json.loads(lrip(line, "ivy", "redline", "list", "ACT").stdout)] == ["RL-0001"]
