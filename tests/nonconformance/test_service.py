"""NCR, MRB and CAPA services on a real database (SQLite and PostgreSQL)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.audit import AuditEvent
from lrip.db import utcnow
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.execution.models import Hold, OperationRecord, Unit
from lrip.nonconformance import service as ncrs
from lrip.nonconformance.models import Capa, NonConformance
from lrip.supply.models import MaterialLot

TOO_HIGH = "TORQUE Screw torque measured 2.5 N·m, above the upper limit 2.2 N·m"
MISSING_LRIP = ("use_as_is of NCR-000001 needs a quality signature (from a quality engineer or an MRB member); "
                "an engineering signature (from a manufacturing engineer); a program signature (from a program "
                "manager). Signatures are given to the disposition under MRB review")


def refused(call, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(**kw)
    return exc.value.reasons


def snapshot(session) -> dict:
    with Session(session.get_bind()) as s:
        return {"ncr": s.execute(select(NonConformance.number, NonConformance.status, NonConformance.proposed_action)
                                 .order_by(NonConformance.id)).all(),
                "units": dict(s.execute(select(Unit.serial, Unit.status)).all()),
                "holds": s.execute(select(Hold.id, Hold.released_at)).all(),
                "events": s.scalar(select(func.count()).select_from(AuditEvent))}


def detail(session, number):
    with session.begin():
        return ncrs.ncr_detail(session, number)


def test_out_of_spec_raises_an_ncr_and_the_hold_points_at_it(session, kit):
    kit.build(session, held=["SN-1"])
    with Session(session.get_bind()) as s:
        hold = s.execute(select(Hold)).scalar_one()
        ncr = s.get(NonConformance, hold.ncr_id)
        assert (ncr.number, ncr.status, ncr.defect_code, ncr.severity, ncr.quantity) == (
            "NCR-000001", "open", "OOS-HIGH", "major", 1.0)  # TORQUE is a key characteristic
        assert (ncr.unit.serial, ncr.operation.sequence, ncr.characteristic.code, ncr.description) == (
            "SN-1", 10, "TORQUE", TOO_HIGH)
        assert ncr.measurement_id == hold.measurement_id and ncr.program.code == "ACT"
    with session.begin():
        rows = ncrs.list_ncrs(session, program="ACT")
    assert [{k: r[k] for k in ("number", "status", "severity", "defect_code", "serial", "lot", "material_lot",
                               "supplier", "operation", "characteristic", "quantity", "closed_at", "capa")}
            for r in rows] == [{"number": "NCR-000001", "status": "open", "severity": "major",
                                "defect_code": "OOS-HIGH", "serial": "SN-1", "lot": "L1", "material_lot": None,
                                "supplier": None, "operation": 10, "characteristic": "TORQUE", "quantity": 1.0,
                                "closed_at": None, "capa": None}]
    assert rows[0]["opened_at"] is not None
    raised = [e for e in _events(session) if e.action == "ncr.raised"]
    assert [(e.record_id, e.reason) for e in raised] == [("NCR-000001", TOO_HIGH)]


def _events(session):
    with Session(session.get_bind()) as s:
        return list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())


def test_use_as_is_in_lrip_needs_quality_engineering_and_program_and_names_every_missing(session, kit):
    kit.build(session, held=["SN-1"])
    ncrs.review(session, number="NCR-000001", actor="quinn", action="use_as_is", reason="within gauge error")
    before = snapshot(session)
    assert refused(ncrs.disposition, session=session, number="NCR-000001", actor="quinn") == [MISSING_LRIP]
    assert snapshot(session) == before
    ncrs.sign_disposition(session, number="NCR-000001", username="mara", password=kit.password)
    ncrs.sign_disposition(session, number="NCR-000001", username="eli", password=kit.password)
    reasons = refused(ncrs.disposition, session=session, number="NCR-000001", actor="quinn")
    assert reasons == ["use_as_is of NCR-000001 needs a program signature (from a program manager). "
                       "Signatures are given to the disposition under MRB review"]
    assert snapshot(session)["units"] == {"SN-1": "on_hold"}
    ncrs.sign_disposition(session, number="NCR-000001", username="pam", password=kit.password)
    d = ncrs.disposition(session, number="NCR-000001", actor="quinn")
    assert d.action == "use_as_is"
    state = snapshot(session)
    assert state["units"] == {"SN-1": "in_work"} and state["ncr"] == [("NCR-000001", "dispositioned", None)]
    assert all(released is not None for _, released in state["holds"])
    trail = detail(session, "NCR-000001")["dispositions"]
    assert [(t["action"], t["decided_by"], [(s["username"], s["role"], s["meaning"]) for s in t["signatures"]])
            for t in trail] == [("use_as_is", "quinn", [("mara", "mrb_member", "approved"),
                                                        ("eli", "manufacturing_engineer", "approved"),
                                                        ("pam", "program_manager", "approved")])]
    # the hold is released by the disposition: the operation completes now
    execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")


def test_pilot_needs_quality_and_engineering_only(sqlite_session, kit):
    session = sqlite_session
    kit.build(session, held=["SN-1"], phase="pilot")
    ncrs.review(session, number="NCR-000001", actor="quinn", action="repair", reason="re-seat the screw")
    assert refused(ncrs.disposition, session=session, number="NCR-000001", actor="quinn") == [
        "repair of NCR-000001 needs a quality signature (from a quality engineer or an MRB member); an engineering "
        "signature (from a manufacturing engineer). Signatures are given to the disposition under MRB review"]
    ncrs.sign_disposition(session, number="NCR-000001", username="quinn", password=kit.password)
    ncrs.sign_disposition(session, number="NCR-000001", username="eli", password=kit.password)
    ncrs.disposition(session, number="NCR-000001", actor="mara")
    assert snapshot(session)["units"] == {"SN-1": "in_work"}


def test_a_changed_proposal_voids_the_signatures(sqlite_session, kit):
    session = sqlite_session
    kit.build(session, held=["SN-1"], phase="pilot")
    ncrs.review(session, number="NCR-000001", actor="quinn", action="use_as_is", reason="cosmetic")
    ncrs.sign_disposition(session, number="NCR-000001", username="quinn", password=kit.password)
    ncrs.sign_disposition(session, number="NCR-000001", username="eli", password=kit.password)
    ncrs.review(session, number="NCR-000001", actor="quinn", action="use_as_is", reason="cosmetic, customer agreed")
    proposal = detail(session, "NCR-000001")["proposal"]
    assert [s["valid"] for s in proposal["signatures"]] == [False, False]
    assert len(proposal["missing"]) == 2


def test_signing_refuses_a_role_the_policy_does_not_ask_for_and_a_wrong_password(sqlite_session, kit):
    session = sqlite_session
    kit.build(session, held=["SN-1"])
    assert refused(ncrs.sign_disposition, session=session, number="NCR-000001", username="eli",
                   password=kit.password) == ["NCR-000001 has no disposition under MRB review to sign; propose one first"]
    ncrs.review(session, number="NCR-000001", actor="quinn", action="use_as_is", reason="ok")
    assert refused(ncrs.sign_disposition, session=session, number="NCR-000001", username="ivy",
                   password=kit.password) == [
        "ivy signs as inspector; this disposition is signed by a quality engineer, an MRB member, "
        "a manufacturing engineer or a program manager"]
    assert refused(ncrs.sign_disposition, session=session, number="NCR-000001", username="eli",
                   password="wrong password!") == ["the user name or password is not right"]


def test_rework_sends_the_unit_back_and_the_ncr_closes_once_it_is_done_again(session, kit):
    names = kit.build(session, held=["SN-1"])
    before = snapshot(session)
    assert refused(ncrs.disposition, session=session, number="NCR-000001", actor="quinn", action="rework",
                   reason="") == ["rework names an operation SN-1 has reached to return to, one of 10",
                                  "a disposition needs a reason"]
    assert snapshot(session) == before
    ncrs.disposition(session, number="NCR-000001", actor="quinn", action="rework", rework_to=10,
                     reason="re-torque with TQ-1")
    assert snapshot(session)["units"] == {"SN-1": "in_work"}
    assert refused(ncrs.close_ncr, session=session, number="NCR-000001", actor="quinn", reason="checked") == [
        "SN-1 has not completed operation 10 (Assemble) again since the rework"]
    execution.start_operation(session, serial="SN-1", operation=10, operator="olga", tools=["TQ-1"])
    with pytest.raises(Refused):  # its characteristics are measured again
        execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")
    execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.0", operator="olga")
    execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")
    ncrs.close_ncr(session, number="NCR-000001", actor="quinn", reason="re-measured 2.0 N·m")
    d = detail(session, "NCR-000001")
    assert d["status"] == "closed" and d["closed_at"] is not None
    assert [h["action"] for h in d["history"]] == ["ncr.raised", "ncr.dispositioned", "ncr.closed"]
    assert names["lot"] == "L1"


def test_scrap_ends_the_unit(session, kit):
    kit.build(session, held=["SN-1"])
    execution.disposition_hold(session, serial="SN-1", action="scrap", actor="quinn", reason="cracked housing")
    assert snapshot(session)["units"] == {"SN-1": "scrapped"}
    assert detail(session, "NCR-000001")["status"] == "dispositioned"
    assert refused(execution.disposition_hold, session=session, serial="SN-1", action="use_as_is", actor="quinn",
                   reason="changed my mind") == ["SN-1 is not on hold"]
    ncrs.close_ncr(session, number="NCR-000001", actor="quinn", reason="scrap tag on the unit")


def test_an_ncr_raised_by_hand_on_a_unit_puts_it_on_hold(session, kit):
    kit.build(session, serials=["SN-1", "SN-2"])
    kit.run_op10(session, "SN-1", "M-001")
    ncr = ncrs.raise_ncr(session, actor="ivy", description="Housing scratched 4 mm at the seal bore",
                         severity="minor", defect_code="cosmetic", serial="SN-1", operation=10)
    d = detail(session, ncr.number)
    assert (d["number"], d["defect_code"], d["operation"], d["severity"]) == ("NCR-000001", "COSMETIC", 10, "minor")
    assert snapshot(session)["units"]["SN-1"] == "on_hold"
    with Session(session.get_bind()) as s:
        assert s.execute(select(Hold.ncr_id)).scalar_one() == ncr.id
    assert refused(ncrs.raise_ncr, session=session, actor="ivy", description=" ", severity="bad",
                   defect_code="NOPE", quantity=0, serial="SN-2", lot="L1") == [
        "an NCR is on one thing: give only one of serial, lot or material lot",
        "an NCR needs a description of what is wrong", "the severity is critical, major or minor, not 'bad'",
        "'NOPE' is not a defect code; the codes are " + ", ".join(ncrs.rules.DEFECT_CODES),
        "the quantity must be more than 0, not 0"]


def test_material_lot_ncr_quarantines_and_returns_to_the_supplier(session, kit):
    kit.build(session)
    number = ncrs.raise_ncr(session, actor="ivy", description="Screw heads cracked", severity="major",
                            defect_code="INCOMING", quantity=30, material_lot="SCR-LOT-1").number
    d = detail(session, number)
    assert (d["supplier"], d["program"], d["material_lot"], d["quantity"]) == ("SUP-M", "ACT", "SCR-LOT-1", 30.0)
    with Session(session.get_bind()) as s:
        assert s.execute(select(MaterialLot.status).filter_by(lot_number="SCR-LOT-1")).scalar_one() == "quarantine"
    assert refused(ncrs.disposition, session=session, number=number, actor="quinn", action="rework",
                   reason="x", rework_to=10) == [
        "rework is not a disposition for a material lot; it takes use_as_is, scrap, return_to_supplier"]
    ncrs.disposition(session, number=number, actor="quinn", action="return_to_supplier", quantity=30,
                     reason="RMA 5512 to SUP-M")
    with Session(session.get_bind()) as s:
        lot = s.execute(select(MaterialLot).filter_by(lot_number="SCR-LOT-1")).scalar_one()
        assert (lot.quantity_on_hand, lot.status) == (70.0, "quarantine")
    with session.begin():
        assert [r["number"] for r in ncrs.list_ncrs(session, supplier="SUP-M")] == [number]
        assert ncrs.list_ncrs(session, supplier="SUP-X") == []
    assert detail(session, number)["status"] == "dispositioned"


def test_recurring_defect_is_flagged_and_proposes_a_capa(session, kit):
    kit.build(session, serials=["SN-1", "SN-2", "SN-3"], held=["SN-1", "SN-2"])
    with Session(session.get_bind()) as s:
        assert s.scalar(select(func.count()).select_from(Capa)) == 0
        assert not any(s.execute(select(NonConformance.recurring)).scalars())
    kit.hold(session, "SN-3", "M-003")
    with session.begin():
        rows = ncrs.list_ncrs(session)
        capas = ncrs.list_capas(session, program="ACT")
    assert [r["recurring"] for r in rows] == [True, True, True]
    assert {r["capa"] for r in rows} == {"CAPA-0001"}
    assert capas == [{"number": "CAPA-0001", "status": "proposed", "ncrs": ["NCR-000001", "NCR-000002",
                                                                               "NCR-000003"],
                      "effectiveness_verified": False, "closed_at": None,
                      "title": "Recurring OOS-HIGH at operation 10 (Assemble)", "defect_code": "OOS-HIGH",
                      "operation": 10, "program": "ACT", "opened_at": capas[0]["opened_at"], "actions_open": 0}]


def _capa_with_two_ncrs(session, kit, monkeypatch, serials):
    """Two over-torque NCRs three days ago (K=2 here) propose CAPA-0001; its 8D is filled in."""
    monkeypatch.setenv("LRIP_RECURRENCE_COUNT", "2")
    kit.build(session, serials=serials, held=["SN-1", "SN-2"], held_at=utcnow() - timedelta(days=3))
    ncrs.update_capa(session, number="CAPA-0001", actor="quinn", fields={
        "d1_team": "quinn, eli", "d2_problem": "over-torque at op 10", "d3_containment": "100% torque audit",
        "d4_root_cause": "driver set too high", "d5_corrective_action": "reset and lock the driver",
        "d6_implementation": "done on the line", "d7_prevention": "locking collar on all drivers",
        "d8_closure": "team thanked", "effectiveness_units": 2})
    return ncrs.add_action(session, number="CAPA-0001", actor="quinn", kind="corrective",
                           description="lock TQ-1", owner="eli", due_on=utcnow().date() + timedelta(days=7)).id


def test_capa_closes_only_after_its_effectiveness_is_verified(session, kit, monkeypatch):
    action = _capa_with_two_ncrs(session, kit, monkeypatch, ["SN-1", "SN-2", "SN-3", "SN-4"])
    capa, today = "CAPA-0001", utcnow().date()
    assert refused(ncrs.verify_effectiveness, session=session, number=capa, actor="quinn") == [
        f"action not done yet: corrective 'lock TQ-1' (eli, due {today + timedelta(days=7)})"]
    done = today - timedelta(days=2)
    ncrs.complete_action(session, number=capa, action_id=action, actor="eli", done_on=done)
    kit.run_op10(session, "SN-3", "M-003")
    assert refused(ncrs.verify_effectiveness, session=session, number=capa, actor="quinn") == [
        f"only 1 of the 2 units needed have gone through operation 10 (Assemble) since the actions were done "
        f"on {done}"]
    assert refused(ncrs.close_capa, session=session, number=capa, actor="quinn", reason="done") == [
        "CAPA-0001's effectiveness is not verified yet", "linked NCRs are still open: NCR-000001, NCR-000002"]
    kit.run_op10(session, "SN-4", "M-004")
    facts = ncrs.verify_effectiveness(session, number=capa, actor="quinn")
    assert (facts["units_after"], facts["recurrences"], facts["verified"]) == (2, [], True)
    for n in ("NCR-000001", "NCR-000002"):
        ncrs.disposition(session, number=n, actor="quinn", action="scrap", reason="scrap")
        ncrs.close_ncr(session, number=n, actor="quinn", reason="scrapped")
    ncrs.close_capa(session, number=capa, actor="quinn", reason="effective over 2 units")
    with session.begin():
        assert ncrs.list_capas(session)[0] | {"opened_at": None} == {
            "number": capa, "status": "closed", "ncrs": ["NCR-000001", "NCR-000002"],
            "effectiveness_verified": True, "closed_at": ncrs.list_capas(session)[0]["closed_at"],
            "title": "Recurring OOS-HIGH at operation 10 (Assemble)", "defect_code": "OOS-HIGH", "operation": 10,
            "program": "ACT", "opened_at": None, "actions_open": 0}


def test_a_recurrence_after_the_actions_fails_the_effectiveness_check(sqlite_session, kit, monkeypatch):
    session = sqlite_session
    action = _capa_with_two_ncrs(session, kit, monkeypatch, ["SN-1", "SN-2", "SN-3", "SN-4"])
    ncrs.complete_action(session, number="CAPA-0001", action_id=action, actor="eli",
                         done_on=utcnow().date() - timedelta(days=2))
    kit.run_op10(session, "SN-3", "M-003")
    kit.hold(session, "SN-4", "M-004")
    assert refused(ncrs.verify_effectiveness, session=session, number="CAPA-0001", actor="quinn") == [
        "the defect came back at operation 10 (Assemble) after the actions: NCR-000003"]
    assert detail(session, "NCR-000003")["capa"] == "CAPA-0001"  # it recurred: it joins the open CAPA


def test_refused_disposition_changes_nothing_and_lists_every_reason(session, kit):
    kit.build(session, held=["SN-1"])
    before = snapshot(session)
    assert refused(ncrs.disposition, session=session, number="NCR-000001", actor="quinn", action="use_as_is",
                   reason=" ", quantity=2) == [
        "the quantity 2 is more than the 1 of NCR-000001 still to disposition", "a disposition needs a reason",
        MISSING_LRIP]
    assert snapshot(session) == before


def test_lot_ncr_holds_no_unit(sqlite_session, kit):
    session = sqlite_session
    kit.build(session, serials=["SN-1"])
    ncr = ncrs.raise_ncr(session, actor="quinn", description="Torque driver found reading low", severity="major",
                         defect_code="OOS-HIGH", quantity=5, lot="L1", characteristic="TORQUE")
    d = detail(session, ncr.number)
    assert (d["lot"], d["serial"], d["operation"], d["characteristic"], d["quantity"]) == ("L1", None, 10, "TORQUE", 5.0)
    assert snapshot(session)["units"] == {"SN-1": "planned"}
    with session.begin():
        assert [r["number"] for r in ncrs.list_ncrs(session, lot="L1")] == [ncr.number]
    with Session(session.get_bind()) as s:
        assert s.execute(select(func.count()).select_from(OperationRecord)).scalar_one() == 0
