"""A program manager at the FRP gate, in a real browser: evaluate, attest with a document, waive,
see what changed, sign the decision and download the evidence package."""
import re

import pytest
from e2e.conftest import serve_scene
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from readiness.gate_line import PASSWORD, build_gate_line

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gate_server(sqlite_template, tmp_path_factory):
    """A live server over the readiness tests' small line (its own SQLite file)."""
    def build(session: Session) -> None:
        build_gate_line(session)

    with serve_scene(tmp_path_factory, sqlite_template, "e2e-gate", build) as (base, _):
        yield base


def test_program_manager_evaluates_attests_waives_and_signs(chromium, gate_server, shot, tmp_path):
    context = chromium.new_context(base_url=gate_server, viewport={"width": 1366, "height": 900},
                                   accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/programs/ACT")
    page.fill("#username", "pam")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.click("#readiness-link")
    expect(page).to_have_url(re.compile(r"/programs/ACT/readiness$"))

    page.click("#evaluate")
    expect(page.locator("#flash")).to_contain_text("Assessment 1: NO GO")
    expect(page.locator("#flash")).to_have_class(re.compile(r"\balert-bad\b"))  # bad news is not a green success
    expect(page.locator("#verdict")).to_contain_text("NO-GO")
    expect(page.locator("#criterion-attestations")).to_have_attribute("data-status", "fail")
    expect(page.locator("#criterion-workforce")).to_have_attribute("data-status", "pass")

    memo = tmp_path / "funding-memo.txt"
    memo.write_text("FY27 full-rate production funds released, ref. PB-27-114")
    page.select_option("#attest-topic", "funding")
    page.fill("#attest-statement", "FY27 production funds are released")
    page.set_input_files("#attest-file", str(memo))
    page.fill("#attest-password", PASSWORD)
    page.click("#attest-form button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("Attestation 1 (funding) signed")
    expect(page.locator("#attestation-1")).to_contain_text("funding-memo.txt")

    page.fill("#waive-password", "wrong-password")
    page.select_option("#waive-criterion", "attestations")
    page.fill("#waive-condition", "facilities, test and risk attested before the first FRP lot")
    page.fill("#waive-reason", "the review board meets first")
    page.click("#waive-form button[type=submit]")
    expect(page.locator("#waive-form .alert-refused")).to_contain_text("password of pam is not right")
    box = page.locator("#waive-form .alert-refused").bounding_box()
    assert 0 <= box["y"] <= 900 - 40  # the refusal is on the screen, not 2,500 px down
    expect(page.locator("#waive-condition")).to_have_value("facilities, test and risk attested before the first FRP lot")
    page.fill("#waive-password", PASSWORD)
    page.click("#waive-form button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("signed; evaluate again")

    page.click("#evaluate")
    expect(page.locator("#flash")).to_contain_text("Assessment 2")
    expect(page.locator("#criterion-attestations")).to_have_attribute("data-status", "waived")
    expect(page.locator("#changes")).to_contain_text("Attestations")

    page.fill("#sign-password", PASSWORD)
    page.click("#sign-form button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("Assessment 2")
    expect(page.locator("#flash")).to_contain_text("signed")
    # pam has signed: the form is not offered to her again, and says why
    expect(page.locator("#sign-password")).to_have_count(0)
    expect(page.locator("#sign-why")).to_contain_text("already signed assessment 2")
    shot(page, "readiness")

    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "ACT-readiness-2.zip"
    context.close()
