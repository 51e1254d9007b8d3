"""Goods in, in a real browser: the buyer receives a lot against a PO line, the inspector records
incoming inspection (one lot accepted, one rejected with an NCR against the supplier), and the
scorecard page shows both."""
import re
from datetime import date, timedelta

import pytest
from e2e.conftest import serve_scene, sign_in
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from factory import actor
from lrip.auth.service import set_password
from lrip.supply import service as supply
from supply.world import ADMIN, BUYER, build_supply

pytestmark = pytest.mark.e2e
PASSWORD = "goods-in-e2e-pass-5"


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    """This module's own live server: a supply base with one open order (the shared scene has no buyer)."""
    def build(session: Session) -> None:
        build_supply(session)
        for name in ("bea", "ian"):
            set_password(session, actor(session, ADMIN), username=name, password=PASSWORD)
        today = date.today()
        supply.place_order(session, actor(session, BUYER), number="PO-700", supplier="ACME",
                           ordered_on=today - timedelta(days=20),
                           lines=[("BRK-1", 60, today), ("BRK-1", 40, today + timedelta(days=7))])

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-supply", build) as (base, _):
        yield base


def test_receive_inspect_and_the_scorecard(page, shot):
    sign_in(page, "bea", PASSWORD, "/purchase-orders/PO-700")
    line = page.locator("#line-1")
    line.locator("input[name=quantity]").fill("70")
    line.locator("button:has-text('Receive')").click()
    expect(page.locator("#receive-refused-1")).to_contain_text("70 received but only 60 of BRK-1 is still open")
    expect(page.locator("#receive-refused-1")).to_contain_text("needs a lot number")
    page.locator("#line-1 input[name=quantity]").fill("60")
    page.locator("#line-1 input[name=lot]").fill("ACME-L1")
    page.locator("#line-1 button:has-text('Receive')").click()
    expect(page.locator("#flash")).to_contain_text("ACME-L1 in quarantine")
    page.locator("#line-2 input[name=quantity]").fill("40")
    page.locator("#line-2 input[name=lot]").fill("ACME-L2")
    page.locator("#line-2 button:has-text('Receive')").click()
    expect(page.locator("#flash")).to_contain_text("ACME-L2 in quarantine")
    expect(page.locator("form[action='/receipts/ACME-L1/inspect']")).to_have_count(0)  # a buyer does not inspect
    page.context.clear_cookies()

    sign_in(page, "ian", PASSWORD, "/purchase-orders/PO-700")
    expect(page.locator("#lot-ACME-L1")).to_contain_text("Inspect 60 of 60 (100%, any defect rejects)")
    page.fill("#defects-ACME-L1", "0")
    page.locator("form[action='/receipts/ACME-L1/inspect'] button").click()
    expect(page.locator("#flash")).to_contain_text("Lot ACME-L1 accepted")
    page.fill("#defects-ACME-L2", "2")
    page.fill("#note-ACME-L2", "flange cracked")
    page.locator("form[action='/receipts/ACME-L2/inspect'] button").click()
    expect(page.locator("#flash")).to_contain_text(re.compile(r"Lot ACME-L2 rejected: 2 defective in 40 inspected\. "
                                                              r"\S+ raised against the supplier"))
    shot(page, "supply-order")

    page.goto("/suppliers")
    row = page.locator("#supplier-ACME")
    expect(row.locator("[data-testid=receipts]")).to_have_text("2")
    expect(row.locator("[data-testid=on-time]")).to_have_text("100%")  # both received on or before their dates
    expect(row.locator("[data-testid=accepted]")).to_have_text("50%")
    # 2 defective in 100 inspected: above the PPM target, flagged in words (and red); 100% on time is not
    expect(row.locator("[data-testid=ppm] .misses-target")).to_have_text("20,000 above 1,000")
    expect(row.locator("[data-testid=on-time] .meets-target")).to_have_text("100%")
    expect(row.locator("[data-testid=open-ncrs]")).to_have_text("1")
    expect(page.locator(".supply-trends svg")).to_have_count(1)
    shot(page, "supply-scorecard")
    page.click("#supplier-ACME a:has-text('ACME')")
    expect(page.locator("text=NCRs against ACME")).to_be_visible()
    expect(page.locator("table").filter(has_text="ACME-L2").first).to_be_visible()
