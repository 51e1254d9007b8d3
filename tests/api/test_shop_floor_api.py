"""The REST API over real HTTP handling: problem+json errors, paging, filters, idempotent retries.
Runs on SQLite and PostgreSQL."""
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.db import unit_of_work
from lrip.execution.models import Measurement, OperationRecord, Unit
from lrip.execution.service import create_unit
from lrip.program.models import Lot
from factory import actor, build_line, just_now

PROBLEM = "application/problem+json"


@pytest.fixture
def api(db_url):
    with unit_of_work(db_url) as session:
        build_line(session)
        admin = actor(session, "admin")
        create_user(session, admin, username="vera", full_name="Vera Viewer", roles=["viewer"])
        tokens = {u: create_token(session, admin, username=u, name="terminal").token
                  for u in ("olga", "oscar", "vera", "quinn")}
        create_unit(session, admin, lot="L1", serial="SN-1")
    client = TestClient(create_app(db_url))

    def as_user(name):
        return {"Authorization": f"Bearer {tokens[name]}"}

    client.as_user = as_user
    client.db_url = db_url
    return client


def count(db_url, model):
    """Rows of `model` outside the factory's pilot lot P1 (its unit and its records were there before)."""
    with unit_of_work(db_url, write=False) as s:
        pilot = select(Unit.id).join(Unit.lot).where(Lot.number == "P1")
        column = Unit.id if model is Unit else model.unit_id
        return s.execute(select(func.count()).select_from(model).where(column.not_in(pilot))).scalar_one()


def test_an_operator_runs_operation_10_over_http(api):
    olga = api.as_user("olga")
    r = api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    assert r.status_code == 201, r.text
    assert r.json()["started_by"] == "olga" and r.json()["instruction"] == "WI-10 rev A"
    for material, qty in (("M-001", None), ("SCR-LOT-1", 4)):
        r = api.post("/api/v1/units/SN-1/consumptions", json={"operation": "10", "material": material,
                                                              "quantity": qty}, headers=olga)
        assert r.status_code == 201, r.text
    r = api.post("/api/v1/units/SN-1/measurements", json={"characteristic": "TORQUE", "value": 2.05}, headers=olga)
    assert r.status_code == 201 and r.json()["in_spec"] is True and r.json()["ncr"] is None
    r = api.post("/api/v1/units/SN-1/operations/Assemble/complete", headers=olga)
    assert r.status_code == 200, r.text
    traveler = api.get("/api/v1/units/SN-1", headers=olga).json()
    assert traveler["next"] == {"action": "start", "sequence": 20, "name": "Inspect", "blocked_by": []}
    records = api.get("/api/v1/operation-records", params={"serial": "SN-1"}, headers=olga).json()
    assert records["total"] == 1 and records["items"][0]["status"] == "complete"


def test_a_refusal_is_problem_json_with_every_reason(api):
    r = api.post("/api/v1/units/SN-1/operations/30/start", json={"tools": ["TQ-OLD"]}, headers=api.as_user("olga"))
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["code"] == "start_refused" and body["status"] == 409
    assert "SN-1 is at operation 10; operations run in routing sequence" in body["reasons"]
    assert any("TQ-OLD calibration expired" in reason for reason in body["reasons"])
    assert count(api.db_url, OperationRecord) == 0


@pytest.mark.parametrize("request_kwargs, status, code", [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "malformed_json"),
    ({"json": {"characteristic": "TORQUE", "value": [1, 2]}}, 422, "invalid_input"),
    ({"json": {"characteristic": "TORQUE", "value": "2.0", "colour": "red"}}, 422, "invalid_input"),
    ({"json": {"characteristic": "", "value": "2.0"}}, 422, "invalid_input"),
])
def test_bad_input_is_4xx_and_changes_nothing(api, request_kwargs, status, code):
    kwargs = dict(request_kwargs)
    headers = {**api.as_user("olga"), **kwargs.pop("headers", {})}
    r = api.post("/api/v1/units/SN-1/measurements", headers=headers, **kwargs)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert r.headers["content-type"] == PROBLEM
    assert count(api.db_url, Measurement) == 0


