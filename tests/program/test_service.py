"""Program services on a real database: programs and their policies, phase changes,
the LRIP quantity, lots and the ramp plan. Every change is audited; a refusal changes nothing."""
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factory import PM, PM_PASSWORD, approve_lrip_quantity, build_line
from lrip.audit import AuditEvent
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.service import OperationSpec as O
from lrip.errors import NotFound, Refused
from lrip.execution import service as execution
from lrip.program import rules
from lrip.program import service as program
from lrip.program.models import Lot, PhasePolicy, Program, RampPlanEntry


def small_program(session, *, code="ACT"):
    """A user, a part with a released and a draft routing, and a program in prototype."""
    with session.begin():
        create_user(session, username="admin", full_name="Ada Admin", roles=["admin"], actor="system")
        create_user(session, username=PM, full_name="Petra Program", roles=["program_manager"], actor="admin",
                    password=PM_PASSWORD)
        catalog.create_part(session, number="ACT-100", description="Actuator", tracking="serial", actor="admin")
        catalog.add_part_revision(session, number="ACT-100", revision="A", actor="admin", release=True)
        catalog.create_work_center(session, code="ASSY", name="Assembly", hours_per_day=8, actor="admin")
        catalog.create_routing(session, part="ACT-100", part_revision="A", revision="1", release=True, actor="admin",
                               operations=[O(10, "Assemble", "ASSY", 30)])
        catalog.create_routing(session, part="ACT-100", part_revision="A", revision="2", actor="admin",
                               operations=[O(10, "Assemble", "ASSY", 25)])
        program.create_program(session, code=code, name="Actuator ramp", part="ACT-100", part_revision="A",
                               planned_total=200, frp_target_rate=10, actor="admin")


def refused(call, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(**kw)
    return exc.value.reasons


def snapshot(session) -> dict:
    with Session(session.get_bind()) as s:
        return {
            "programs": s.execute(select(Program.code, Program.phase, Program.lrip_quantity,
                                         Program.lrip_quantity_rationale)).all(),
            "policies": sorted(tuple(str(getattr(p, c)) for c in rules.Policy.__dataclass_fields__) + (p.phase,)
                               for p in s.execute(select(PhasePolicy)).scalars()),
            "lots": s.execute(select(Lot.number, Lot.status, Lot.planned_quantity)).all(),
            "plan": s.execute(select(RampPlanEntry.period_start, RampPlanEntry.planned_starts)).all(),
            "events": s.scalar(select(func.count(AuditEvent.id))),
        }


def events(session, action) -> list[AuditEvent]:
    with Session(session.get_bind()) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).scalars())


def policy(session, phase) -> rules.Policy:
    with Session(session.get_bind()) as s:
        prog = s.execute(select(Program).filter_by(code="ACT")).scalar_one()
        return program.policy_for(s, prog.id, phase)


# ---------------------------------------------------------------- programs

def test_a_program_starts_in_prototype_with_the_default_policy_of_every_phase(session):
    small_program(session)
    with Session(session.get_bind()) as s:
        prog = s.execute(select(Program)).scalar_one()
        assert (prog.phase, prog.lrip_quantity, prog.planned_total) == ("prototype", None, 200)
        assert {phase: program.policy_for(s, prog.id, phase) for phase in rules.PHASES} == rules.DEFAULT_POLICIES
    [ev] = events(session, "program.created")
    assert (ev.record_id, ev.after) == ("ACT", {"name": "Actuator ramp", "part": "ACT-100/A", "planned_total": 200,
                                                "frp_target_rate": 10})


def test_a_bad_program_gets_every_reason_and_nothing_is_written(session):
    small_program(session)
    before = snapshot(session)
    assert refused(program.create_program, session=session, code="ACT", name="again", part="ACT-100",
                   part_revision="A", planned_total=0, frp_target_rate=0, actor="admin") == [
        "program ACT already exists", "the planned total is at least 1, not 0", "the FRP target rate is positive, not 0"]
    with pytest.raises(NotFound):
        program.create_program(session, code="NEW", name="n", part="ACT-100", part_revision="Z", planned_total=1,
                               frp_target_rate=1, actor="admin")
    assert snapshot(session) == before


# ---------------------------------------------------------------- phases

