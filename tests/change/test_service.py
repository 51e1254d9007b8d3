"""Change control on both databases: a change request's life, its computed impact, signatures
per phase policy, implementation with work in progress following the effectivity, redlines."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from factory import actor, run_op10
from reading import counting
from lrip import audit
from lrip.catalog import service as catalog
from lrip.change import rules, service
from lrip.db import utcnow
from lrip.errors import Forbidden, LripError, verdict
from lrip.execution import service as execution
from lrip.inspection.models import FaiRequirement
from lrip.nonconformance import mrb
from lrip.nonconformance.ncr import raise_ncr
from lrip.program import service as program

DOC = ["document:WI-10:A:B"]


def refused(fn, session, who: str, **kw) -> list[str]:
    """The reasons `who` is refused with; the refused action changes nothing (a savepoint stands in for the
    entry point's rollback)."""
    with pytest.raises(LripError) as exc, session.begin_nested():
        fn(session, actor(session, who), **kw)
    return exc.value.reasons


def raise_cr(session, *, items=DOC, effectivity="next_lot", urgency="normal", change_class="minor", **kw):
    return service.create_change(session, actor(session, "eli"), program="ACT", title="Verify torque driver",
                                 reason="Torque drift on L1", description="Add a torque driver check to WI-10",
                                 change_class=change_class, urgency=urgency, effectivity=effectivity, items=items,
                                 **kw)


def units(session, *serials: str) -> None:
    for serial in serials:
        execution.create_unit(session, actor(session, "admin"), lot="L1", serial=serial)


def test_a_request_is_refused_with_every_missing_thing_at_once(session, kit):
    kit.build(session)
    reasons = refused(service.create_change, session, "eli", program="ACT", title=" ", reason="", description="x",
                      change_class="huge", urgency="normal", effectivity="immediate",
                      items=["document:WI-10:A:Z", "document:WI-99:A:B", "tool:TQ-1", "tool:TQ-1"])
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
    units(session, "SN-1", "SN-2")
    run_op10(session, "SN-1", names["motors"][0])
    cr = raise_cr(session)
    assert cr.number == "CR-0001" and cr.status == rules.ChangeStatus.DRAFT and cr.impact.as_of == "now"
    cr = service.submit_change(session, actor(session, "eli"), number="cr-0001")  # found regardless of case
    impact = cr.impact
    assert [lot.lot for lot in impact.open_lots] == ["L1"]
    # SN-1 is past operation 10 (built on it: listed with the operation done); SN-2 still has it ahead
    assert [u.model_dump() for u in impact.units] == [
        {"serial": "SN-1", "lot": "L1", "status": "in_work", "operations_ahead": [], "operations_done": [10],
         "contains": []},
        {"serial": "SN-2", "lot": "L1", "status": "planned", "operations_ahead": [10], "operations_done": [],
         "contains": []}]
    assert impact.superseded == ["WI-10 rev A (work instruction)"]
    assert [c.code for c in impact.characteristics] == ["TORQUE"]
    assert impact.delta_fai.required and impact.delta_fai.characteristics == ["TORQUE"]

    # approval needs LRIP's three signatures, each named when missing
    lrip = "LRIP approves a change with the signatures of engineering, quality, program"
    assert refused(service.approve_change, session, "pam", number="CR-0001") == [
        f"CR-0001 is missing an engineering signature (a manufacturing engineer): {lrip}",
        f"CR-0001 is missing a quality signature (a quality engineer or an MRB member): {lrip}",
        f"CR-0001 is missing a program signature (a program manager): {lrip}"]
    assert kit.sign_all(session, "CR-0001", ("emil", "quinn")).missing == ["a program signature (a program manager)"]
    assert "a program signature" in refused(service.approve_change, session, "pam", number="CR-0001")[0]
    assert refused(service.sign_change, session, "ivy", number="CR-0001", password=kit.password) == [
        "CR-0001 is not signed by an inspector (ivy); it still needs a program signature (a program manager)"]
    kit.sign_all(session, "CR-0001", ("pam",))
    assert service.approve_change(session, actor(session, "pam"), number="CR-0001").status == "approved"

    cr = service.implement_change(session, actor(session, "eli"), number="CR-0001")
    done = cr.implementation
    assert cr.status == "implemented"
    assert done.released == ["WI-10 rev B"]
    assert [p.model_dump() for p in done.pending_supersession] == [
        {"document": "WI-10", "revision": "A", "until_lots_close": ["L1"]}]
    assert done.routings_created[0].startswith("ACT-100/A routing rev 2 (from rev 1, with WI-10 rev B)")
    assert catalog.get_document_revision(session, "WI-10", "A").status == "released"  # L1 still builds on it
    assert catalog.get_routing(session, "ACT-100", "A", "1").status == "superseded"
    assert program.get_lot(session, "L1").routing.revision == "1"
    req = session.execute(select(FaiRequirement)).scalars().one()
    assert req.characteristics == ["TORQUE"] and req.reason.startswith("CR-0001")
    # SN-2 in the open lot starts operation 10 on rev A: the change reaches it only from the next lot
    record = execution.start_operation(session, actor(session, "olga"), serial="SN-2", operation=10, tools=["TQ-1"])
    assert record.instruction == "WI-10 rev A"
    # the next lot builds on routing rev 2 and reads rev B; closing L1 supersedes rev A, which it freed
    admin = actor(session, "admin")
    for serial in ("SN-1", "SN-2"):  # a lot closes with nothing left in work: these two are scrapped
        ncr = raise_ncr(session, actor(session, "quinn"), serial=serial, severity="minor", description="dropped")
        mrb.disposition(session, actor(session, "quinn"), number=ncr.number, action="scrap", reason="dropped")
    program.close_lot(session, admin, number="L1", reason="done")
    assert catalog.get_document_revision(session, "WI-10", "A").status == "superseded"
    assert service.supersede_freed(session, admin) == []
    program.create_lot(session, actor(session, "petra"), program="ACT", number="L2", planned_quantity=2,
                       routing_revision="2")
    assert program.get_lot(session, "L2").routing.operations[0].document_revision.label == "WI-10 rev B"
    assert service.change_detail(session, admin, number="CR-0001").implementation.superseded == ["WI-10 rev A"]
    actions = [e.action for e in reversed(audit.history(session, "change_request", "CR-0001"))]
    assert actions == ["change.created", "change.submitted", "signature.signed", "signature.signed",
                       "signature.signed", "change.approved", "change.implemented"]


def test_closing_a_lot_is_handled_by_change_control(session, kit):
    """program's close_lot publishes LotClosed; change control's handler supersedes what the lot freed, in the
    same unit of work, as the person who closed the lot."""
    kit.build(session)
    raise_cr(session)
    service.submit_change(session, actor(session, "eli"), number="CR-0001")
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, actor(session, "pam"), number="CR-0001")
    service.implement_change(session, actor(session, "eli"), number="CR-0001")
    assert catalog.get_document_revision(session, "WI-10", "A").status == "released"
    program.close_lot(session, actor(session, "petra"), number="L1", reason="lot done")
    assert catalog.get_document_revision(session, "WI-10", "A").status == "superseded"
    [event] = audit.history(session, "document", "WI-10/A", limit=1)
    assert (event.action, event.actor) == ("document_revision.superseded", "petra")
    assert event.reason == "CR-0001: no open lot builds on it any more"


