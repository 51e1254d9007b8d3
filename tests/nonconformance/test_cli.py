"""`lrip ncr`, `lrip capa` and `lrip disposition` on a real SQLite file, as whoever is signed in (an API
token per person here): the MRB flow, every reason, --json, and the role's permission."""
import json

import pytest
from typer.testing import CliRunner

from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()


@pytest.fixture
def lrip(sqlite_url, kit):
    """`lrip(user, *args)` runs a command as that user, on a line with SN-1 on hold under NCR-000001."""
    with unit_of_work(sqlite_url) as session:
        kit.build(session, serials=["SN-1", "SN-2"], held=["SN-1"])
        tokens = {u: create_token(session, kit.actor(session, u), username=u, name="cli").token
                  for u in ("quinn", "mara", "eli", "pam", "cora", "ivy", "olga")}

    def run(user, *args, stdin=None):
        return runner.invoke(app, [*args, "--db", sqlite_url], input=stdin, env={"LRIP_TOKEN": tokens[user]})
    return run


def test_list_show_review_sign_disposition_close(lrip, kit):
    rows = json.loads(lrip("ivy", "ncr", "list", "--json").output)["items"]
    assert [(r["number"], r["status"], r["serial"], r["defect_code"]) for r in rows] == [
        ("NCR-000001", "open", "SN-1", "OOS-HIGH")]
    result = lrip("quinn", "ncr", "review", "NCR-000001", "use_as_is", "--reason", "gauge error")
    assert result.exit_code == 0, result.output
    assert "still needs a quality signature" in result.output
    refused = lrip("quinn", "ncr", "disposition", "NCR-000001")
    assert refused.exit_code == 2
    assert "needs a quality signature (a quality engineer or an MRB member); an engineering" in refused.output
    for user in ("mara", "eli", "pam", "cora"):  # a major NCR in LRIP: the customer signs too
        signed = lrip(user, "ncr", "sign", "NCR-000001", stdin=kit.password + "\n")
        assert signed.exit_code == 0, signed.output
    assert "Every signature is on it." in signed.output
    done = json.loads(lrip("quinn", "ncr", "disposition", "NCR-000001", "--json").output)
    assert done["status"] == "dispositioned" and done["dispositions"][0]["action"] == "use_as_is"
    assert [s["role"] for s in done["dispositions"][0]["signatures"]] == [
        "mrb_member", "manufacturing_engineer", "program_manager", "customer_rep"]
    shown = lrip("ivy", "ncr", "show", "ncr-000001")
    assert "dispositioned use_as_is ×1 by quinn" in shown.output and "Pam Program (program_manager)" in shown.output
    assert lrip("quinn", "ncr", "close", "NCR-000001", "--reason", "checked").exit_code == 0


def test_raise_by_hand_and_the_units_disposition_command(lrip):
    result = lrip("ivy", "ncr", "raise", "--serial", "SN-2", "--description", "dent", "--severity", "minor",
                  "--defect-code", "DAMAGE", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["number"] == "NCR-000002"
    bad = lrip("ivy", "ncr", "raise", "--lot", "L1", "--description", " ", "--severity", "huge", "--json")
    assert bad.exit_code == 2
    assert json.loads(bad.output)["reasons"] == [
        "description: the text is empty", "severity: Input should be 'critical', 'major' or 'minor'"]
    # `lrip disposition` dispositions the unit's NCR; scrap needs no signatures; an operator may not
    forbidden = lrip("olga", "disposition", "SN-2", "scrap", "--reason", "mine", "--json")
    assert forbidden.exit_code == 2 and json.loads(forbidden.output)["error"] == "forbidden"
    done = lrip("quinn", "disposition", "SN-2", "scrap", "--reason", "dent too deep", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"serial": "SN-2", "lot": "L1", "status": "scrapped", "ncr": "NCR-000002",
                                       "disposition": "scrap"}
    assert json.loads(lrip("ivy", "ncr", "show", "NCR-000002", "--json").output)["status"] == "dispositioned"
    assert lrip("quinn", "disposition", "SN/2", "scrap", "--reason", "x").exit_code == 2


def test_capa_commands(lrip, tmp_path):
    opened = lrip("quinn", "capa", "open", "--title", "Over-torque", "--ncr", "NCR-000001", "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.output)["number"] == "CAPA-0001"
    assert lrip("quinn", "capa", "update", "CAPA-0001", "--d4", "driver set high").exit_code == 0
    added = json.loads(lrip("quinn", "capa", "action", "CAPA-0001", "--description", "lock the driver",
                            "--owner", "eli", "--due", "2030-01-01", "--json").output)
    assert added["actions"][0]["done_on"] is None
    verify = lrip("quinn", "capa", "verify", "CAPA-0001")
    assert verify.exit_code == 2 and "action not done yet: corrective 'lock the driver'" in verify.output
    not_his = lrip("ivy", "capa", "done", "CAPA-0001", str(added["actions"][0]["id"]), "--json")
    assert not_his.exit_code == 2 and json.loads(not_his.output)["reasons"] == [
        "ivy may mark only their own actions done; action 1 of CAPA-0001 is eli's (a quality engineer may mark any)"]
    assert lrip("eli", "capa", "done", "CAPA-0001", str(added["actions"][0]["id"])).exit_code == 0  # the owner
    verify = lrip("quinn", "capa", "verify", "CAPA-0001")
    assert "only 0 of the 20 units needed" in verify.output  # counted from the day after the action
    listed = json.loads(lrip("ivy", "capa", "list", "--json").output)
    assert [(c["number"], c["status"], c["ncrs"], c["effectiveness_verified"]) for c in listed] == [
        ("CAPA-0001", "open", ["NCR-000001"], False)]
    photo = tmp_path / "torque.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    attached = lrip("ivy", "ncr", "attach", "NCR-000001", str(photo))
    assert attached.exit_code == 0 and "Attached torque.png (8 bytes)" in attached.output
    assert "OOS-HIGH" in lrip("olga", "ncr", "codes").output
