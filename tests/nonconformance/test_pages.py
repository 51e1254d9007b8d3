"""The NCR and CAPA pages over the ASGI client, signed in: the list with its aging chart, raising an NCR,
the MRB forms as the signed-in person (a refusal drawn in place, the wrong role refused in words), a hold
followed to its NCR, a CAPA opened from an NCR."""
import re

import pytest
from fastapi.testclient import TestClient

from lrip.app import create_app
from lrip.db import unit_of_work


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def sign_in(sqlite_url, kit):
    """sign_in(user) -> (a client signed in, its CSRF token), on a line with SN-1 held under NCR-000001."""
    with unit_of_work(sqlite_url) as session:
        kit.build(session, serials=["SN-1", "SN-2"], held=["SN-1"])
    app = create_app(sqlite_url)

    def sign(username: str):
        client = TestClient(app)
        client.post("/login", data={"username": username, "password": kit.password, "next": "/",
                                    "csrf_token": _csrf(client.get("/login").text)}, follow_redirects=False)
        return client, _csrf(client.get("/ncrs").text)

    return sign


def test_the_list_raises_and_the_mrb_forms_act_as_the_signed_in_person(sign_in):
    ivy, token = sign_in("ivy")
    page = ivy.get("/ncrs")
    assert page.status_code == 200 and "NCR-000001" in page.text and "<svg" in page.text
    raised = ivy.post("/ncrs", data={"csrf_token": token, "subject": "serial", "identifier": "SN-2",
                                     "severity": "minor", "defect_code": "DAMAGE", "quantity": "1",
                                     "description": "Dent in the housing\nnear the connector"},
                      follow_redirects=False)
    assert raised.status_code == 303 and raised.headers["location"] == "/ncrs/NCR-000002"
    assert "SN-2 is on hold" in ivy.get("/ncrs/NCR-000002").text
    bad = ivy.post("/ncrs", data={"csrf_token": token, "subject": "lot", "identifier": "L1", "severity": "huge",
                                  "description": " "})
    assert bad.status_code == 422 and "Description: the text is empty" in bad.text
    refused = ivy.post("/ncrs/NCR-000001/review", data={"csrf_token": token, "action": "scrap", "reason": "x"})
    assert refused.status_code == 403  # the form is not offered to an inspector; posted anyway, it is refused

    quinn, token = sign_in("quinn")
    held = quinn.get("/holds/1/ncr", follow_redirects=False)
    assert held.headers["location"] == "/ncrs/NCR-000001"
    done = quinn.post("/ncrs/NCR-000001/review", data={"csrf_token": token, "action": "rework", "rework_to": "30",
                                                       "reason": "re-torque"})
    assert done.status_code == 409 and "Rework names an operation SN-1 has reached" in done.text
    done = quinn.post("/ncrs/NCR-000001/review", data={"csrf_token": token, "action": "rework", "rework_to": "10",
                                                       "reason": "re-torque"}, follow_redirects=False)
    assert done.status_code == 303
    decided = quinn.post("/ncrs/NCR-000001/disposition", data={"csrf_token": token})
    assert decided.status_code == 200 and "NCR-000001 dispositioned rework." in decided.text
    opened = quinn.post("/capas/NCR-000001/open", data={"csrf_token": token, "title": "Over-torque"},
                        follow_redirects=False)
    assert opened.headers["location"] == "/capas/CAPA-0001"
    capa = quinn.get("/capas/CAPA-0001")
    assert capa.status_code == 200 and "Over-torque" in capa.text and "NCR-000001" in capa.text
    assert quinn.get("/ncrs/NCR-999999").status_code == 404
