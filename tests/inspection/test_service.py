"""Inspection by phase and first article inspection on SQLite and PostgreSQL: the sample an FRP lot takes is
drawn at random with the seed recorded on the lot and stored on it when it is created (and again when its
plan changes, until it reaches the operation), the shop floor requires what is stored, a lot result is
counted from the unit records and confirmed (never typed, never on a closed lot), the sampling state moves
with its history, and FAIs are built from the unit's records (full, then a delta after require_delta_fai) as
AS9102 lays the forms out."""
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from factory import ADMIN, PM, TODAY, actor, build_line, change_policy, move_phase, run_op10
from inspection.line import two_unit_lots
from lrip.audit import AuditEvent, history
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.db import unit_of_work, utcnow
from lrip.errors import Forbidden, Refused
from lrip.execution import service as execution
from lrip.inspection import export, first_article, plans, rules
from lrip.program import service as program
from lrip.program.models import Lot
from lrip.settings import service as settings

PASSWORD = "first-article-77"
SEED = 4242  # the seed the lots of these tests draw their samples with (the handler draws one at random)
ORGANIZATION = "Actuator Works, Plant 1"


@pytest.fixture(autouse=True)
def fixed_seed(monkeypatch):
    """Every lot created here draws with SEED, so a test can name the units its samples pick."""
    monkeypatch.setattr(plans, "secrets", SimpleNamespace(randbelow=lambda n: SEED - 1))


def _line(session, **kw) -> dict:
    """The factory line, its gauge MM-3 in the register, and the installation's organization name."""
    names = build_line(session, **kw)
    admin = actor(session, ADMIN)
    catalog.create_tool(session, admin, code="MM-3", kind="multimeter", description="Bench multimeter",
                        category="gauge", calibration_due=TODAY + timedelta(days=90))
    settings.set_setting(session, admin, key="organization", value=ORGANIZATION, reason="test")
    return names


def _drawn(lot_size: int, operation: int, klass: str, n: int) -> list[int]:
    """The units a class's sample picks in a lot of these tests (drawn with SEED)."""
    return list(rules.sample_positions(lot_size, n, seed=SEED, stream=f"{operation}/{klass}"))


NOISE_20 = _drawn(20, 30, "major", 13)  # lot 20, major AQL 1.0, normal: n=13
VISUAL_20 = _drawn(20, 20, "minor", 5)  # lot 20, minor AQL 2.5, normal: n=5


def _finish(session, serial: str, *, visual: bool = True, noise: bool = True) -> None:
    """Operations 20 and 30 after run_op10; optional results left out when asked."""
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial=serial, operation=20)
    if visual:
        execution.record_measurement(session, olga, serial=serial, characteristic="VISUAL", result="pass")
    execution.complete_operation(session, olga, serial=serial, operation=20)
    execution.start_operation(session, olga, serial=serial, operation=30)
    execution.record_measurement(session, olga, serial=serial, characteristic="CURRENT", result="1.01", gauge="MM-3")
    if noise:
        execution.record_measurement(session, olga, serial=serial, characteristic="NOISE", result="41")
    execution.complete_operation(session, olga, serial=serial, operation=30)


def _sampling(session) -> None:
    """The FRP rule (key characteristics 100%, others sampled), set on LRIP here because a program reaches FRP
    only through a signed readiness decision."""
    change_policy(session, "lrip", "inspection", "kc_all_others_sampled", reason="test the FRP sampling rule")


def _lot(session, number: str, quantity: int = 20) -> Lot:
    program.create_lot(session, actor(session, PM), program="ACT", number=number, planned_quantity=quantity,
                       routing_revision="1")
    return session.execute(select(Lot).filter_by(number=number)).scalar_one()


def _units(session, lot: str, *serials: str) -> None:
    for serial in serials:
        execution.create_unit(session, actor(session, ADMIN), lot=lot, serial=serial)


@pytest.fixture
def sampled_line(session):
    """A lot L2 of 20 created under the sampling policy, with its 20 units SN-1 to SN-20."""
    _line(session, lot_quantity=1, lrip_quantity=41)
    _sampling(session)
    _lot(session, "L2")
    _units(session, "L2", *(f"SN-{i}" for i in range(1, 21)))
    return session


