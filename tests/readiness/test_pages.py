"""The readiness page over the ASGI client: the waive, attest and sign-waiver forms are offered only to
someone whose signature would count (lrip.web.signing.why_not_sign, the rule the service applies), and
everyone else is told why."""
import re

import pytest
from fastapi.testclient import TestClient

from factory import QE, actor
from lrip.app import create_app
from lrip.db import unit_of_work
from lrip.readiness import service
from readiness.gate_line import PASSWORD, build_gate_line


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def sign_in(sqlite_url):
    """The gate line with waiver 1 of a quality criterion (capability), granted and signed by pam: it still
    needs quality's signature."""
    with unit_of_work(sqlite_url) as s:
        build_gate_line(s)
        service.waive(s, actor(s, "pam"), program="ACT", criterion="capability", condition="100% inspection of CURRENT",
                      reason="the study needs more units", password=PASSWORD)
    app = create_app(sqlite_url)

    def sign(username: str) -> tuple[TestClient, str]:
        client = TestClient(app)
        client.post("/login", data={"username": username, "password": PASSWORD, "next": "/",
                                    "csrf_token": _csrf(client.get("/login").text)}, follow_redirects=False)
        return client, _csrf(client.get("/").text)

    return sign


def test_the_program_manager_is_offered_the_waiver_and_the_attestation(sign_in):
    pam, _ = sign_in("pam")
    page = pam.get("/programs/ACT/readiness").text
    assert 'action="/programs/ACT/readiness/waive"' in page and 'id="waive-why"' not in page
    assert re.search(r'<option value="capability"\s*>1\. Process capability', page)
    assert 'action="/programs/ACT/readiness/attest"' in page and 'id="attest-why"' not in page
    # pam granted waiver 1 and signed it: the form to sign it is not hers to use again
    assert 'id="sign-waiver-1"' not in page
    assert re.search(r'id="waiver-1-why">.*?Pam already signed waiver 1 of capability', page, re.S)


def test_the_quality_engineer_signs_the_waiver_but_is_told_why_not_the_attestation(sign_in):
    quinn, token = sign_in(QE)
    page = quinn.get("/programs/ACT/readiness").text
    assert 'id="sign-waiver-1"' in page and 'id="waiver-1-why"' not in page
    assert 'action="/programs/ACT/readiness/attest"' not in page
    assert re.search(r'id="attest-why">.*?An attestation is not signed by a quality engineer \(quinn\); it still needs '
                     r'a program signature', page, re.S)
    assert 'id="waive-form"' not in page  # waiving is the program's decision: no permission, no section
    signed = quinn.post("/programs/ACT/readiness/sign-waiver", data={"csrf_token": token, "waiver": "1",
                                                                     "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303
    page = quinn.get("/programs/ACT/readiness").text
    assert 'id="sign-waiver-1"' not in page and "Still to sign" not in page


def test_someone_whose_signature_counts_for_nothing_sees_reasons_not_forms(sign_in):
    lou, _ = sign_in("lou")  # supply chain: may assess, may sign records, gives none of these signatures
    page = lou.get("/programs/ACT/readiness").text
    assert 'id="sign-waiver-1"' not in page
    assert re.search(r'id="waiver-1-why">.*?Waiver 1 of capability is not signed by a supply chain \(lou\); it still '
                     r'needs a quality signature', page, re.S)
    assert 'action="/programs/ACT/readiness/attest"' not in page and 'id="attest-why"' in page