def test_phases_move_forward_one_step_and_frp_needs_readiness(session):
    small_program(session)
    before = snapshot(session)
    assert refused(program.change_phase, session=session, program="ACT", phase="lrip", actor="admin", reason="hurry") == [
        "the program is in prototype; it can only move to the next phase (pilot)"]
    assert refused(program.change_phase, session=session, program="ACT", phase="prototype", actor="admin",
                   reason="x") == ["the program is in prototype; it can only move to the next phase (pilot)"]
    assert snapshot(session) == before
    assert program.change_phase(session, program="ACT", phase="pilot", actor="admin", reason="design frozen").phase == "pilot"
    assert program.change_phase(session, program="ACT", phase="lrip", actor="admin", reason="MS C").phase == "lrip"
    assert refused(program.change_phase, session=session, program="ACT", phase="pilot", actor="admin", reason="x") == [
        "the program is in lrip; it can only move to the next phase (frp)"]
    before = snapshot(session)
    assert refused(program.change_phase, session=session, program="ACT", phase="frp", actor="admin", reason="go") == [
        "moving to full-rate production needs a readiness assessment that is GO and signed"]
    assert snapshot(session) == before
    assert [(e.before, e.after, e.reason) for e in events(session, "program.phase_changed")] == [
        ({"phase": "prototype"}, {"phase": "pilot"}, "design frozen"), ({"phase": "pilot"}, {"phase": "lrip"}, "MS C")]


# ---------------------------------------------------------------- LRIP quantity

def test_lrip_quantity_above_10_percent_needs_a_rationale_and_warns(session):
    small_program(session)
    prog, warnings = approve_lrip_quantity(session, 20)
    assert (prog.lrip_quantity, warnings) == (20, [])
    before = snapshot(session)
    signed = {"actor": PM, "password": PM_PASSWORD}
    assert refused(program.set_lrip_quantity, session=session, program="ACT", quantity=30, **signed) == [
        "30 is above 10% of the planned total (200); write the rationale"]
    assert refused(program.set_lrip_quantity, session=session, program="ACT", quantity=201, rationale="all of it",
                   **signed) == ["the LRIP quantity 201 exceeds the planned total of 200"]
    assert snapshot(session) == before
    prog, warnings = approve_lrip_quantity(session, 30, rationale="long-lead qualification campaign")
    assert warnings == ["30 is 15% of the planned total, above 10%; rationale recorded"]
    assert snapshot(session)["programs"] == [("ACT", "prototype", 30, "long-lead qualification campaign")]
    assert [(e.before, {k: v for k, v in e.after.items() if k != "signature"}, e.reason)
            for e in events(session, "program.lrip_quantity_set")] == [
        ({"lrip_quantity": None}, {"lrip_quantity": 20}, None),
        ({"lrip_quantity": 20}, {"lrip_quantity": 30}, "long-lead qualification campaign")]


def test_lrip_quantity_is_set_only_by_a_program_manager_signing_with_their_password(session):
    small_program(session)
    before = snapshot(session)
    assert refused(program.set_lrip_quantity, session=session, program="ACT", quantity=20, actor="admin",
                   password="whatever") == [
        "the LRIP quantity is set by a signed approval of the program office; admin (admin) cannot give it: "
        "it needs program manager"]
    assert refused(program.set_lrip_quantity, session=session, program="ACT", quantity=20, actor=PM,
                   password="not-it")
    assert snapshot(session)["programs"] == before["programs"]  # the failed signature itself is audited


def test_lrip_quantity_cannot_go_below_the_lrip_units_built(session):
    with session.begin():
        build_line(session, lrip_quantity=3)
        for serial in ("SN-1", "SN-2", "SN-3"):
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
    assert refused(program.set_lrip_quantity, session=session, program="ACT", quantity=2, actor=PM,
                   password=PM_PASSWORD) == ["3 LRIP units already exist; the quantity cannot go below that"]
    assert approve_lrip_quantity(session, 3)[0].lrip_quantity == 3


# ---------------------------------------------------------------- policies

def test_a_policy_edit_is_validated_audited_and_applied(session):
    small_program(session)
    p = program.set_policy(session, program="ACT", phase="pilot", rule="qualified_operator", value=False,
                           actor="admin", reason="training backlog, waiver W-7")
    assert p == rules.Policy(**{**rules.DEFAULT_POLICIES["pilot"].__dict__, "qualified_operator": False})
    assert policy(session, "pilot").qualified_operator is False
    p = program.set_policy(session, program="ACT", phase="lrip", rule="change_signatures",
                           value=["engineering", "customer"], actor="admin", reason="customer asks to sign")
    assert p.change_signatures == ("engineering", "customer")
    assert policy(session, "lrip").change_signatures == ("engineering", "customer")
    assert [(e.record_id, e.before, e.after, e.reason) for e in events(session, "policy.changed")] == [
        ("ACT/pilot", {"qualified_operator": True}, {"qualified_operator": False}, "training backlog, waiver W-7"),
        ("ACT/lrip", {"change_signatures": ["engineering", "quality", "program"]},
         {"change_signatures": ["engineering", "customer"]}, "customer asks to sign")]


def test_a_bad_policy_edit_gets_every_reason_and_changes_nothing(session):
    small_program(session)
    before = snapshot(session)
    assert refused(program.set_policy, session=session, program="ACT", phase="beta", rule="inspection", value="most",
                   actor="admin", reason=" ") == [
        "inspection must be one of all, kc_all_others_sampled, not 'most'", "'beta' is not a phase",
        "a policy change needs a reason"]
    assert refused(program.set_policy, session=session, program="ACT", phase="lrip", rule="speed", value=True,
                   actor="admin", reason="x")[0].startswith("'speed' is not a phase policy rule")
    assert refused(program.set_policy, session=session, program="ACT", phase="lrip", rule="released_instruction",
                   value="no", actor="admin", reason="x") == ["released_instruction is yes or no, not 'no'"]
    assert snapshot(session) == before