def test_a_lot_created_under_sampling_stores_its_sample_and_execution_requires_it(sampled_line):
    """Lot 20, level II -> code C (Z1.4 Table I). NOISE (major, AQL 1.0): C follows the arrows of Table II-A
    down to E, n=13. VISUAL (minor, AQL 2.5): C -> n=5, 0/1. The units are drawn at random with the lot's
    seed (Z1.4 section 7), recorded on it and shown."""
    s = sampled_line
    l2 = s.execute(select(Lot).filter_by(number="L2")).scalar_one()
    assert l2.inspection_seed == SEED
    assert l2.inspection_sample == {"20": {"VISUAL": VISUAL_20}, "30": {"NOISE": NOISE_20}}
    assert NOISE_20 != [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19]  # no longer every N/n-th unit from the first
    l1 = s.execute(select(Lot).filter_by(number="L1")).scalar_one()
    assert (l1.inspection_sample, l1.inspection_seed) == ({}, SEED)  # created in LRIP: 100%, but seeded
    stored = s.execute(select(AuditEvent).where(AuditEvent.action == "lot.inspection_sample_set",
                                                AuditEvent.record_id == "L2")).scalar_one()
    assert (stored.actor, stored.after["inspection_seed"]) == (PM, SEED)

    qe = actor(s, ADMIN)
    inside = next(p for p in NOISE_20 if p in VISUAL_20)
    outside = next(p for p in range(1, 21) if p not in NOISE_20 and p not in VISUAL_20)
    need = {c.code: c for op in plans.unit_inspection(s, qe, serial=f"SN-{outside}").operations
            for c in op.characteristics}
    assert need["TORQUE"].required and need["CURRENT"].required  # key: always
    assert not need["VISUAL"].required and not need["NOISE"].required
    assert need["NOISE"].why == (f"not sampled: unit {outside} of 20 is not in the sample (major AQL 1, normal, "
                                 f"level II, code C: n=13 Ac 0 Re 1, drawn at random with the lot's seed {SEED})")
    plan = plans.show_plan(s, qe, program="ACT", operation=30)
    open_l2 = next(lot for lot in plan.open_lots if lot.lot == "L2")
    assert open_l2.seed == SEED and open_l2.samples[0].positions == NOISE_20 and open_l2.stored == {"NOISE": NOISE_20}

    run_op10(s, f"SN-{outside}", "M-003")
    _finish(s, f"SN-{outside}", visual=False, noise=False)  # not sampled: execution completes it without them
    assert execution.get_unit(s, f"SN-{outside}").status == "complete"

    run_op10(s, f"SN-{inside}", "M-001")
    olga = actor(s, "olga")
    execution.start_operation(s, olga, serial=f"SN-{inside}", operation=20)
    with pytest.raises(Refused) as refused:
        execution.complete_operation(s, olga, serial=f"SN-{inside}", operation=20)
    assert "VISUAL" in refused.value.reasons[0]


def test_a_lot_created_in_frp_takes_the_frp_policys_sample(session):
    """The real thing: the readiness decision recorded (as readiness does, through program.record_frp_go), the
    program moves to FRP and its next lot is sampled by the default FRP policy."""
    _line(session, lot_quantity=1)
    program.record_frp_go(session, actor(session, ADMIN), program="ACT", assessment="1", decided_at=utcnow())
    move_phase(session, "frp")
    lot = _lot(session, "F1")
    assert (lot.phase, lot.inspection_sample) == ("frp", {"20": {"VISUAL": VISUAL_20}, "30": {"NOISE": NOISE_20}})
    _units(session, "F1", "SN-F1", "SN-F2")
    need = {c.code: c.required for op in plans.unit_inspection(session, actor(session, ADMIN),
                                                               serial="SN-F2").operations
            for c in op.characteristics}
    assert need == {"TORQUE": True, "VISUAL": 2 in VISUAL_20, "CURRENT": True, "NOISE": 2 in NOISE_20}