def test_unknown_serial_is_404(api):
    r = api.get("/api/v1/units/NOPE", headers=api.as_user("olga"))
    assert r.status_code == 404 and r.json()["reasons"] == ["No unit with serial NOPE"]


def test_without_a_token_401_and_without_the_role_403(api):
    r = api.get("/api/v1/units")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = api.get("/api/v1/units", headers={"Authorization": "Bearer lrip_wrong"})
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    r = api.post("/api/v1/units/SN-1/operations/10/start", json={}, headers=api.as_user("vera"))
    assert r.status_code == 403 and "vera (viewer) may not start operations" in r.json()["detail"]
    assert r.json()["code"] == "forbidden"
    assert count(api.db_url, OperationRecord) == 0


def test_an_oversized_body_is_413(api):
    big = b"serial,operation,characteristic,value,recorded_at,operator,gauge\n" + b"x" * (9 * 1024 * 1024)
    r = api.post("/api/v1/imports/measurements", content=big,
                 headers={**api.as_user("quinn"), "content-type": "text/csv"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(api):
    headers = {**api.as_user("olga"), "Idempotency-Key": "terminal-7-0001"}
    first = api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=headers)
    retry = api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    assert count(api.db_url, OperationRecord) == 1
    reused = api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-OLD"]}, headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    # without a key, a second start is refused, as it should be
    again = api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=api.as_user("oscar"))
    assert again.status_code == 409 and "already started" in again.json()["detail"]


