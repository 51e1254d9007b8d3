"""`lrip ncr` and `lrip capa` on a real SQLite file: the MRB flow, every reason, --json."""
import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.cli import app
from lrip.db import engine_for

runner = CliRunner()


def lrip(url, *args, stdin=None):
    return runner.invoke(app, [*args, "--db", url], input=stdin)


@pytest.fixture
def url(sqlite_url, kit):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        kit.build(session, serials=["SN-1", "SN-2"], held=["SN-1"])
    return sqlite_url


def test_list_show_review_sign_disposition_close(url, kit):
    rows = json.loads(lrip(url, "ncr", "list", "--json").output)
    assert [(r["number"], r["status"], r["serial"], r["defect_code"]) for r in rows] == [
        ("NCR-000001", "open", "SN-1", "OOS-HIGH")]
    result = lrip(url, "ncr", "review", "NCR-000001", "use_as_is", "--reason", "gauge error", "--by", "quinn")
    assert result.exit_code == 0, result.output
    assert "still needs a quality signature" in result.output
    refused = lrip(url, "ncr", "disposition", "NCR-000001", "--by", "quinn")
    assert refused.exit_code == 2
    assert "needs a quality signature (from a quality engineer or an MRB member); an engineering" in refused.output
    for user in ("mara", "eli", "pam"):
        signed = lrip(url, "ncr", "sign", "NCR-000001", "--user", user, stdin=kit.password + "\n")
        assert signed.exit_code == 0, signed.output
    assert "Every signature is on it." in signed.output
    done = json.loads(lrip(url, "ncr", "disposition", "NCR-000001", "--by", "quinn", "--json").output)
    assert done["status"] == "dispositioned" and done["dispositions"][0]["action"] == "use_as_is"
    assert [s["role"] for s in done["dispositions"][0]["signatures"]] == [
        "mrb_member", "manufacturing_engineer", "program_manager"]
    shown = lrip(url, "ncr", "show", "NCR-000001")
    assert "dispositioned use_as_is ×1 by quinn" in shown.output and "Pam Program (program_manager)" in shown.output
    assert lrip(url, "ncr", "close", "NCR-000001", "--reason", "checked", "--by", "quinn").exit_code == 0


def test_raise_by_hand_and_the_old_disposition_command(url):
    result = lrip(url, "ncr", "raise", "--serial", "SN-2", "--description", "dent", "--severity", "minor",
                  "--defect-code", "DAMAGE", "--by", "ivy", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["number"] == "NCR-000002"
    bad = lrip(url, "ncr", "raise", "--lot", "L1", "--description", " ", "--severity", "huge", "--by", "ivy")
    assert bad.exit_code == 2
    assert "an NCR needs a description" in bad.output and "not 'huge'" in bad.output
    # `lrip disposition` dispositions the unit's NCR; scrap needs no signatures
    assert lrip(url, "disposition", "SN-2", "scrap", "--reason", "dent too deep", "--by", "quinn").exit_code == 0
    assert json.loads(lrip(url, "ncr", "show", "NCR-000002", "--json").output)["status"] == "dispositioned"


def test_capa_commands(url, tmp_path):
    opened = lrip(url, "capa", "open", "--title", "Over-torque", "--ncr", "NCR-000001", "--by", "quinn", "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.output)["number"] == "CAPA-0001"
    assert lrip(url, "capa", "update", "CAPA-0001", "--d4", "driver set high", "--by", "quinn").exit_code == 0
    added = json.loads(lrip(url, "capa", "action", "CAPA-0001", "--description", "lock the driver", "--owner", "eli",
                            "--due", "2030-01-01", "--by", "quinn", "--json").output)
    assert added["actions"][0]["done_on"] is None
    verify = lrip(url, "capa", "verify", "CAPA-0001", "--by", "quinn")
    assert verify.exit_code == 2 and "action not done yet: corrective 'lock the driver'" in verify.output
    assert lrip(url, "capa", "done", "CAPA-0001", str(added["actions"][0]["id"]), "--by", "eli").exit_code == 0
    verify = lrip(url, "capa", "verify", "CAPA-0001", "--by", "quinn")
    assert "only 0 of the 20 units needed" in verify.output  # counted from the day after the action
    listed = json.loads(lrip(url, "capa", "list", "--json").output)
    assert [(c["number"], c["status"], c["ncrs"], c["effectiveness_verified"]) for c in listed] == [
        ("CAPA-0001", "open", ["NCR-000001"], False)]
    photo = tmp_path / "torque.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    attached = lrip(url, "ncr", "attach", "NCR-000001", str(photo), "--by", "quinn")
    assert attached.exit_code == 0 and "Attached torque.png (8 bytes)" in attached.output
    assert "OOS-HIGH" in lrip(url, "ncr", "codes").output