def test_an_urgent_immediate_instruction_change_reaches_units_in_work(session, kit):
    kit.build(session)
    units(session, "SN-1", "SN-2")
    execution.start_operation(session, actor(session, "olga"), serial="SN-1", operation=10, tools=["TQ-1"])
    raise_cr(session, effectivity="immediate", urgency="urgent")
    service.submit_change(session, actor(session, "eli"), number="CR-0001")
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, actor(session, "pam"), number="CR-0001")
    done = service.implement_change(session, actor(session, "eli"), number="CR-0001").implementation
    assert done.superseded == ["WI-10 rev A"] and done.pending_supersession == []
    assert [i.model_dump() for i in done.instructions_repointed] == [
        {"routing": "ACT-100/A routing rev 1", "operation": 10, "instruction": "WI-10 rev B", "lots": ["L1"]}]
    assert done.delta_fai.note == "the first unit of each open lot to reach a changed operation needs a delta FAI"
    # SN-1 started on rev A and keeps it on its record; SN-2 starts on rev B
    record = execution.start_operation(session, actor(session, "oscar"), serial="SN-2", operation=10, tools=["TQ-1"])
    assert record.instruction == "WI-10 rev B"


def test_lrip_refuses_a_from_serial_change_to_an_instruction_an_open_lot_uses_unless_urgent(session, kit):
    kit.build(session)
    raise_cr(session, effectivity="from_serial", effectivity_serial="SN-3")
    assert refused(service.submit_change, session, "eli", number="CR-0001") == [
        "in LRIP a routing or instruction in use by an open lot changes only from the next lot unless the change "
        "is urgent; open lot L1 uses it"]


