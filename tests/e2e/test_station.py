"""The traveler as a station tool, at a 1024×768 touchscreen: a scanner types into whatever has the focus
and ends with Enter, so after every step (sign-in, a scan, a refusal, a result) the right box must have the
focus with its text selected; a held unit offers no live action; a refusal lands on the first screen."""
import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import serve_scene
from factory import actor, build_line
from lrip.auth.service import set_password
from lrip.execution import service as execution

pytestmark = pytest.mark.e2e
PASSWORD = "station-e2e-pass-7"


def build(session) -> None:
    """H-001 held at operation 10 (out-of-spec torque), W-001 in work at 10, P-001 not started."""
    build_line(session, lot_quantity=8)
    admin, olga = actor(session, "admin"), actor(session, "olga")
    set_password(session, admin, username="olga", password=PASSWORD)
    for serial in ("H-001", "W-001", "P-001"):
        execution.create_unit(session, admin, lot="L1", serial=serial)
    for serial in ("H-001", "W-001"):
        execution.start_operation(session, olga, serial=serial, operation=10, tools=["TQ-1"])
    execution.record_measurement(session, olga, serial="H-001", characteristic="TORQUE", result="2.5")


@pytest.fixture(scope="module")
def station_server(chromium, sqlite_template, tmp_path_factory):
    with serve_scene(tmp_path_factory, sqlite_template, "station", build) as (base, _):
        yield base


@pytest.fixture
def station(chromium, station_server):
    context = chromium.new_context(base_url=station_server, viewport={"width": 1024, "height": 768}, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/traveler")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    expect(page).to_have_url(re.compile(r"/traveler$"))
    yield page
    context.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def selected_all(page) -> bool:
    return page.evaluate("(e => e.value !== '' && e.selectionStart === 0 && e.selectionEnd === e.value.length)"
                         "(document.activeElement)")


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 100) <= 768


def test_the_scan_sequence_keeps_the_focus_where_the_scanner_types(station, shot):
    page = station
    # after sign-in the serial box has the focus: a scan goes straight in
    assert focused(page) == "serial"
    # a lower-case scan opens the unit, and the tool box takes the next scan
    page.keyboard.type("p-001")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/units/P-001$"))
    assert focused(page) == "tools"
    shot(page, "station-01-start")

    # a refused scan: said in words with what was scanned, the box empty and focused (no appending)
    page.goto("/traveler")
    page.keyboard.type("nope-1")
    page.keyboard.press("Enter")
    expect(page.locator("#scan-refused")).to_contain_text("No unit with serial nope-1")
    expect(page.locator("#serial")).to_have_value("")
    assert focused(page) == "serial" and in_viewport(page, "#scan-refused")
    shot(page, "station-02-scan-refused")
    # the rescan opens the unit in work; the material box has the focus
    page.keyboard.type("w-001")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/units/W-001$"))
    shot(page, "station-03-in-work")
    assert focused(page) == "material"
    assert in_viewport(page, "#material")  # the action panel is on the first screen at 1024×768

    # a refused material scan: the refusal on the first screen, announced, its text selected for the rescan
    page.keyboard.type("NO-SUCH-LOT")
    page.keyboard.press("Enter")
    expect(page.locator("#consume-refused")).to_be_visible()
    assert in_viewport(page, "#consume-refused")
    assert focused(page) == "material" and selected_all(page)
    expect(page.locator("#announce")).to_contain_text("Not built in")
    shot(page, "station-04-consume-refused")
    # the rescan replaces the refused text (it was selected); Enter builds it in; the next scan box has the focus
    page.keyboard.type("M-001")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("M-001 × 1 built into W-001")
    assert focused(page) == "material"
    page.keyboard.type("SCR-LOT-1")
    page.keyboard.press("Tab")  # a scanner's Tab suffix moves on to the quantity
    assert focused(page) == "quantity"
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("SCR-LOT-1 × 4 built into W-001")
    # material done: the first value without a result has the focus, for the gauge
    assert focused(page) == "m_TORQUE"
    page.keyboard.type("2.01")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("Recorded TORQUE: in spec")
    complete = page.get_by_role("button", name="Complete operation 10")
    expect(complete).to_be_enabled()
    shot(page, "station-05-ready-to-complete")


def test_a_held_unit_offers_no_live_action_and_says_why(station, shot):
    page = station
    page.keyboard.type("H-001")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/units/H-001$"))
    expect(page.locator("#hold")).to_be_visible()
    expect(page.locator(".step-current small")).to_have_text("Held")
    expect(page.get_by_role("button", name="Record results")).to_be_disabled()
    expect(page.locator("#measure-why")).to_contain_text("H-001 is on hold")
    complete = page.get_by_role("button", name="Complete operation 10")
    expect(complete).to_be_disabled()
    expect(page.locator("#complete-why")).to_contain_text("H-001 is on hold")
    expect(page.locator("#material")).to_have_count(0)
    expect(page.locator("#consume-why")).to_contain_text("takes no new work")
    shot(page, "station-06-held")


def test_the_routing_strip_keeps_the_current_step_in_view(station):
    page = station
    page.goto("/units/W-001")
    box = page.locator(".step-current").bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 1024
    header = page.locator(".topbar").bounding_box()
    assert header["height"] <= 64
