"""Inspection by phase and first article inspection on SQLite and PostgreSQL: the FRP sampling hook
decides what a unit must have measured, the sampling state moves with its history, and FAIs are
built from the unit's records (full, then a delta after require_delta_fai)."""
import io

import pytest
from pypdf import PdfReader

from factory import build_line, run_op10
from lrip.audit import history
from lrip.auth.service import create_user
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.inspection import export
from lrip.inspection import service as inspection
from lrip.program import service as program

PASSWORD = "first-article-77"


def _finish(session, serial: str, *, visual: bool = True, noise: bool = True) -> None:
    """Operations 20 and 30 after run_op10; optional results left out when asked."""
    execution.start_operation(session, serial=serial, operation=20, operator="olga")
    if visual:
        execution.record_measurement(session, serial=serial, characteristic="VISUAL", result="pass", operator="olga")
    execution.complete_operation(session, serial=serial, operation=20, operator="olga")
    execution.start_operation(session, serial=serial, operation=30, operator="olga")
    execution.record_measurement(session, serial=serial, characteristic="CURRENT", result="1.01", operator="olga",
                                 gauge="MM-3")
    if noise:
        execution.record_measurement(session, serial=serial, characteristic="NOISE", result="41", operator="olga")
    execution.complete_operation(session, serial=serial, operation=30, operator="olga")


@pytest.fixture
def sampled_line(session):
    """A lot of 20 whose phase policy samples non-key characteristics (the FRP rule, set on LRIP here
    because a program reaches FRP only through a signed readiness decision)."""
    build_line(session, lot_quantity=20)
    program.set_policy(session, program="ACT", phase="lrip", rule="inspection", value="kc_all_others_sampled",
                       actor="admin", reason="test the FRP sampling rule")
    for i in range(1, 4):
        execution.create_unit(session, lot="L1", serial=f"SN-{i}", actor="admin")
    return session


def test_frp_sampling_decides_which_characteristics_a_unit_needs(sampled_line):
    """Lot 20, level II -> code C (Z1.4 Table I). NOISE (major, AQL 1.0): C follows the arrows of Table II-A
    down to E, n=13 -> units 1,2,4,5,7,8,10,11,13,14,16,17,19. VISUAL (minor, AQL 2.5): C -> n=5, 0/1 ->
    units 1,5,9,13,17. Unit 3 is in neither sample; unit 1 is in both."""
    s = sampled_line
    third = inspection.unit_inspection(s, "SN-3")["operations"]
    need = {c["code"]: c for op in third for c in op["characteristics"]}
    assert need["TORQUE"]["required"] and need["CURRENT"]["required"]  # key: always
    assert not need["VISUAL"]["required"] and not need["NOISE"]["required"]
    assert need["NOISE"]["why"] == ("not sampled: unit 3 of 20 is not in the sample (major AQL 1, normal, level II, "
                                    "code C: n=13 Ac 0 Re 1, one unit in every 1.54, from the first)")
    plan = inspection.show_plan(s, program="ACT", operation=30)
    assert plan["open_lots"][0]["samples"][0]["positions"] == [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19]
    assert inspection.show_plan(s, program="ACT", operation=20)["open_lots"][0]["samples"][0]["positions"] == \
        [1, 5, 9, 13, 17]

    run_op10(s, "SN-3", "M-003")
    _finish(s, "SN-3", visual=False, noise=False)  # not sampled: completes without them
    assert execution.get_unit(s, "SN-3").status == "complete"
    traveler = execution.traveler(s, "SN-3")
    noise = next(c for op in traveler["operations"] for c in op["characteristics"] if c["code"] == "NOISE")
    assert noise["required"] is False and noise["inspection"].startswith("not sampled")

    run_op10(s, "SN-1", "M-001")
    execution.start_operation(s, serial="SN-1", operation=20, operator="olga")
    with pytest.raises(Refused) as refused:
        execution.complete_operation(s, serial="SN-1", operation=20, operator="olga")
    assert refused.value.reasons == ["Operation 20 (Inspect) needs a result for VISUAL Visual inspection"]


def test_lrip_inspects_every_characteristic(session):
    build_line(session)
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    need = inspection.unit_inspection(session, "SN-1")["operations"][2]["characteristics"]
    assert [(c["code"], c["required"], c["why"]) for c in need] == [
        ("CURRENT", True, "100%: the LRIP policy inspects every characteristic"),
        ("NOISE", True, "100%: the LRIP policy inspects every characteristic")]


def _lots(session, numbers):
    for n in numbers:
        program.create_lot(session, program="ACT", number=n, planned_quantity=20, routing_revision="1", actor="admin")


