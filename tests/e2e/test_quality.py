"""A quality engineer's look at the line in a real browser: the quality dashboard, then one key
characteristic's control chart, re-drawn with other rules and a phase I baseline."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_dashboard_to_a_control_chart(page, shot, password):
    page.goto("/quality")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "oscar")
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(re.compile(r"/programs/ACT/quality$"))  # one program: its dashboard
    expect(page.locator("h1")).to_contain_text("ACT — quality")
    expect(page.locator("svg[aria-label='ACT: first-pass yield and RTY by lot']")).to_be_visible()
    expect(page.locator("svg[aria-label='ACT: defects per unit by lot']")).to_be_visible()
    expect(page.locator("#by-lot tr[data-lot='L1']")).to_be_visible()
    shot(page, "quality-01-dashboard")

    page.click("#key-characteristics a:has-text('CURRENT')")
    expect(page).to_have_url(re.compile(r"/programs/ACT/spc/CURRENT$"))
    chart = page.locator("svg[aria-label='ACT CURRENT: Individuals and moving range chart']")
    expect(chart).to_be_visible()
    expect(page.locator("#capability")).to_contain_text("Cpk")
    expect(page.locator("#control-chart")).not_to_contain_text("phase II")

    page.select_option("select[name=rules]", "western-electric")
    page.fill("input[name=baseline]", "3")
    page.click("#spc-form button:has-text('Show')")
    expect(page).to_have_url(re.compile(r"rules=western-electric.*baseline=3"))
    expect(page.locator("#control-chart")).to_contain_text("Limits from the first 3 of")
    expect(page.locator("#control-chart")).to_contain_text("phase II")
    shot(page, "quality-02-control-chart")

    page.fill("input[name=baseline]", "1")  # the browser's own min=2 stops it; the server would say why
    page.evaluate("document.querySelector('input[name=baseline]').removeAttribute('min')")
    page.click("#spc-form button:has-text('Show')")
    expect(page.locator(".alert-refused")).to_contain_text("The baseline (phase I) must be 2 to")
