"""The program manager's setup pages over the ASGI client: a new program, the phase with its gate's
checklist (each condition met or not, in words), signing and moving the phase, lots, the ramp plan, the
LRIP quantity and policy changes, each as the signed-in person, each refusal shown beside its form."""
import re

import pytest
from fastapi.testclient import TestClient

from factory import PM, PM_PASSWORD, QE, QE_PASSWORD, actor, build_line
from lrip.app import create_app
from lrip.auth.service import set_password
from lrip.db import unit_of_work
from lrip.program import service as program


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def url(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_line(session, phase="pilot", lot_quantity=2)
        set_password(session, actor(session, "admin"), username="olga", password=PM_PASSWORD)
    return sqlite_url


def signed_in(url, username, password):
    client = TestClient(create_app(url))
    client.post("/login", data={"username": username, "password": password, "next": "/",
                                "csrf_token": csrf_of(client.get("/login").text)}, follow_redirects=False)
    page = client.get("/programs/ACT/setup")
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text)


def test_the_setup_page_shows_the_gate_as_a_checklist_in_words(url):
    client, _ = signed_in(url, "olga", PM_PASSWORD)
    html = client.get("/programs/act/setup").text
    assert "the move from PILOT to LRIP" in html and "not ready" in html
    assert re.search(r'<li class="unmet" data-key="pilot_lot">', html)
    assert "Pilot lot L1 is still open; close it when its units are done." in html
    assert '<li class="met" data-key="qualified_operators">' in html
    assert "phase-move-form" not in html and "lot-form" not in html and "policy-form" not in html  # an operator's view
    assert client.get("/programs/NOPE/setup").status_code == 404


def test_the_program_manager_creates_a_program_plans_lots_and_signs_the_move(url, tmp_path):
    client, csrf = signed_in(url, PM, PM_PASSWORD)
    r = client.post("/programs/new", data={"csrf_token": csrf, "code": "PMP", "part": "ACT-100", "revision": "Z",
                                           "planned_total": "0", "frp_target_rate": "1"})
    assert r.status_code == 422 and "Planned_total: Input should be greater than or equal to 1." in r.text
    r = client.post("/programs/new", data={"csrf_token": csrf, "code": "PMP", "part": "ACT-100", "revision": "A",
                                           "planned_total": "40", "frp_target_rate": "2"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/programs/PMP/setup")
    r = client.post("/programs/ACT/lots", data={"csrf_token": csrf, "number": "P2", "quantity": "1"})
    assert r.status_code == 200 and "Lot P2 created: 1 units on routing rev 1." in r.text
    r = client.post("/programs/ACT/lots", data={"csrf_token": csrf, "number": "P2", "quantity": "1"})
    assert r.status_code == 409 and "Lot number P2 is already used." in r.text and 'id="lot-create-refused"' in r.text
    r = client.post("/programs/ACT/lots/P2/close", data={"csrf_token": csrf, "reason": "not needed"})
    assert "Lot P2 closed." in r.text
    r = client.post("/programs/ACT/ramp-plan", data={"csrf_token": csrf, "week": "2030-01-08", "starts": "2"})
    assert r.status_code == 409 and "2030-01-08 is a Tuesday" in r.text
    r = client.post("/programs/ACT/ramp-plan/import", headers={"X-CSRF-Token": csrf},  # as forms.js sends it
                    files={"file": ("plan.csv", b"week,starts\n2030-01-07,2\n2030-01-14,3\n", "text/csv")})
    assert "2 weeks of the ramp plan set." in r.text
    r = client.post("/programs/ACT/lrip-quantity", data={"csrf_token": csrf, "quantity": "20",
                                                         "password": PM_PASSWORD})
    assert "LRIP quantity 20 approved and signed." in r.text
    r = client.post("/programs/ACT/phase/sign", data={"csrf_token": csrf, "phase": "lrip", "password": PM_PASSWORD})
    assert "You signed the move of ACT to LRIP." in r.text
    r = client.post("/programs/ACT/phase", data={"csrf_token": csrf, "phase": "lrip", "reason": "PRR"})
    assert r.status_code == 409 and 'id="phase-move-refused"' in r.text
    assert "Pilot lot L1 is still open; close it when its units are done." in r.text
    with unit_of_work(url, write=False) as session:
        assert program.show_program(session, actor(session, PM), program="ACT").phase == "pilot"


def test_a_policy_change_is_proposed_and_signed_on_the_page(url):
    client, csrf = signed_in(url, PM, PM_PASSWORD)
    r = client.post("/programs/ACT/policy-changes", data={"csrf_token": csrf, "phase": "pilot",
                                                          "rule": "qualified_operator", "value": "maybe",
                                                          "reason": "W-7"})
    assert r.status_code == 409 and "Qualified_operator is yes or no, not &#39;maybe&#39;." in r.text
    r = client.post("/programs/ACT/policy-changes", data={"csrf_token": csrf, "phase": "pilot",
                                                          "rule": "qualified_operator", "value": "no", "reason": "W-7"})
    assert "Policy change 1 proposed" in r.text and 'id="change-1"' in r.text
    r = client.post("/programs/ACT/policy-changes/1/sign", data={"csrf_token": csrf, "password": PM_PASSWORD})
    assert "You signed policy change 1." in r.text
    quality, qcsrf = signed_in(url, QE, QE_PASSWORD)
    r = quality.post("/programs/ACT/policy-changes/1/sign", data={"csrf_token": qcsrf, "password": "wrong"})
    assert r.status_code == 409 and "The password of quinn is not right; nothing was signed." in r.text
    r = quality.post("/programs/ACT/policy-changes/1/sign", data={"csrf_token": qcsrf, "password": QE_PASSWORD})
    assert "You signed policy change 1: it now applies." in r.text


def test_the_sign_forms_are_offered_only_to_someone_whose_signature_would_count(url):
    """The move to LRIP (program and quality sign it) and a proposed policy change: an operator is told why not
    instead of a form the service would refuse; the proposer who signed is told so; the quality engineer gets
    both forms; the LRIP quantity form stays the program manager's."""
    olga, _ = signed_in(url, "olga", PM_PASSWORD)
    html = olga.get("/programs/ACT/setup").text
    assert 'id="phase-sign-form"' not in html
    assert re.search(r'id="phase-sign-why">.*?The move of ACT to LRIP is not signed by an operator \(olga\); it still '
                     r'needs a program signature', html, re.S)
    client, csrf = signed_in(url, PM, PM_PASSWORD)
    client.post("/programs/ACT/policy-changes", data={"csrf_token": csrf, "phase": "pilot",
                                                      "rule": "qualified_operator", "value": "no", "reason": "W-7"})
    client.post("/programs/ACT/policy-changes/1/sign", data={"csrf_token": csrf, "password": PM_PASSWORD})
    html = client.get("/programs/ACT/setup").text
    assert 'id="sign-change-1"' not in html
    assert re.search(r'id="change-1-why">.*?Petra already signed policy change ACT/1', html, re.S)
    assert 'id="phase-sign-form"' in html and 'id="quantity-form"' in html and 'id="quantity-why"' not in html
    quality, _ = signed_in(url, QE, QE_PASSWORD)
    html = quality.get("/programs/ACT/setup").text
    assert 'id="sign-change-1"' in html and 'id="change-1-why"' not in html
    assert 'id="phase-sign-form"' in html and 'id="phase-sign-why"' not in html
