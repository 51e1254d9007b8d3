"""The shop floor's commands on a real SQLite file, as the person signed in at the station (an API token
here): the same request schemas and answers as the API, exit 2 with every reason."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from factory import actor, build_line, just_now
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()


@pytest.fixture
def tokens(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(sqlite_url) as s:
        build_line(s)
        admin = actor(s, "admin")
        create_user(s, admin, username="vera", full_name="Vera Viewer", roles=["viewer"])
        return {who: create_token(s, admin, username=who, name="station").token
                for who in ("admin", "olga", "newbie", "quinn", "vera")}


def lrip(url, token, *args):
    return runner.invoke(app, [*args, "--db", url], env={"LRIP_TOKEN": token})


def answer(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refusal(result):
    assert result.exit_code == 2, result.output
    return json.loads(result.stdout)


def test_a_unit_through_operation_10_as_the_signed_in_operator(sqlite_url, tokens, tmp_path):
    olga = tokens["olga"]
    assert answer(lrip(sqlite_url, olga, "unit", "add", "L1", "SN-1", "--json"))["position"] == 1
    started = answer(lrip(sqlite_url, olga, "op", "start", "sn-1", "10", "--tool", "TQ-1", "--json"))
    assert (started["serial"], started["started_by"], started["tools"]) == ("SN-1", "olga", ["TQ-1"])
    assert lrip(sqlite_url, olga, "consume", "SN-1", "10", "M-001").exit_code == 0
    consumed = answer(lrip(sqlite_url, olga, "consume", "SN-1", "Assemble", "SCR-LOT-1", "--qty", "4", "--json"))
    assert consumed["on_hand_after"] == 96
    measured = lrip(sqlite_url, olga, "measure", "SN-1", "TORQUE", "2.01")
    assert measured.exit_code == 0 and "Recorded TORQUE = 2.01 on SN-1: in spec." in measured.stdout
    done = answer(lrip(sqlite_url, olga, "op", "complete", "SN-1", "10", "--json"))
    assert (done["completed_by"], done["unit_status"]) == ("olga", "in_work")
    t = answer(lrip(sqlite_url, olga, "traveler", "SN-1", "--json"))
    assert t["operations"][0]["attempts"][0]["measurements"][0]["value"] == 2.01
    assert (t["next"]["action"], t["next"]["sequence"]) == ("start", 20)
    assert "Next: start operation 20 (Inspect)." in lrip(sqlite_url, olga, "traveler", "SN-1").stdout


def test_the_operator_is_whoever_is_signed_in(sqlite_url, tokens):
    """Before, --operator and --by named anyone (even a disabled user); now they are gone."""
    lrip(sqlite_url, tokens["olga"], "unit", "add", "L1", "SN-1")
    assert lrip(sqlite_url, tokens["olga"], "op", "start", "SN-1", "10", "--operator", "oscar").exit_code == 2
    assert lrip(sqlite_url, tokens["olga"], "unit", "add", "L1", "SN-2", "--by", "admin").exit_code == 2
    body = refusal(lrip(sqlite_url, tokens["newbie"], "op", "start", "SN-1", "10", "--tool", "TQ-TMP", "--json"))
    assert body["error"] == "start_refused"
    assert "operator newbie is not qualified for 'assembly'" in body["reasons"]
    body = refusal(lrip(sqlite_url, tokens["vera"], "op", "start", "SN-1", "10", "--tool", "TQ-1", "--json"))
    assert body["error"] == "forbidden"
    body = refusal(runner.invoke(app, ["op", "start", "SN-1", "10", "--db", sqlite_url, "--json"],
                                 env={"LRIP_TOKEN": ""}))
    assert body["error"] == "not_signed_in"


def test_a_negative_value_is_typed_as_it_is(sqlite_url, tokens):
    """Before: `lrip measure SN-1 TORQUE -0.01` said "No such option: -0"."""
    olga = tokens["olga"]
    lrip(sqlite_url, olga, "unit", "add", "L1", "SN-1")
    lrip(sqlite_url, olga, "op", "start", "SN-1", "10", "--tool", "TQ-1")
    m = answer(lrip(sqlite_url, olga, "measure", "SN-1", "TORQUE", "-0.01", "--json"))
    assert (m["value"], m["in_spec"], m["ncr"]) == (-0.01, False, "NCR-000001")
    human = lrip(sqlite_url, olga, "measure", "SN-1", "TORQUE", "2.0")
    assert human.exit_code == 2 and "SN-1 is on hold" in human.output


@pytest.mark.parametrize("args, where", [
    (("unit", "add", "L1", "SN/1"), "serial"), (("unit", "add", "L1", "SN..1"), "serial"),
    (("unit", "add", "L1", "SN\u20111"), "serial"), (("measure", "SN-1", "TORQUE", "0_08"), "value"),
    (("consume", "SN-1", "10", "SCR-LOT-1", "--qty", "0_5"), "quantity"),
    (("import", "measurements", "x.csv", "--reason", "why"), "reason"),
])
def test_the_cli_parses_through_the_apis_request_schemas(sqlite_url, tokens, args, where):
    lrip(sqlite_url, tokens["olga"], "unit", "add", "L1", "SN-1")
    lrip(sqlite_url, tokens["olga"], "op", "start", "SN-1", "10", "--tool", "TQ-1")
    body = refusal(lrip(sqlite_url, tokens["olga"], *args, "--json"))
    assert body["error"] in ("invalid_input", "measurement_invalid"), body
    assert any(where in r for r in body["reasons"]) or body["error"] == "measurement_invalid", body


def test_a_file_is_imported_once_unless_again_with_a_reason(sqlite_url, tokens, tmp_path):
    lrip(sqlite_url, tokens["olga"], "unit", "add", "L1", "SN-1")
    lrip(sqlite_url, tokens["olga"], "op", "start", "SN-1", "10", "--tool", "TQ-1")
    file = tmp_path / "station.csv"
    file.write_text("serial,operation,characteristic,value,recorded_at,operator,gauge\n"
                    f"SN-1,10,TORQUE,2.0,{just_now()},olga,G1\n")
    quinn = tokens["quinn"]
    assert answer(lrip(sqlite_url, quinn, "import", "measurements", str(file), "--json"))["rows"] == 1
    body = refusal(lrip(sqlite_url, quinn, "import", "measurements", str(file), "--json"))
    assert body["error"] == "import_refused" and "was imported already" in body["reasons"][0]
    assert refusal(lrip(sqlite_url, quinn, "import", "measurements", str(file), "--again", "--json"))[
        "error"] == "invalid_input"
    again = lrip(sqlite_url, quinn, "import", "measurements", str(file), "--again", "--reason", "station re-sent")
    assert again.exit_code == 0 and "Imported 1 measurement for 1 unit from station.csv (again)." in again.stdout


def test_a_whole_operation_in_one_command_all_or_nothing(sqlite_url, tokens):
    """`lrip op record`: the API's one-submit operation (POST .../record) from the command line, parsed by the same
    request schema: a refusal at any step writes nothing and names every reason."""
    olga = tokens["olga"]
    assert lrip(sqlite_url, olga, "unit", "add", "L1", "SN-1").exit_code == 0
    assert refusal(lrip(sqlite_url, olga, "op", "record", "SN-1", "10", "--result", "TORQUE", "--json"))["reasons"] == [
        "--result 'TORQUE': write CHARACTERISTIC=VALUE or CHARACTERISTIC=VALUE@GAUGE"]
    short = refusal(lrip(sqlite_url, olga, "op", "record", "SN-1", "10", "--tool", "TQ-1", "--material", "M-001",
                         "--result", "TORQUE=2.01", "--json"))
    assert short["error"] == "complete_refused" and any("SCR-4" in r for r in short["reasons"]), short
    assert answer(lrip(sqlite_url, olga, "traveler", "SN-1", "--json"))["next"]["action"] == "start"  # nothing kept
    now = datetime.now(timezone.utc).replace(microsecond=0)
    done = lrip(sqlite_url, olga, "op", "record", "SN-1", "10", "--tool", "TQ-1", "--material", "M-001",
                "--material", "SCR-LOT-1=4", "--result", "TORQUE=2.01", "--started", (now - timedelta(minutes=30)).isoformat(),
                "--completed", now.isoformat())
    assert done.exit_code == 0, done.output
    assert ("Recorded operation 10 (Assemble) on SN-1: 1 result(s), 2 material(s); completed, 30.0 worked min; "
            "unit in work.") in done.stdout
    t = answer(lrip(sqlite_url, olga, "traveler", "SN-1", "--json"))
    assert (t["next"]["action"], t["next"]["sequence"]) == ("start", 20)
