"""The inspection plan and FAI pages over the ASGI client, signed in: the plan page and its forms as the
signed-in person (the wrong role refused), the FAI opened, completed and its export served."""
import re

import pytest
from fastapi.testclient import TestClient

from factory import actor
from inspection.line import finished_line
from lrip.app import create_app
from lrip.auth.service import set_password
from lrip.db import unit_of_work

PASSWORD = "first-article-77"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def sign_in(sqlite_url):
    with unit_of_work(sqlite_url) as s:
        finished_line(s, PASSWORD)
        set_password(s, actor(s, "admin"), username="olga", password=PASSWORD)
    app = create_app(sqlite_url)

    def sign(username: str):
        client = TestClient(app)
        client.post("/login", data={"username": username, "password": PASSWORD, "next": "/",
                                    "csrf_token": _csrf(client.get("/login").text)}, follow_redirects=False)
        return client, _csrf(client.get("/fai").text)

    return sign


def test_plan_forms_act_as_the_signed_in_person(sign_in):
    olga, token = sign_in("olga")
    page = olga.get("/programs/ACT/inspection/30")
    assert page.status_code == 200 and "NOISE" in page.text and 'name="class_NOISE"' not in page.text
    assert olga.post("/programs/ACT/inspection/30/set", data={"csrf_token": token,
                                                              "class_NOISE": "minor"}).status_code == 403
    qe, token = sign_in("qe")
    saved = qe.post("/programs/ACT/inspection/30/set", data={"csrf_token": token, "class_NOISE": "minor",
                                                             "aql_minor": "4.0", "reason": "cosmetic"},
                    follow_redirects=False)
    assert saved.status_code == 303
    page = qe.get("/programs/ACT/inspection/30")
    assert re.search(r'<option value="minor"\s+selected', page.text)
    refused = qe.post("/programs/ACT/inspection/30/set", data={"csrf_token": token, "aql_major": "1.1"})
    assert refused.status_code == 409 and "not in the Z1.4 series" in refused.text
    assert qe.get("/programs/ACT/inspection").status_code == 200
    assert qe.post("/programs/ACT/inspection/30/nope", data={"csrf_token": token}).status_code == 404


def test_an_fai_is_opened_completed_and_exported(sign_in):
    ins, token = sign_in("ins")
    opened = ins.post("/fai", data={"csrf_token": token, "serial": "SN-1"}, follow_redirects=False)
    assert opened.headers["location"] == "/fai/FAI-0001"
    done = ins.post("/fai/FAI-0001/complete", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert "complete" in ins.get("/fai/FAI-0001").text
    csv = ins.get("/fai/FAI-0001/form3.csv")
    assert csv.status_code == 200 and csv.text.startswith("fai_number,char_no")
    assert ins.get("/fai/FAI-9999").status_code == 404


def test_the_approval_form_is_offered_only_to_someone_whose_approval_would_count(sign_in):
    """The inspector who completed the FAI, and an operator, see why their approval would not count instead of
    a form the service would refuse; the quality engineer gets the form; once approved, nobody does."""
    ins, token = sign_in("ins")
    ins.post("/fai", data={"csrf_token": token, "serial": "SN-1"})
    ins.post("/fai/FAI-0001/complete", data={"csrf_token": token})
    page = ins.get("/fai/FAI-0001").text
    assert 'id="sign-form"' not in page and 'id="sign-why"' in page
    assert "FAI-0001 is not signed by an inspector (ins)" in page
    olga, _ = sign_in("olga")
    page = olga.get("/fai/FAI-0001").text
    assert 'id="sign-form"' not in page and "FAI-0001 is not signed by an operator (olga)" in page
    qe, token = sign_in("qe")
    page = qe.get("/fai/FAI-0001").text
    assert 'id="sign-form"' in page and 'id="sign-why"' not in page
    signed = qe.post("/fai/FAI-0001/sign", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303
    page = qe.get("/fai/FAI-0001").text
    assert 'id="fai-status">approved' in page and 'id="sign-form"' not in page
    assert "Qe already signed FAI-0001 as quality engineer" in page
    assert "FAI-0001 already has every signature it needs" in olga.get("/fai/FAI-0001").text
