"""The trace and completeness pages over the ASGI test client (SQLite)."""
import re

import pytest

from reading import viewer_pages


@pytest.fixture
def client(sqlite_url, build_genealogy_into):
    build_genealogy_into(sqlite_url)
    return viewer_pages(sqlite_url)


def test_the_tree_page_both_ways(client):
    assert 'id="trace-result"' not in client.get("/trace").text
    html = client.get("/trace", params={"identifier": "SN-TOP"}).text
    assert re.findall(r'data-identifier="([^"]+)"', html) == ["SN-TOP", "MTR-S01", "WIRE-LOT-1", "SCR-LOT-1"]
    assert "PO 7001" not in html and "PO PO-7001 line 1" in html and "Wire Works" in html
    html = client.get("/trace", params={"identifier": "SCR-LOT-1", "direction": "forward"}).text
    assert "2 unit(s) contain SCR-LOT-1" in html and 'id="trace-units"' in html
    r = client.get("/trace", params={"identifier": "NOPE"})
    assert r.status_code == 404 and "No unit serial or material lot number NOPE." in r.text
    r = client.get("/trace", params={"identifier": "SN/TOP"})
    assert r.status_code == 422 and "an identifier is 1 to 60 of the characters" in r.text


def test_the_completeness_page(client):
    html = client.get("/trace/check", params={"lot": "L1"}).text
    assert "1 of 2 unit(s) have gaps." in html and "Operation 20 (Inspect) is not started." in html
    assert client.get("/trace/check", params={"lot": "NOPE"}).status_code == 404