def test_sampling_state_moves_by_the_switching_rules_with_its_history(session):
    """Z1.4-2003 8.3.1 (2 of 5 rejected -> tightened), resubmitted lots do not count, 8.4 (5 lots not accepted
    on tightened -> discontinued until corrective action). Op 30 samples NOISE (major); lot 20 normal: C -> E,
    n=13 Ac 0 Re 1; tightened (Table II-B, AQL 1.0 column): C -> F, n=20 Ac 0 Re 1."""
    build_line(session)
    _lots(session, [f"L{i}" for i in range(2, 11)])
    first = inspection.record_lot_result(session, lot="L2", operation=30, actor="admin", defects={"major": 1})
    assert (first["decision"], first["severity_after"], first["transition"]) == ("reject", "normal", None)
    assert first["plans"]["major"]["sample_size"] == 13
    again = inspection.record_lot_result(session, lot="L2", operation=30, actor="admin", defects={"major": 1},
                                         resubmitted=True)
    assert again["severity_after"] == "normal"  # a resubmitted lot does not count
    with pytest.raises(Refused) as twice:
        inspection.record_lot_result(session, lot="L2", operation=30, actor="admin", defects={"major": 0})
    assert "lot L2 already has its result at operation 30" in twice.value.reasons[0]
    switched = inspection.record_lot_result(session, lot="L3", operation=30, actor="admin", defects={"major": 1})
    assert switched["transition"] == ("normal → tightened: 2 of 5 or fewer consecutive lots were not accepted "
                                      "(Z1.4 8.3.1)")
    for lot in ("L4", "L5", "L6", "L7", "L8"):  # L3 was inspected on normal: it is not one of the five
        last = inspection.record_lot_result(session, lot=lot, operation=30, actor="admin", defects={"major": 1})
    assert last["plans"]["major"]["sample_size"] == 20
    assert last["severity_after"] == "discontinued"
    with pytest.raises(Refused) as stopped:
        inspection.record_lot_result(session, lot="L9", operation=30, actor="admin", defects={"major": 0})
    assert "discontinued (Z1.4 8.4)" in stopped.value.reasons[0]
    resumed = inspection.record_corrective_action(session, program="ACT", operation=30, actor="admin",
                                                  reason="CAPA-3: noise from bearing preload; new shim")
    assert resumed["state"]["severity"] == "tightened"
    plan = inspection.show_plan(session, program="ACT", operation=30)
    assert [(h["kind"], h["lot"], h["accepted"], h["severity_after"]) for h in plan["history"]] == [
        ("lot_result", "L2", False, "normal"), ("lot_result", "L2", False, "normal"),
        ("lot_result", "L3", False, "tightened"), ("lot_result", "L4", False, "tightened"),
        ("lot_result", "L5", False, "tightened"), ("lot_result", "L6", False, "tightened"),
        ("lot_result", "L7", False, "tightened"), ("lot_result", "L8", False, "discontinued"), ("corrective_action", None, None, "tightened")]
    assert [e.action for e in history(session, "inspection_plan")][:2] == ["inspection.corrective_action",
                                                                           "inspection.lot_result"]


def test_reduced_needs_a_recorded_approval(session):
    build_line(session)
    with pytest.raises(Refused) as refused:
        inspection.approve_reduced(session, program="ACT", operation=30, actor="admin", reason=" ")
    assert refused.value.reasons == ["an approval of reduced inspection needs a reason"]
    plan = inspection.approve_reduced(session, program="ACT", operation=30, actor="admin",
                                      reason="10 lots clean; supplier capability shown")
    assert plan["state"]["reduced_approved_by"] == "admin"
    assert plan["history"][-1]["kind"] == "reduced_approved"


def test_a_plan_is_set_by_class_and_aql_and_refused_in_full(session):
    build_line(session)
    plan = inspection.set_plan(session, program="ACT", operation=30, actor="admin", classes={"noise": "minor"},
                               aql={"minor": 4.0}, reason="noise is cosmetic")
    assert [c["class"] for c in plan["characteristics"]] == ["critical", "minor"]
    assert plan["aql"] == {"major": 1.0, "minor": 4.0} and plan["stored"]
    with pytest.raises(Refused) as refused:
        inspection.set_plan(session, program="ACT", operation=30, actor="admin", classes={"NOPE": "major"},
                            aql={"minor": 3.0}, level="IV")
    assert len(refused.value.reasons) == 3


def _signer(session, username="qe", roles=("quality_engineer",)):
    create_user(session, username=username, full_name=username.upper(), roles=list(roles), actor="admin",
                password=PASSWORD)


