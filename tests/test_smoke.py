from lrip.execution import service as execution
from factory import build_line, run_op10


def test_a_unit_goes_through_operation_10(session):
    build_line(session)
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    run_op10(session, "SN-1", "M-001")
    t = execution.traveler(session, "SN-1")
    assert t["operations"][0]["status"] == "complete"
    assert t["next"] == {"action": "start", "sequence": 20, "name": "Inspect", "blocked_by": []}
