"""Program services on a real database: programs and their policies (changes proposed and signed), phase
changes through their gates and the recorded FRP GO, the signed LRIP quantity, lots (and the events they
publish, and their results when they close), units counted on their lots, and the ramp plan. Every change
is audited; a refusal lists every reason and changes nothing; each use case is its role's."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factory import (PM, PM_PASSWORD, QE, QE_PASSWORD, TODAY, actor, approve_lrip_quantity, build_line,
                     build_pilot_lot, change_policy, move_phase, run_op10)
from lrip import events as domain_events
from lrip.audit import AuditEvent
from lrip.auth.decisions import role_words
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.models import SetupVersion
from lrip.catalog.service import CharacteristicSpec as C
from lrip.catalog.service import OperationSpec as O
from lrip.errors import Forbidden, Invalid, NotFound, Refused
from lrip.execution import service as execution
from lrip.program import rules
from lrip.program import service as program
from lrip.program.events import LotClosed, LotCreated
from lrip.program.models import Lot, PhasePolicy, PolicyChange, Program, RampPlanEntry
from lrip.program.schemas import PlanWeek, ramp_plan_from_csv

GO_AT = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def small_program(session, *, code="ACT"):
    """An admin, a program manager and a quality engineer who sign, an operator, a part with a released
    routing on a released instruction and a draft routing, and a program in prototype; returns the admin."""
    create_user(session, INSTALLATION, username="admin", full_name="Ada Admin", roles=["admin"])
    admin = actor(session, "admin")
    create_user(session, admin, username=PM, full_name="Petra Program", roles=["program_manager"], password=PM_PASSWORD)
    create_user(session, admin, username=QE, full_name="Quinn Quality", roles=["quality_engineer"],
                password=QE_PASSWORD)
    create_user(session, admin, username="olga", full_name="Olga Operator", roles=["operator"])
    catalog.create_part(session, admin, number="ACT-100", description="Actuator", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-100", revision="A", release=True)
    catalog.create_work_center(session, admin, code="ASSY", name="Assembly", hours_per_day=8)
    catalog.create_document(session, admin, number="WI-10", title="Assemble")
    catalog.add_document_revision(session, admin, number="WI-10", revision="A", content="Assemble it.")
    catalog.release_document_revision(session, admin, number="WI-10", revision="A")
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="1", release=True,
                           operations=[O(10, "Assemble", "ASSY", 30, ("WI-10", "A"))])
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="2",
                           operations=[O(10, "Assemble", "ASSY", 25)])
    program.create_program(session, admin, code=code, name="Actuator ramp", part="ACT-100", part_revision="A",
                           planned_total=200, frp_target_rate=10)
    return admin


def refused(call, *args, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(*args, **kw)
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
    """Call it to record the lot events published from then on, in order (the handlers of the areas above
    replaced by a recorder)."""
    seen = []

    def start() -> list:
        for event_type in (LotCreated, LotClosed):
            monkeypatch.setitem(domain_events._HANDLERS, event_type, [lambda s, a, e: seen.append((a.username, e))])
        return seen

    return start


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


# ---------------------------------------------------------------- phases: their gates and signatures

def sign(session, who, password, phase, code="ACT", **kw):
    return program.sign_phase_change(session, actor(session, who), program=code, phase=phase, password=password,
                                     **kw)


def test_phases_move_forward_one_step(session):
    admin = small_program(session)
    before = snapshot(session)
    assert refused(program.change_phase, session, admin, program="ACT", phase="lrip", reason="hurry") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert refused(program.change_phase, session, admin, program="ACT", phase="prototype", reason="x") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert refused(sign, session, PM, PM_PASSWORD, "lrip") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert snapshot(session) == before


def test_the_pilot_gate_lists_every_unmet_condition_at_once_and_changes_nothing(session):
    admin = small_program(session)
    catalog.create_part(session, admin, number="ACT-200", description="Actuator, long stroke", tracking="serial")
    catalog.add_part_revision(session, admin, number="ACT-200", revision="A", release=True)
    catalog.create_document(session, admin, number="WI-20", title="Inspect")
    catalog.add_document_revision(session, admin, number="WI-20", revision="A", content="Look.")
    catalog.create_routing(session, admin, part="ACT-200", part_revision="A", revision="1", release=True,
                           operations=[O(10, "Assemble", "ASSY", 30, ("WI-20", "A")), O(20, "Pack", "ASSY", 5)])
    program.create_program(session, admin, code="LONG", part="ACT-200", part_revision="A", planned_total=50,
                           frp_target_rate=2)
    before = snapshot(session)
    gate = program.phase_gate(session, actor(session, "olga"), program="long")
    assert (gate.program, gate.phase, gate.target, gate.ready) == ("LONG", "prototype", "pilot", False)
    assert refused(program.change_phase, session, actor(session, PM), program="LONG", phase="pilot",
                   reason="design frozen") == [
        "routing rev 1: operation 10 (Assemble) needs WI-20 rev A released; it is draft",
        "routing rev 1: operation 20 (Pack) has no work instruction",
        "the move to PILOT still needs " + role_words("program")]
    assert [w for c in gate.conditions if not c.met for w in c.words] == refused(
        program.change_phase, session, actor(session, PM), program="LONG", phase="pilot", reason="x")
    assert snapshot(session) == before
    assert program.show_program(session, admin, program="LONG").name == "Actuator, long stroke"


def test_the_move_to_pilot_needs_a_released_routing_and_the_program_signature(session):
    small_program(session)
    gate = program.phase_gate(session, actor(session, "olga"), program="ACT")
    assert [(c.key, c.met) for c in gate.conditions] == [("released_routing", True), ("signatures", False)]
    assert gate.conditions[0].words == ["routing rev 1 is released with every work instruction released"]
    signed = sign(session, PM, PM_PASSWORD, "pilot")
    assert (signed.ready, [s.username for s in signed.signatures]) == (True, [PM])
    prog = program.change_phase(session, actor(session, PM), program="ACT", phase="pilot", reason="design frozen")
    assert prog.phase == "pilot"
    [ev] = events(session, "program.phase_changed")
    assert (ev.actor, ev.before, ev.after, ev.reason) == (PM, {"phase": "prototype"}, {"phase": "pilot"},
                                                          "design frozen")
    assert [e.record_id for e in events(session, "signature.signed")] == ["ACT/pilot"]


def lrip_gate_line(session):
    """The factory line in pilot with a CMM characteristic whose gauge is out of calibration and a welding
    operation nobody is qualified for, on routing rev 2 (the newest released)."""
    build_line(session, phase="pilot", lrip_quantity=20)
    admin = actor(session, "admin")
    catalog.create_tool(session, admin, code="CMM-1", kind="cmm", description="CMM", category="gauge",
                        calibration_due=TODAY - timedelta(days=1))
    catalog.create_routing(session, admin, part="ACT-100", part_revision="A", revision="2", release=True, operations=[
        O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
          (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True, gauge_kind="cmm"),)),
        O(20, "Weld", "ASSY", 10, ("WI-20", "A"), (), "welding", ()),
    ])
    return admin


def test_the_lrip_gate_lists_every_unmet_condition_at_once_and_changes_nothing(session):
    lrip_gate_line(session)
    before = snapshot(session)
    reasons = refused(program.change_phase, session, actor(session, PM), program="ACT", phase="lrip",
                      reason="production readiness review passed")
    assert reasons == [
        "pilot lot L1 is still open; close it when its units are done",
        "TORQUE (operation 10 (Assemble)) is measured with a cmm; no cmm gauge is in calibration",
        "nobody holds a current qualification for 'welding' (operation 20 (Weld))",
        "no LRIP quantity has been approved",
        "the move to LRIP still needs " + role_words("program"),
        "the move to LRIP still needs " + role_words("quality"),
    ]
    assert snapshot(session) == before
    gate = program.phase_gate(session, actor(session, "olga"), program="ACT")
    assert [c.key for c in gate.conditions] == ["pilot_lot", "gauges_in_calibration", "qualified_operators",
                                                "lrip_quantity", "signatures"]
    assert not any(c.met for c in gate.conditions)


def test_the_lrip_gate_opens_when_each_condition_is_met(session):
    admin = lrip_gate_line(session)
    pm = actor(session, PM)
    execution.create_unit(session, admin, lot="L1", serial="P-1")
    run_op10(session, "P-1", "M-001")
    with pytest.raises(Refused) as exc, session.begin_nested():  # a unit in work keeps the lot open
        program.close_lot(session, pm, number="L1", reason="pilot done")
    assert exc.value.reasons == ["lot L1 still has units to finish, scrap or disposition: P-1 is in work"]
    olga = actor(session, "olga")
    for operation, results in ((20, {"VISUAL": "pass"}), (30, {"CURRENT": "1.0", "NOISE": "40"})):
        execution.start_operation(session, olga, serial="P-1", operation=operation)
        for code, value in results.items():
            execution.record_measurement(session, olga, serial="P-1", characteristic=code, result=value)
        execution.complete_operation(session, olga, serial="P-1", operation=operation)
    closed = program.close_lot(session, pm, number="L1", reason="pilot done")
    assert (closed.status, closed.results) == ("closed", {"complete": 1})
    catalog.calibrate_tool(session, admin, code="CMM-1", due=TODAY + timedelta(days=180), certificate="CAL-1")
    catalog.grant_qualification(session, admin, username="oscar", skill="welding", granted_on=TODAY,
                                expires_on=TODAY + timedelta(days=365))
    approve_lrip_quantity(session, 20)
    sign(session, PM, PM_PASSWORD, "lrip")
    gate = sign(session, QE, QE_PASSWORD, "lrip")
    assert gate.ready and [c.words for c in gate.conditions] == [
        ["pilot lot L1 closed: 1 complete"], ["in calibration: cmm"],
        ["'assembly': 2 qualified; 'welding': 1 qualified"], ["LRIP quantity 20 approved and signed"],
        ["signed by petra (program), quinn (quality)"]]
    assert program.change_phase(session, pm, program="ACT", phase="lrip", reason="PRR passed").phase == "lrip"


def test_a_revoked_or_expired_qualification_does_not_count_at_the_gate(session):
    admin = lrip_gate_line(session)
    catalog.grant_qualification(session, admin, username="oscar", skill="welding", granted_on=TODAY,
                                expires_on=TODAY + timedelta(days=365))
    catalog.revoke_qualification(session, admin, username="oscar", skill="welding", reason="left the company")
    catalog.grant_qualification(session, admin, username="olga", skill="welding", granted_on=TODAY - timedelta(days=400),
                                expires_on=TODAY - timedelta(days=1))
    skills = next(c for c in program.phase_gate(session, admin, program="ACT").conditions
                  if c.key == "qualified_operators")
    assert skills.words == ["nobody holds a current qualification for 'welding' (operation 20 (Weld))"]


def test_the_signatures_bind_to_the_lrip_quantity_and_the_mover_is_not_the_quality_approval(session):
    build_line(session, phase="pilot")
    admin = actor(session, "admin")
    create_user(session, admin, username="dual", full_name="Dana Dual", roles=["program_manager", "quality_engineer"],
                password=PM_PASSWORD)
    pm = actor(session, PM)
    execution.create_unit(session, admin, lot="L1", serial="P-1")
    program.close_lot(session, pm, number="L1", reason="short")  # one unit planned: no unit complete
    assert refused(program.change_phase, session, pm, program="ACT", phase="lrip", reason="x")[0] == (
        "pilot lot L1 was closed with no unit complete")
    build_pilot_lot(session)
    approve_lrip_quantity(session, 20)
    sign(session, PM, PM_PASSWORD, "lrip")
    sign(session, "dual", PM_PASSWORD, "lrip", role="quality_engineer")
    assert refused(program.change_phase, session, actor(session, "dual"), program="ACT", phase="lrip",
                   reason="x") == ["the move to LRIP still needs " + role_words("quality", not_by="dual",
                                                                             authored="proposed it")]
    approve_lrip_quantity(session, 25, rationale="more qualification units")  # signed for 20: they no longer count
    gate = program.phase_gate(session, pm, program="ACT")
    assert gate.conditions[-1].words == ["the move to LRIP still needs " + role_words("program"),
                                         "the move to LRIP still needs " + role_words("quality")]
    assert [s.valid for s in gate.signatures] == [False, False]
    with pytest.raises(Refused) as exc:
        sign(session, "olga", "whatever", "lrip")
    assert "olga" in exc.value.reasons[0] and "the move of ACT to LRIP" in exc.value.reasons[0]
    sign(session, PM, PM_PASSWORD, "lrip")
    sign(session, QE, QE_PASSWORD, "lrip")
    assert program.change_phase(session, pm, program="ACT", phase="lrip", reason="PRR").phase == "lrip"


def test_the_move_to_frp_needs_the_recorded_go_and_its_signatures(session):
    build_line(session, phase="lrip")
    admin, pm = actor(session, "admin"), actor(session, PM)
    assert refused(program.change_phase, session, pm, program="ACT", phase="frp", reason="go") == [
        "moving to full-rate production needs a readiness assessment that is GO and signed",
        "the move to FRP still needs " + role_words("program"),
        "the move to FRP still needs " + role_words("quality")]
    program.record_frp_go(session, admin, program="ACT", assessment="3", decided_at=GO_AT)
    program.withdraw_frp_go(session, admin, program="ACT", reason="a newer assessment is NO-GO")
    sign(session, PM, PM_PASSWORD, "frp")
    sign(session, QE, QE_PASSWORD, "frp")
    assert refused(program.change_phase, session, pm, program="ACT", phase="frp", reason="go") == [
        "moving to full-rate production needs a readiness assessment that is GO and signed"]
    program.record_frp_go(session, admin, program="ACT", assessment="4", decided_at=GO_AT)
    prog = program.change_phase(session, pm, program="ACT", phase="frp", reason="signed GO")
    assert (prog.phase, prog.frp_go_assessment, prog.frp_go_at) == ("frp", "4", GO_AT)
    assert program.phase_gate(session, pm, program="ACT").target is None
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
    [reason] = refused(program.set_lrip_quantity, session, admin, program="ACT", quantity=20, password="whatever")
    assert "admin" in reason and "still needs " + role_words("program") in reason
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

def propose(session, who, phase, rule, value, reason="a reason"):
    return program.propose_policy_change(session, actor(session, who), program="ACT", phase=phase, rule=rule,
                                         value=value, reason=reason)


def sign_change(session, who, password, number, **kw):
    return program.sign_policy_change(session, actor(session, who), program="ACT", number=number, password=password,
                                      **kw)


def test_a_policy_change_applies_when_program_and_quality_have_signed_it(session):
    small_program(session)
    version = session.scalar(select(SetupVersion.version)) or 0
    c = propose(session, PM, "pilot", "qualified_operator", "no", reason="training backlog, waiver W-7")
    assert (c.number, c.status, c.value, c.current, c.proposed_by) == (1, "proposed", False, True, PM)
    assert c.missing == [role_words("program"), role_words("quality")]
    c = sign_change(session, PM, PM_PASSWORD, 1)
    assert (c.status, c.missing, policy(session, "pilot").qualified_operator) == (
        "proposed", [role_words("quality")], True)
    assert session.scalar(select(SetupVersion.version)) or 0 == version
    c = sign_change(session, QE, QE_PASSWORD, 1)
    assert (c.status, c.current, c.missing, [x.username for x in c.signatures]) == ("applied", False, [], [PM, QE])
    assert policy(session, "pilot") == rules.Policy(**{**rules.DEFAULT_POLICIES["pilot"].__dict__,
                                                       "qualified_operator": False})
    assert session.scalar(select(SetupVersion.version)) == version + 1
    assert [(e.action, e.record_id) for e in session.execute(select(AuditEvent).where(AuditEvent.action.in_(
        ["policy_change.proposed", "signature.signed", "policy.changed"])).order_by(AuditEvent.seq)).scalars()] == [
        ("policy_change.proposed", "ACT/1"), ("signature.signed", "ACT/1"), ("signature.signed", "ACT/1"),
        ("policy.changed", "ACT/pilot")]
    [ev] = events(session, "policy.changed")
    assert (ev.actor, ev.before, ev.after, ev.reason) == (QE, {"qualified_operator": True},
                                                          {"qualified_operator": False, "proposal": 1},
                                                          "training backlog, waiver W-7")
    assert refused(sign_change, session, PM, PM_PASSWORD, 1) == [
        "policy change ACT/1 is applied; only a proposed change is signed"]
    signatures = change_policy(session, "lrip", "change_signatures", "engineering,customer",
                               reason="customer asks to sign")
    assert (signatures.value, policy(session, "lrip").change_signatures) == (["engineering", "customer"],
                                                                              ("engineering", "customer"))


def test_the_proposer_is_not_the_quality_approval_and_a_newer_proposal_withdraws_the_older(session):
    small_program(session)
    propose(session, QE, "lrip", "inspection", "kc_all_others_sampled")
    with pytest.raises(Refused) as exc:
        sign_change(session, QE, QE_PASSWORD, 1)
    [reason] = exc.value.reasons
    assert reason.startswith("quinn proposed policy change ACT/1 and may not give it its quality approval")
    sign_change(session, PM, PM_PASSWORD, 1)
    newer = propose(session, PM, "lrip", "inspection", "kc_all_others_sampled", reason="customer's letter 12")
    assert (newer.number, newer.signatures) == (2, [])
    older = session.execute(select(PolicyChange).filter_by(number=1)).scalar_one()
    assert older.status == "withdrawn"
    assert refused(sign_change, session, "olga", "x", 1) == [
        "policy change ACT/1 is withdrawn; only a proposed change is signed"]
    listed = program.policies(session, actor(session, "olga"), program="ACT")
    assert [(c.number, c.status) for c in listed.proposals] == [(2, "proposed"), (1, "withdrawn")]
    assert [p.phase for p in listed.policies] == list(rules.PHASES)


def test_a_bad_policy_change_gets_every_reason_and_changes_nothing(session):
    small_program(session)
    before = snapshot(session)
    assert refused(propose, session, PM, "beta", "inspection", "most", reason=" ") == [
        "inspection must be one of all, kc_all_others_sampled, not 'most'", "'beta' is not a phase",
        "a policy change needs a reason"]
    assert refused(propose, session, PM, "lrip", "speed", True)[0].startswith("'speed' is not a phase policy rule")
    assert refused(propose, session, PM, "lrip", "released_instruction", "perhaps") == [
        "released_instruction is yes or no, not 'perhaps'"]
    assert refused(propose, session, PM, "lrip", "released_instruction", "yes") == [
        "the lrip policy of ACT already has released_instruction = yes"]
    with pytest.raises(Forbidden) as exc:
        propose(session, "olga", "lrip", "production_tools", False)
    assert exc.value.reasons == ["olga (operator) may not propose phase policy changes; that needs program_manager, "
                                 "quality_engineer or admin"]
    with pytest.raises(NotFound):
        sign_change(session, PM, PM_PASSWORD, 9)
    assert snapshot(session) == before
    assert session.scalar(select(func.count(PolicyChange.id))) == 0


def test_a_waived_qualification_lets_an_unqualified_operator_start_in_pilot(session):
    build_line(session, phase="pilot")
    admin = actor(session, "admin")
    execution.create_unit(session, admin, lot="L1", serial="P-1")
    with pytest.raises(Refused) as exc:
        execution.start_operation(session, actor(session, "newbie"), serial="P-1", operation=10, tools=["TQ-1"])
    assert exc.value.reasons == ["operator newbie is not qualified for 'assembly'"]
    change_policy(session, "pilot", "qualified_operator", False, reason="waiver W-7")
    rec = execution.start_operation(session, actor(session, "newbie"), serial="P-1", operation=10, tools=["TQ-1"])
    assert rec.status == "in_work"


# ---------------------------------------------------------------- lots and the ramp plan

def test_lots_in_the_current_phase_on_a_fitting_routing_publish_created_and_closed(session, published):
    small_program(session)
    pm = actor(session, PM)
    lot = program.create_lot(session, pm, program="ACT", number="P1", planned_quantity=3, routing_revision="2")
    assert (lot.phase, lot.status, lot.routing_revision, lot.units_created) == ("prototype", "open", "2", 0)
    move_phase(session, "pilot")
    approve_lrip_quantity(session, 20)
    program.create_lot(session, pm, program="ACT", number="P0", planned_quantity=1)
    execution.create_unit(session, pm, lot="P0", serial="SN-P0")
    execution.start_operation(session, actor(session, "olga"), serial="SN-P0", operation=10)
    execution.complete_operation(session, actor(session, "olga"), serial="SN-P0", operation=10)
    program.close_lot(session, pm, number="P0", reason="pilot built")
    move_phase(session, "lrip")
    published = published()
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
    assert [(r.number, r.phase, r.status, r.routing_revision, r.results) for r in lots] == [
        ("P1", "prototype", "closed", "2", None), ("P0", "pilot", "closed", "1", {"complete": 1}),
        ("L1", "lrip", "open", "1", None)]
    assert [e.record_id for e in events(session, "lot.created")] == ["P1", "P0", "L1"]
    assert [(e.record_id, e.before, e.after, e.reason) for e in events(session, "lot.closed")] == [
        ("P0", {"status": "open"}, {"status": "closed"}, "pilot built"),
        ("P1", {"status": "open"}, {"status": "closed"}, "pilot done")]
    ids = {n: program.get_lot(session, n).id for n in ("P1", "L1")}
    prog_id = program.get_program(session, "ACT").id
    assert published == [
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
    with pytest.raises(Forbidden):
        program.close_lot(session, actor(session, "olga"), number="P1", reason="x")
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
    ev = events(session, "lot.inspection_sample_set")[-1]
    assert (ev.record_id, ev.after, ev.reason) == ("P1", {"inspection_sample": {"10": {"NOISE": [2, 4]}}},
                                                    "Z1.4 level II, normal")


def test_the_current_routing_is_the_open_lots_then_the_newest_lots_then_the_released_one(session, published):
    admin = small_program(session)
    published()
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


def test_a_ramp_plan_of_many_weeks_is_set_all_or_none_each_week_audited(session):
    small_program(session)
    pm = actor(session, PM)
    program.create_lot(session, pm, program="ACT", number="P1", planned_quantity=2)
    before = snapshot(session)
    weeks = [PlanWeek(week=date(2030, 1, 7), starts=2, lot="p1"), PlanWeek.model_construct(week=date(2030, 1, 9), starts=-1, phase=None, lot=None),
             PlanWeek(week=date(2030, 1, 14), starts=1, phase="lrip"), PlanWeek(week=date(2030, 1, 7), starts=1,
                                                                                 lot="P1")]
    assert refused(program.set_ramp_plan, session, pm, program="ACT", weeks=weeks) == [
        "week 2030-01-09: planned starts are zero or more, not -1",
        "week 2030-01-09: a ramp plan period starts on a Monday; 2030-01-09 is a Wednesday",
        "week 2030-01-07 (lot P1): the week is given twice for lot P1"]
    assert snapshot(session) == before
    plan = program.set_ramp_plan(session, pm, program="ACT", weeks=[weeks[0], weeks[2]])
    assert [(w.period_start, w.phase, w.planned_starts, w.lot) for w in plan.weeks] == [
        (date(2030, 1, 7), "prototype", 2, "P1"), (date(2030, 1, 14), "lrip", 1, None)]
    assert program.ramp_plan(session, actor(session, "olga"), program="ACT") == plan
    assert len(events(session, "ramp_plan.set")) == 2


def test_a_ramp_plan_file_names_every_bad_line():
    with pytest.raises(Invalid) as exc:
        ramp_plan_from_csv("week,starts,phase\n2030-01-07,2,pilot\n07/01/2030,two,beta\n2030-01-14,,\n")
    assert exc.value.reasons == ["line 3: week: '07/01/2030' is not a date; write it like 2026-03-01",
                                 "line 3: starts: a whole number is a whole number like 12, not 'two'",
                                 "line 3: phase: Input should be 'prototype', 'pilot', 'lrip' or 'frp'",
                                 "line 4: starts: Field required"]
    assert ramp_plan_from_csv("\ufeffWeek,Starts\n2030-01-07,3\n".lstrip("\ufeff")).weeks[0].starts == 3