def test_fai_built_from_the_units_records_then_a_delta_after_a_change(session):
    build_line(session)
    _signer(session)
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    execution.create_unit(session, lot="L1", serial="SN-2", actor="admin")
    status = inspection.fai_status(session, program="ACT")
    assert not status["complete"] and status["outstanding"][0]["kind"] == "full"
    assert status["outstanding"][0]["serial"] == "SN-1"

    fai = inspection.create_fai(session, serial="SN-1", actor="olga")
    assert (fai.number, fai.kind) == ("FAI-0001", "full")
    assert fai.reason == "first unit of configuration ACT-100 rev A, routing 1 (LRIP policy: first unit and delta)"
    record = inspection.fai_record(session, "FAI-0001")
    assert record["blocked_by"][:2] == ["operation 10 is not complete on SN-1 (TORQUE)",
                                        "operation 20 is not complete on SN-1 (VISUAL)"]
    with pytest.raises(Refused) as early:
        inspection.complete_fai(session, number="FAI-0001", actor="olga")
    assert "NOISE Noise has no result on SN-1" in early.value.reasons

    run_op10(session, "SN-1", "M-001", torque="2.05")
    _finish(session, "SN-1")
    record = inspection.fai_record(session, "FAI-0001")
    rows = {r["code"]: r for r in record["form3"]}
    assert [r["char_no"] for r in record["form3"]] == [1, 2, 3, 4]
    assert (rows["TORQUE"]["result"], rows["TORQUE"]["requirement"], rows["TORQUE"]["tooling"]) == \
        ("2.05 N·m", "2 N·m (1.8 – 2.2 N·m)", ["TQ-1"])
    assert rows["CURRENT"]["tooling"] == ["MM-3"] and rows["CURRENT"]["key"]
    assert [(m["identifier"], m["supplier"], m["quantity"]) for m in record["form2"]["materials"]] == \
        [("M-001", "SUP-M", 1.0), ("SCR-LOT-1", "SUP-M", 4.0)]
    assert [t["operation"] for t in record["form2"]["functional_tests"]] == [30]
    assert record["form1"]["serial"] == "SN-1" and record["form1"]["detail_or_assembly"] == "assembly"

    inspection.complete_fai(session, number="FAI-0001", actor="olga")
    session.commit()  # the reads above opened a transaction; a wrong password rolls the caller's back
    with pytest.raises(Refused):
        inspection.sign_fai(session, number="FAI-0001", username="qe", password="wrong", meaning="approved")
    signed = inspection.sign_fai(session, number="FAI-0001", username="qe", password=PASSWORD, meaning="approved")
    assert signed["status"] == "approved"
    assert inspection.fai_status(session, program="ACT")["complete"]

    inspection.require_delta_fai(session, part="ACT-100", part_revision="A", characteristics=["NOISE"],
                                 reason="ECO-12 lowers the noise limit", actor="admin")
    owed = inspection.fai_status(session, program="ACT")["outstanding"]
    assert [(o["kind"], o["characteristics"]) for o in owed] == [("partial", ["NOISE"])]
    assert inspection.fai_owed(session, "SN-2")["kind"] == "partial"
    delta = inspection.create_fai(session, serial="SN-2", actor="olga")
    assert (delta.kind, delta.characteristics) == ("partial", ["NOISE"])
    run_op10(session, "SN-2", "M-002")
    _finish(session, "SN-2")
    record = inspection.fai_record(session, delta.number)
    assert [(r["char_no"], r["code"], r["result"]) for r in record["form3"]] == [(4, "NOISE", "41 dB")]
    inspection.complete_fai(session, number=delta.number, actor="olga")
    inspection.sign_fai(session, number=delta.number, username="qe", password=PASSWORD, meaning="approved")
    assert inspection.fai_status(session, program="ACT")["complete"]


def test_fai_pdf_and_csv_export(session):
    build_line(session)
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    run_op10(session, "SN-1", "M-001")
    _finish(session, "SN-1")
    inspection.create_fai(session, serial="SN-1", actor="olga")
    inspection.complete_fai(session, number="FAI-0001", actor="olga")
    record = inspection.fai_record(session, "FAI-0001")
    pdf = export.fai_pdf(record)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "FAI-0001" in text and "Form 3" in text and "TORQUE" in text and "SN-1" in text
    lines = export.form3_csv(record).splitlines()
    assert lines[0].startswith("fai_number,char_no,code,name,operation,key,requirement")
    assert lines[1].startswith("FAI-0001,1,TORQUE,Screw torque,10,True,2 N·m (1.8 – 2.2 N·m),2.0,1.8,2.2,N·m,2 N·m,True")


def test_fai_create_is_refused_with_every_reason(session):
    build_line(session)
    execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    inspection.create_fai(session, serial="SN-1", actor="olga")
    with pytest.raises(Refused) as refused:
        inspection.create_fai(session, serial="SN-1", actor="olga", kind="partial", characteristics=["BOGUS"])
    assert refused.value.reasons == ["SN-1 already has FAI-0001 open",
                                     "BOGUS is not a characteristic of SN-1's routing (ACT-100 rev A, routing 1)",
                                     "say why this FAI is done (full or partial, and the reason)"]
