"""The signed LRIP quantity through the CLI and the API, over one SQLite line (the service is tested on
both databases in test_service.py): the same answer, the same refusals, as the signed-in person."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import PM, PM_PASSWORD, QE, QE_PASSWORD, actor, build_line
from lrip.app import create_app
from lrip.auth.decisions import role_words
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


# ---------------------------------------------------------------- setting up a program, through the CLI and the API

@pytest.fixture
def desk(sqlite_url, monkeypatch, tmp_path):
    """The factory line in pilot (lot L1 open, no unit yet) and API tokens of the program manager, the quality
    engineer, an operator and an engineer."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as session:
        build_line(session, phase="pilot", lot_quantity=3)
        admin = actor(session, "admin")
        create_user(session, admin, username="eli", full_name="Eli Engineer", roles=["manufacturing_engineer"],
                    password=PM_PASSWORD)
        return {who: create_token(session, admin, username=who, name="desk").token
                for who in (PM, QE, "olga", "eli")}


def ok(result) -> dict | list:
    assert result.exit_code == 0, result.stdout
    return json.loads(result.stdout)


def refused_with(result) -> list[str]:
    assert result.exit_code == 2, result.stdout
    return json.loads(result.stdout)["reasons"]


def test_the_cli_sets_up_a_program_and_moves_it_to_lrip_through_its_gate(sqlite_url, desk, tmp_path):
    pm, qe = desk[PM], desk[QE]
    made = ok(lrip(sqlite_url, pm, "program", "create", "NEW", "--part", "ACT-100", "--revision", "A",
                   "--planned-total", "50", "--frp-rate", "2.5"))
    assert (made["code"], made["name"], made["phase"], made["frp_target_rate"]) == ("NEW", "Actuator", "prototype", 2.5)
    assert refused_with(lrip(sqlite_url, pm, "program", "create", "NEW", "--part", "ACT-100", "--revision", "A",
                             "--planned-total", "-1", "--frp-rate", "0")) == [
        "planned_total: Input should be greater than or equal to 1",
        "frp_target_rate: Input should be greater than 0"]
    # units by pattern into the pilot lot, all or nothing
    assert refused_with(lrip(sqlite_url, pm, "units", "create", "L1", "--count", "4", "--pattern", "P-{:02d}")) == [
        "lot L1 has room for 3 more of its planned 3 units, not 4"]
    units = ok(lrip(sqlite_url, pm, "units", "create", "L1", "--count", "3", "--pattern", "P-{:02d}"))
    assert (units["count"], units["serials"], units["positions"]) == (3, ["P-01", "P-02", "P-03"], [1, 3])
    listed = ok(lrip(sqlite_url, desk["olga"], "units", "L1"))
    assert [u["serial"] for u in listed] == ["P-01", "P-02", "P-03"]
    # the gate to LRIP, every unmet condition at once
    gate = ok(lrip(sqlite_url, desk["olga"], "program", "gate", "ACT"))
    assert (gate["target"], gate["ready"]) == ("lrip", False)
    reasons = refused_with(lrip(sqlite_url, pm, "program", "phase", "ACT", "lrip", "--reason", "PRR passed"))
    assert reasons == [w for c in gate["conditions"] if not c["met"] for w in c["words"]]
    assert reasons[0] == "pilot lot L1 is still open; close it when its units are done"
    assert "the move to LRIP still needs " + role_words("program") in reasons
    # signing: the operator's signature is not one the move needs; the quality engineer's is
    [reason] = refused_with(lrip(sqlite_url, desk["olga"], "program", "sign-phase", "ACT", "lrip",
                                 stdin="whatever\n"))
    assert "olga" in reason and "still needs a program signature" in reason
    signed = ok(lrip(sqlite_url, qe, "program", "sign-phase", "ACT", "lrip", stdin=QE_PASSWORD + "\n"))
    assert [s["username"] for s in signed["signatures"]] == [QE]
    human = runner.invoke(app, ["program", "gate", "ACT", "--db", sqlite_url], env={"LRIP_TOKEN": pm})
    assert human.exit_code == 0 and "[ ] a closed pilot lot with its results" in human.stdout