def test_a_plan_set_is_stored_again_on_open_lots_that_have_not_started_the_operation(sampled_line):
    s = sampled_line
    l3 = _lot(s, "L3")
    _units(s, "L3", "SN-31")
    run_op10(s, "SN-31", "M-004")
    olga = actor(s, "olga")
    execution.start_operation(s, olga, serial="SN-31", operation=20)  # L3 is at operation 20, not at 30
    execution.record_measurement(s, olga, serial="SN-31", characteristic="VISUAL", result="pass")
    execution.complete_operation(s, olga, serial="SN-31", operation=20)
    execution.start_operation(s, olga, serial="SN-31", operation=30)
    plans.set_plan(s, actor(s, ADMIN), program="ACT", operation=30, classes={"NOISE": "minor"}, aql={"minor": 4.0},
                   reason="noise is cosmetic")
    plans.set_plan(s, actor(s, ADMIN), program="ACT", operation=20, classes={"VISUAL": "critical"},
                   reason="a missed crack is a field failure")
    l2 = s.execute(select(Lot).filter_by(number="L2")).scalar_one()
    # minor at AQL 4.0 for a lot of 20: C, n=3 (Z1.4 Table II-A), drawn again from L2's seed; VISUAL is 100% now
    assert l2.inspection_sample == {"30": {"NOISE": _drawn(20, 30, "minor", 3)}}
    # L3 is at operation 30 and past 20: it keeps the samples it started them with
    assert l3.inspection_sample == {"20": {"VISUAL": VISUAL_20}, "30": {"NOISE": NOISE_20}}
    need = {c.code: c for op in plans.unit_inspection(s, olga, serial="SN-31").operations for c in op.characteristics}
    assert need["NOISE"].why == (f"{'sampled' if 1 in NOISE_20 else 'not sampled'}: unit 1 of 20 is "
                                 f"{'' if 1 in NOISE_20 else 'not '}in the sample (units "
                                 f"{', '.join(map(str, NOISE_20))}, the sample stored on the lot)")


def test_lrip_inspects_every_characteristic(session):
    _line(session)
    _units(session, "L1", "SN-1")
    need = plans.unit_inspection(session, actor(session, "olga"), serial="SN-1").operations[2].characteristics
    assert [(c.code, c.required, c.why) for c in need] == [
        ("CURRENT", True, "100%: the LRIP policy inspects every characteristic"),
        ("NOISE", True, "100%: the LRIP policy inspects every characteristic")]


def test_a_lot_result_is_counted_from_the_records_and_a_typed_count_that_disagrees_is_refused(session):
    """Issue 13: `inspection lot-result ACT-200-L3 30 --minor 3` was accepted where the records disagreed, and
    L1 operation 70 was entered as 2 defective against records showing none."""
    _line(session, lot_quantity=1, lrip_quantity=20)
    admin = actor(session, ADMIN)
    (clean,) = two_unit_lots(session, 1, defective=set())
    draft = plans.lot_result(session, admin, lot=clean, operation=30)
    assert (draft.decision, draft.defects, draft.blocked_by, draft.seed) == ("accept", {"major": 0}, [], SEED)
    assert [(c.klass, c.positions, c.inspected) for c in draft.classes] == [("major", [1, 2], ["S1-1", "S1-2"])]
    with pytest.raises(Refused) as typed:
        plans.record_lot_result(session, admin, lot=clean, operation=30, defects={"major": 2})
    assert typed.value.reasons == [
        "2 major defective unit(s) were given, but the records show 0 in the major sample (none out of spec); a "
        "lot result is counted from the unit records: record the results (an out-of-spec one raises its NCR) and "
        "confirm the count again"]
    confirmed = plans.record_lot_result(session, admin, lot=clean, operation=30, defects={"major": 0})
    assert (confirmed.decision, confirmed.defects, confirmed.seed) == ("accept", {"major": 0}, SEED)


def test_a_defective_unit_is_named_with_its_ncr_and_a_closed_lot_takes_no_result(session):
    """Issue 13: results were accepted on lots closed months ago."""
    _line(session, lot_quantity=1, lrip_quantity=20)
    admin = actor(session, ADMIN)
    bad, clean = two_unit_lots(session, 2, defective={"S1"})
    draft = plans.lot_result(session, admin, lot=bad, operation=30)
    assert draft.decision == "reject"
    assert [(d.serial, d.position, d.characteristics, d.ncrs) for d in draft.classes[0].defective] == [
        ("S1-2", 2, ["NOISE"], ["NCR-000001"])]
    program.close_lot(session, actor(session, PM), number=clean, reason="closed months ago")
    assert plans.lot_result(session, admin, lot=clean, operation=30).blocked_by == [
        "lot S2 is closed; a closed lot takes no new inspection results"]
    with pytest.raises(Refused) as closed:
        plans.record_lot_result(session, admin, lot=clean, operation=30)
    assert closed.value.reasons == ["lot S2 is closed; a closed lot takes no new inspection results"]


