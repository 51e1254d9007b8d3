"""MRB in a real browser: a unit held by an out-of-spec torque; the quality engineer follows the hold to
its NCR, puts a use-as-is to MRB review and signs it with his password; deciding is refused until the
engineer and the program manager have signed too; then the decision releases the hold."""
import re

import pytest
from e2e.conftest import serve_scene
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from factory import ADMIN, QE, actor, build_line
from lrip.auth.service import create_user, set_password
from lrip.db import unit_of_work
from lrip.execution import service as execution
from lrip.nonconformance import mrb

pytestmark = pytest.mark.e2e
PASSWORD = "mrb-e2e-pass-7"
PEOPLE = [("quinn", "Quinn Quality", "quality_engineer"), ("eli", "Eli Engineer", "manufacturing_engineer"),
          ("pam", "Pam Program", "program_manager"), ("cora", "Cora Customer", "customer_rep")]


@pytest.fixture(scope="module")
def mrb_server(sqlite_template, tmp_path_factory):
    """A live server over its own LRIP line: SN-1 on hold at operation 10 (NCR-000001), and the MRB."""
    def build(session: Session) -> None:
        build_line(session)
        admin, olga = actor(session, ADMIN), actor(session, "olga")
        for username, name, role in PEOPLE:
            if username == QE:  # the factory's quality engineer
                set_password(session, admin, username=username, password=PASSWORD)
            else:
                create_user(session, admin, username=username, full_name=name, roles=[role], password=PASSWORD)
        execution.create_unit(session, admin, lot="L1", serial="SN-1")
        execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"])
        execution.record_measurement(session, olga, serial="SN-1", characteristic="TORQUE", result="2.31")

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-mrb", build) as (base, url):
        yield base, url


def test_quality_engineer_signs_and_the_disposition_releases_the_hold(chromium, mrb_server, shot):
    base, url = mrb_server
    context = chromium.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/units/SN-1")
    page.fill("#username", "quinn")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("#hold")).to_contain_text("TORQUE Screw torque measured 2.31")

    # from the hold to its NCR, raised automatically
    page.click("#hold >> text=See the NCR")
    expect(page).to_have_url(re.compile(r"/ncrs/NCR-000001$"))
    expect(page.locator("#ncr-status")).to_have_text("Open")
    expect(page.locator("#description")).to_contain_text("2.31 N·m, above the upper limit 2.2 N·m")

    # propose use as is, sign it with the password again
    page.select_option("#action", "use_as_is")
    page.fill("#reason", "0.11 N·m over: within the joint's margin (analysis EA-7). Use as is.")
    page.click("button:has-text('Put to MRB review')")
    expect(page.locator("#ncr-status")).to_have_text("Mrb review")
    page.fill("#password", "not-my-password")
    page.click("button:has-text('Sign approval')")
    expect(page.locator("#sign-refused")).to_contain_text("The password of quinn is not right")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign approval')")
    expect(page.locator("#signatures")).to_contain_text("Quinn Quality")
    expect(page.locator("#missing")).to_contain_text("an engineering signature")

    # quinn's signature is given: the sign form is not offered to her again, and says why
    expect(page.locator("#sign-form")).to_have_count(0)
    expect(page.locator("#sign-why")).to_contain_text("Quinn already signed NCR-000001's use as is")
    # deciding now would be refused: the button is disabled, naming both signatures still missing
    expect(page.locator("#disposition-button")).to_be_disabled()
    why = page.locator("#disposition-why")
    expect(why).to_contain_text("an engineering signature (a manufacturing engineer)")
    expect(why).to_contain_text("a program signature (a program manager)")
    shot(page, "ncr-01-disabled-until-signed")

    # the engineer and the program manager sign (at their own desks)
    with unit_of_work(url) as session:
        for who in ("eli", "pam", "cora"):
            mrb.sign_disposition(session, actor(session, who), number="NCR-000001", password=PASSWORD)
    page.goto("/ncrs/NCR-000001")
    expect(page.locator("#missing")).to_have_count(0)
    page.click("#disposition-button")
    expect(page.locator("#flash")).to_contain_text("NCR-000001 dispositioned use as is")
    expect(page.locator("#ncr-status")).to_have_text("Dispositioned")
    expect(page.locator("#trail")).to_contain_text("Pam Program")
    shot(page, "ncr-02-dispositioned")

    # the hold is released: the traveler no longer shows it and the operation can complete
    page.goto("/units/SN-1")
    expect(page.locator("#hold")).to_have_count(0)
    context.close()
