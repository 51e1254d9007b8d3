"""The NCR/MRB/CAPA API over the ASGI client: raise, review, sign (password again), disposition, close;
attachments; CAPA. Permissions are walked for every route in tests/api/test_permissions_matrix.py."""
import pytest
from fastapi.testclient import TestClient

from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.db import unit_of_work


@pytest.fixture
def api(sqlite_url, kit):
    """Clients as the quality engineer and the other MRB members, on a line with SN-1 on hold (NCR-000001)."""
    with unit_of_work(sqlite_url) as session:
        kit.build(session, serials=["SN-1", "SN-2"], held=["SN-1"])
        tokens = {u: create_token(session, kit.actor(session, u), username=u, name="api").token
                  for u in ("quinn", "mara", "eli", "pam", "cora", "ivy", "olga")}
    app = create_app(sqlite_url)

    def client(user):
        c = TestClient(app)
        c.headers["Authorization"] = f"Bearer {tokens[user]}"
        return c
    return client


def test_use_as_is_through_the_api_refused_then_signed_then_released(api, kit):
    quinn = api("quinn")
    got = quinn.get("/api/v1/ncrs", params={"status": "open"}).json()
    assert got["total"] == 1 and got["items"][0]["number"] == "NCR-000001" and got["items"][0]["serial"] == "SN-1"
    r = quinn.post("/api/v1/ncrs/NCR-000001/review", json={"action": "use_as_is", "reason": "gauge error"})
    assert r.status_code == 200 and r.json()["status"] == "mrb_review"
    r = quinn.post("/api/v1/ncrs/NCR-000001/dispositions")
    assert r.status_code == 409
    assert r.json()["code"] == "disposition_refused" and "a program signature" in r.json()["reasons"][0]
    r = api("eli").post("/api/v1/ncrs/NCR-000001/signatures", json={"password": "wrong-password!"})
    assert r.status_code == 409 and r.json()["reasons"] == ["the password of eli is not right; nothing was signed"]
    for user in ("mara", "eli", "pam", "cora"):  # a major NCR in LRIP: the customer signs too
        r = api(user).post("/api/v1/ncrs/NCR-000001/signatures", json={"password": kit.password})
        assert r.status_code == 201, r.text
    assert r.json()["missing"] == []
    r = quinn.post("/api/v1/ncrs/NCR-000001/dispositions", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "dispositioned" and body["holds"][0]["released_at"] is not None
    assert [s["username"] for s in body["dispositions"][0]["signatures"]] == ["mara", "eli", "pam", "cora"]
    assert api("olga").get("/api/v1/units/SN-1").json()["status"] == "in_work"
    r = quinn.post("/api/v1/ncrs/NCR-000001/close", json={"reason": "ok"})
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_the_unit_disposition_endpoint_goes_through_the_ncr(api):
    r = api("quinn").post("/api/v1/units/SN-1/disposition", json={"action": "rework", "reason": "redo", "rework_to": "10"})
    assert r.status_code == 200, r.text
    assert r.json() == {"serial": "SN-1", "lot": "L1", "status": "in_work", "ncr": "NCR-000001",
                        "disposition": "rework"}
    assert api("quinn").get("/api/v1/ncrs/NCR-000001").json()["dispositions"][0]["action"] == "rework"
    r = api("olga").post("/api/v1/units/SN-1/disposition", json={"action": "scrap", "reason": "mine"})
    assert r.status_code == 403 and "may not disposition holds" in r.json()["reasons"][0]


def test_raise_by_hand_attach_a_file_and_read_it_back(api):
    ivy = api("ivy")
    r = ivy.post("/api/v1/ncrs", json={"description": "dent in the housing", "severity": "minor",
                                       "defect_code": "DAMAGE", "serial": "SN-2"})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert number == "NCR-000002" and ivy.get("/api/v1/units/SN-2").json()["status"] == "on_hold"
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    r = ivy.post(f"/api/v1/ncrs/{number}/attachments", params={"filename": "dent.png"}, content=png,
                 headers={"content-type": "image/png"})
    assert r.status_code == 201 and r.json()["size"] == len(png)
    got = ivy.get(f"/api/v1/ncrs/{number}/attachments/{r.json()['id']}")
    assert got.content == png and got.headers["content-type"] == "image/png"
    r = ivy.post(f"/api/v1/ncrs/{number}/attachments", params={"filename": "x.exe"}, content=b"MZ",
                 headers={"content-type": "application/x-msdownload"})
    assert r.status_code == 409 and r.json()["code"] == "attachment_refused"
    assert api("olga").post("/api/v1/ncrs/NCR-000001/review", json={"action": "scrap", "reason": "x"}).status_code == 403


def test_capa_through_the_api(api):
    quinn = api("quinn")
    r = quinn.post("/api/v1/capas", json={"title": "Over-torque", "ncrs": ["NCR-000001"]})
    assert r.status_code == 201, r.text
    capa = r.json()
    assert (capa["number"], capa["status"], capa["ncrs"], capa["operation"]) == ("CAPA-0001", "open", ["NCR-000001"], 10)
    r = quinn.patch("/api/v1/capas/CAPA-0001", json={"d4_root_cause": "driver set high"})
    assert r.status_code == 200 and r.json()["d4_root_cause"] == "driver set high"
    r = quinn.post("/api/v1/capas/CAPA-0001/actions", json={"description": "lock it", "owner": "eli",
                                                            "due_on": "2030-01-01"})
    assert r.status_code == 201 and r.json()["actions_open"] == 1
    r = quinn.post("/api/v1/capas/CAPA-0001/verify")
    assert r.status_code == 409 and r.json()["reasons"][0].startswith("action not done yet")
    r = quinn.post("/api/v1/capas/CAPA-0001/close", json={"reason": "done"})
    assert r.status_code == 409 and "CAPA-0001's effectiveness is not verified yet" in r.json()["reasons"]
    assert [c["number"] for c in quinn.get("/api/v1/capas").json()] == ["CAPA-0001"]


def test_answers_are_the_services_typed_answers(api):
    """The list is paged by the database; the defect codes and a unit's holds come from the same use cases
    as the CLI's --json."""
    quinn = api("quinn")
    page = quinn.get("/api/v1/ncrs", params={"limit": 1, "offset": 0}).json()
    assert (page["total"], page["limit"], len(page["items"])) == (1, 1, 1)
    codes = quinn.get("/api/v1/defect-codes").json()
    assert {"code": "OOS-HIGH", "meaning": "Measured above the upper limit", "active": True,
            "automatic": True} in [{k: c[k] for k in ("code", "meaning", "active", "automatic")} for c in codes]
    holds = quinn.get("/api/v1/ncrs/ncr-000001").json()["holds"]
    assert [(h["serial"], h["ncr"], h["open"]) for h in holds] == [("SN-1", "NCR-000001", True)]
