"""Nonconformance depth (issue 13): the customer's approval of a use-as-is or repair of a major or critical NCR
where the phase policy asks for it (signed by the customer's representative), supplier corrective action
requests raised from a supplier's NCR with their response, due date, verification and their effect on the
scorecard, and the defect-code catalogue kept by quality, audited (it was fixed in code)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from factory import PM, PM_PASSWORD
from lrip.audit import AuditEvent
from lrip.db import utcnow
from lrip.errors import Forbidden, Refused
from lrip.nonconformance import codes, mrb, ncr, scar
from lrip.program import service as program
from lrip.quality import scorecard

TODAY = utcnow().date()


def refused(call, session, who, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(session, who, **kw)
    return exc.value.reasons


# ---------------------------------------------------------------- the customer's approval

def _use_as_is(session, kit, severity: str) -> str:
    number = ncr.raise_ncr(session, kit.actor(session, "ivy"), serial="SN-1", severity=severity, defect_code="DAMAGE",
                           description="Dent on the housing flange").number
    mrb.review(session, kit.actor(session, "quinn"), number=number, action="use_as_is",
               reason="Dent 0.1 mm, outside the seal land")
    for who in ("mara", "eli", "pam"):
        mrb.sign_disposition(session, kit.actor(session, who), number=number, password=kit.password)
    return number


def test_a_major_use_as_is_in_lrip_waits_for_the_customers_representative(session, kit):
    """No customer approval step existed where the contract asks for one on use-as-is or repair of a major
    nonconformance (MIL-STD-1520C; AS9100D 8.7.1): the LRIP policy asks for it on major and critical NCRs."""
    kit.build(session)
    number = _use_as_is(session, kit, "major")
    quinn = kit.actor(session, "quinn")
    assert refused(mrb.disposition, session, quinn, number=number) == [
        f"use_as_is of {number} needs a customer signature (the customer's representative). Signatures are given "
        "to the disposition under MRB review"]
    # the program manager signs for the program, never as the customer
    not_customer = refused(mrb.sign_disposition, session, kit.actor(session, "petra"), number=number,
                           password=PM_PASSWORD)
    assert not_customer[0].endswith("still needs a customer signature (the customer's representative)")
    signed = mrb.sign_disposition(session, kit.actor(session, "cora"), number=number, password=kit.password)
    assert (signed.role, signed.missing) == ("customer_rep", [])
    assert mrb.disposition(session, quinn, number=number).status == "dispositioned"


def test_a_minor_use_as_is_needs_no_customer_and_a_policy_can_ask_only_for_critical(session, kit):
    kit.build(session)
    minor = _use_as_is(session, kit, "minor")
    assert mrb.disposition(session, kit.actor(session, "quinn"), number=minor).status == "dispositioned"
    proposed = program.propose_policy_change(session, kit.actor(session, PM), program="ACT", phase="lrip",
                                             rule="customer_approval", value="critical",
                                             reason="the contract asks it for critical NCRs only")
    for who, password in ((PM, PM_PASSWORD), ("quinn", kit.password)):
        program.sign_policy_change(session, kit.actor(session, who), program="ACT", number=proposed.number,
                                   password=password)
    major = _use_as_is(session, kit, "major")
    assert mrb.disposition(session, kit.actor(session, "quinn"), number=major).status == "dispositioned"


def test_the_customers_representative_signs_and_does_nothing_else(session, kit):
    kit.build(session, held=["SN-1"])
    cora = kit.actor(session, "cora")
    with pytest.raises(Forbidden):
        mrb.disposition_unit(session, cora, serial="SN-1", action="scrap", reason="not theirs to decide")
    with pytest.raises(Forbidden):
        ncr.raise_ncr(session, cora, serial="SN-1", severity="minor", description="x")


# ---------------------------------------------------------------- the defect-code catalogue

def test_quality_keeps_the_defect_code_catalogue_and_every_change_is_audited(session, kit):
    kit.build(session, serials=["SN-1", "SN-2"])
    quinn, ivy = kit.actor(session, "quinn"), kit.actor(session, "ivy")
    with pytest.raises(Forbidden):
        codes.add_defect_code(session, ivy, code="BURR", meaning="Burr left on an edge")
    added = codes.add_defect_code(session, quinn, code="burr", meaning="Burr left on a machined edge")
    assert (added.code, added.active, added.added_by) == ("BURR", True, "quinn")
    d = ncr.raise_ncr(session, ivy, serial="SN-1", severity="minor", defect_code="BURR", description="Burr at the bore")
    assert d.defect_code == "BURR"
    changed = codes.change_defect_code(session, quinn, code="BURR", active=False, reason="folded into WORKMANSHIP")
    assert not changed.active
    assert refused(ncr.raise_ncr, session, ivy, serial="SN-2", severity="minor", defect_code="BURR",
                   description="another burr")[0].startswith("'BURR' is not a defect code in use; the codes are OOS-HIGH")
    assert ncr.ncr_detail(session, ivy, number=d.number).defect_code == "BURR"  # the NCR keeps its code
    assert [c.code for c in codes.defect_codes(session, ivy, retired=True)][-1] == "BURR"
    assert "BURR" not in [c.code for c in codes.defect_codes(session, ivy)]
    assert refused(codes.add_defect_code, session, quinn, code="BURR", meaning="again") == [
        "the defect code BURR exists already"]
    assert refused(codes.change_defect_code, session, quinn, code="OOS-HIGH", active=False, reason=" ") == [
        "OOS-HIGH is given by lrip itself (OOS-HIGH, OOS-LOW, TEST-FAIL, INCOMING, OTHER): it cannot be retired",
        "a change to the defect-code catalogue needs a reason"]
    events = session.execute(select(AuditEvent.action, AuditEvent.record_id, AuditEvent.after).where(
        AuditEvent.record_type == "defect_code").order_by(AuditEvent.id)).all()
    assert [(a, r, after["active"]) for a, r, after in events] == [("defect_code.added", "BURR", True),
                                                                   ("defect_code.changed", "BURR", False)]


# ---------------------------------------------------------------- SCAR

def _supplier_ncr(session, kit) -> str:
    return ncr.raise_ncr(session, kit.actor(session, "ivy"), material_lot="SCR-LOT-1", severity="major",
                         defect_code="INCOMING", quantity=10, description="Screw heads cracked at the recess").number


def test_a_scar_is_raised_from_a_supplier_ncr_and_closes_once_its_effect_is_verified(session, kit):
    kit.build(session)
    quinn = kit.actor(session, "quinn")
    number = _supplier_ncr(session, kit)
    unit_ncr = ncr.raise_ncr(session, kit.actor(session, "ivy"), lot="L1", severity="minor", defect_code="OTHER",
                             description="Labels smudged").number
    assert refused(scar.raise_scar, session, quinn, ncr=unit_ncr, request=" ", due_on=TODAY) == [
        f"{unit_ncr} is against no supplier; a SCAR is raised from an NCR on a supplier's material",
        "a SCAR says what the supplier is asked to find and correct",
        f"the supplier's response is due after today ({TODAY}), not on {TODAY}"]
    d = scar.raise_scar(session, quinn, ncr=number, request="Find why the heads crack; contain stock at Motors Inc",
                        due_on=TODAY + timedelta(days=14))
    assert (d.number, d.status, d.supplier, d.ncr, d.round, d.overdue) == ("SCAR-0001", "open", "SUP-M", number, 1,
                                                                           False)
    assert ncr.ncr_detail(session, quinn, number=number).scars == ["SCAR-0001"]
    assert refused(scar.raise_scar, session, quinn, ncr=number, request="again", due_on=TODAY + timedelta(days=3)) == [
        f"{number} already has SCAR-0001 open"]
    assert refused(scar.verify_scar, session, quinn, number="SCAR-0001", effective=True, verification="ok") == [
        "SCAR-0001 is open; only a SCAR with the supplier's response in is verified"]

    lmartin = kit.actor(session, "sam")  # supply chain records what the supplier sent
    d = scar.record_response(session, lmartin, number="SCAR-0001", response="Heading die worn; die replaced, "
                             "100% visual at heading for 3 lots")
    assert (d.status, d.responded_on, d.response_recorded_by) == ("responded", TODAY, "sam")
    with pytest.raises(Forbidden):
        scar.verify_scar(session, lmartin, number="SCAR-0001", effective=True, verification="ok")
    assert refused(scar.verify_scar, session, quinn, number="SCAR-0001", effective=False,
                   verification="The next lot still had 2 cracked heads") == [
        f"a response not accepted goes back to the supplier with a new due date after today ({TODAY})"]
    d = scar.verify_scar(session, quinn, number="SCAR-0001", effective=False,
                         verification="The next lot still had 2 cracked heads", due_on=TODAY + timedelta(days=7))
    assert (d.status, d.round, d.due_on) == ("open", 2, TODAY + timedelta(days=7))
    scar.record_response(session, lmartin, number="SCAR-0001", response="Heading speed lowered; die life halved")
    d = scar.verify_scar(session, quinn, number="SCAR-0001", effective=True,
                         verification="3 lots at incoming with no cracked head (90 inspected)")
    assert (d.status, d.verified_by) == ("closed", "quinn") and d.closed_at is not None
    assert [h.action for h in d.history] == ["scar.raised", "scar.responded", "scar.verified", "scar.responded",
                                             "scar.verified"]


def test_open_and_overdue_scars_count_on_the_suppliers_scorecard(session, kit, monkeypatch):
    kit.build(session)
    quinn = kit.actor(session, "quinn")
    scar.raise_scar(session, quinn, ncr=_supplier_ncr(session, kit), request="Contain and correct",
                    due_on=TODAY + timedelta(days=5))
    card = {c.supplier: c for c in scorecard.scorecard(session, quinn)}
    assert (card["SUP-M"].scars_open, card["SUP-M"].scars_overdue) == (1, 0)
    assert (card["SUP-X"].scars_open, card["SUP-X"].scars_overdue) == (0, 0)
    later = utcnow() + timedelta(days=10)  # the response never came
    monkeypatch.setattr(scorecard, "utcnow", lambda: later)
    monkeypatch.setattr(scar, "utcnow", lambda: later)
    card = {c.supplier: c for c in scorecard.scorecard(session, quinn)}
    assert (card["SUP-M"].scars_open, card["SUP-M"].scars_overdue) == (1, 1)
    assert [(r.number, r.overdue) for r in scar.list_scars(session, quinn, supplier="SUP-M")] == [("SCAR-0001", True)]
