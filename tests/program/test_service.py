"""Program services on a real database: programs and their policies, phase changes and the recorded
FRP GO, the signed LRIP quantity, lots (and the events they publish), units counted on their lots,
and the ramp plan. Every change is audited; a refusal changes nothing; each use case is its role's."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factory import PM, PM_PASSWORD, actor, approve_lrip_quantity, build_line
from lrip import events as domain_events
from lrip.audit import AuditEvent
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.models import SetupVersion
from lrip.catalog.service import OperationSpec as O
from lrip.errors import Forbidden, NotFound, Refused
from lrip.execution import service as execution
from lrip.program import rules
from lrip.program import service as program
from lrip.program.events import LotClosed, LotCreated
from lrip.program.models import Lot, PhasePolicy, Program, RampPlanEntry

GO_AT = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def small_program(session, *, code="ACT"):
    """An admin, a program manager who signs, an operator, a part with a released and a draft routing,
    and a program in prototype; returns the admin."""
    create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"])
    admin = actor(session, "admin")
    create_user(session, admin, username=PM, full_name="Petra Program", roles=["program_manager"], password=PM_PASSWORD)
    create_user(session, admin, username="olga", full_name="Olga Operator", roles=["operator"])
    catalog.create_part(session, admin, number="ACT-100", description="Actuator", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-100", revision="A", release=True)
    catalog.create_work_center(session, admin, code="ASSY", name="Assembly", hours_per_day=8)
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1", release=True,
                           operations=[O(10, "Assemble", "ASSY", 30)])
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="2",
                           operations=[O(10, "Assemble", "ASSY", 25)])
    program.create_program(session, admin, code=code, name="Actuator ramp", part="ACT-100", part_revision="A",
                           planned_total=200, frp_target_rate=10)
    return admin


def refused(call, session, who, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(session, who, **kw)
    return exc.value.reasons


def snapshot(session) -> dict:
    """What this unit of work holds (anything a refusal left behind would be flushed and seen)."""
    return {
        "programs": session.execute(select(Program.code, Program.phase, Program.lrip_quantity,
                                           Program.lrip_quantity_rationale, Program.frp_go_at)).all(),
        "policies": sorted(tuple(str(getattr(p, c)) for c in rules.Policy.__dataclass_fields__) + (p.phase,)
                           for p in session.execute(select(PhasePolicy)).scalars()),
        "lots": session.execute(select(Lot.number, Lot.status, Lot.planned_quantity, Lot.units_created)).all(),
        "plan": session.execute(select(RampPlanEntry.period_start, RampPlanEntry.planned_starts)).all(),
        "events": session.scalar(select(func.count(AuditEvent.id))),
    }


def events(session, action) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.seq)).scalars())


def policy(session, phase) -> rules.Policy:
    return program.policy_for(session, program.get_program(session, "ACT").id, phase)


@pytest.fixture
def published(monkeypatch):
    """The lot events published, in order (handlers of the areas above replaced by a recorder)."""
    seen = []
    for event_type in (LotCreated, LotClosed):
        monkeypatch.setitem(domain_events._HANDLERS, event_type, [lambda s, a, e: seen.append((a.username, e))])
    return seen


# ---------------------------------------------------------------- programs

def test_a_program_starts_in_prototype_with_the_default_policy_of_every_phase(session):
    small_program(session)
    prog = session.execute(select(Program)).scalar_one()
    assert (prog.phase, prog.lrip_quantity, prog.planned_total, prog.frp_go_at) == ("prototype", None, 200, None)
    assert {phase: program.policy_for(session, prog.id, phase) for phase in rules.PHASES} == rules.DEFAULT_POLICIES
    [ev] = events(session, "program.created")
    assert (ev.record_id, ev.after) == ("ACT", {"name": "Actuator ramp", "part": "ACT-100/A", "planned_total": 200,
                                                "frp_target_rate": 10})
    [row] = program.list_programs(session, actor(session, "olga"))
    assert (row.code, row.phase, row.part, row.lrip_quantity) == ("ACT", "prototype", "ACT-100 rev A", None)


def test_a_bad_program_gets_every_reason_and_nothing_is_written(session):
    admin = small_program(session)
    before = snapshot(session)
    assert refused(program.create_program, session, admin, code="act", name="again", part="ACT-100",
                   part_revision="A", planned_total=0, frp_target_rate=0) == [
        "program act already exists", "the planned total is at least 1, not 0", "the FRP target rate is positive, not 0"]
    assert refused(program.create_program, session, admin, code="ACT/2", name="slash", part="ACT-100",
                   part_revision="A", planned_total=1, frp_target_rate=1)[0].startswith("a program code is 1 to 60")
    with pytest.raises(NotFound):
        program.create_program(session, admin, code="NEW", name="n", part="ACT-100", part_revision="Z",
                               planned_total=1, frp_target_rate=1)
    assert snapshot(session) == before


def test_program_codes_and_lot_numbers_are_unique_regardless_of_case_in_the_database(session):
    admin = small_program(session)
    program.create_lot(session, admin, program="ACT", number="P1", planned_quantity=1, routing_revision="1")
    session.commit()
    prog = program.get_program(session, "act")
    for row in (Program(code="act", name="x", part_revision_id=prog.part_revision_id, planned_total=1,
                        frp_target_rate=1, phase="prototype"),
                Lot(number="p1", program_id=prog.id, phase="prototype", planned_quantity=1,
                    routing_id=program.get_lot(session, "P1").routing_id, status="open")):
        session.add(row)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


# ---------------------------------------------------------------- phases and the FRP GO

def test_phases_move_forward_one_step_and_frp_needs_the_recorded_go(session):
    admin = small_program(session)
    before = snapshot(session)
    assert refused(program.change_phase, session, admin, program="ACT", phase="lrip", reason="hurry") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert refused(program.change_phase, session, admin, program="ACT", phase="prototype", reason="x") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert snapshot(session) == before
    assert program.change_phase(session, admin, program="ACT", phase="pilot", reason="design frozen").phase == "pilot"
    assert program.change_phase(session, admin, program="act", phase="lrip", reason="MS C").phase == "lrip"
    assert refused(program.change_phase, session, admin, program="ACT", phase="pilot", reason="x") == [
        "the program is in lrip; it can only move to the next phase (frp)"]
    before = snapshot(session)
    assert refused(program.change_phase, session, admin, program="ACT", phase="frp", reason="go") == [
        "moving to full-rate production needs a readiness assessment that is GO and signed"]
    assert snapshot(session) == before
    assert [(e.before, e.after, e.reason) for e in events(session, "program.phase_changed")] == [
        ({"phase": "prototype"}, {"phase": "pilot"}, "design frozen"), ({"phase": "pilot"}, {"phase": "lrip"}, "MS C")]


def test_the_go_readiness_records_opens_full_rate_and_a_withdrawn_go_closes_it(session):
    admin = small_program(session)
    for phase in ("pilot", "lrip"):
        program.change_phase(session, admin, program="ACT", phase=phase, reason="next")
    program.record_frp_go(session, admin, program="ACT", assessment="3", decided_at=GO_AT)
    program.withdraw_frp_go(session, admin, program="ACT", reason="a newer assessment is NO-GO")
    assert refused(program.change_phase, session, admin, program="ACT", phase="frp", reason="go") == [
        "moving to full-rate production needs a readiness assessment that is GO and signed"]
    program.record_frp_go(session, admin, program="ACT", assessment="4", decided_at=GO_AT)
    prog = program.change_phase(session, actor(session, PM), program="ACT", phase="frp", reason="signed GO")
    assert (prog.phase, prog.frp_go_assessment, prog.frp_go_at) == ("frp", "4", GO_AT)
    assert [(e.action, e.after["frp_go_assessment"]) for e in events(session, "program.frp_go_recorded")
            + events(session, "program.frp_go_withdrawn")] == [
        ("program.frp_go_recorded", "3"), ("program.frp_go_recorded", "4"), ("program.frp_go_withdrawn", None)]


# ---------------------------------------------------------------- LRIP quantity

def test_lrip_quantity_above_10_percent_needs_a_rationale_and_warns(session):
    small_program(session)
    first = approve_lrip_quantity(session, 20)
    assert (first.quantity, first.previous, first.warnings, first.signature.valid) == (20, None, [], True)
    before = snapshot(session)
    pm = actor(session, PM)
    assert refused(program.set_lrip_quantity, session, pm, program="ACT", quantity=30, password=PM_PASSWORD) == [
        "30 is above 10% of the planned total (200); write the rationale"]
    assert refused(program.set_lrip_quantity, session, pm, program="ACT", quantity=201, rationale="all of it",
                   password=PM_PASSWORD) == ["the LRIP quantity 201 exceeds the planned total of 200"]
    assert snapshot(session) == before
    raised = approve_lrip_quantity(session, 30, rationale="long-lead qualification campaign")
    assert raised.warnings == ["30 is 15% of the planned total, above 10%; rationale recorded"]
    assert (raised.previous, raised.above_ten_percent, raised.signature.role) == (20, True, "program_manager")
    assert snapshot(session)["programs"] == [("ACT", "prototype", 30, "long-lead qualification campaign", None)]
    assert [(e.before, {k: v for k, v in e.after.items() if k != "signature"}, e.reason)
            for e in events(session, "program.lrip_quantity_set")] == [
        ({"lrip_quantity": None}, {"lrip_quantity": 20}, None),
        ({"lrip_quantity": 20}, {"lrip_quantity": 30}, "long-lead qualification campaign")]
    rows = program.lrip_quantity_approvals(session, actor(session, "olga"), program="act")
    assert [(a.quantity, a.previous, a.approved_by, a.signature.name, a.signature.valid) for a in rows] == [
        (20, None, PM, "Petra Program", True), (30, 20, PM, "Petra Program", True)]


def test_lrip_quantity_is_set_only_by_a_program_manager_signing_with_their_password(session):
    admin = small_program(session)
    before = snapshot(session)
    assert refused(program.set_lrip_quantity, session, admin, program="ACT", quantity=20, password="whatever") == [
        "the LRIP quantity is set by a signed approval of the program office; admin (admin) cannot give it: "
        "it needs program manager"]
    assert refused(program.set_lrip_quantity, session, actor(session, PM), program="ACT", quantity=20,
                   password="not-it") == ["the password of petra is not right; nothing was signed"]
    with pytest.raises(Forbidden) as exc:
        program.set_lrip_quantity(session, actor(session, "olga"), program="ACT", quantity=20, password="x")
    assert exc.value.reasons == ["olga (operator) may not manage programs, phases and ramp plans; "
                                 "that needs program_manager or admin"]
    assert snapshot(session) == before


def test_units_are_counted_on_their_lots_and_the_lrip_quantity_cannot_go_below_them(session):
    build_line(session, lrip_quantity=3)
    lot = program.get_lot(session, "L1")
    for _ in range(3):
        program.note_unit_created(session, lot.id)
    assert (lot.units_created, program.lrip_units(session, lot.program_id)) == (3, 3)
    assert refused(program.set_lrip_quantity, session, actor(session, PM), program="ACT", quantity=2,
                   password=PM_PASSWORD) == ["3 LRIP units already exist; the quantity cannot go below that"]
    assert approve_lrip_quantity(session, 3).quantity == 3


# ---------------------------------------------------------------- policies

def test_a_policy_edit_is_validated_audited_and_applied(session):
    admin = small_program(session)
    p = program.set_policy(session, admin, program="ACT", phase="pilot", rule="qualified_operator", value=False,
                           reason="training backlog, waiver W-7")
    assert (p.program, p.phase, p.qualified_operator) == ("ACT", "pilot", False)
    assert policy(session, "pilot") == rules.Policy(**{**rules.DEFAULT_POLICIES["pilot"].__dict__,
                                                       "qualified_operator": False})
    p = program.set_policy(session, admin, program="ACT", phase="lrip", rule="change_signatures",
                           value=["engineering", "customer"], reason="customer asks to sign")
    assert p.change_signatures == ["engineering", "customer"]
    assert policy(session, "lrip").change_signatures == ("engineering", "customer")
    assert [(e.record_id, e.before, e.after, e.reason) for e in events(session, "policy.changed")] == [
        ("ACT/pilot", {"qualified_operator": True}, {"qualified_operator": False}, "training backlog, waiver W-7"),
        ("ACT/lrip", {"change_signatures": ["engineering", "quality", "program"]},
         {"change_signatures": ["engineering", "customer"]}, "customer asks to sign")]


def test_a_bad_policy_edit_gets_every_reason_and_changes_nothing(session):
    admin = small_program(session)
    before = snapshot(session)
    assert refused(program.set_policy, session, admin, program="ACT", phase="beta", rule="inspection", value="most",
                   reason=" ") == [
        "inspection must be one of all, kc_all_others_sampled, not 'most'", "'beta' is not a phase",
        "a policy change needs a reason"]
    assert refused(program.set_policy, session, admin, program="ACT", phase="lrip", rule="speed", value=True,
                   reason="x")[0].startswith("'speed' is not a phase policy rule")
    assert refused(program.set_policy, session, admin, program="ACT", phase="lrip", rule="released_instruction",
                   value="no", reason="x") == ["released_instruction is yes or no, not 'no'"]
    with pytest.raises(Forbidden):  # policies are an admin's
        program.set_policy(session, actor(session, PM), program="ACT", phase="lrip", rule="production_tools",
                           value=False, reason="x")
    assert snapshot(session) == before


def test_a_policy_edit_bumps_the_setup_version(session):
    admin = small_program(session)
    before = session.scalar(select(SetupVersion.version)) or 0
    program.set_policy(session, admin, program="ACT", phase="pilot", rule="qualified_operator", value=False,
                       reason="waiver W-7")
    assert session.scalar(select(SetupVersion.version)) == before + 1


def test_a_waived_qualification_lets_an_unqualified_operator_start_in_pilot(session):
    build_line(session, phase="pilot")
    admin = actor(session, "admin")
    execution.create_unit(session, admin, lot="L1", serial="P-1")
    with pytest.raises(Refused) as exc:
        execution.start_operation(session, actor(session, "newbie"), serial="P-1", operation=10, tools=["TQ-1"])
    assert exc.value.reasons == ["operator newbie is not qualified for 'assembly'"]
    program.set_policy(session, admin, program="ACT", phase="pilot", rule="qualified_operator", value=False,
                       reason="waiver W-7")
    rec = execution.start_operation(session, actor(session, "newbie"), serial="P-1", operation=10, tools=["TQ-1"])
    assert rec.status == "in_work"


# ---------------------------------------------------------------- lots and the ramp plan

def test_lots_in_the_current_phase_on_a_fitting_routing_publish_created_and_closed(session, published):
    admin = small_program(session)
    pm = actor(session, PM)
    lot = program.create_lot(session, pm, program="ACT", number="P1", planned_quantity=3, routing_revision="2")
    assert (lot.phase, lot.status, lot.routing_revision, lot.units_created) == ("prototype", "open", "2", 0)
    for phase in ("pilot", "lrip"):
        program.change_phase(session, admin, program="ACT", phase=phase, reason="next")
    before = snapshot(session)
    assert refused(program.create_lot, session, pm, program="ACT", number="p1", planned_quantity=0,
                   routing_revision="2") == [
        "lot number p1 is already used", "a lot plans at least 1 unit, not 0",
        "an LRIP lot builds on a released routing; this routing is draft"]
    with pytest.raises(NotFound):
        program.create_lot(session, pm, program="ACT", number="L1", planned_quantity=1, routing_revision="9")
    assert snapshot(session) == before
    assert program.create_lot(session, pm, program="ACT", number="L1", planned_quantity=5,
                              routing_revision="1").phase == "lrip"
    closed = program.close_lot(session, pm, number="p1", reason="pilot done")
    assert (closed.number, closed.status) == ("P1", "closed")
    assert refused(program.close_lot, session, pm, number="P1", reason="again") == [
        "lot P1 is closed; only an open lot is closed"]
    lots = program.list_lots(session, pm, program="ACT")
    assert [(r.number, r.phase, r.status, r.routing_revision) for r in lots] == [
        ("P1", "prototype", "closed", "2"), ("L1", "lrip", "open", "1")]
    assert [e.record_id for e in events(session, "lot.created")] == ["P1", "L1"]
    assert [(e.before, e.after, e.reason) for e in events(session, "lot.closed")] == [
        ({"status": "open"}, {"status": "closed"}, "pilot done")]
    ids = {n: program.get_lot(session, n).id for n in ("P1", "L1")}
    prog_id = program.get_program(session, "ACT").id
    assert published == [
        (PM, LotCreated(lot_id=ids["P1"], number="P1", program_id=prog_id, phase="prototype", planned_quantity=3)),
        (PM, LotCreated(lot_id=ids["L1"], number="L1", program_id=prog_id, phase="lrip", planned_quantity=5)),
        (PM, LotClosed(lot_id=ids["P1"], number="P1", program_id=prog_id))]


def test_closing_a_lot_needs_its_handler(session, monkeypatch):
    """LotClosed is required: without change control's handler loaded, closing refuses to go on
    (the instruction revisions kept for the lot would never be freed)."""
    admin = small_program(session)
    program.create_lot(session, admin, program="ACT", number="P1", planned_quantity=1, routing_revision="1")
    monkeypatch.setitem(domain_events._HANDLERS, LotClosed, [])
    with pytest.raises(domain_events.Unhandled):
        program.close_lot(session, admin, number="P1", reason="done")


def test_lots_are_created_by_a_program_manager_not_an_operator(session):
    small_program(session)
    before = snapshot(session)
    with pytest.raises(Forbidden) as exc:
        program.create_lot(session, actor(session, "olga"), program="ACT", number="L9", planned_quantity=1,
                           routing_revision="1")
    assert exc.value.reasons == ["olga (operator) may not create lots; that needs program_manager or admin"]
    with pytest.raises(Forbidden):
        program.change_phase(session, actor(session, "olga"), program="ACT", phase="pilot", reason="x")
    assert snapshot(session) == before


def test_the_inspection_sample_is_stored_on_the_lot_and_audited(session):
    admin = small_program(session)
    program.create_lot(session, admin, program="ACT", number="P1", planned_quantity=5, routing_revision="1")
    assert refused(program.set_inspection_sample, session, admin, lot="P1", sample={10: {"NOISE": [0, 2]}},
                   reason="x") == ["unit positions in a lot count from 1, not 0"]
    program.set_inspection_sample(session, admin, lot="p1", sample={10: {"NOISE": [4, 2, 2]}},
                                  reason="Z1.4 level II, normal")
    lot = program.show_lot(session, admin, lot="P1")
    assert lot.inspection_sample == {"10": {"NOISE": [2, 4]}}
    [ev] = events(session, "lot.inspection_sample_set")
    assert (ev.record_id, ev.after, ev.reason) == ("P1", {"inspection_sample": {"10": {"NOISE": [2, 4]}}},
                                                    "Z1.4 level II, normal")


def test_the_current_routing_is_the_open_lots_then_the_newest_lots_then_the_released_one(session, published):
    admin = small_program(session)
    prog = program.get_program(session, "ACT")
    assert program.current_routing(session, prog).revision == "1"  # no lot: the released routing
    program.create_lot(session, admin, program="ACT", number="P1", planned_quantity=1, routing_revision="2")
    assert program.current_routing(session, prog).revision == "2"
    program.create_lot(session, admin, program="ACT", number="P2", planned_quantity=1, routing_revision="1")
    program.close_lot(session, admin, number="P2", reason="done")
    assert program.current_routing(session, prog).revision == "2"  # the open lot's, not the newest closed one


def test_a_program_without_lot_or_released_routing_has_no_current_routing(session):
    admin = small_program(session)
    catalog.add_part_revision(session, admin, number="ACT-100", revision="B")
    program.create_program(session, admin, code="NEXT", name="Next", part="ACT-100", part_revision="B",
                           planned_total=10, frp_target_rate=1)
    with pytest.raises(NotFound) as exc:
        program.current_routing(session, program.get_program(session, "NEXT"))
    assert exc.value.reasons == ["NEXT has no lot yet and ACT-100 rev B has no released routing"]


def test_the_ramp_plan_takes_weeks_starting_on_monday_and_replaces_a_week(session):
    admin = small_program(session)
    monday = date(2026, 3, 2)
    program.plan_starts(session, admin, program="ACT", period_start=monday, planned_starts=2, phase="pilot")
    before = snapshot(session)
    assert refused(program.plan_starts, session, admin, program="ACT", period_start=date(2026, 3, 4),
                   planned_starts=-1, phase="mass") == [
        "planned starts are zero or more, not -1", "'mass' is not a phase",
        "a ramp plan period starts on a Monday; 2026-03-04 is a Wednesday"]
    assert snapshot(session) == before
    entry = program.plan_starts(session, admin, program="ACT", period_start=monday, planned_starts=4, phase="pilot")
    assert (entry.period_start, entry.planned_starts, entry.lot) == (monday, 4, None)
    assert snapshot(session)["plan"] == [(monday, 4)]
    assert [(e.before, e.after["planned_starts"]) for e in events(session, "ramp_plan.set")] == [
        (None, 2), ({"planned_starts": 2}, 4)]


def test_a_ramp_plan_lot_must_belong_to_the_program(session):
    admin = small_program(session)
    program.create_program(session, admin, code="OTHER", name="Other", part="ACT-100", part_revision="A",
                           planned_total=10, frp_target_rate=1)
    program.create_lot(session, admin, program="OTHER", number="O1", planned_quantity=1, routing_revision="1")
    assert refused(program.plan_starts, session, admin, program="ACT", period_start=date(2026, 3, 2),
                   planned_starts=1, phase="prototype", lot="o1") == ["lot O1 is not in program ACT"]