def test_a_waived_qualification_lets_an_unqualified_operator_start_in_pilot(session):
    with session.begin():
        build_line(session, phase="pilot")
        execution.create_unit(session, lot="L1", serial="P-1", actor="admin")
    with pytest.raises(Refused) as exc:
        execution.start_operation(session, serial="P-1", operation=10, operator="newbie", tools=["TQ-1"])
    assert exc.value.reasons == ["operator newbie is not qualified for 'assembly'"]
    program.set_policy(session, program="ACT", phase="pilot", rule="qualified_operator", value=False, actor="admin",
                       reason="waiver W-7")
    rec = execution.start_operation(session, serial="P-1", operation=10, operator="newbie", tools=["TQ-1"])
    assert rec.started_by_id is not None and rec.status == "in_work"


# ---------------------------------------------------------------- lots and the ramp plan

def test_lots_in_the_current_phase_on_a_fitting_routing(session):
    small_program(session)
    lot = program.create_lot(session, program="ACT", number="P1", planned_quantity=3, routing_revision="2", actor="admin")
    assert (lot.phase, lot.status) == ("prototype", "open")  # a draft routing is fine before LRIP
    for phase in ("pilot", "lrip"):
        program.change_phase(session, program="ACT", phase=phase, actor="admin", reason="next")
    before = snapshot(session)
    assert refused(program.create_lot, session=session, program="ACT", number="P1", planned_quantity=0,
                   routing_revision="2", actor="admin") == [
        "lot number P1 is already used", "a lot plans at least 1 unit, not 0",
        "an LRIP lot builds on a released routing; this routing is draft"]
    with pytest.raises(NotFound):
        program.create_lot(session, program="ACT", number="L1", planned_quantity=1, routing_revision="9", actor="admin")
    assert snapshot(session) == before
    lot = program.create_lot(session, program="ACT", number="L1", planned_quantity=5, routing_revision="1", actor="admin")
    assert lot.phase == "lrip"
    program.close_lot(session, number="P1", actor="admin", reason="pilot done")
    assert refused(program.close_lot, session=session, number="P1", actor="admin", reason="again") == [
        "lot P1 is already closed"]
    with Session(session.get_bind()) as s:
        lots = program.list_lots(s, "ACT")
        assert [(r["number"], r["phase"], r["status"], r["routing_revision"], r["units"]) for r in lots] == [
            ("P1", "prototype", "closed", "2", 0), ("L1", "lrip", "open", "1", 0)]
        [row] = program.list_programs(s)
        assert (row["code"], row["phase"], row["lots"], row["part"]) == ("ACT", "lrip", 2, "ACT-100 rev A")
    assert [e.record_id for e in events(session, "lot.created")] == ["P1", "L1"]
    assert [(e.before, e.after, e.reason) for e in events(session, "lot.closed")] == [
        ({"status": "open"}, {"status": "closed"}, "pilot done")]


def test_the_ramp_plan_takes_weeks_starting_on_monday_and_replaces_a_week(session):
    small_program(session)
    monday = date(2026, 3, 2)
    program.plan_starts(session, program="ACT", period_start=monday, planned_starts=2, phase="pilot", actor="admin")
    before = snapshot(session)
    assert refused(program.plan_starts, session=session, program="ACT", period_start=date(2026, 3, 4),
                   planned_starts=-1, phase="mass", actor="admin") == [
        "planned starts are zero or more, not -1", "'mass' is not a phase",
        "a ramp plan period starts on a Monday; 2026-03-04 is a Wednesday"]
    assert snapshot(session) == before
    program.plan_starts(session, program="ACT", period_start=monday, planned_starts=4, phase="pilot", actor="admin")
    assert snapshot(session)["plan"] == [(monday, 4)]
    assert [(e.before, e.after["planned_starts"]) for e in events(session, "ramp_plan.set")] == [
        (None, 2), ({"planned_starts": 2}, 4)]


def test_a_ramp_plan_lot_must_belong_to_the_program(session):
    small_program(session)
    with session.begin():
        program.create_program(session, code="OTHER", name="Other", part="ACT-100", part_revision="A",
                               planned_total=10, frp_target_rate=1, actor="admin")
        program.create_lot(session, program="OTHER", number="O1", planned_quantity=1, routing_revision="1",
                           actor="admin")
    assert refused(program.plan_starts, session=session, program="ACT", period_start=date(2026, 3, 2),
                   planned_starts=1, phase="prototype", lot="O1", actor="admin") == ["lot O1 is not in program ACT"]
