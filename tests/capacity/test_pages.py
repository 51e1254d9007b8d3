"""The capacity and learning-curve pages over the ASGI test client (SQLite)."""
from reading import viewer_pages


def test_the_capacity_and_learning_pages(line_url):
    client = viewer_pages(line_url)
    html = client.get("/programs/ACT/capacity").text
    assert 'data-center="ASSY"' in html and "<svg" in html
    html = client.get("/programs/ACT/capacity", params={"rate": "60", "observed": "1"}).text
    assert "Assembly (ASSY) needs" in html
    r = client.get("/programs/ACT/capacity", params={"rate": "1e7"})
    assert r.status_code == 422 and "Rate: Input should be less than or equal to 1000000" in r.text
    html = client.get("/programs/ACT/learning", params={"operation": "30"}).text
    assert "operation 30 Test" in html and '<option value="20"' in html
    r = client.get("/programs/ACT/learning", params={"operation": "99"})
    assert r.status_code == 404 and "no operation 99" in r.text
