"""`lrip trace` on a real SQLite file, signed in with a viewer's token: both command shapes, --json,
exit codes; the same answer as the API."""
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lrip.app import create_app
from lrip.cli import app
from reading import viewer_token

runner = CliRunner()


@pytest.fixture
def url(sqlite_url, build_genealogy_into, monkeypatch, tmp_path):
    build_genealogy_into(sqlite_url)
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LRIP_TOKEN", viewer_token(sqlite_url))
    return sqlite_url


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


def test_trace_is_the_default_command_and_check_a_subcommand(url):
    short = lrip(url, "trace", "SN-TOP", "--direction", "backward", "--json")
    assert short.exit_code == 0, short.output
    long = lrip(url, "trace", "show", "SN-TOP", "--json")
    assert json.loads(short.output) == json.loads(long.output)
    data = json.loads(short.output)
    assert [c["identifier"] for c in data["root"]["links"]] == ["MTR-S01", "SCR-LOT-1"]
    assert data["root"]["links"][0]["links"][0]["receipt"]["po"] == "PO-7001"

    text = lrip(url, "trace", "WIRE-LOT-1", "--direction", "forward")
    assert text.exit_code == 0, text.output
    assert "2 unit(s) contain WIRE-LOT-1: 2 complete." in text.output
    assert "SN-TOP" in text.output and "MTR-S01" in text.output
    text = lrip(url, "trace", "--direction", "backward", "SN-TOP")  # options first also works
    assert text.exit_code == 0 and "PO-7001" in text.output

    helped = runner.invoke(app, ["trace", "--help"])
    assert helped.exit_code == 0 and "check" in helped.output and "SERIAL_OR_LOT" in helped.output


def test_the_cli_gives_the_api_answer(url):
    client = TestClient(create_app(url))
    client.headers["Authorization"] = f"Bearer {viewer_token(url)}"
    api = client.get("/api/v1/trace/SCR-LOT-1", params={"direction": "forward"}).json()
    assert json.loads(lrip(url, "trace", "SCR-LOT-1", "--direction", "forward", "--json").output) == api
    api = client.get("/api/v1/lots/L1/completeness").json()
    assert json.loads(lrip(url, "trace", "check", "L1", "--json").output) == api


def test_refusals_exit_2_with_every_reason(url):
    missing = lrip(url, "trace", "L1", "--direction", "forward", "--json")
    assert missing.exit_code == 2
    assert json.loads(missing.output)["reasons"][1].startswith("L1 is a production lot")
    sideways = lrip(url, "trace", "SN-TOP", "--direction", "sideways", "--json")
    assert sideways.exit_code == 2 and json.loads(sideways.output)["reasons"] == [
        "direction: Input should be 'backward' or 'forward'"]
    bad = lrip(url, "trace", "SN/TOP", "--json")
    assert bad.exit_code == 2 and json.loads(bad.output)["reasons"][0].startswith("identifier: an identifier is")


def test_reading_needs_someone_signed_in(url, monkeypatch):
    monkeypatch.delenv("LRIP_TOKEN")
    result = lrip(url, "trace", "SN-TOP", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "not_signed_in"


def test_check_lists_gaps_and_exits_1_only_when_there_are_some(url):
    gaps = lrip(url, "trace", "check", "L1")
    assert gaps.exit_code == 1, gaps.output
    assert "operation 20 (Inspect) is not started" in gaps.output and "1 of 2 unit(s) have gaps." in gaps.output
    rows = json.loads(lrip(url, "trace", "check", "L1", "--json").output)
    assert [(r["serial"], r["complete"]) for r in rows] == [("SN-TOP", True), ("SN-2", False)]
    whole = lrip(url, "trace", "check", "MTR-L1")
    assert whole.exit_code == 0 and "All 1 unit record(s) complete." in whole.output
    one = json.loads(lrip(url, "trace", "check", "--serial", "SN-TOP", "--json").output)
    assert one == [{"serial": "SN-TOP", "lot": "L1", "status": "complete", "gaps": [], "complete": True}]
    assert lrip(url, "trace", "check", "NOPE").exit_code == 2
