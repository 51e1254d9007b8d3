"""Change control on both databases: a change request's life, its computed impact, signatures
per phase policy, implementation with work in progress following the effectivity, redlines."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from factory import approve_lrip_quantity, run_op10
from lrip import audit
from lrip.catalog import service as catalog
from lrip.change import service
from lrip.db import utcnow
from lrip.errors import LripError
from lrip.execution import service as execution
from lrip.inspection.models import FaiRequirement
from lrip.program import service as program

DOC = ["document:WI-10:A:B"]


@contextmanager
def tx(session):
    """One transaction, after ending the one a read began."""
    session.commit()
    with session.begin():
        yield


def refused(fn, session, **kw) -> list[str]:
    with pytest.raises(LripError) as exc:
        fn(session, **kw)
    session.rollback()
    return exc.value.reasons


def raise_cr(session, *, items=DOC, effectivity="next_lot", urgency="normal", change_class="minor", **kw):
    return service.create_change(session, program="ACT", title="Verify torque driver", reason="Torque drift on L1",
                                 description="Add a torque driver check to WI-10", change_class=change_class,
                                 urgency=urgency, effectivity=effectivity, items=items, actor="eli", **kw)


def test_a_request_is_refused_with_every_missing_thing_at_once(session, kit):
    kit.build(session)
    reasons = refused(service.create_change, session, program="ACT", title=" ", reason="", description="x",
                      change_class="huge", urgency="normal", effectivity="immediate",
                      items=["document:WI-10:A:Z", "document:WI-99:A:B", "tool:TQ-1", "tool:TQ-1"], actor="eli")
    assert reasons == [
        "a change request needs a title", "a change request needs a reason",
        "the class is major or minor, not 'huge'",
        "only an urgent change takes effect immediately; make it effective from the next lot or from a serial, "
        "or flag it urgent",
        "tool TQ-1 is named twice",
        "work instruction WI-10 rev A → rev Z: WI-10 has no rev Z; prepare it as a draft first",
        "work instruction WI-99 rev A → rev B: No work instruction with number WI-99",
    ]


def test_lrip_change_next_lot_keeps_the_open_lot_and_asks_for_a_delta_fai(session, kit):
    names = kit.build(session)
    with tx(session):
        for serial in ("SN-1", "SN-2"):
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
        run_op10(session, "SN-1", names["motors"][0])
    cr = raise_cr(session)
    assert cr.number == "CR-0001" and cr.status == "draft"
    cr = service.submit_change(session, number="CR-0001", actor="eli")
    impact = cr.impact
    assert [lot["lot"] for lot in impact["open_lots"]] == ["L1"]
    # SN-1 is past operation 10; SN-2 still has it ahead
    assert impact["units"] == [{"serial": "SN-2", "lot": "L1", "status": "planned", "operations_ahead": [10]}]
    assert impact["superseded"] == ["WI-10 rev A (work instruction)"]
    assert [c["code"] for c in impact["characteristics"]] == ["TORQUE"]
    assert impact["delta_fai"]["required"] and impact["delta_fai"]["characteristics"] == ["TORQUE"]

    # approval needs LRIP's three signatures, each named when missing
    lrip = "LRIP approves a change with the signatures of engineering, quality, program"
    assert refused(service.approve_change, session, number="CR-0001", actor="pam") == [
        f"CR-0001 is missing an engineering signature (from a manufacturing engineer): {lrip}",
        f"CR-0001 is missing a quality signature (from a quality engineer or an MRB member): {lrip}",
        f"CR-0001 is missing a program signature (from a program manager): {lrip}"]
    assert kit.sign_all(session, "CR-0001", ("eli", "quinn"))["missing"] == [
        "a program signature (from a program manager)"]
    assert "a program signature" in refused(service.approve_change, session, number="CR-0001", actor="pam")[0]
    assert refused(service.sign_change, session, number="CR-0001", username="ivy", password=kit.password) == [
        "CR-0001 needs the signatures of engineering, quality, program (manufacturing engineer, mrb member, "
        "program manager, quality engineer); ivy's signature as inspector does not count"]
    kit.sign_all(session, "CR-0001", ("pam",))
    assert service.approve_change(session, number="CR-0001", actor="pam").status == "approved"

    cr = service.implement_change(session, number="CR-0001", actor="eli")
    done = cr.implementation
    assert cr.status == "implemented"
    assert done["released"] == ["WI-10 rev B"]
    assert done["pending_supersession"] == [{"document": "WI-10", "revision": "A", "until_lots_close": ["L1"]}]
    assert done["routings_created"][0].startswith("ACT-100/A routing rev 2 (from rev 1, with WI-10 rev B)")
    assert catalog.get_document_revision(session, "WI-10", "A").status == "released"  # L1 still builds on it
    assert catalog.get_routing(session, "ACT-100", "A", "1").status == "superseded"
    assert program.get_lot(session, "L1").routing.revision == "1"
    req = session.execute(select(FaiRequirement)).scalars().one()
    assert req.characteristics == ["TORQUE"] and req.reason.startswith("CR-0001")
    # SN-2 in the open lot starts operation 10 on rev A: the change reaches it only from the next lot
    with tx(session):
        record = execution.start_operation(session, serial="SN-2", operation=10, operator="olga", tools=["TQ-1"])
        assert record.document_revision.label == "WI-10 rev A"
    # the next lot builds on routing rev 2 and reads rev B; closing L1 supersedes rev A, which it freed
    with tx(session):
        program.close_lot(session, number="L1", actor="admin", reason="done")
        assert catalog.get_document_revision(session, "WI-10", "A").status == "superseded"
        assert service.supersede_freed(session, actor="admin") == []
        lot = program.create_lot(session, program="ACT", number="L2", planned_quantity=2, routing_revision="2",
                                 actor="admin")
        assert lot.routing.operations[0].document_revision.label == "WI-10 rev B"
    assert catalog.get_document_revision(session, "WI-10", "A").status == "superseded"
    actions = [e.action for e in reversed(audit.history(session, "change_request", "CR-0001"))]
    assert actions == ["change.created", "change.submitted", "signature.signed", "signature.signed",
                       "signature.signed", "change.approved", "change.implemented"]


def test_an_urgent_immediate_instruction_change_reaches_units_in_work(session, kit):
    kit.build(session)
    with tx(session):
        for serial in ("SN-1", "SN-2"):
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
        execution.start_operation(session, serial="SN-1", operation=10, operator="olga", tools=["TQ-1"])
    raise_cr(session, effectivity="immediate", urgency="urgent")
    service.submit_change(session, number="CR-0001", actor="eli")
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, number="CR-0001", actor="pam")
    done = service.implement_change(session, number="CR-0001", actor="eli").implementation
    assert done["superseded"] == ["WI-10 rev A"] and done["pending_supersession"] == []
    assert done["instructions_repointed"] == [{"routing": "ACT-100/A routing rev 1", "operation": 10,
                                               "instruction": "WI-10 rev B", "lots": ["L1"]}]
    assert done["delta_fai"]["note"] == "the first unit of each open lot to reach a changed operation needs a delta FAI"
    with tx(session):
        # SN-1 started on rev A and keeps it on its record; SN-2 starts on rev B
        first = execution.traveler(session, "SN-1")
        record = execution.start_operation(session, serial="SN-2", operation=10, operator="oscar", tools=["TQ-1"])
        assert record.document_revision.label == "WI-10 rev B"
    assert first["serial"] == "SN-1"


def test_lrip_refuses_a_from_serial_change_to_an_instruction_an_open_lot_uses_unless_urgent(session, kit):
    kit.build(session)
    raise_cr(session, effectivity="from_serial", effectivity_serial="SN-3")
    assert refused(service.submit_change, session, number="CR-0001", actor="eli") == [
        "in LRIP a routing or instruction in use by an open lot changes only from the next lot unless the change "
        "is urgent; open lot L1 uses it"]


def test_a_new_routing_reaches_a_started_lot_only_from_the_next_lot(session, kit):
    names = kit.build(session)
    with tx(session):
        kit.routing_2(session)
        execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
        run_op10(session, "SN-1", names["motors"][0])
    raise_cr(session, items=["routing:ACT-100/A:1:2"], effectivity="immediate", urgency="urgent", change_class="major")
    impact = service.submit_change(session, number="CR-0001", actor="eli").impact
    assert impact["routing_changes"][0]["characteristics"] == [
        {"code": "TORQUE", "operation": 10, "change": "changed", "details": ["usl 2.2 → 2.1"]}]
    assert impact["superseded"] == ["ACT-100/A routing rev 1"]
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, number="CR-0001", actor="pam")
    reasons = refused(service.implement_change, session, number="CR-0001", actor="eli")
    assert reasons == ["lot L1 has 1 units started on routing rev 1 (SN-1); a lot builds on one routing, so a new "
                       "routing reaches a lot only before its first unit starts: make the change effective from the "
                       "next lot"]
    assert catalog.get_routing(session, "ACT-100", "A", "2").status == "draft"  # nothing changed


def test_an_unstarted_lot_moves_to_the_new_routing_immediately(session, kit):
    kit.build(session)
    with tx(session):
        kit.routing_2(session)
    raise_cr(session, items=["routing:ACT-100/A:1:2"], effectivity="immediate", urgency="urgent", change_class="major")
    service.submit_change(session, number="CR-0001", actor="eli")
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, number="CR-0001", actor="pam")
    done = service.implement_change(session, number="CR-0001", actor="eli").implementation
    assert done["lots_switched"] == [{"lot": "L1", "routing": "2"}]
    assert program.get_lot(session, "L1").routing.revision == "2"
    assert session.execute(select(FaiRequirement)).scalars().one().characteristics == ["TORQUE"]


def test_pilot_needs_two_signatures_and_no_fai(session, kit):
    kit.build(session, phase="pilot")
    raise_cr(session, effectivity="from_serial", effectivity_serial="SN-1")
    cr = service.submit_change(session, number="CR-0001", actor="eli")
    assert cr.impact["delta_fai"] == {"required": False, "characteristics": [], "first_units": [],
                                      "note": "PILOT asks for no first article inspection"}
    assert kit.sign_all(session, "CR-0001", ("eli", "quinn"))["missing"] == []
    assert service.approve_change(session, number="CR-0001", actor="eli").status == "approved"


def test_reject_and_cancel_need_a_reason_and_the_right_state(session, kit):
    kit.build(session)
    raise_cr(session)
    assert refused(service.reject_change, session, number="CR-0001", actor="pam", reason=" ") == [
        "CR-0001 is draft; only a change request that is submitted or approved can be rejected",
        "say why the change request is rejected"]
    assert service.cancel_change(session, number="CR-0001", actor="eli", reason="duplicate").status == "cancelled"
    assert refused(service.submit_change, session, number="CR-0001", actor="eli") == [
        "CR-0001 is cancelled; only a change request that is draft can be submitted"]


def test_redlines_are_for_prototype_and_pilot_only(session, kit):
    kit.build(session, phase="pilot")
    with tx(session):
        execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
        program.change_phase(session, program="ACT", phase="lrip", actor="admin", reason="t")
    redline = service.record_redline(session, serial="SN-1", operation=10, markup="Torque in a cross pattern",
                                     actor="eli")
    assert redline.number == "RL-0001"
    assert service.list_redlines(session, program="ACT")[0]["instruction"] == "WI-10 rev A"
    with tx(session):
        approve_lrip_quantity(session, 20, rationale="two lots")
        program.create_lot(session, program="ACT", number="L2", planned_quantity=2, routing_revision="1", actor="admin")
        execution.create_unit(session, lot="L2", serial="SN-9", actor="admin")
    assert refused(service.record_redline, session, serial="SN-9", operation=10, markup="x", actor="eli") == [
        "SN-9 is built in LRIP, where work instructions must be released: redlines are allowed in prototype and "
        "pilot only; raise a change request instead"]


def test_change_traffic_counts_submitted_changes_per_week_by_class(session, kit):
    kit.build(session)
    now = utcnow()
    for k, (cls, days) in enumerate([("major", 0), ("minor", 0), ("minor", 7), ("major", 40)]):
        raise_cr(session, change_class=cls, at=now - timedelta(days=days))
        service.submit_change(session, number=f"CR-{k + 1:04d}", actor="eli", at=now - timedelta(days=days))
    raise_cr(session)  # a draft is not traffic yet
    rows = service.change_traffic(session, program="ACT", weeks=3)
    assert [(r["major"], r["minor"]) for r in rows] == [(0, 0), (0, 1), (1, 1)]


def test_open_ncrs_citing_the_changed_operation_are_in_the_impact(session, kit):
    from lrip.nonconformance.service import raise_ncr

    kit.build(session)
    with tx(session):
        execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    raise_ncr(session, actor="quinn", description="Screw stripped", severity="minor", serial="SN-1", operation=10)
    raise_cr(session)
    ncrs = service.impact(session, "CR-0001")["open_ncrs"]
    assert [(n["severity"], n["operation"], n["serial"]) for n in ncrs] == [("minor", 10, "SN-1")]
