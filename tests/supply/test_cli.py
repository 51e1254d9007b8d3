"""The supply commands: suppliers, purchase orders, receiving, incoming inspection, scorecard."""
import json

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.cli import app
from lrip.db import engine_for
from supply.world import build_supply, days_ago

runner = CliRunner()


def lrip(url, *args):
    return runner.invoke(app, [*args, "--db", url])


@pytest.fixture
def url(sqlite_url):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        build_supply(session)
    return sqlite_url


def test_order_receive_inspect_and_scorecard(url):
    assert lrip(url, "po", "create", "PO-77", "--supplier", "ACME", "--ordered-on", str(days_ago(20)), "--by", "bea").exit_code == 0
    added = lrip(url, "po", "add-line", "PO-77", "BRK-1", "--quantity", "500", "--promised", str(days_ago(5)),
                 "--by", "bea", "--json")
    assert json.loads(added.output)["line"] == 1
    assert lrip(url, "suppliers", "aql", "--aql", "1.0", "--part", "BRK-1", "--by", "bea").exit_code == 0
    received = lrip(url, "receive", "PO-77", "1", "--quantity", "500", "--lot", "ACME-500", "--received-on",
                    str(days_ago(3)), "--packing-slip", "PS-1", "--cert", "COC-1", "--by", "bea", "--json")
    assert received.exit_code == 0, received.output
    body = json.loads(received.output)
    assert body["lots"] == ["ACME-500"] and body["status"] == "quarantine"
    assert (body["inspection"]["sample_size"], body["inspection"]["accept"], body["inspection"]["reject"]) == (50, 1, 2)
    inspected = lrip(url, "inspect-receipt", "ACME-500", "--defects", "2", "--note", "burrs", "--by", "ian", "--json")
    assert inspected.exit_code == 0, inspected.output
    result = json.loads(inspected.output)
    assert result["result"] == "rejected" and result["ncr"]
    card = {c["supplier"]: c for c in json.loads(lrip(url, "suppliers", "scorecard", "--json").output)}["ACME"]
    assert (card["receipts"], card["on_time_rate"], card["lead_time_mean_days"], card["acceptance_rate"],
            card["ppm"], card["open_ncrs"]) == (1, 0.0, 17.0, 0.0, 40_000.0, 1)  # 2 days late; 2 defective in 50
    shown = lrip(url, "po", "show", "PO-77")
    assert "ACME-500 ×500" in shown.output and "rejected" in shown.output


def test_a_refused_receipt_exits_2_with_every_reason(url):
    lrip(url, "po", "create", "PO-78", "--supplier", "ACME", "--by", "bea")
    lrip(url, "po", "add-line", "PO-78", "BRK-1", "--quantity", "10", "--promised", str(days_ago(0)), "--by", "bea")
    result = lrip(url, "receive", "PO-78", "1", "--quantity", "11", "--serial", "X1", "--by", "bea", "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["reasons"] == [
        "11 received but only 10 of BRK-1 is still open on PO-78 line 1; raise the line before receiving more",
        "BRK-1 is tracked by lot, not by serial: give one lot number"]


def test_status_change_and_list(url):
    result = lrip(url, "suppliers", "status", "CND", "approved", "--reason", "source inspection passed", "--by", "bea")
    assert result.exit_code == 0 and "conditional → approved" in result.output
    rows = {r["code"]: r for r in json.loads(lrip(url, "suppliers", "list", "--json").output)}
    assert rows["CND"]["status"] == "approved" and rows["ACME"]["approved_parts"] == ["BRK-1"]
    shown = json.loads(lrip(url, "suppliers", "show", "CND", "--json").output)
    assert shown["status_history"][0]["reason"] == "source inspection passed"
    bad = lrip(url, "suppliers", "scorecard", "--since", "last week")
    assert bad.exit_code == 2 and "is not a date" in bad.output
