"""An operator at a station, in a real browser: sign in, run a unit through two
operations with measurements, meet refusals and a hold, and see the dashboard move."""
import re

import pytest
from e2e.conftest import sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def wip(page, sequence: int, column: str) -> int:
    return int(page.locator(f"#wip tr[data-operation='{sequence}'] td[data-col='{column}']").inner_text())


def tile(page, status: str) -> int:
    return int(page.locator(f"[data-testid='{status}'] .tile-n").inner_text())


def flash(page):
    return page.locator("#flash")


def test_operator_runs_a_unit_through_two_operations(page, shot, password):
    # sign-in is required, a wrong password is refused in words, then the page asked for opens
    page.goto("/programs/ACT")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fprograms%2FACT$"))
    page.fill("#username", "olga")
    page.fill("#password", "not-the-password")
    page.click("button:has-text('Sign in')")
    expect(page.locator("#login-refused")).to_contain_text("user name or password is not right")
    expect(page.locator("#username")).to_have_value("olga")
    shot(page, "01-login-refused")
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(re.compile(r"/programs/ACT$"))
    expect(page.locator(".who-name")).to_have_text("Olga Operator")
    waiting_10, waiting_30 = wip(page, 10, "waiting"), wip(page, 30, "waiting")
    shot(page, "02-dashboard")

    # scan the serial
    page.click("nav >> text=Traveler")
    shot(page, "03-scan")
    page.fill("#serial", "E2E-001")
    page.press("#serial", "Enter")
    expect(page).to_have_url(re.compile(r"/units/E2E-001$"))
    expect(page.locator("#instruction")).to_have_text("Do WI-10 carefully.")
    expect(page.locator(".doc-label")).to_have_text("WI-10 rev A")
    shot(page, "04-traveler-start")

    # start: refused without the torque driver, then started with TQ-1 scanned
    page.click("button:has-text('Start operation 10')")
    expect(page.locator("#start-refused")).to_contain_text("needs a torque driver; none was scanned")
    page.fill("#tools", "TQ-1")
    page.click("button:has-text('Start operation 10')")
    expect(flash(page)).to_contain_text("Operation 10 (Assemble) started with TQ-1")

    # too early to complete: the button is disabled, with every missing thing said beside it
    expect(page.get_by_role("button", name="Complete operation 10")).to_be_disabled()
    refused = page.locator("#complete-why li")
    expect(refused).to_have_count(3)
    expect(page.locator("#complete-why")).to_contain_text("needs a result for TORQUE")
    expect(page.locator("#complete-why")).to_contain_text("needs 1 more of MTR-1 consumed")
    expect(page.locator("#complete-why")).to_contain_text("needs 4 more of SCR-4 consumed")
    shot(page, "05-traveler-complete-disabled")

    # scan the motor and the screws
    page.fill("#material", "M-001")
    page.click("button:has-text('Build in')")
    expect(flash(page)).to_contain_text("M-001 × 1 built into E2E-001")
    page.fill("#material", "SCR-LOT-1")
    page.fill("#quantity", "4")
    page.click("button:has-text('Build in')")
    expect(flash(page)).to_contain_text("SCR-LOT-1 × 4 built into E2E-001")

    # an out-of-spec value is flagged while typed; corrected before it is recorded
    page.fill("#m_TORQUE", "2.4")
    expect(page.locator("#m_TORQUE-flag")).to_contain_text("Above the upper limit 2.2")
    shot(page, "06-traveler-out-of-spec-typed")
    page.fill("#m_TORQUE", "2.03")
    expect(page.locator("#m_TORQUE-flag")).to_be_hidden()
    page.click("button:has-text('Record results')")
    expect(flash(page)).to_contain_text("Recorded TORQUE: in spec")
    page.click("button:has-text('Complete operation 10')")
    expect(flash(page)).to_contain_text("Operation 10 (Assemble) complete")

    # operation 20: a pass/fail visual check
    expect(page.locator("#current")).to_have_attribute("data-operation", "20")
    page.click("button:has-text('Start operation 20')")
    page.click("label[for='m_VISUAL-pass']")
    shot(page, "07-traveler-op20")
    page.click("button:has-text('Record results')")
    expect(flash(page)).to_contain_text("Recorded VISUAL")
    page.click("button:has-text('Complete operation 20')")
    expect(flash(page)).to_contain_text("Operation 20 (Inspect) complete")
    expect(page.locator("#current")).to_have_attribute("data-operation", "30")

    # the as-built record
    page.click("text=As-built record")
    record = page.locator("table.asbuilt")
    for text in ("olga", "TQ-1", "WI-10 rev A", "TORQUE", "2.03", "M-001", "SCR-LOT-1", "VISUAL", "Pass"):
        expect(record).to_contain_text(text)
    shot(page, "08-as-built")

    # the dashboard moved: one fewer waiting at 10, one more waiting at 30
    page.goto("/programs/ACT")
    assert wip(page, 10, "waiting") == waiting_10 - 1
    assert wip(page, 30, "waiting") == waiting_30 + 1


def test_out_of_spec_holds_the_unit_and_completion_shows_on_the_dashboard(page, shot, password):
    sign_in(page, "oscar", password, "/programs/ACT")
    complete, on_hold = tile(page, "complete"), tile(page, "on_hold")

    # an out-of-spec value is recorded and puts the unit on hold, with the reason shown
    page.goto("/units/E2E-003")
    page.fill("#m_CURRENT", "1.5")
    expect(page.locator("#m_CURRENT-flag")).to_be_visible()
    page.click("button:has-text('Record results')")
    expect(flash(page)).to_contain_text("ON HOLD")
    expect(page.locator("#hold")).to_contain_text("CURRENT No-load current measured 1.5 A, above the upper limit 1.2 A")
    expect(page.locator("#unit-status")).to_have_text("On hold")
    expect(page.get_by_role("button", name="Complete operation 30")).to_be_disabled()
    expect(page.get_by_role("button", name="Record results")).to_be_disabled()
    expect(page.locator("#complete-why")).to_contain_text("E2E-003 is on hold")
    expect(page.locator(".step-current small")).to_have_text("Held")
    shot(page, "09-traveler-on-hold")

    # the last operation of E2E-002 completes the unit
    page.goto("/units/E2E-002")
    page.click("button:has-text('Complete operation 30')")
    expect(flash(page)).to_contain_text("E2E-002 is complete")
    expect(page.locator(".done-card")).to_contain_text("Nothing left to do on E2E-002")
    shot(page, "10-traveler-unit-complete")

    # the dashboard: one more complete, one more on hold with why, the chart drawn
    page.goto("/programs/ACT")
    assert tile(page, "complete") == complete + 1
    assert tile(page, "on_hold") == on_hold + 1
    expect(page.locator("#holds")).to_contain_text("E2E-003")
    expect(page.locator("#holds")).to_contain_text("above the upper limit 1.2 A")
    expect(page.locator("svg.chart")).to_be_visible()
    shot(page, "11-dashboard-after")
    page.click("#holds a:has-text('E2E-003')")
    expect(page).to_have_url(re.compile(r"/units/E2E-003$"))
    page.goto("/")
    shot(page, "12-programs")
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/login$"))