def test_the_cli_proposes_signs_and_applies_a_policy_change(sqlite_url, desk):
    pm, qe = desk[PM], desk[QE]
    assert refused_with(lrip(sqlite_url, pm, "policy", "set", "ACT", "pilot", "qualified_operator", "perhaps",
                             "--reason", "waiver W-7")) == ["qualified_operator is yes or no, not 'perhaps'"]
    assert json.loads(lrip(sqlite_url, desk["olga"], "policy", "set", "ACT", "pilot", "qualified_operator", "no",
                           "--reason", "x").stdout)["error"] == "forbidden"
    c = ok(lrip(sqlite_url, pm, "policy", "set", "ACT", "pilot", "qualified_operator", "no", "--reason", "waiver W-7"))
    assert (c["number"], c["status"], c["value"], c["current"]) == (1, "proposed", False, True)
    assert ok(lrip(sqlite_url, pm, "policy", "sign", "ACT", "1", stdin=PM_PASSWORD + "\n"))["status"] == "proposed"
    assert refused_with(lrip(sqlite_url, qe, "policy", "sign", "ACT", "1", stdin="wrong\n")) == [
        "the password of quinn is not right; nothing was signed"]
    done = ok(lrip(sqlite_url, qe, "policy", "sign", "ACT", "1", stdin=QE_PASSWORD + "\n"))
    assert (done["status"], done["current"]) == ("applied", False)
    shown = ok(lrip(sqlite_url, desk["olga"], "policy", "show", "ACT"))
    assert next(p for p in shown["policies"] if p["phase"] == "pilot")["qualified_operator"] is False
    human = runner.invoke(app, ["policy", "show", "ACT", "--db", sqlite_url], env={"LRIP_TOKEN": pm})
    assert human.exit_code == 0 and "qualified_operator" in human.stdout and "applied" in human.stdout


def test_the_cli_plans_weeks_and_imports_a_plan_all_or_nothing(sqlite_url, desk, tmp_path):
    pm = desk[PM]
    week = ok(lrip(sqlite_url, pm, "plan", "set", "ACT", "--week", "2030-01-07", "--starts", "3", "--lot", "L1"))
    assert (week["phase"], week["planned_starts"], week["lot"]) == ("pilot", 3, "L1")
    assert refused_with(lrip(sqlite_url, pm, "plan", "set", "ACT", "--week", "2030-01-08", "--starts", "-2")) == [
        "starts: Input should be greater than or equal to 0"]
    bad = tmp_path / "bad.csv"
    bad.write_text("week,starts,lot\n2030-01-14,5,\n2030-01-15,x,\n2030-01-21,2,NOPE\n2030-01-14,1,\n")
    before = ok(lrip(sqlite_url, pm, "plan", "show", "ACT"))
    assert refused_with(lrip(sqlite_url, pm, "plan", "import", "ACT", str(bad))) == [
        "line 3: starts: a whole number is a whole number like 12, not 'x'"]
    bad.write_text("week,starts,lot\n2030-01-14,5,\n2030-01-15,1,\n2030-01-21,2,NOPE\n2030-01-14,1,\n")
    assert refused_with(lrip(sqlite_url, pm, "plan", "import", "ACT", str(bad))) == [
        "week 2030-01-15: a ramp plan period starts on a Monday; 2030-01-15 is a Tuesday",
        "week 2030-01-21 (lot NOPE): there is no lot NOPE",
        "week 2030-01-14: the week is given twice"]
    assert ok(lrip(sqlite_url, pm, "plan", "show", "ACT")) == before
    good = tmp_path / "plan.csv"
    good.write_text("week,starts,phase\n2030-01-14,5,pilot\n2030-01-21,8,lrip\n")
    plan = ok(lrip(sqlite_url, pm, "plan", "import", "ACT", str(good)))
    assert [(w["period_start"], w["planned_starts"], w["phase"]) for w in plan["weeks"]] == [
        ("2030-01-14", 5, "pilot"), ("2030-01-21", 8, "lrip")]
    header = tmp_path / "header.csv"
    header.write_text("monday,count\n2030-01-14,5\n")
    assert refused_with(lrip(sqlite_url, pm, "plan", "import", "ACT", str(header))) == [
        "a ramp plan CSV has the header week,starts (and optionally phase, lot), not monday,count"]


