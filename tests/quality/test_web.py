"""The quality API and pages over the ASGI test client (SQLite): the same service answers both."""
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from factory import PM, PM_PASSWORD, QE, QE_PASSWORD, actor
from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.db import engine_for, unit_of_work
from lrip.quality.service import TARGETS
from lrip.readiness import service as readiness
from lrip.readiness.criteria import targets_for
from quality.lines import build_four_units, build_torque_series
from supply.world import statements_during

PASSWORD = "quality-pages-pass-7"


@pytest.fixture(scope="module")
def app_url(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("quality-web") / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with unit_of_work(url) as session:
        build_four_units(session)
        create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"],
                    password=PASSWORD)
        token = create_token(session, actor(session, "admin"), username="vera", name="web test").token
    yield url, token
    engine_for(url).dispose()


def signed_in_as_vera(url: str) -> TestClient:
    """A browser on the pages, signed in as the viewer vera."""
    client = TestClient(create_app(url))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": "vera", "password": PASSWORD, "next": "/", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


@pytest.fixture(scope="module")
def browser(app_url):
    return signed_in_as_vera(app_url[0])


def test_api_answers_what_the_service_computes(app_url):
    url, token = app_url
    client = TestClient(create_app(url))
    headers = {"Authorization": f"Bearer {token}"}
    spc = client.get("/api/v1/programs/ACT/characteristics/TORQUE/spc?baseline=3", headers=headers)
    assert spc.status_code == 200, spc.text
    body = spc.json()
    assert body["chart"] == "imr" and body["baseline"] == 3 and body["labels"] == ["U1", "U2", "U3", "U4"]
    assert set(body["capability"]) == {"cp", "cpk", "pp", "ppk", "cpk_ci_low", "cpk_ci_high", "sigma_within",
                                       "sigma_overall", "n"}
    metrics = client.get("/api/v1/programs/ACT/metrics?by=operation", headers=headers).json()
    assert [g["group"] for g in metrics["groups"]] == ["10 Assemble", "20 Inspect", "30 Test"]
    assert metrics["total"]["rty"] == pytest.approx(0.5)
    listing = client.get("/api/v1/programs/ACT/characteristics", headers=headers).json()
    assert [c["characteristic"] for c in listing] == ["TORQUE", "VISUAL", "CURRENT", "NOISE"]

    bad = client.get("/api/v1/programs/ACT/characteristics/VISUAL/spc?chart=imr", headers=headers)
    assert bad.status_code == 422 and "VISUAL is pass/fail" in bad.json()["reasons"][0]
    assert client.get("/api/v1/programs/ACT/characteristics/NOPE/spc", headers=headers).status_code == 404
    assert client.get("/api/v1/programs/ACT/metrics?by=shift", headers=headers).status_code == 422
    assert client.get("/api/v1/programs/ACT/metrics").status_code == 401


def test_quality_pages_draw_their_charts(browser):
    r = browser.get("/quality", follow_redirects=False)  # one program: straight to its dashboard
    assert r.status_code == 303 and r.headers["location"] == "/programs/ACT/quality"
    page = browser.get("/programs/ACT/quality").text
    for label in ("first-pass yield and RTY by lot", "defects per unit by lot", "defect Pareto", "open NCRs by age"):
        assert f'aria-label="ACT: {label}"' in page or label == "open NCRs by age"
    assert 'href="/programs/ACT/spc/TORQUE"' in page  # the key characteristics link to their charts
    assert page.count("<svg") >= 3

    listing = browser.get("/programs/ACT/spc").text
    assert 'data-characteristic="TORQUE"' in listing and "too few data" in listing

    chart = browser.get("/programs/ACT/spc/TORQUE?baseline=3").text
    assert 'aria-label="ACT TORQUE: Individuals and moving range chart"' in chart
    assert 'aria-label="ACT TORQUE: capability"' in chart
    assert "phase II" in chart and 'data-testid="cpk"' in chart


def test_pages_refuse_in_words(browser):
    r = browser.get("/programs/ACT/spc/NOPE")
    assert r.status_code == 404 and "ACT has no characteristic NOPE" in r.text
    r = browser.get("/programs/ACT/spc/TORQUE?baseline=many")
    assert r.status_code == 422 and "The baseline must be a whole number" in r.text
    assert browser.get("/programs/NOPE/quality").status_code == 404


