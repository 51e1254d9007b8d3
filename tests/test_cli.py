"""The CLI end to end on a real SQLite file: exit codes, every reason, --json."""
import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.cli import app
from lrip.db import engine_for
from factory import build_line

runner = CliRunner()


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


@pytest.fixture
def line_url(sqlite_url):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        build_line(session)
    return sqlite_url


def test_init_creates_a_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = lrip(url, "init", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "up to date"
    assert json.loads(lrip(url, "programs", "--json").output) == []


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path):
    result = lrip(f"sqlite:///{tmp_path / 'absent.db'}", "programs")
    assert result.exit_code == 2
    assert "run `lrip init` first" in result.output
    assert not (tmp_path / "absent.db").exists()


def test_lists_and_a_unit_through_operation_10(line_url):
    assert lrip(line_url, "unit", "add", "L1", "SN-1", "--by", "admin").exit_code == 0
    result = lrip(line_url, "op", "start", "SN-1", "10", "--operator", "olga", "--tool", "TQ-1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tools"] == ["TQ-1"]
    assert lrip(line_url, "consume", "SN-1", "10", "M-001").exit_code == 0
    result = lrip(line_url, "consume", "SN-1", "Assemble", "SCR-LOT-1", "--qty", "4", "--json")
    assert json.loads(result.output)["on_hand_after"] == 96
    assert lrip(line_url, "measure", "SN-1", "TORQUE", "2.01", "--operator", "olga").exit_code == 0
    result = lrip(line_url, "op", "complete", "SN-1", "10", "--operator", "olga", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cycle_minutes"] >= 0

    programs = json.loads(lrip(line_url, "programs", "--json").output)
    assert programs[0]["code"] == "ACT" and programs[0]["units_by_status"] == {"in_work": 1}
    lots = json.loads(lrip(line_url, "lots", "ACT", "--json").output)
    assert lots[0]["number"] == "L1" and lots[0]["units"] == 1
    units = json.loads(lrip(line_url, "units", "L1", "--json").output)
    assert units == [{"serial": "SN-1", "status": "in_work", "operation": None, "hold_reason": None,
                      "created_at": units[0]["created_at"], "completed_at": None}]
    traveler = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    op10 = traveler["operations"][0]
    assert op10["attempts"][0]["measurements"][0]["value"] == 2.01
    assert {c["identifier"] for c in op10["attempts"][0]["consumed"]} == {"M-001", "SCR-LOT-1"}
    assert traveler["next"]["action"] == "start" and traveler["next"]["sequence"] == 20
    human = lrip(line_url, "traveler", "SN-1")
    assert "Next: start operation 20 (Inspect)." in human.output


def test_a_refusal_exits_2_with_every_reason(line_url):
    lrip(line_url, "unit", "add", "L1", "SN-1", "--by", "admin")
    result = lrip(line_url, "op", "start", "SN-1", "10", "--operator", "newbie", "--tool", "TQ-TMP", "--json")
    assert result.exit_code == 2
    body = json.loads(result.output)
    assert body["error"] == "start_refused"
    assert any("not qualified for 'assembly'" in r for r in body["reasons"])
    assert any("TQ-TMP is a temporary tool" in r for r in body["reasons"])
    human = lrip(line_url, "op", "start", "SN-1", "20", "--operator", "olga")
    assert human.exit_code == 2
    assert "SN-1 is at operation 10; operations run in routing sequence" in human.output


def test_out_of_spec_puts_the_unit_on_hold_and_disposition_releases(line_url):
    lrip(line_url, "unit", "add", "L1", "SN-1", "--by", "admin")
    lrip(line_url, "op", "start", "SN-1", "10", "--operator", "olga", "--tool", "TQ-1")
    result = lrip(line_url, "measure", "SN-1", "TORQUE", "2.5", "--operator", "olga", "--json")
    assert json.loads(result.output)["on_hold"] is True
    blocked = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    assert blocked["status"] == "on_hold"
    assert "SN-1 is on hold" in blocked["next"]["blocked_by"]
    result = lrip(line_url, "disposition", "SN-1", "rework", "--to", "10", "--reason", "retorque", "--by", "admin")
    assert result.exit_code == 0, result.output
    assert json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)["status"] == "in_work"


def test_import_is_all_or_nothing_and_lists_every_bad_line(line_url, tmp_path):
    lrip(line_url, "unit", "add", "L1", "SN-1", "--by", "admin")
    lrip(line_url, "op", "start", "SN-1", "10", "--operator", "olga", "--tool", "TQ-1")
    bad = tmp_path / "bad.csv"
    bad.write_text("serial,operation,characteristic,value,recorded_at,operator,gauge\n"
                   "SN-1,10,TORQUE,2.0,2026-01-05T10:00:00Z,olga,G1\n"
                   "SN-9,10,TORQUE,2.0,2026-01-05T10:00:00Z,olga,G1\n"
                   "SN-1,10,TORQUE,abc,2026-01-05T10:00:00Z,olga,G1\n")
    result = lrip(line_url, "import", "measurements", str(bad), "--by", "admin", "--json")
    assert result.exit_code == 2
    reasons = json.loads(result.output)["reasons"]
    assert reasons[0].startswith("bad.csv: 2 bad row(s) of 3; nothing was imported")
    assert reasons[1] == "line 3: no unit with serial 'SN-9'"
    assert reasons[2] == "line 4: TORQUE Screw torque needs a number, not 'abc'"
    traveler = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    assert traveler["operations"][0]["attempts"][0]["measurements"] == []

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text().splitlines()[0] + "\n" + bad.read_text().splitlines()[1] + "\n")
    result = lrip(line_url, "import", "measurements", str(good), "--by", "admin", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 1


def test_audit_verify_and_log(line_url):
    result = lrip(line_url, "audit", "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["ok"] is True
    log = json.loads(lrip(line_url, "audit", "log", "--record", "lot:L1", "--json").output)
    assert [e["action"] for e in log] == ["lot.created"]


def test_unknown_serial_is_not_found_exit_2(line_url):
    result = lrip(line_url, "traveler", "NOPE")
    assert result.exit_code == 2
    assert "No unit with serial NOPE" in result.output
