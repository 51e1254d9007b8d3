"""The supply commands, run as the signed-in buyer and inspector (LRIP_TOKEN): suppliers, purchase
orders, receiving, incoming inspection; input parsed through the API's own request schemas."""
import json

import pytest
from typer.testing import CliRunner

from factory import actor
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import unit_of_work
from supply.world import BUYER, INSPECTOR, QUALITY, build_supply, days_ago

runner = CliRunner()


@pytest.fixture
def lrip(sqlite_url):
    """lrip("bea", "po", "list") runs a command as that person, signed in by an API token."""
    with unit_of_work(sqlite_url) as session:
        build_supply(session)
        tokens = {u: create_token(session, actor(session, u), username=u, name="cli test").token
                  for u in (BUYER, INSPECTOR, QUALITY)}

    def run(user, *args):
        return runner.invoke(app, [*args, "--db", sqlite_url], env={"LRIP_TOKEN": tokens[user]})

    return run


def test_order_receive_inspect_and_scorecard(lrip):
    assert lrip("bea", "po", "create", "PO-77", "--supplier", "ACME", "--ordered-on", str(days_ago(20))).exit_code == 0
    added = lrip("bea", "po", "add-line", "PO-77", "BRK-1", "--quantity", "500", "--promised", str(days_ago(5)), "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["lines"][0]["line"] == 1
    assert lrip("quinn", "suppliers", "aql", "--aql", "1.0", "--part", "BRK-1").exit_code == 0
    received = lrip("bea", "receive", "PO-77", "1", "--quantity", "500", "--lot", "ACME-500", "--received-on",
                    str(days_ago(3)), "--packing-slip", "PS-1", "--cert", "COC-1", "--json")
    assert received.exit_code == 0, received.output
    body = json.loads(received.output)
    assert body["lots"] == ["ACME-500"] and body["status"] == "quarantine"
    assert (body["inspection"]["sample_size"], body["inspection"]["accept"], body["inspection"]["reject"]) == (50, 1, 2)
    refused = lrip("bea", "inspect-receipt", "ACME-500", "--defects", "2", "--json")
    assert refused.exit_code == 2 and json.loads(refused.output)["error"] == "forbidden"  # a buyer does not inspect
    inspected = lrip("ian", "inspect-receipt", "ACME-500", "--defects", "2", "--note", "burrs", "--json")
    assert inspected.exit_code == 0, inspected.output
    result = json.loads(inspected.output)
    assert result["result"] == "rejected" and result["ncr"]
    scorecard = lrip("bea", "suppliers", "scorecard", "--json")
    assert scorecard.exit_code == 0, scorecard.output
    card = {c["supplier"]: c for c in json.loads(scorecard.output)}["ACME"]
    assert (card["receipts"], card["on_time_rate"], card["lead_time_mean_days"], card["acceptance_rate"],
            card["ppm"], card["open_ncrs"]) == (1, 0.0, 17.0, 0.0, 40_000.0, 1)  # 2 days late; 2 defective in 50
    shown = lrip("ian", "po", "show", "po-77")
    assert "ACME-500 ×500" in shown.output and "rejected" in shown.output


def test_a_refused_receipt_exits_2_with_every_reason(lrip):
    lrip("bea", "po", "create", "PO-78", "--supplier", "ACME")
    lrip("bea", "po", "add-line", "PO-78", "BRK-1", "--quantity", "10", "--promised", str(days_ago(0)))
    result = lrip("bea", "receive", "PO-78", "1", "--quantity", "11", "--serial", "X1", "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["reasons"] == [
        "11 received but only 10 of BRK-1 is still open on PO-78 line 1; raise the line before receiving more",
        "BRK-1 is tracked by lot, not by serial: give one lot number"]


def test_status_change_and_list(lrip):
    result = lrip("bea", "suppliers", "status", "CND", "approved", "--reason", "source inspection passed")
    assert result.exit_code == 0 and "CND is now approved" in result.output
    rows = {r["code"]: r for r in json.loads(lrip("ian", "suppliers", "list", "--json").output)}
    assert rows["CND"]["status"] == "approved" and rows["ACME"]["approved_parts"] == ["BRK-1"]
    shown = json.loads(lrip("ian", "suppliers", "show", "CND", "--json").output)
    assert shown["status_history"][0]["reason"] == "source inspection passed"
    assert shown["status_history"][0]["actor"] == BUYER  # whoever is signed in; there is no --by
    bad = lrip("bea", "suppliers", "scorecard", "--since", "last week")
    assert bad.exit_code == 2 and "'last week' is not a date" in bad.output
    assert lrip("bea", "suppliers", "status", "CND", "conditional", "--reason", "x", "--by", "ian").exit_code == 2


# ---------------------------------------------------------------- input, strictly (issue 10)

@pytest.mark.parametrize("code", ["", "   ", "X" * 5000, "AC/ME", "ACME\u200b2"])
def test_a_supplier_code_is_an_identifier(lrip, code):
    result = lrip("bea", "suppliers", "add", code, "--name", "Someone", "--json")
    assert result.exit_code == 2, result.output
    body = json.loads(result.output)
    assert body["error"] == "invalid_input" and body["reasons"][0].startswith("code: an identifier is 1 to 60")


def test_supplier_codes_are_unique_regardless_of_case(lrip):
    result = lrip("bea", "suppliers", "add", "acme", "--name", "Another Acme", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["reasons"] == ["supplier acme already exists"]


@pytest.mark.parametrize("quantity, reason", [
    ("1e308", "quantity: Input should be less than or equal to 1000000000"),
    ("0_08", "quantity: a number is a plain decimal number"),
    ("-5", "quantity: Input should be greater than 0"),
    ("nan", "quantity: a number is a plain decimal number"),
])
def test_a_po_line_quantity_is_a_plain_bounded_number(lrip, quantity, reason):
    lrip("bea", "po", "create", "PO-79", "--supplier", "ACME")
    result = lrip("bea", "po", "add-line", "PO-79", "BRK-1", "--quantity", quantity, "--promised",
                  str(days_ago(0)), "--json")
    assert result.exit_code == 2, result.output
    assert json.loads(result.output)["reasons"][0].startswith(reason)


def test_a_promised_date_is_a_date(lrip):
    lrip("bea", "po", "create", "PO-80", "--supplier", "ACME")
    result = lrip("bea", "po", "add-line", "PO-80", "BRK-1", "--quantity", "5", "--promised", "99999-01-01", "--json")
    assert result.exit_code == 2 and "is not a date" in json.loads(result.output)["reasons"][0]


def test_po_numbers_and_lot_numbers_are_identifiers(lrip):
    result = lrip("bea", "po", "create", "PO 81", "--supplier", "ACME", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["reasons"][0].startswith("number: an identifier is")
    lrip("bea", "po", "create", "PO-81", "--supplier", "ACME")
    lrip("bea", "po", "add-line", "PO-81", "BRK-1", "--quantity", "10", "--promised", str(days_ago(0)))
    result = lrip("bea", "receive", "PO-81", "1", "--quantity", "5", "--lot", "../LOT", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["reasons"][0].startswith("lot: an identifier is")
    assert lrip("bea", "receive", "PO-81", "1", "--quantity", "5", "--lot", "LOT-1").exit_code == 0
    twin = lrip("bea", "receive", "PO-81", "1", "--quantity", "5", "--lot", "lot-1", "--json")
    assert twin.exit_code == 2 and json.loads(twin.output)["reasons"] == ["lot or serial LOT-1 has already been received"]