def statements_for_page(url: str, path: str) -> int:
    """The SQL statements one signed-in GET of `path` sends, sign-in lookup included."""
    with unit_of_work(url) as session:
        create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"],
                    password=PASSWORD)
    client = signed_in_as_vera(url)
    return statements_during(url, lambda: client.get(path).raise_for_status())


def test_the_characteristic_list_is_a_constant_number_of_statements(sqlite_template, tmp_path):
    """3 units or 10 units measured: the same statements (set-based reads, no query per unit or characteristic)."""
    counts = []
    for units in (3, 10):
        path = tmp_path / f"{units}.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        with unit_of_work(url) as session:
            build_torque_series(session, units=units)
        counts.append(statements_for_page(url, "/programs/ACT/spc"))
        engine_for(url).dispose()
    assert counts[0] == counts[1] <= 9, counts


def test_the_dashboard_flags_what_misses_its_target_and_draws_the_target_on_its_line(browser):
    """RTY 50% is red with the words wherever it appears (tile, the lot's row); so are the operations' first-pass
    yields below 95% and TORQUE's Cpk below 1.33, while operation 30 at 100% is green and CURRENT, with no
    Cpk yet, stays plain; the yield chart's RTY target is a line with its value written on it."""
    page = browser.get("/programs/ACT/quality").text
    assert re.search(r'data-testid="rty"><span class="tile-n"><span class="misses-target">50\.0% '
                     r'<small class="target-note">below 90\.0%', page)
    lot = page[page.index('data-lot="L1"'):].split("</tr>")[0]
    assert '<span class="misses-target">50.0% <small class="target-note">below 90.0%' in lot
    operations = page[page.index('id="by-operation"'):].split("</table>")[0].split("<tr>")
    below = '<span class="misses-target">75.0% <small class="target-note">below 95.0%'
    assert [below in row for row in operations[2:]] == [True, False, False]
    assert '<span class="misses-target">66.7% <small class="target-note">below 95.0%' in operations[3]
    assert '<span class="meets-target">100.0%</span>' in operations[4]
    key = page[page.index('id="key-characteristics"'):].split("</table>")[0]
    assert '<span class="misses-target">0.24 <small class="target-note">below 1.33' in key
    assert '<td class="num">—</td>' in key
    assert "RTY target 90%" in page


def test_the_quality_pages_flag_against_the_readiness_gate_s_defaults():
    """The quality area may not import readiness: its default targets are the gate's, kept equal here."""
    gate = targets_for({})
    assert TARGETS == {"cpk": gate["capability"]["cpk_min"], "fpy": gate["yield"]["fpy_min"],
                       "rty": gate["yield"]["rty_min"], "on_time": gate["supply_chain"]["on_time_min"],
                       "ppm": gate["supply_chain"]["ppm_max"]}


def test_a_program_s_own_signed_targets_are_what_its_quality_pages_flag(sqlite_template, tmp_path):
    """ACT signed RTY 45% and Cpk 0.2 as its own readiness targets: its dashboard and SPC list flag against those
    (RTY 50% and TORQUE's Cpk 0.24 now meet them), not the gate's defaults, which the quality pages showed
    whatever a program had signed."""
    path = tmp_path / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with unit_of_work(url) as session:
        build_four_units(session)
        for criterion, name, value in (("yield", "rty_min", 0.45), ("capability", "cpk_min", 0.2)):
            change = readiness.set_target(session, actor(session, PM), program="ACT", criterion=criterion, name=name,
                                          value=value, reason="pilot build: the customer's own figures",
                                          password=PM_PASSWORD)
            readiness.sign_target(session, actor(session, QE), program="ACT", change=change.id, password=QE_PASSWORD)
        create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"],
                    password=PASSWORD)
    client = signed_in_as_vera(url)
    page = client.get("/programs/ACT/quality").text
    assert re.search(r'data-testid="rty"><span class="tile-n"><span class="meets-target">50\.0%', page)
    key = page[page.index('id="key-characteristics"'):].split("</table>")[0]
    assert '<span class="meets-target">0.24</span>' in key
    assert "RTY target 45%" in page
    assert "below 0.2" not in client.get("/programs/ACT/spc").text
    engine_for(url).dispose()
