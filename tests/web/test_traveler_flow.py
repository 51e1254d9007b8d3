"""A unit through operation 10 by the traveler's forms, on SQLite and on PostgreSQL."""
import pytest

from factory import actor
from lrip.execution import service as execution
from lrip.traveler import service as traveler


@pytest.fixture
def web_url(db_url):
    """This module runs on both databases."""
    return db_url


def test_operation_10_through_the_traveler_forms(sign_in, db):
    client, token = sign_in("olga")
    steps = [("start", {"tools": "TQ-1"}, "Operation 10 (Assemble) started with TQ-1"),
             ("consume", {"material": "M-001"}, "M-001 × 1 built into SN-1"),
             ("consume", {"material": "SCR-LOT-1", "quantity": "4"}, "SCR-LOT-1 × 4 built into SN-1"),
             ("measure", {"m_TORQUE": "2.05", "gauge": "G1"}, "Recorded TORQUE: in spec."),
             ("complete", {}, "Operation 10 (Assemble) complete")]
    for form, values, message in steps:
        r = client.post(f"/units/SN-1/{form}", data={"operation": "10", "csrf_token": token, **values},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/units/SN-1", r.text
        assert message in client.get("/units/SN-1").text
    t = db(lambda s: traveler.traveler(s, actor(s, "olga"), serial="SN-1"))
    [attempt] = t.operations[0].attempts
    assert attempt.status == "complete" and attempt.started_by == "olga" and attempt.tools == ["TQ-1"]
    assert [(m.characteristic, m.value, m.gauge) for m in attempt.measurements] == [("TORQUE", 2.05, "G1")]
    assert t.next.sequence == 20
    page = client.get("/units/SN-1").text
    assert 'data-operation="20"' in page and "Start operation 20" in page


def test_an_out_of_spec_value_on_a_form_holds_the_unit(sign_in, db):
    client, token = sign_in("olga")
    client.post("/units/SN-1/start", data={"operation": "10", "tools": "TQ-1", "csrf_token": token})
    r = client.post("/units/SN-1/measure", data={"operation": "10", "m_TORQUE": "1.7", "csrf_token": token})
    assert "below the lower limit 1.8 N·m" in r.text and 'id="hold"' in r.text and "NCR-000001" in r.text
    assert db(lambda s: execution.get_unit(s, "SN-1").status) == "on_hold"
