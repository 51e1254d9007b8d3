"""The shortages page over the ASGI test client (SQLite): the report, the horizon, refusals."""
from datetime import date, timedelta

from lrip.planning.service import monday
from reading import viewer_pages

W2 = monday(date.today()) + timedelta(weeks=2)


def test_the_shortages_page(planned_url):
    client = viewer_pages(planned_url)
    html = client.get("/programs/ACT/shortages").text
    assert f'data-lot="FRP {W2}"' in html and "MTR-1 runs out on" in html and "<svg" in html
    html = client.get("/programs/act/shortages", params={"horizon": "2", "lateness": "1"}).text
    assert 'id="no-shortage"' in html and 'data-lot="L1"' in html
    r = client.get("/programs/ACT/shortages", params={"horizon": "1_0"})
    assert r.status_code == 422 and "Horizon: the horizon is a plain decimal number" in r.text
    assert client.get("/programs/NOPE/shortages").status_code == 404