def test_the_cli_creates_and_closes_lots(sqlite_url, desk):
    pm = desk[PM]
    lot = ok(lrip(sqlite_url, pm, "lot", "create", "ACT", "P2", "--quantity", "2"))
    assert (lot["number"], lot["phase"], lot["routing_revision"], lot["status"]) == ("P2", "pilot", "1", "open")
    assert refused_with(lrip(sqlite_url, pm, "lot", "create", "ACT", "p2", "--quantity", "0")) == [
        "quantity: Input should be greater than or equal to 1"]
    assert json.loads(lrip(sqlite_url, desk["olga"], "lot", "create", "ACT", "P3", "--quantity", "1")
                      .stdout)["error"] == "forbidden"
    closed = ok(lrip(sqlite_url, pm, "lot", "close", "P2", "--reason", "not needed"))
    assert (closed["status"], closed["results"]) == ("closed", {})


def test_the_api_sets_up_the_same_way(sqlite_url, desk):
    client = TestClient(create_app(sqlite_url))

    def call(who, method, path, body=None):
        return client.request(method, f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {desk[who]}"})

    assert call("olga", "POST", "/programs", {"code": "X", "part": "ACT-100", "revision": "A", "planned_total": 5,
                                              "frp_target_rate": 1}).status_code == 403
    r = call(PM, "POST", "/programs", {"code": "X", "part": "ACT-100", "revision": "A", "planned_total": 5,
                                       "frp_target_rate": 1})
    assert r.status_code == 201 and r.json()["phase"] == "prototype"
    assert call("olga", "GET", "/programs/x").json()["code"] == "X"
    r = call(PM, "POST", "/lots/L1/units/batch", {"first": "P-0008", "last": "P-0010"})
    assert r.status_code == 201 and r.json()["serials"] == ["P-0008", "P-0009", "P-0010"]
    r = call(PM, "POST", "/lots/L1/units/batch", {"first": "P-0001", "last": "Q-0002"})
    assert r.status_code == 422 and r.json()["reasons"] == [
        "the first and last serials of a range share their prefix ('P-' is not 'Q-')"]
    assert call(PM, "POST", "/lots/L1/units/batch", {"count": 2}).status_code == 422
    r = call(PM, "POST", "/programs/ACT/policy-changes", {"phase": "frp", "rule": "change_signatures",
                                                          "value": ["engineering", "quality", "customer"],
                                                          "reason": "contract clause 7"})
    assert r.status_code == 201 and r.json()["value"] == ["engineering", "quality", "customer"]
    number = r.json()["number"]
    for who, password in ((PM, PM_PASSWORD), (QE, QE_PASSWORD)):
        r = call(who, "POST", f"/programs/ACT/policy-changes/{number}/signatures", {"password": password})
        assert r.status_code == 201, r.text
    assert r.json()["status"] == "applied"
    assert call("olga", "GET", "/programs/ACT/policies").json()["policies"][3]["change_signatures"] == [
        "engineering", "quality", "customer"]
    gate = call("olga", "GET", "/programs/ACT/phase-gate").json()
    r = call(PM, "POST", "/programs/ACT/phase", {"phase": "lrip", "reason": "PRR"})
    assert r.status_code == 409 and r.json()["reasons"] == [w for c in gate["conditions"] if not c["met"]
                                                            for w in c["words"]]
    r = call(PM, "POST", "/programs/ACT/phase-gate/signatures", {"phase": "lrip", "password": PM_PASSWORD})
    assert r.status_code == 201 and [s["role"] for s in r.json()["signatures"]] == ["program_manager"]
    r = call(PM, "POST", "/programs/ACT/ramp-plan", {"weeks": [{"week": "2030-01-07", "starts": 2},
                                                              {"week": "2030-01-09", "starts": 1}]})
    assert r.status_code == 409 and r.json()["reasons"] == [
        "week 2030-01-09: a ramp plan period starts on a Monday; 2030-01-09 is a Wednesday"]
    assert call("olga", "GET", "/programs/ACT/ramp-plan").json()["weeks"] == []
    r = call(PM, "POST", "/programs/ACT/lots", {"number": "P9", "quantity": 2})
    assert r.status_code == 201 and r.json()["routing_revision"] == "1"
    assert call(PM, "POST", "/lots/P9/close", {"reason": "spare"}).json()["status"] == "closed"
