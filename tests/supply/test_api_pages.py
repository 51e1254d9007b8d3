"""The supply API (SQLite and PostgreSQL) and the supplier pages: order, receive, inspect,
and the result on the scorecard; refusals as problem+json with every reason."""
import re

import pytest
from fastapi.testclient import TestClient

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token, set_password
from lrip.db import unit_of_work
from lrip.supply import service
from supply.world import ADMIN, BUYER, INSPECTOR, build_supply, days_ago, statements_during

PASSWORD = "supply-web-pass-3"


@pytest.fixture
def api(db_url):
    with unit_of_work(db_url) as session:
        build_supply(session)
        tokens = {u: create_token(session, actor(session, u), username=u, name="t").token for u in (BUYER, INSPECTOR)}
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
    r = api.get("/api/v1/suppliers/scorecard", headers=bea)
    assert r.status_code == 200, r.text
    cards = {c["supplier"]: c for c in r.json()}
    assert (cards["CND"]["receipts"], cards["CND"]["on_time_rate"], cards["CND"]["acceptance_rate"],
            cards["CND"]["open_ncrs"]) == (2, 0.0, 0.0, 1)
    assert [r["lot"] for r in api.get("/api/v1/receipts?result=pending", headers=ian).json()] == ["B-2"]
    assert api.get("/api/v1/suppliers/CND", headers=ian).json()["receipts"][0]["supplier"] == "CND"


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


@pytest.mark.parametrize("body", [{"code": "", "name": "X"}, {"code": "   ", "name": "X"},
                                  {"code": "X" * 5000, "name": "X"}, {"code": "X" * 41, "name": "X"}])
def test_the_api_refuses_a_bad_supplier_code(api, body):
    r = api.post("/api/v1/suppliers", headers=api.as_user("bea"), json=body)
    assert r.status_code == 422, r.text


def test_the_api_refuses_a_case_twin_and_a_huge_quantity(api):
    bea = api.as_user("bea")
    r = api.post("/api/v1/suppliers", headers=bea, json={"code": "acme", "name": "Another Acme"})
    assert r.status_code == 409 and r.json()["reasons"] == ["supplier acme already exists"]
    r = api.post("/api/v1/purchase-orders", headers=bea, json={
        "number": "PO-12", "supplier": "ACME", "lines": [{"part": "BRK-1", "quantity": 1e308, "promised_on": "2030-01-01"}]})
    assert r.status_code == 422 and "quantity" in r.json()["reasons"][0]


@pytest.fixture
def web(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_supply(session)
        admin = actor(session, ADMIN)
        for name in (BUYER, INSPECTOR):
            set_password(session, admin, username=name, password=PASSWORD)
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
    with unit_of_work(web) as s:
        service.place_order(s, actor(s, BUYER), number="PO-5", supplier="ACME", ordered_on=days_ago(9),
                            lines=[("BRK-1", 40, days_ago(1))])
    page = bea.get("/purchase-orders/PO-5")
    assert page.status_code == 200 and "Receive" in page.text and "Record inspection" not in page.text
    r = bea.post("/purchase-orders/PO-5/lines/1/receive", data={"csrf_token": token, "quantity": "50", "lot": ""})
    assert r.status_code == 409
    assert "50 received but only 40 of BRK-1 is still open" in r.text and "needs a lot number" in r.text
    r = bea.post("/purchase-orders/PO-5/lines/1/receive", data={"csrf_token": token, "quantity": "1e308", "lot": "A-1"})
    assert r.status_code == 422 and "quantity" in r.text  # the API's own schema refuses it here too
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


def test_the_supplier_page_changes_a_status_with_the_schema_s_reasons(web):
    bea = sign_in(web, "bea")
    page = bea.get("/suppliers/CND").text
    r = bea.post("/suppliers/CND/status", data={"csrf_token": csrf(page), "status": "approved", "reason": "  "})
    assert r.status_code == 422 and "reason" in r.text
    r = bea.post("/suppliers/CND/status", data={"csrf_token": csrf(page), "status": "approved",
                                                "reason": "source inspection passed"}, follow_redirects=False)
    assert r.status_code == 303
    assert "source inspection passed" in bea.get("/suppliers/CND").text


def test_the_supply_pages_are_a_constant_number_of_statements(sqlite_template, tmp_path):
    """The suppliers' page (scorecard, pending receipts, open orders) and a purchase order's page
    read as many statements for 1 order of 1 line as for 6 orders of 4 lines with receipts."""
    import shutil

    counts = []
    for orders, lines in ((1, 1), (6, 4)):
        path = tmp_path / f"{orders}.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        with unit_of_work(url) as session:
            build_supply(session)
            set_password(session, actor(session, ADMIN), username=BUYER, password=PASSWORD)
            bea = actor(session, BUYER)
            for o in range(orders):
                service.place_order(session, bea, number=f"PO-{o}", supplier="ACME", ordered_on=days_ago(20),
                                    lines=[("BRK-1", 10, days_ago(5))] * lines)
                for line in range(1, lines + 1):
                    service.receive(session, bea, po=f"PO-{o}", line=line, quantity=4, lot_number=f"L-{o}-{line}")
        client = sign_in(url, BUYER)
        counts.append([statements_during(url, lambda p=p: client.get(p).raise_for_status())
                       for p in ("/suppliers", "/purchase-orders/PO-0")])
    assert counts[0] == counts[1], counts


def test_a_late_and_defective_supplier_is_flagged_against_the_targets_where_its_numbers_appear(web):
    """0% on time and 20,000 PPM are red with the words (below 95%, above 1,000) on the scorecard and on the
    supplier's page; a supplier on target is green; one with no receipts stays plain."""
    with unit_of_work(web) as s:
        service.place_order(s, actor(s, BUYER), number="PO-9", supplier="ACME", ordered_on=days_ago(30),
                            lines=[("BRK-1", 100, days_ago(20))])
        service.receive(s, actor(s, BUYER), po="PO-9", line=1, quantity=100, lot_number="LATE-1",
                        received_on=days_ago(10))
        service.inspect_receipt(s, actor(s, INSPECTOR), lot_number="LATE-1", defects=2)
    ian = sign_in(web, "ian")
    page = ian.get("/suppliers").text
    row = page[page.index('id="supplier-ACME"'):].split("</tr>")[0]
    assert re.search(r'data-testid="on-time"><span class="misses-target">0% <small class="target-note">below 95%', row)
    assert re.search(r'data-testid="ppm"><span class="misses-target">20,000 <small class="target-note">above 1,000',
                     row)  # 2 defective in the sample of 100
    plain = page[page.index('id="supplier-CND"'):].split("</tr>")[0]
    assert 'data-testid="on-time">—<' in plain and "target" not in plain
    card = ian.get("/suppliers/ACME").text
    assert re.search(r'data-testid="on-time"><span class="tile-n"><span class="misses-target">0% '
                     r'<small class="target-note">below 95%', card)
    assert "on-time target 95%" in card  # the trend's target line, its value written on it
