"""Change control in a real browser: an engineer raises a change to a work instruction, submits it
(the impact analysis appears), engineering, quality and the program manager sign with their
passwords, and the implemented change shows the delta FAI it requires."""
import re

import pytest
from e2e.conftest import serve_scene, sign_in
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from factory import QE, actor, build_line
from lrip.auth.service import create_user, set_password
from lrip.catalog import service as catalog
from lrip.execution import service as execution

pytestmark = pytest.mark.e2e
PASSWORD = "change-e2e-pass-7"
PEOPLE = [("eli", "Eli Engineer", "manufacturing_engineer"), ("emma", "Emma Engineer", "manufacturing_engineer"), ("quinn", "Quinn Quality", "quality_engineer"),
          ("pam", "Pam Program", "program_manager")]


@pytest.fixture(scope="module")
def change_server(sqlite_template, tmp_path_factory):
    """A live server over its own line: an LRIP lot with a unit, the signers, WI-10 rev B drafted."""
    def build(session: Session) -> None:
        build_line(session)
        admin = actor(session, "admin")
        for username, name, role in PEOPLE:
            if username == QE:  # the factory's quality engineer
                set_password(session, admin, username=username, password=PASSWORD)
            else:
                create_user(session, admin, username=username, full_name=name, roles=[role], password=PASSWORD)
        catalog.add_document_revision(session, actor(session, "eli"), number="WI-10", revision="B",
                                      content="Do WI-10 carefully; check the torque driver first.")
        execution.create_unit(session, admin, lot="L1", serial="SN-1")

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-change", build) as (base, _):
        yield base


def test_raise_sign_three_times_implement_and_see_the_delta_fai(chromium, change_server, shot):
    context = chromium.new_context(base_url=change_server, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "eli", PASSWORD, "/changes")
    page.fill("#title", "Check the torque driver before use")
    page.fill("#reason", "Torque drift on lot L1")
    page.fill("#description", "WI-10 rev B adds a driver check")
    page.fill("#items", "document:WI-10:A:B")
    page.select_option("#effectivity", "immediate")
    page.click("button:has-text('Raise as draft')")
    expect(page.locator("#raise-refused")).to_contain_text("Only an urgent change takes effect immediately")
    page.select_option("#effectivity", "next_lot")
    page.click("button:has-text('Raise as draft')")
    expect(page).to_have_url(re.compile(r"/changes/CR-0001$"))
    page.click("#submit-button")
    expect(page.locator("#change-status")).to_have_text("Submitted")
    expect(page.locator("#impact-lots")).to_contain_text("L1")
    expect(page.locator("#delta-fai")).to_contain_text("TORQUE")
    expect(page.locator("#approve-button")).to_be_disabled()  # approving now would be refused: it says why
    expect(page.locator("#approve-why")).to_contain_text("a program signature")
    # eli raised it: his engineering approval would not count, so no sign form is offered to him
    expect(page.locator("#sign-form")).to_have_count(0)
    expect(page.locator("#sign-why")).to_contain_text("Eli raised CR-0001 and may not give it its engineering approval")
    shot(page, "change-01-submitted")
    for who in ("emma", "quinn", "pam"):
        page.click("button:has-text('Sign out')")
        sign_in(page, who, PASSWORD, "/changes/CR-0001")
        if who == "emma":  # a wrong password is refused in words
            page.fill("#password", "not-my-password")
            page.click("button:has-text('Sign approval')")
            expect(page.locator("#sign-refused")).to_be_visible()
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign approval')")
        expect(page.locator("#flash")).to_contain_text("Signed")
    expect(page.locator("#signatures tbody tr")).to_have_count(3)
    page.click("#approve-button")
    expect(page.locator("#change-status")).to_have_text("Approved")
    page.click("#implement-button")
    expect(page.locator("#change-status")).to_have_text("Implemented")
    expect(page.locator("#delta-fai-required")).to_contain_text("TORQUE")
    expect(page.locator("#implementation")).to_contain_text("WI-10 rev A stays in effect until lot L1 closes")
    shot(page, "change-02-implemented")
    page.goto("/changes")
    expect(page.locator("#changes")).to_contain_text("Implemented")
    expect(page.locator("svg.chart")).to_be_visible()
    context.close()
