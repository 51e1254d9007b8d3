"""The CLI end to end on a real SQLite file: exit codes, every reason, --json; every command as the
person signed in (here by an API token in LRIP_TOKEN, as a station script would)."""
import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from factory import actor, build_line, just_now
from lrip import areas
from lrip.auth.service import create_token
from lrip.cli import AREA_COMMANDS, EXTENDED_BY, app
from lrip.db import unit_of_work

runner = CliRunner()
TOKENS: dict[str, str] = {}


def lrip(url, *args, who="admin"):
    env = {"LRIP_TOKEN": TOKENS[who]} if who else {"LRIP_TOKEN": ""}
    return runner.invoke(app, [*args, "--db", url], env=env)


@pytest.fixture
def line_url(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_line(session)
        for name in ("admin", "olga", "newbie"):
            TOKENS[name] = create_token(session, actor(session, "admin"), username=name, name="cli test").token
    return sqlite_url


def _registered() -> dict:
    """Each area's commands as its `register` adds them, area by area: {area: its click group}."""
    groups = {}
    for module in areas.modules("cli"):
        into = typer.Typer()
        module.register(into)
        groups[module.__name__.split(".")[1]] = typer.main.get_group(into)
    return groups


def test_the_command_list_names_what_each_area_adds():
    """`lrip` loads an area's CLI when one of its commands runs, by AREA_COMMANDS: a command an area adds and
    the list leaves out could never be run."""
    assert {area: tuple(group.commands) for area, group in _registered().items()} == AREA_COMMANDS


def test_an_area_that_adds_to_another_areas_group_is_loaded_before_it():
    """Before: `lrip suppliers scorecard` was no such command, quality (which adds it) not being loaded."""
    def leaves(group):
        for command in getattr(group, "commands", {}).values():
            yield from leaves(command) if command.callback is None else [command]

    adders = {}
    for area, group in _registered().items():
        for command in leaves(group):
            owner = command.callback.__module__.split(".")[1]
            if owner != area:
                adders.setdefault(area, set()).add(owner)
    assert adders == {area: set(higher) for area, higher in EXTENDED_BY.items()}


def test_a_command_loads_only_its_own_area():
    loaded = subprocess.run([sys.executable, "-c", "import sys\nfrom lrip.cli import app\n"
                             "try:\n    app(['readiness', '--help'])\nexcept SystemExit:\n    pass\n"
                             "print(sorted(m for m in sys.modules if m.endswith('.cli')))"],
                            capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    assert loaded == "['lrip.cli', 'lrip.readiness.cli']"


def test_init_creates_a_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = lrip(url, "init", "--json", who=None)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["status"] == "up to date" and answer["admin"]["username"] == "admin"


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path):
    result = lrip(f"sqlite:///{tmp_path / 'absent.db'}", "programs", who=None)
    assert result.exit_code == 2
    assert "run `lrip init` first" in result.output
    assert not (tmp_path / "absent.db").exists()


def test_lists_and_a_unit_through_operation_10(line_url):
    assert lrip(line_url, "unit", "add", "L1", "SN-1").exit_code == 0
    result = lrip(line_url, "op", "start", "SN-1", "10", "--tool", "TQ-1", "--json", who="olga")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tools"] == ["TQ-1"] and json.loads(result.output)["started_by"] == "olga"
    assert lrip(line_url, "consume", "SN-1", "10", "M-001", who="olga").exit_code == 0
    result = lrip(line_url, "consume", "SN-1", "Assemble", "SCR-LOT-1", "--qty", "4", "--json", who="olga")
    assert json.loads(result.output)["on_hand_after"] == 96
    assert lrip(line_url, "measure", "SN-1", "TORQUE", "2.01", who="olga").exit_code == 0
    result = lrip(line_url, "op", "complete", "SN-1", "10", "--json", who="olga")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cycle_minutes"] >= 0

    programs = json.loads(lrip(line_url, "programs", "--json").output)
    # SN-1, and the factory's pilot unit SN-P1 built in lot P1
    assert programs[0]["code"] == "ACT" and programs[0]["units_by_status"] == {"complete": 1, "in_work": 1}
    lots = json.loads(lrip(line_url, "lots", "ACT", "--json").output)
    assert [(lot["number"], lot["units"]) for lot in lots] == [("P1", 1), ("L1", 1)]
    units = json.loads(lrip(line_url, "units", "L1", "--json").output)
    assert [(u["serial"], u["status"], u["operation"], u["hold_reason"]) for u in units] == [
        ("SN-1", "in_work", None, None)]
    traveler = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    op10 = traveler["operations"][0]
    assert op10["attempts"][0]["measurements"][0]["value"] == 2.01
    assert {c["identifier"] for c in op10["attempts"][0]["consumed"]} == {"M-001", "SCR-LOT-1"}
    assert traveler["next"]["action"] == "start" and traveler["next"]["sequence"] == 20
    human = lrip(line_url, "traveler", "SN-1")
    assert "Next: start operation 20 (Inspect)." in human.output


def test_a_refusal_exits_2_with_every_reason(line_url):
    lrip(line_url, "unit", "add", "L1", "SN-1")
    result = lrip(line_url, "op", "start", "SN-1", "10", "--tool", "TQ-TMP", "--json", who="newbie")
    assert result.exit_code == 2
    body = json.loads(result.output)
    assert body["error"] == "start_refused"
    assert any("not qualified for 'assembly'" in r for r in body["reasons"])
    assert any("TQ-TMP is a temporary tool" in r for r in body["reasons"])
    human = lrip(line_url, "op", "start", "SN-1", "20", who="olga")
    assert human.exit_code == 2
    assert "SN-1 is at operation 10; operations run in routing sequence" in human.output


def test_out_of_spec_puts_the_unit_on_hold_and_disposition_releases(line_url):
    lrip(line_url, "unit", "add", "L1", "SN-1")
    lrip(line_url, "op", "start", "SN-1", "10", "--tool", "TQ-1", who="olga")
    result = lrip(line_url, "measure", "SN-1", "TORQUE", "2.5", "--json", who="olga")
    assert json.loads(result.output)["on_hold"] is True and json.loads(result.output)["ncr"] == "NCR-000001"
    again = lrip(line_url, "measure", "SN-1", "TORQUE", "2.0", "--json", who="olga")
    assert again.exit_code == 2 and "SN-1 is on hold" in " ".join(json.loads(again.output)["reasons"])
    assert json.loads(lrip(line_url, "ncr", "list", "--json").output)["total"] == 1  # no second NCR
    blocked = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    assert blocked["status"] == "on_hold"
    assert "SN-1 is on hold" in blocked["next"]["blocked_by"]
    forbidden = lrip(line_url, "disposition", "SN-1", "scrap", "--reason", "mine", "--json", who="olga")
    assert forbidden.exit_code == 2 and json.loads(forbidden.output)["error"] == "forbidden"
    result = lrip(line_url, "disposition", "SN-1", "rework", "--to", "10", "--reason", "retorque")
    assert result.exit_code == 0, result.output
    assert json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)["status"] == "in_work"