def test_a_new_routing_reaches_a_started_lot_only_from_the_next_lot(session, kit):
    names = kit.build(session)
    kit.routing_2(session)
    units(session, "SN-1")
    run_op10(session, "SN-1", names["motors"][0])
    raise_cr(session, items=["routing:ACT-100/A:1:2"], effectivity="immediate", urgency="urgent", change_class="major")
    impact = service.submit_change(session, actor(session, "eli"), number="CR-0001").impact
    assert [c.model_dump() for c in impact.routing_changes[0].characteristics] == [
        {"code": "TORQUE", "operation": 10, "change": "changed", "details": ["usl 2.2 → 2.1"]}]
    assert impact.superseded == ["ACT-100/A routing rev 1"]
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, actor(session, "pam"), number="CR-0001")
    assert refused(service.implement_change, session, "eli", number="CR-0001") == [
        "lot L1 has 1 units started on routing rev 1 (SN-1); a lot builds on one routing, so a new routing reaches "
        "a lot only before its first unit starts: make the change effective from the next lot"]
    assert catalog.get_routing(session, "ACT-100", "A", "2").status == "draft"  # nothing changed


def test_an_unstarted_lot_moves_to_the_new_routing_immediately(session, kit):
    kit.build(session)
    kit.routing_2(session)
    raise_cr(session, items=["routing:ACT-100/A:1:2"], effectivity="immediate", urgency="urgent", change_class="major")
    service.submit_change(session, actor(session, "eli"), number="CR-0001")
    kit.sign_all(session, "CR-0001")
    service.approve_change(session, actor(session, "pam"), number="CR-0001")
    done = service.implement_change(session, actor(session, "eli"), number="CR-0001").implementation
    assert [lot.model_dump() for lot in done.lots_switched] == [{"lot": "L1", "routing": "2"}]
    assert program.get_lot(session, "L1").routing.revision == "2"
    assert session.execute(select(FaiRequirement)).scalars().one().characteristics == ["TORQUE"]


def test_the_authors_signature_is_never_the_engineering_approval(session, kit):
    """CR-0001, CR-0002 in the demo and CR-0004 by bokafor: the engineer who raised the change signed it, and
    his signature counted as its engineering approval."""
    kit.build(session, phase="pilot")
    raise_cr(session)
    service.submit_change(session, actor(session, "eli"), number="CR-0001")
    assert refused(service.sign_change, session, "eli", number="CR-0001", password=kit.password) == [
        "eli raised CR-0001 and may not give it its engineering approval: that must come from someone else; it "
        "still needs an engineering signature (a manufacturing engineer); a quality signature (a quality engineer "
        "or an MRB member)"]
    assert kit.sign_all(session, "CR-0001", ("quinn",)).missing == [
        "an engineering signature (a manufacturing engineer)"]
    assert "CR-0001 is missing an engineering signature" in refused(
        service.approve_change, session, "pam", number="CR-0001")[0]
    assert kit.sign_all(session, "CR-0001", ("emil",)).missing == []
    assert service.approve_change(session, actor(session, "pam"), number="CR-0001").status == "approved"


def test_pilot_needs_two_signatures_and_no_fai(session, kit):
    kit.build(session, phase="pilot")
    raise_cr(session, effectivity="from_serial", effectivity_serial="SN-1")
    cr = service.submit_change(session, actor(session, "eli"), number="CR-0001")
    assert cr.impact.delta_fai.model_dump() == {"required": False, "characteristics": [], "first_units": [],
                                                "note": "PILOT asks for no first article inspection"}
    assert kit.sign_all(session, "CR-0001", ("emil", "quinn")).missing == []
    assert service.approve_change(session, actor(session, "eli"), number="CR-0001").status == "approved"


def test_reject_and_cancel_need_a_reason_and_the_right_state(session, kit):
    kit.build(session)
    raise_cr(session)
    assert refused(service.reject_change, session, "pam", number="CR-0001", reason=" ") == [
        "CR-0001 is draft; only a change request that is submitted or approved can be rejected",
        "say why the change request is rejected"]
    cancelled = service.cancel_change(session, actor(session, "eli"), number="CR-0001", reason="duplicate")
    assert (cancelled.status, cancelled.decision_note) == ("cancelled", "duplicate")
    assert refused(service.submit_change, session, "eli", number="CR-0001") == [
        "CR-0001 is cancelled; only a change request that is draft can be submitted"]


