"""The trace API on SQLite and PostgreSQL: the tree as JSON, completeness, errors as problem+json."""
import pytest
from fastapi.testclient import TestClient

from lrip.app import create_app
from reading import viewer_token


@pytest.fixture
def api(genealogy):
    client = TestClient(create_app(genealogy))
    client.headers["Authorization"] = f"Bearer {viewer_token(genealogy)}"
    return client


def test_trace_both_ways_and_completeness_over_http(api):
    r = api.get("/api/v1/trace/SN-TOP", params={"direction": "backward"})
    assert r.status_code == 200, r.text
    body = r.json()
    motor = body["root"]["links"][0]
    assert (motor["identifier"], motor["links"][0]["identifier"]) == ("MTR-S01", "WIRE-LOT-1")
    receipt = motor["links"][0]["receipt"]
    assert receipt == {"po": "PO-7001", "line": 1, "received_on": receipt["received_on"],
                       "promised_on": receipt["promised_on"], "quantity": 50.0, "inspection": "accepted"}
    assert motor["contains"] is None and motor["into"] == "SN-TOP"

    r = api.get("/api/v1/trace/WIRE-LOT-1", params={"direction": "forward"})
    assert [(u["identifier"], u["status"]) for u in r.json()["units"]] == [("MTR-S01", "complete"),
                                                                          ("SN-TOP", "complete")]

    r = api.get("/api/v1/lots/L1/completeness")
    assert r.status_code == 200
    assert [(u["serial"], u["complete"]) for u in r.json()] == [("SN-TOP", True), ("SN-2", False)]
    assert api.get("/api/v1/units/SN-2/completeness").json()["gaps"][0] == "operation 20 (Inspect) is not started"


def test_unknown_identifiers_and_bad_directions_are_problems_not_500s(api):
    r = api.get("/api/v1/trace/NOPE-9")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["reasons"] == ["No unit serial or material lot number NOPE-9"]
    assert api.get("/api/v1/trace/SN-TOP", params={"direction": "up"}).status_code == 422
    assert api.get("/api/v1/trace/SN-TOP", params={"kind": "pallet"}).status_code == 422
    assert api.get("/api/v1/trace/SN%20TOP").status_code == 422  # identifiers in paths: fields.IDENTIFIER_PATTERN
    assert api.get("/api/v1/lots/L%E2%80%911/completeness").status_code == 422  # a look-alike hyphen
    assert api.get("/api/v1/lots/NOPE/completeness").status_code == 404
    assert TestClient(api.app).get("/api/v1/trace/SN-TOP").status_code == 401
