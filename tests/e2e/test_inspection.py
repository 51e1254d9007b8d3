"""A first article inspection in a real browser: an inspector opens the FAI the LRIP policy owes on the
first unit, completes it, is not offered the approval of their own work (the page says why), and a quality
engineer signs it approved; the PDF is served. Its own small server, so the shared scene is left as it is."""
import re

import pytest
from e2e.conftest import serve_scene
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from inspection.line import finished_line

pytestmark = pytest.mark.e2e
PASSWORD = "first-article-e2e-9"


@pytest.fixture(scope="module")
def fai_server(sqlite_template, tmp_path_factory):
    def build(s: Session) -> None:
        finished_line(s, PASSWORD)

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-fai", build) as (base, _):
        yield base


def _sign_in(chromium, base: str, username: str, next_path: str):
    context = chromium.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(next_path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(re.compile(re.escape(next_path.split("?")[0])))
    return context, page


def test_first_article_inspection_from_open_to_approved(chromium, fai_server, shot):
    context, page = _sign_in(chromium, fai_server, "ins", "/fai?program=ACT")
    expect(page.locator("#fai-status")).to_contain_text("1 outstanding")
    expect(page.locator("#fai-status")).to_contain_text("Full FAI of the first unit of configuration ACT-100 rev A")
    page.fill("#serial", "SN-1")
    page.click("button:has-text('Open FAI')")
    expect(page).to_have_url(re.compile(r"/fai/FAI-0001$"))
    expect(page.locator("#fai-status")).to_have_text("open")
    expect(page.locator("#form3 tr[data-code='TORQUE']")).to_contain_text("2 N·m")
    expect(page.locator("#form3 tr[data-code='TORQUE']")).to_contain_text("TQ-1")
    page.click("#complete")
    expect(page.locator("#flash")).to_contain_text("FAI-0001 completed")
    expect(page.locator("#fai-status")).to_have_text("complete")
    # the inspector who completed it is not offered the approval: the page says why instead
    expect(page.locator("#sign-form")).to_have_count(0)
    expect(page.locator("#sign-why")).to_contain_text("FAI-0001 is not signed by an inspector (ins)")
    context.close()

    context, page = _sign_in(chromium, fai_server, "qe", "/fai/FAI-0001")
    page.fill("#password", PASSWORD)
    page.click("#sign-form button")
    expect(page.locator("#fai-status")).to_have_text("approved")
    expect(page.locator("#signatures")).to_contain_text("Quinn Quality")
    shot(page, "fai_approved")
    pdf = page.request.get("/fai/FAI-0001/export.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.goto("/fai?program=ACT")
    expect(page.locator("#fai-status")).to_contain_text("all approved")
    page.goto("/programs/ACT/inspection/30")
    expect(page.locator("#severity")).to_have_text("normal")
    context.close()