def test_units_are_paged_and_filtered(api, db_url):
    with unit_of_work(db_url) as session:
        for n in range(2, 5):
            create_unit(session, actor(session, "admin"), lot="L1", serial=f"SN-{n}")
    olga = api.as_user("olga")
    api.post("/api/v1/units/SN-2/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    page = api.get("/api/v1/units", params={"lot": "L1", "limit": 2, "offset": 1}, headers=olga).json()
    assert page["total"] == 4 and [u["serial"] for u in page["items"]] == ["SN-2", "SN-3"]
    in_work = api.get("/api/v1/units", params={"status": "in_work", "operation": 10}, headers=olga).json()
    assert [u["serial"] for u in in_work["items"]] == ["SN-2"]
    assert api.get("/api/v1/units", params={"since": "2999-01-01T00:00:00Z"}, headers=olga).json()["total"] == 0
    bad = api.get("/api/v1/units", params={"status": "lost", "limit": 0}, headers=olga)
    assert bad.status_code == 422 and len(bad.json()["reasons"]) == 2


def test_import_over_http_and_the_audit_trail(api):
    olga = api.as_user("olga")
    api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    csv = ("serial,operation,characteristic,value,recorded_at,operator,gauge\n"
           f"SN-1,10,TORQUE,2.5,{just_now()},olga,G1\n")
    r = api.post("/api/v1/imports/measurements", content=csv.encode(),
                 headers={**api.as_user("quinn"), "content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["out_of_spec"] == 1 and r.json()["holds"][0]["serial"] == "SN-1"
    log = api.get("/api/v1/audit", params={"record": "unit:SN-1"}, headers=api.as_user("quinn")).json()
    assert [e["action"] for e in log["items"]][:2] == ["unit.held", "operation.started"]
    assert api.get("/api/v1/audit/verify", headers=api.as_user("quinn")).json()["ok"] is True
    assert api.get("/api/v1/audit", headers=olga).status_code == 403


def test_openapi_is_served(api):
    spec = api.get("/api/openapi.json").json()
    assert "/api/v1/units/{serial}/operations/{operation}/start" in spec["paths"]
    assert api.get("/api/docs").status_code == 200


def test_an_out_of_spec_measurement_answers_with_its_ncr(api):
    """Before, the API's answer had no NCR (only `lrip measure --json` had it)."""
    olga = api.as_user("olga")
    api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    r = api.post("/api/v1/units/SN-1/measurements", json={"characteristic": "TORQUE", "value": "2.5"}, headers=olga)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["in_spec"], body["on_hold"], body["unit_status"], body["ncr"]) == (False, True, "on_hold", "NCR-000001")
    again = api.post("/api/v1/units/SN-1/measurements", json={"characteristic": "TORQUE", "value": "2.0"}, headers=olga)
    assert again.status_code == 409 and again.json()["reasons"] == [
        "SN-1 is on hold; it takes no new work until the MRB's disposition releases it"]
    assert count(api.db_url, Measurement) == 1


LOOK_ALIKES = [" SN200-0001", "SN200\u20110001", "ＳＮ200-0001", "SN200\u200b-0001", "\u202eSN200-0001",
               "SN200/0001", "SN..200", "sn200-0001"]


@pytest.mark.parametrize("serial", LOOK_ALIKES)
def test_a_serial_that_only_looks_like_another_or_breaks_a_url_is_refused(api, serial):
    """Before, each of these was a new unit beside SN200-0001 (and those with '/' or '..' could not be
    reached by any URL)."""
    olga = api.as_user("olga")
    first = api.post("/api/v1/lots/L1/units", json={"serial": "SN200-0001"}, headers=olga)
    assert first.status_code == 201, first.text
    r = api.post("/api/v1/lots/L1/units", json={"serial": serial}, headers=olga)
    assert r.status_code in (409, 422), r.text
    assert r.json()["code"] in ("invalid_input", "unit_refused")
    assert count(api.db_url, Unit) == 2  # SN-1 and SN200-0001


def test_a_unit_is_found_regardless_of_case(api):
    olga = api.as_user("olga")
    r = api.post("/api/v1/units/sn-1/operations/10/start", json={"tools": ["tq-1"]}, headers=olga)
    assert r.status_code == 201, r.text
    assert (r.json()["serial"], r.json()["tools"]) == ("SN-1", ["TQ-1"])
    assert api.get("/api/v1/units/sn-1", headers=olga).json()["serial"] == "SN-1"


@pytest.mark.parametrize("value", ["0_08", "٠.٠٨", "2,0", "1e5000"])
def test_a_value_that_is_not_a_plain_decimal_is_422(api, value):
    olga = api.as_user("olga")
    api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    r = api.post("/api/v1/units/SN-1/measurements", json={"characteristic": "TORQUE", "value": value}, headers=olga)
    assert r.status_code == 422 and r.json()["code"] == "measurement_invalid"
    assert count(api.db_url, Measurement) == 0


def test_the_same_file_twice_over_http_needs_again_and_a_reason(api):
    olga, quinn = api.as_user("olga"), {**api.as_user("quinn"), "content-type": "text/csv"}
    api.post("/api/v1/units/SN-1/operations/10/start", json={"tools": ["TQ-1"]}, headers=olga)
    csv = ("serial,operation,characteristic,value,recorded_at,operator,gauge\n"
           f"SN-1,10,TORQUE,2.0,{just_now()},olga,G1\n").encode()
    assert api.post("/api/v1/imports/measurements", content=csv, headers=quinn).status_code == 200
    twice = api.post("/api/v1/imports/measurements", content=csv, headers=quinn)
    assert twice.status_code == 409 and "was imported already" in twice.json()["reasons"][0]
    no_reason = api.post("/api/v1/imports/measurements", params={"again": "true"}, content=csv, headers=quinn)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "invalid_input"
    again = api.post("/api/v1/imports/measurements", params={"again": "true", "reason": "station re-sent the file"},
                     content=csv, headers=quinn)
    assert again.status_code == 200 and again.json()["again"] is True
    assert count(api.db_url, Measurement) == 2


def test_a_signed_in_read_does_not_wait_behind_a_writer(api):
    """Before, every request with a Bearer token took SQLite's write lock, so a GET waited behind any
    writer. Now the token is looked up in a read-only unit of work: while another connection holds the
    write lock (a unit created, not yet committed), the traveler and the unit list answer at once."""
    olga = api.as_user("olga")
    assert api.get("/api/v1/units", headers=olga).status_code == 200  # the token's use is noted (once a minute)
    with unit_of_work(api.db_url) as writer:
        create_unit(writer, actor(writer, "admin"), lot="L1", serial="SN-2")
        writer.flush()
        traveler = api.get("/api/v1/units/SN-1", headers=olga)
        units = api.get("/api/v1/units", params={"lot": "L1"}, headers=olga)
    assert traveler.status_code == 200 and traveler.json()["serial"] == "SN-1"
    assert [u["serial"] for u in units.json()["items"]] == ["SN-1"]  # the writer had not committed
    assert count(api.db_url, Unit) == 2