def test_sampling_state_moves_by_the_switching_rules_with_its_history(session):
    """Z1.4-2003 8.3.1 (2 of 5 rejected -> tightened), resubmitted lots do not count, 8.4 (5 lots not accepted
    on tightened -> discontinued until corrective action). Op 30 samples NOISE (major); lots of 2 (code A) are
    inspected whole, each with one NOISE out of spec: rejected."""
    _line(session, lot_quantity=1, lrip_quantity=40)
    lots = two_unit_lots(session, 8, defective={f"S{k}" for k in range(1, 8)})
    admin = actor(session, ADMIN)

    def result(lot, **kw):
        return plans.record_lot_result(session, admin, lot=lot, operation=30, **kw)

    first = result("S1")
    assert (first.decision, first.severity_after, first.transition) == ("reject", "normal", None)
    assert first.plans["major"]["hundred_percent"] and first.defects == {"major": 1}
    assert result("S1", resubmitted=True).severity_after == "normal"  # does not count
    with pytest.raises(Refused) as twice:
        result("S1")
    assert "lot S1 already has its result at operation 30" in twice.value.reasons[0]
    switched = result("S2")
    assert switched.transition == ("normal → tightened: 2 of 5 or fewer consecutive lots were not accepted "
                                   "(Z1.4 8.3.1)")
    for lot in lots[2:7]:  # S2 was inspected on normal: it is not one of the five
        last = result(lot)
    assert (last.plans["major"]["severity"], last.severity_after) == ("tightened", "discontinued")
    with pytest.raises(Refused) as stopped:
        result("S8")
    assert "discontinued (Z1.4 8.4)" in stopped.value.reasons[0]
    resumed = plans.record_corrective_action(session, admin, program="ACT", operation=30,
                                             reason="CAPA-3: noise from bearing preload; new shim")
    assert resumed.state.severity == "tightened"
    plan = plans.show_plan(session, admin, program="ACT", operation=30)
    assert [(h.kind, h.lot, h.accepted, h.severity_after) for h in plan.history] == [
        ("lot_result", "S1", False, "normal"), ("lot_result", "S1", False, "normal"),
        ("lot_result", "S2", False, "tightened"), ("lot_result", "S3", False, "tightened"),
        ("lot_result", "S4", False, "tightened"), ("lot_result", "S5", False, "tightened"),
        ("lot_result", "S6", False, "tightened"), ("lot_result", "S7", False, "discontinued"),
        ("corrective_action", None, None, "tightened")]
    assert [e.action for e in history(session, "inspection_plan")][:2] == ["inspection.corrective_action",
                                                                           "inspection.lot_result"]


def test_a_switch_stores_the_new_sample_on_lots_not_yet_at_the_operation(session):
    """Two rejections on normal switch operation 30 to tightened (n=20 for a lot of 20: every unit);
    an open sampled lot not yet at operation 30 takes it, so every unit needs NOISE."""
    _line(session, lot_quantity=1, lrip_quantity=40)
    _sampling(session)
    l4 = _lot(session, "L4")
    assert l4.inspection_sample["30"] == {"NOISE": NOISE_20}
    admin = actor(session, ADMIN)
    for lot in two_unit_lots(session, 2, defective={"S1", "S2"}):
        plans.record_lot_result(session, admin, lot=lot, operation=30)
    assert l4.inspection_sample == {"20": {"VISUAL": VISUAL_20}}  # tightened n=20 covers the lot: NOISE is 100%


def test_reduced_needs_a_recorded_approval(session):
    _line(session)
    admin = actor(session, ADMIN)
    with pytest.raises(Refused) as refused:
        plans.approve_reduced(session, admin, program="ACT", operation=30, reason=" ")
    assert refused.value.reasons == ["an approval of reduced inspection needs a reason"]
    plan = plans.approve_reduced(session, admin, program="ACT", operation=30,
                                 reason="10 lots clean; supplier capability shown")
    assert plan.state.reduced_approved_by == ADMIN and plan.history[-1].kind == "reduced_approved"


def test_a_plan_is_set_by_class_and_aql_and_refused_in_full(session):
    _line(session)
    admin = actor(session, ADMIN)
    plan = plans.set_plan(session, admin, program="ACT", operation=30, classes={"noise": "minor"},
                          aql={"minor": 4.0}, reason="noise is cosmetic")
    assert [c.klass for c in plan.characteristics] == ["critical", "minor"]
    assert plan.characteristics[1].model_dump()["class"] == "minor"  # `class` in every JSON
    assert plan.aql == {"major": 1.0, "minor": 4.0} and plan.stored
    with pytest.raises(Refused) as refused:
        plans.set_plan(session, admin, program="ACT", operation=30, classes={"NOPE": "major"}, aql={"minor": 3.0},
                       level="IV")
    assert len(refused.value.reasons) == 3


