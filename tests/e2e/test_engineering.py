"""Engineering in a real browser: the manufacturing engineer drafts a routing for the example pump, adds an
operation (refused first with every reason, then added), a characteristic on it, and releases it; the
work instruction's Markdown shows with its image."""

import pytest
from e2e.conftest import serve_scene, sign_in
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from catalog.conftest import PASSWORD, load, people

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(sqlite_template, tmp_path_factory):
    """This module's own live server: the people and the example PMP-40 pump imported from its file."""
    def build(session: Session) -> None:
        people(session)
        load(session)

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-engineering", build) as (base, _):
        yield base


def test_an_engineer_adds_a_routing_operation_through_the_pages(page, shot):
    sign_in(page, "mel", PASSWORD, "/parts/PMP-40")
    page.fill("#routing-A", "2")
    page.locator("#rev-A button:has-text('Draft a routing')").click()
    expect(page.locator("#flash")).to_contain_text("Routing 2 drafted")
    page.goto("/routings/PMP-40/A/2")
    form = page.locator("#operation-form")
    form.locator("#op-sequence").fill("10")
    form.locator("#op-name").fill("Machine body")
    form.locator("#op-center").select_option("MACH")
    form.locator("#op-minutes").fill("0")
    form.locator("#op-tools").fill("lathe")
    form.locator("button:has-text('Add operation')").click()
    refused = page.locator("#operation-refused")
    expect(refused).to_contain_text("Operation 10 needs positive standard minutes.")
    expect(refused).to_contain_text("Operation 10: no tool is of kind lathe.")
    page.locator("#op-minutes").fill("28")
    page.locator("#op-tools").fill("machining fixture")
    page.locator("#op-instruction").select_option("WI-310:A")
    page.locator("#op-skill").fill("machining")
    page.locator("#operation-form button:has-text('Add operation')").click()
    expect(page.locator("#flash")).to_contain_text("Operation 10 (Machine body) added.")
    op = page.locator("#op-10")
    expect(op).to_contain_text("at MACH · 28 min · WI-310 rev A · skill machining · tools: machining fixture")
    op.locator("input[name=code]").fill("BORE-D")
    op.locator("input[name=name]").fill("Bore diameter")
    op.locator("input[name=nominal]").fill("12")
    op.locator("input[name=lsl]").fill("11.98")
    op.locator("input[name=usl]").fill("12.02")
    op.locator("input[name=gauge_kind]").fill("cmm")
    op.locator("input[name=key]").check()
    op.locator("button:has-text('Add characteristic')").click()
    expect(page.locator("#op-10 tr[data-char='BORE-D']")).to_contain_text("11.98 – 12.02")
    page.locator("#release button").click()
    expect(page.locator("#flash")).to_contain_text("Routing 2 released.")
    expect(page.locator("h1")).to_contain_text("released")
    shot(page, "engineering-routing")
    page.goto("/documents/WI-310")
    image = page.locator("#rev-A img[alt='datum A']")
    expect(image).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) > 0