def test_import_is_all_or_nothing_and_lists_every_bad_line(line_url, tmp_path):
    lrip(line_url, "unit", "add", "L1", "SN-1")
    lrip(line_url, "op", "start", "SN-1", "10", "--tool", "TQ-1", who="olga")
    bad = tmp_path / "bad.csv"
    now = just_now()
    bad.write_text("serial,operation,characteristic,value,recorded_at,operator,gauge\n"
                   f"SN-1,10,TORQUE,2.0,{now},olga,G1\n"
                   f"SN-9,10,TORQUE,2.0,{now},olga,G1\n"
                   f"SN-1,10,TORQUE,abc,{now},olga,G1\n")
    result = lrip(line_url, "import", "measurements", str(bad), "--json")
    assert result.exit_code == 2
    reasons = json.loads(result.output)["reasons"]
    assert reasons[0].startswith("bad.csv: 2 bad row(s) of 3; nothing was imported")
    assert reasons[1] == "line 3: no unit with serial 'SN-9'"
    assert reasons[2] == "line 4: TORQUE Screw torque needs a number, not 'abc'"
    traveler = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    assert traveler["operations"][0]["attempts"][0]["measurements"] == []

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text().splitlines()[0] + "\n" + bad.read_text().splitlines()[1] + "\n")
    result = lrip(line_url, "import", "measurements", str(good), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 1
    twice = lrip(line_url, "import", "measurements", str(good), "--json")
    assert twice.exit_code == 2 and "imported already" in " ".join(json.loads(twice.output)["reasons"])


def test_audit_verify_and_log(line_url):
    result = lrip(line_url, "audit", "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["ok"] is True
    log = json.loads(lrip(line_url, "audit", "log", "--record", "lot:L1", "--json").output)
    # newest first: the lot, then the Z1.4 sample drawn for it when it was created
    assert [e["action"] for e in log["items"]] == ["lot.inspection_sample_set", "lot.created"]


def test_unknown_serial_is_not_found_exit_2(line_url):
    result = lrip(line_url, "traveler", "NOPE")
    assert result.exit_code == 2
    assert "No unit with serial NOPE" in result.output


def test_an_operator_cannot_do_what_the_issue_saw_him_do(line_url):
    """Issue 10: with `--by mreyes` an operator gave himself admin, minted a token for the quality engineer,
    scrapped a unit, executed a use-as-is, approved a change and signed the FRP decision. Signed in as
    himself, each is forbidden, names the permission missing, and changes nothing."""
    lrip(line_url, "unit", "add", "L1", "SN-1")
    for words in (["user", "set-roles", "olga", "--role", "admin"], ["token", "create", "petra", "--name", "x"],
                  ["disposition", "SN-1", "scrap", "--reason", "mine"],
                  ["disposition", "SN-1", "use_as_is", "--reason", "mine"],
                  ["change", "approve", "CR-0001"]):
        result = runner.invoke(app, [*words, "--db", line_url, "--json"], input="olga's password\n",
                               env={"LRIP_TOKEN": TOKENS["olga"]})
        answer = json.loads(result.output[result.output.index("{"):])
        assert (result.exit_code, answer["error"]) == (2, "forbidden"), words
        assert answer["reasons"][0].startswith("olga (operator) may not ")
    # the FRP decision: an assessment exists, and the signed-decisions table names who signs it
    assert lrip(line_url, "readiness", "evaluate", "ACT", "--json").exit_code == 0
    result = runner.invoke(app, ["readiness", "sign", "ACT", "1", "--db", line_url, "--json"],
                           input="olga's password\n", env={"LRIP_TOKEN": TOKENS["olga"]})
    answer = json.loads(result.output[result.output.index("{"):])
    assert (result.exit_code, answer["error"]) == (2, "signature_refused")
    assert "not signed by an operator (olga); it still needs a program signature" in answer["reasons"][0]
    users = {u["username"]: u for u in json.loads(lrip(line_url, "user", "list", "--json").output)}
    assert users["olga"]["roles"] == ["operator"]


def test_a_disabled_operators_token_records_nothing(line_url):
    lrip(line_url, "unit", "add", "L1", "SN-1")
    lrip(line_url, "op", "start", "SN-1", "10", "--tool", "TQ-1", who="olga")
    assert lrip(line_url, "user", "disable", "olga").exit_code == 0
    result = lrip(line_url, "measure", "SN-1", "TORQUE", "2.0", "--json", who="olga")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "token_invalid"
    traveler = json.loads(lrip(line_url, "traveler", "SN-1", "--json").output)
    assert traveler["operations"][0]["attempts"][0]["measurements"] == []