@pytest.mark.parametrize("who, use_case, kw", [
    ("olga", plans.set_plan, {"program": "ACT", "operation": 30, "classes": {"NOISE": "minor"}}),
    ("olga", plans.record_lot_result, {"lot": "L1", "operation": 30, "defects": {"major": 0}}),
    ("ins", plans.approve_reduced, {"program": "ACT", "operation": 30, "reason": "x"}),
    ("olga", first_article.create_fai, {"serial": "SN-1"}),
    ("viewer", first_article.complete_fai, {"number": "FAI-0001"}),
])
def test_the_service_refuses_the_wrong_role(session, who, use_case, kw):
    _line(session)
    admin = actor(session, ADMIN)
    create_user(session, admin, username="ins", full_name="Ina", roles=["inspector"])
    create_user(session, admin, username="viewer", full_name="Vic", roles=["viewer"])
    with pytest.raises(Forbidden) as exc:
        use_case(session, actor(session, who), **kw)
    assert exc.value.reasons[0].startswith(f"{who} (")


def _signer(session, username="qe", roles=("quality_engineer",)):
    create_user(session, actor(session, ADMIN), username=username, full_name=username.upper(), roles=list(roles),
                password=PASSWORD)


def test_fai_built_from_the_units_records_then_a_delta_after_a_change(session):
    _line(session)
    _signer(session)
    _signer(session, "ins", ("inspector",))
    _units(session, "L1", "SN-1", "SN-2")
    ins, qe = actor(session, "ins"), actor(session, "qe")
    status = first_article.fai_status(session, ins, program="ACT")
    assert not status.complete and status.outstanding[0].kind == "full"
    assert status.outstanding[0].serial == "SN-1"

    fai = first_article.create_fai(session, ins, serial="SN-1")
    assert (fai.number, fai.kind, fai.created_by) == ("FAI-0001", "full", "ins")
    assert fai.reason == "first unit of configuration ACT-100 rev A, routing 1 (LRIP policy: first unit and delta)"
    assert fai.blocked_by[:2] == ["operation 10 is not complete on SN-1 (TORQUE)",
                                  "operation 20 is not complete on SN-1 (VISUAL)"]
    with pytest.raises(Refused) as early:
        first_article.complete_fai(session, ins, number="FAI-0001")
    assert "NOISE Noise has no result on SN-1" in early.value.reasons

    run_op10(session, "SN-1", "M-001", torque="2.05")
    _finish(session, "SN-1")
    record = first_article.fai_record(session, ins, number="FAI-0001")
    rows = {r["code"]: r for r in record.form3}
    assert [r["char_no"] for r in record.form3] == [1, 2, 3, 4]
    assert (rows["TORQUE"]["result"], rows["TORQUE"]["requirement"], rows["TORQUE"]["tooling"]) == \
        ("2.05 N·m", "2 N·m (1.8 – 2.2 N·m)", ["TQ-1"])
    assert rows["CURRENT"]["tooling"] == ["MM-3"] and rows["CURRENT"]["key"]
    assert [(m["identifier"], m["supplier"], m["quantity"]) for m in record.form2["materials"]] == \
        [("M-001", "SUP-M", 1.0), ("SCR-LOT-1", "SUP-M", 4.0)]
    assert [t["operation"] for t in record.form2["functional_tests"]] == [30]
    assert record.form1["serial"] == "SN-1" and record.form1["detail_or_assembly"] == "assembly"

    assert first_article.complete_fai(session, ins, number="FAI-0001").status == "complete"
    with pytest.raises(Refused):
        first_article.sign_fai(session, qe, number="FAI-0001", password="wrong", meaning="approved")
    with pytest.raises(Refused) as own:  # the inspector who completed it does not approve it
        first_article.sign_fai(session, ins, number="FAI-0001", password=PASSWORD, meaning="approved")
    assert own.value.code == "signature_refused"
    # a review is not the approval: the FAI stays complete, and the quality approval is still to be given
    reviewed = first_article.sign_fai(session, qe, number="FAI-0001", password=PASSWORD, meaning="reviewed")
    assert (reviewed.status, reviewed.meaning) == ("complete", "reviewed")
    assert not first_article.fai_status(session, ins, program="ACT").complete
    _signer(session, "qe2")
    signed = first_article.sign_fai(session, actor(session, "qe2"), number="FAI-0001", password=PASSWORD,
                                    meaning="approved")
    assert (signed.status, signed.signed_by) == ("approved", "qe2")
    assert first_article.fai_status(session, ins, program="ACT").complete

    first_article.require_delta_fai(session, actor(session, ADMIN), part="ACT-100", part_revision="A",
                                    characteristics=["NOISE"], reason="ECO-12 lowers the noise limit")
    owed = first_article.fai_status(session, ins, program="ACT").outstanding
    assert [(o.kind, o.characteristics) for o in owed] == [("partial", ["NOISE"])]
    assert first_article.fai_owed(session, ins, serial="SN-2").kind == "partial"
    delta = first_article.create_fai(session, ins, serial="SN-2")
    assert (delta.kind, delta.characteristics) == ("partial", ["NOISE"])
    run_op10(session, "SN-2", "M-002")
    _finish(session, "SN-2")
    record = first_article.fai_record(session, ins, number=delta.number)
    assert [(r["char_no"], r["code"], r["result"]) for r in record.form3] == [(4, "NOISE", "41 dB")]
    first_article.complete_fai(session, ins, number=delta.number)
    first_article.sign_fai(session, qe, number=delta.number, password=PASSWORD, meaning="approved")
    assert first_article.fai_status(session, ins, program="ACT").complete


