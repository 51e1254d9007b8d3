"""The supply API (SQLite and PostgreSQL) and the supplier pages: order, receive, inspect,
and the result on the scorecard; refusals as problem+json with every reason."""
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lrip.api.app import create_app
from lrip.auth.service import create_token, set_password
from lrip.db import engine_for
from supply.world import build_supply, days_ago

PASSWORD = "supply-web-pass-3"


@pytest.fixture
def api(db_url):
    with Session(engine_for(db_url), expire_on_commit=False) as session:
        build_supply(session)
        tokens = {u: create_token(session, username=u, name="t", actor="admin")[0] for u in ("bea", "ian")}
    client = TestClient(create_app(db_url))
    client.as_user = lambda name: {"Authorization": f"Bearer {tokens[name]}"}
    return client


def test_order_receive_inspect_over_http(api):
    bea, ian = api.as_user("bea"), api.as_user("ian")
    r = api.post("/api/v1/purchase-orders", headers=bea, json={
        "number": "PO-9", "supplier": "CND", "ordered_on": str(days_ago(30)),
        "lines": [{"part": "PCB-9", "quantity": 2, "promised_on": str(days_ago(10))}]})
    assert r.status_code == 201, r.text
    assert r.json()["lines"][0]["quantity_open"] == 2
    r = api.post("/api/v1/purchase-orders/PO-9/lines/1/receipts", headers=bea,
                 json={"quantity": 2, "serials": ["B-1", "B-2"], "received_on": str(days_ago(8))})
    assert r.status_code == 201, r.text
    assert r.json()["lots"] == ["B-1", "B-2"] and r.json()["inspection"]["sample_size"] == 1
    r = api.post("/api/v1/receipts/B-1/inspection", headers=bea, json={"defects": 0})
    assert r.status_code == 403  # a buyer does not inspect
    r = api.post("/api/v1/receipts/B-1/inspection", headers=ian, json={"defects": 1, "note": "cracked"})
    assert r.status_code == 200 and r.json()["result"] == "rejected" and r.json()["ncr"]
    cards = {c["supplier"]: c for c in api.get("/api/v1/suppliers/scorecard", headers=bea).json()}
    assert (cards["CND"]["receipts"], cards["CND"]["on_time_rate"], cards["CND"]["acceptance_rate"],
            cards["CND"]["open_ncrs"]) == (2, 0.0, 0.0, 1)
    assert [r["lot"] for r in api.get("/api/v1/receipts?result=pending", headers=ian).json()] == ["B-2"]


def test_refusals_are_problems_with_every_reason(api):
    bea = api.as_user("bea")
    r = api.post("/api/v1/purchase-orders", headers=bea, json={
        "number": "PO-10", "supplier": "ACME", "lines": [{"part": "GSK-2", "quantity": 5, "promised_on": "2020-01-01"}]})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["reasons"] == ["ACME is not an approved source of GSK-2",
                                   f"promised on 2020-01-01, before the order date {days_ago(0)}"]
    assert api.get("/api/v1/purchase-orders/PO-10", headers=bea).status_code == 404  # nothing was kept
    r = api.post("/api/v1/suppliers/DQ/status", headers=bea, json={"status": "disqualified", "reason": "audit failed"})
    assert r.status_code == 200 and r.json()["status"] == "disqualified"
    r = api.post("/api/v1/purchase-orders", headers=bea, json={"number": "PO-11", "supplier": "DQ"})
    assert r.json()["reasons"] == ["supplier DQ is disqualified; nothing is ordered from it"]


@pytest.fixture
def web(sqlite_url):
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        build_supply(session)
        for name in ("bea", "ian"):
            set_password(session, username=name, password=PASSWORD, actor="admin")
    return sqlite_url


def sign_in(url, username):
    client = TestClient(create_app(url))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_pages_receive_and_inspect(web):
    bea = sign_in(web, "bea")
    token = csrf(bea.get("/suppliers").text)
    from lrip.supply import service

    with Session(engine_for(web), expire_on_commit=False) as s:
        service.place_order(s, number="PO-5", supplier="ACME", ordered_on=days_ago(9), actor="bea",
                            lines=[("BRK-1", 40, days_ago(1))])
    page = bea.get("/purchase-orders/PO-5")
    assert page.status_code == 200 and "Receive" in page.text and "Record inspection" not in page.text
    r = bea.post("/purchase-orders/PO-5/lines/1/receive", data={"csrf_token": token, "quantity": "50", "lot": ""})
    assert r.status_code == 409
    assert "50 received but only 40 of BRK-1 is still open" in r.text and "needs a lot number" in r.text
    r = bea.post("/purchase-orders/PO-5/lines/1/receive", data={"csrf_token": token, "quantity": "40", "lot": "A-1"},
                 follow_redirects=False)
    assert r.status_code == 303
    ian = sign_in(web, "ian")
    page = ian.get("/purchase-orders/PO-5")
    assert "Inspect 40 of 40 (100%, any defect rejects)" in page.text
    r = ian.post("/receipts/A-1/inspect", data={"csrf_token": csrf(page.text), "po": "PO-5", "defects": "0"},
                 follow_redirects=False)
    assert r.status_code == 303
    suppliers = ian.get("/suppliers").text
    row = suppliers[suppliers.index('id="supplier-ACME"'):].split("</tr>")[0]
    assert 'data-testid="accepted">100%' in row and 'data-testid="receipts">1<' in row
    assert "<svg" in suppliers
    assert ian.get("/suppliers/ACME").status_code == 200
    assert ian.get("/suppliers/NOPE").status_code == 404
