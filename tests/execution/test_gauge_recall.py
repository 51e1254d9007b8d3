"""Issue 13, the gauge recall: a calibration that finds a gauge out of tolerance ("as found: out") puts every
result it took since its last good calibration up for a quality engineer's review, through the service, the
CLI (`lrip gauge recall CODE`), the API and a page, in four statements."""
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import ADMIN, TODAY, actor, build_line
from lrip.app import create_app
from lrip.catalog import service as catalog
from lrip.cli import app
from lrip.db import unit_of_work, utcnow
from lrip.execution import gauges
from lrip.execution import service as execution
from reading import counting, viewer_pages, viewer_token

TAKEN = {"SN-1": 15, "SN-2": 12, "SN-3": 3}  # days ago: SN-1 and SN-2 before TA-9 was found out, SN-3 after


def build(session) -> None:
    """TA-9 calibrated 25 days ago (good), found out of tolerance 8 days ago; DG-1 found in tolerance."""
    build_line(session)
    admin = actor(session, ADMIN)
    for code in ("TA-9", "DG-1"):
        catalog.create_tool(session, admin, code=code, kind="torque analyser", description=f"Analyser {code}",
                            category="gauge", calibration_due=TODAY + timedelta(days=340), certificate=f"{code}-C1",
                            calibrated_on=TODAY - timedelta(days=25))
    olga = actor(session, "olga")
    for serial, days in TAKEN.items():
        execution.create_unit(session, admin, lot="L1", serial=serial)
        execution.start_operation(session, olga, serial=serial, operation=10, tools=["TQ-1"],
                                  at=utcnow() - timedelta(days=days, hours=1))
        execution.record_measurement(session, olga, serial=serial, characteristic="TORQUE", result="2.15",
                                     gauge="TA-9", at=utcnow() - timedelta(days=days))
        if serial == "SN-2":
            catalog.calibrate_tool(session, admin, code="TA-9", due=TODAY + timedelta(days=357), certificate="TA-9-C2",
                                   as_found="out", calibrated_on=TODAY - timedelta(days=8))
    catalog.calibrate_tool(session, admin, code="DG-1", due=TODAY + timedelta(days=365), certificate="DG-1-C2",
                           as_found="in", calibrated_on=TODAY - timedelta(days=1))


@pytest.fixture
def recalled(session):
    build(session)
    return session


def test_a_gauge_found_out_lists_every_result_since_its_last_good_calibration(recalled):
    olga = actor(recalled, "olga")
    with counting(recalled) as sent:
        recall = gauges.gauge_recall(recalled, olga, code="ta-9")
    assert len(sent) <= 4
    [finding] = recall.findings
    assert (finding.found_out_on, finding.since, finding.certificate) == (
        TODAY - timedelta(days=8), TODAY - timedelta(days=25), "TA-9-C2")
    assert [(r.serial, r.characteristic, r.value, r.lot) for r in finding.results] == [
        ("SN-1", "TORQUE", 2.15, "L1"), ("SN-2", "TORQUE", 2.15, "L1")]
    assert finding.results[0].margin == pytest.approx(0.05)  # 2.15 against the upper limit 2.2
    assert (finding.units, finding.characteristics) == (["SN-1", "SN-2"], ["TORQUE"])
    assert gauges.gauge_recall(recalled, actor(recalled, "olga"), code="DG-1").findings == []


@pytest.fixture
def url(sqlite_url, monkeypatch, tmp_path):
    with unit_of_work(sqlite_url) as session:
        build(session)
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LRIP_TOKEN", viewer_token(sqlite_url))
    return sqlite_url


def test_the_recall_through_the_cli_the_api_and_its_page(url):
    result = CliRunner().invoke(app, ["gauge", "recall", "TA-9", "--db", url])
    assert result.exit_code == 0, result.output
    assert f"Found out of tolerance on {TODAY - timedelta(days=8)} (certificate TA-9-C2): 2 results since its " \
           f"calibration of {TODAY - timedelta(days=25)} on 2 units (L1) to review." in result.output
    as_json = json.loads(CliRunner().invoke(app, ["gauge", "recall", "TA-9", "--db", url, "--json"]).output)
    api = TestClient(create_app(url))
    api.headers["Authorization"] = f"Bearer {viewer_token(url)}"
    assert api.get("/api/v1/gauges/TA-9/recall").json() == as_json
    assert api.get("/api/v1/gauges/NOPE/recall").status_code == 404
    html = viewer_pages(url).get("/gauges/TA-9/recall").text
    assert 'data-serial="SN-1"' in html and 'data-serial="SN-2"' in html and 'data-serial="SN-3"' not in html