def test_an_out_of_spec_result_on_the_first_article_names_its_ncr(session):
    _line(session)
    _units(session, "L1", "SN-1")
    admin = actor(session, ADMIN)
    first_article.create_fai(session, admin, serial="SN-1")
    olga = actor(session, "olga")
    execution.start_operation(session, olga, serial="SN-1", operation=10, tools=["TQ-1"])
    execution.record_measurement(session, olga, serial="SN-1", characteristic="TORQUE", result="2.5")
    row = next(r for r in first_article.fai_record(session, admin, number="FAI-0001").form3 if r["code"] == "TORQUE")
    assert (row["in_spec"], row["ncr"], row["disposition"]) == (False, "NCR-000001", None)


def test_fai_pdf_and_csv_export(session):
    _line(session)
    _units(session, "L1", "SN-1")
    run_op10(session, "SN-1", "M-001")
    _finish(session, "SN-1")
    olga = actor(session, ADMIN)
    first_article.create_fai(session, olga, serial="SN-1")
    record = first_article.complete_fai(session, olga, number="FAI-0001")
    pdf = export.fai_pdf(record)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "FAI-0001" in text and "Form 3" in text and "TORQUE" in text and "SN-1" in text
    lines = export.form3_csv(record).splitlines()
    assert lines[0].startswith("fai_number,char_no,balloon,drawing_zone,code,name,operation,key,requirement")
    assert lines[1].startswith("FAI-0001,1,,,TORQUE,Screw torque,10,True,2 N·m (1.8 – 2.2 N·m),2.0,1.8,2.2,N·m,"
                               "2 N·m,True")


def test_fai_create_is_refused_with_every_reason(session):
    _line(session)
    _units(session, "L1", "SN-1")
    admin = actor(session, ADMIN)
    first_article.create_fai(session, admin, serial="SN-1")
    with pytest.raises(Refused) as refused:
        first_article.create_fai(session, admin, serial="SN-1", kind="partial", characteristics=["BOGUS"])
    assert refused.value.reasons == ["SN-1 already has FAI-0001 open",
                                     "BOGUS is not a characteristic of SN-1's routing (ACT-100 rev A, routing 1)",
                                     "say why this FAI is done (full or partial, and the reason)"]
    assert execution.get_unit(session, "SN-1").status == "planned"


def test_the_fai_list_takes_the_same_statements_whatever_its_length(session):
    _line(session)
    _units(session, "L1", "SN-1", "SN-2", "SN-3")
    admin = actor(session, ADMIN)
    engine = session.get_bind()

    def statements() -> int:
        session.commit()
        seen = []

        def count(*_):
            seen.append(1)

        with unit_of_work(engine.url.render_as_string(hide_password=False), write=False) as s:
            event.listen(engine, "before_cursor_execute", count)
            try:
                first_article.list_fais(s, actor(s, ADMIN), program="ACT")
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    first_article.create_fai(session, admin, serial="SN-1")
    one = statements()
    for serial in ("SN-2", "SN-3"):
        first_article.create_fai(session, admin, serial=serial, kind="full", reason="a second look")
    assert statements() == one