def test_the_wrong_role_is_forbidden_by_the_service_itself(session, kit):
    """Whatever the entry point: an operator raises no change, an inspector approves none, a viewer-like
    operator signs nothing away (the permission is checked in the use case)."""
    kit.build(session)
    with pytest.raises(Forbidden) as exc:
        raise_cr_as(session, "olga")
    assert exc.value.reasons == ["olga (operator) may not raise change requests; that needs manufacturing_engineer, "
                                 "quality_engineer, program_manager or admin"]
    raise_cr(session)
    service.submit_change(session, actor(session, "eli"), number="CR-0001")
    for use_case, who in ((service.approve_change, "ivy"), (service.implement_change, "olga")):
        with pytest.raises(Forbidden):
            use_case(session, actor(session, who), number="CR-0001")
    with pytest.raises(Forbidden):
        service.record_redline(session, actor(session, "olga"), serial="SN-1", operation=10, markup="x")


def raise_cr_as(session, who: str):
    return service.create_change(session, actor(session, who), program="ACT", title="t", reason="r",
                                 description="d", change_class="minor", items=DOC)


def test_lifecycle_is_a_pure_table():
    assert rules.CHANGE.next("draft", "submit", "CR-1") == (rules.ChangeStatus.SUBMITTED, verdict([]))
    status, refusal = rules.CHANGE.next("implemented", "cancel", "CR-1")
    assert status is None and refusal.reasons == (
        "CR-1 is implemented; only a change request that is draft or submitted can be cancelled",)


def test_redlines_are_for_prototype_and_pilot_only(session, kit):
    # the program is in LRIP; its pilot lot P1 (unit SN-P1) was built in pilot, through its phase gates
    kit.build(session)
    redline = service.record_redline(session, actor(session, "eli"), serial="SN-P1", operation=10,
                                     markup="Torque in a cross pattern")
    assert redline.number == "RL-0001" and redline.recorded_by == "eli"
    assert service.list_redlines(session, actor(session, "ivy"), program="ACT")[0].instruction == "WI-10 rev A"
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-9")
    assert refused(service.record_redline, session, "eli", serial="SN-9", operation=10, markup="x") == [
        "SN-9 is built in LRIP, where work instructions must be released: redlines are allowed in prototype and "
        "pilot only; raise a change request instead"]


def test_change_traffic_counts_submitted_changes_per_week_by_class(session, kit):
    kit.build(session)
    now = utcnow()
    for k, (cls, days) in enumerate([("major", 0), ("minor", 0), ("minor", 7), ("major", 40)]):
        raise_cr(session, change_class=cls, at=now - timedelta(days=days))
        service.submit_change(session, actor(session, "eli"), number=f"CR-{k + 1:04d}", at=now - timedelta(days=days))
    raise_cr(session)  # a draft is not traffic yet
    rows = service.change_traffic(session, actor(session, "olga"), program="ACT", weeks=3)
    assert [(r.major, r.minor) for r in rows] == [(0, 0), (0, 1), (1, 1)]


def test_open_ncrs_citing_the_changed_operation_are_in_the_impact(session, kit):
    kit.build(session)
    units(session, "SN-1")
    raise_ncr(session, actor(session, "quinn"), description="Screw stripped", severity="minor", serial="SN-1",
              operation=10)
    raise_cr(session)
    ncrs = service.impact(session, actor(session, "ivy"), number="CR-0001").open_ncrs
    assert [(n.severity, n.operation, n.serial) for n in ncrs] == [("minor", 10, "SN-1")]


def test_the_change_list_reads_as_many_statements_for_four_changes_as_for_one(session, kit):
    kit.build(session)
    ivy = actor(session, "ivy")
    raise_cr(session)
    with counting(session) as one:
        service.list_changes(session, ivy, program="ACT")
    for _ in range(3):
        raise_cr(session)
    service.submit_change(session, actor(session, "eli"), number="CR-0002")
    kit.sign_all(session, "CR-0002", ("emil", "quinn"))
    with counting(session) as four:
        rows = service.list_changes(session, ivy, program="ACT")
    assert [(r.number, r.signatures) for r in rows][:2] == [("CR-0001", 0), ("CR-0002", 2)]
    assert rows[1].missing_signatures == ["a program signature (a program manager)"]
    assert len(four) == len(one), four
