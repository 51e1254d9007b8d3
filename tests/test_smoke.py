from factory import actor, build_line, run_op10
from lrip.execution import service as execution
from lrip.traveler import service as traveler


def test_a_unit_goes_through_operation_10(session):
    build_line(session)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    run_op10(session, "SN-1", "M-001")
    t = traveler.traveler(session, actor(session, "olga"), serial="SN-1")
    assert t.operations[0].status == "complete"
    assert (t.next.action, t.next.sequence, t.next.name, t.next.blocked_by) == ("start", 20, "Inspect", [])
