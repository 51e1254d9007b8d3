"""Shop-floor services on a real database (SQLite and PostgreSQL): units, starts, completes,
holds and dispositions, consumption, the traveler and the measurement import.
The combinatorics of every rule in every phase are in test_rules.py; here each rule is
shown wired through once, with the state checked before and after."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factory import TODAY, approve_lrip_quantity, build_line, run_op10
from lrip.audit import AuditEvent, AuditHead
from lrip.catalog import service as catalog
from lrip.db import engine_for, utcnow
from lrip.errors import Invalid, NotFound, Refused
from lrip.execution import service as execution
from lrip.execution.models import Consumption, Hold, Measurement, OperationRecord, Unit, operation_tool
from lrip.program import service as program
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot

NOW = utcnow()
DAY = NOW.date()


def line(session, *serials, started=(), **kw) -> dict:
    """build_line, units created and operation 10 started on `started`, all in one transaction
    (the services join it): each commit costs a disk flush on PostgreSQL."""
    with session.begin():
        names = build_line(session, **kw)
        for serial in serials:
            execution.create_unit(session, lot="L1", serial=serial, actor="admin")
        for serial in started:
            start10(session, serial)
    return names


@pytest.fixture
def sqlite_session(sqlite_url):
    """For the phase-by-phase wiring tests: the rule is the same on either database
    (the combinatorics are in test_rules.py), so these run once."""
    with Session(engine_for(sqlite_url), expire_on_commit=False) as s:
        yield s


def state(session) -> dict:
    """Everything a refused action must leave alone, read through a fresh session."""
    with Session(session.get_bind()) as s:
        counted = (Unit, OperationRecord, Measurement, Consumption, Hold, AuditEvent)
        return {
            "counts": {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in counted}
            | {"operation_tool": s.scalar(select(func.count()).select_from(operation_tool))},
            "units": dict(s.execute(select(Unit.serial, Unit.status)).all()),
            "records": sorted(s.execute(select(OperationRecord.id, OperationRecord.status)).all()),
            "holds": sorted(s.execute(select(Hold.id, Hold.released_at)).all()),
            "on_hand": dict(s.execute(select(MaterialLot.lot_number, MaterialLot.quantity_on_hand)).all()),
            "head": s.execute(select(AuditHead.seq, AuditHead.hash)).all(),
        }


def read(session, fn, *args, **kw):
    """Call a reading function in its own short transaction (so the next service call begins its own)."""
    with session.begin():
        return fn(session, *args, **kw)


def refused(call, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        call(**kw)
    return exc.value.reasons


def events(session, action=None) -> list[AuditEvent]:
    with Session(session.get_bind()) as s:
        q = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            q = q.where(AuditEvent.action == action)
        return list(s.execute(q).scalars())


def unit_row(session, serial) -> Unit:
    with Session(session.get_bind()) as s:
        return s.execute(select(Unit).filter_by(serial=serial)).scalar_one()


def start10(session, serial, **kw):
    args = dict(serial=serial, operation=10, operator="olga", tools=["TQ-1"]) | kw
    return execution.start_operation(session, **args)


# ---------------------------------------------------------------- units

def test_units_only_within_the_lot_plan_and_serials_are_unique(session):
    line(session, lot_quantity=2)
    a = execution.create_unit(session, lot="L1", serial="SN-1", actor="admin")
    assert a.status == "planned"
    before = state(session)
    assert refused(execution.create_unit, session=session, lot="L1", serial="SN-1", actor="admin") == [
        "serial SN-1 is already used"]
    assert state(session) == before
    execution.create_unit(session, lot="L1", serial="SN-2", actor="admin")
    before = state(session)
    assert refused(execution.create_unit, session=session, lot="L1", serial="SN-3", actor="admin") == [
        "lot L1 already has its planned 2 units"]
    assert refused(execution.create_unit, session=session, lot="L1", serial="SN-2", actor="admin") == [
        "serial SN-2 is already used", "lot L1 already has its planned 2 units"]
    assert state(session) == before
    assert [(e.record_id, e.after) for e in events(session, "unit.created")] == [
        ("SN-1", {"lot": "L1", "status": "planned"}), ("SN-2", {"lot": "L1", "status": "planned"})]
    with pytest.raises(NotFound) as exc:
        execution.create_unit(session, lot="L9", serial="SN-9", actor="admin")
    assert exc.value.reasons == ["No lot with number L9"]


def test_lrip_units_stay_within_the_approved_lrip_quantity_across_lots(session):
    line(session, "SN-1", "SN-2", lot_quantity=5, lrip_quantity=2)
    before = state(session)
    assert refused(execution.create_unit, session=session, lot="L1", serial="SN-3", actor="admin") == [
        "the program's approved LRIP quantity of 2 units is used up"]
    program.create_lot(session, program="ACT", number="L2", planned_quantity=5, routing_revision="1", actor="admin")
    assert refused(execution.create_unit, session=session, lot="L2", serial="SN-3", actor="admin") == [
        "the program's approved LRIP quantity of 2 units is used up"]
    assert state(session)["units"] == before["units"]
    approve_lrip_quantity(session, 3)
    assert execution.create_unit(session, lot="L2", serial="SN-3", actor="admin").serial == "SN-3"


def test_an_lrip_lot_needs_an_approved_lrip_quantity_while_a_pilot_lot_does_not(session):
    line(session, "P-1", phase="pilot", lot_quantity=2)  # pilot: quantity is free
    with session.begin():
        program.change_phase(session, program="ACT", phase="lrip", actor="admin", reason="pilot done")
        program.create_lot(session, program="ACT", number="L2", planned_quantity=2, routing_revision="1", actor="admin")
    assert refused(execution.create_unit, session=session, lot="L2", serial="SN-1", actor="admin") == [
        "the program has no approved LRIP quantity yet"]
    program.close_lot(session, number="L1", actor="admin", reason="pilot lot closed")
    assert refused(execution.create_unit, session=session, lot="L1", serial="P-2", actor="admin") == ["lot L1 is closed"]


# ---------------------------------------------------------------- starting

def test_operations_start_only_in_routing_sequence(session):
    line(session, "SN-1")
    assert refused(execution.start_operation, session=session, serial="SN-1", operation=20, operator="olga") == [
        "SN-1 is at operation 10; operations run in routing sequence"]
    start10(session, "SN-1")
    reasons = refused(start10, session=session, serial="SN-1", operator="oscar")
    assert reasons[0].startswith("Operation 10 (Assemble) is already started on SN-1 (by olga at ")
    assert refused(execution.start_operation, session=session, serial="SN-1", operation="Inspect", operator="olga") == [
        "Operation 10 is in work on SN-1; complete it first"]
    with session.begin():
        execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1")
        execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.0", operator="olga")
        execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")
    rec = execution.start_operation(session, serial="SN-1", operation="inspect", operator="olga")
    assert (rec.attempt, rec.status) == (1, "in_work")
    assert unit_row(session, "SN-1").status == "in_work"


def test_refused_start_gives_every_reason_at_once_and_changes_nothing(session):
    """LRIP: a temporary tool with lapsed calibration, an unqualified operator, an unreleased instruction."""
    line(session, "SN-1", instruction_released=False)
    lapsed = DAY - timedelta(days=5)
    catalog.create_tool(session, code="TMP-OLD", kind="torque driver", description="borrowed, lapsed",
                        category="temporary", calibration_due=lapsed, actor="admin")
    before = state(session)
    assert refused(start10, session=session, serial="SN-1", operator="newbie", tools=["TMP-OLD"]) == [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
        "operator newbie is not qualified for 'assembly'",
        "tool TMP-OLD is a temporary tool; this phase needs production tools",
        f"tool TMP-OLD calibration expired on {lapsed.isoformat()}",
    ]
    assert refused(start10, session=session, serial="SN-1", tools=[]) == [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
        "Operation 10 (Assemble) needs a torque driver; none was scanned",
    ]
    assert state(session) == before


@pytest.mark.parametrize("phase", ["prototype", "pilot", "lrip"])
def test_start_applies_the_phase_policy(sqlite_session, phase):
    """Draft instruction, temporary tool, unqualified operator: each refused only where the phase asks;
    lapsed calibration refused in every phase."""
    session = sqlite_session
    line(session, "SN-1", phase=phase, instruction_released=False)
    lapsed = refused(start10, session=session, serial="SN-1", tools=["TQ-OLD"])
    assert lapsed[-1] == f"tool TQ-OLD calibration expired on {(TODAY - timedelta(days=1)).isoformat()}"
    expected = {
        "prototype": [],
        "pilot": ["operator newbie is not qualified for 'assembly'"],
        "lrip": ["Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
                 "operator newbie is not qualified for 'assembly'",
                 "tool TQ-TMP is a temporary tool; this phase needs production tools"],
    }[phase]
    if expected:
        assert refused(start10, session=session, serial="SN-1", operator="newbie", tools=["TQ-TMP"]) == expected
        assert state(session)["counts"]["operation_record"] == 0
    else:
        rec = start10(session, "SN-1", operator="newbie", tools=["TQ-TMP"])
        assert [t.code for t in rec.tools] == ["TQ-TMP"]
        t = read(session, execution.traveler, "SN-1")
        assert t["operations"][0]["attempts"][0]["instruction"] == "WI-10 rev A"
        assert t["operations"][0]["attempts"][0]["started_by"] == "newbie"


def test_unknown_operator_tool_or_operation_is_not_found(session):
    line(session, "SN-1")
    with pytest.raises(NotFound) as exc:
        start10(session, "SN-1", tools=["TQ-1", "TQ-9", "TQ-8"])
    assert exc.value.reasons == ["No tool with code TQ-9", "No tool with code TQ-8"]
    with pytest.raises(NotFound) as exc:
        start10(session, "SN-1", operator="ghost")
    assert exc.value.reasons == ["No user with username ghost"]
    with pytest.raises(NotFound) as exc:
        start10(session, "SN-1", operation=40)
    assert exc.value.reasons == ["SN-1's routing has no operation 40; it has 10 Assemble, 20 Inspect, 30 Test"]


# ---------------------------------------------------------------- completing

def test_complete_needs_every_result_and_the_bom_and_records_the_cycle_time(session):
    line(session, "SN-1")
    start10(session, "SN-1", at=NOW - timedelta(minutes=25))
    before = state(session)
    missing = ["Operation 10 (Assemble) needs a result for TORQUE Screw torque",
               "Operation 10 (Assemble) needs 1 more of MTR-1 consumed",
               "Operation 10 (Assemble) needs 4 more of SCR-4 consumed"]
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga") == missing
    assert state(session) == before
    assert read(session, execution.traveler, "SN-1")["next"] == {
        "action": "complete", "sequence": 10, "name": "Assemble", "blocked_by": missing}
    execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
    execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=3)
    execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.05", operator="olga")
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga") == [
        "Operation 10 (Assemble) needs 1 more of SCR-4 consumed"]
    execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=1)
    rec = execution.complete_operation(session, serial="SN-1", operation=10, operator="oscar", at=NOW)
    assert rec.cycle_minutes == pytest.approx(25.0)
    t = read(session, execution.traveler, "SN-1")
    a = t["operations"][0]["attempts"][0]
    assert (a["status"], a["cycle_minutes"], a["started_by"], a["completed_by"]) == ("complete", 25.0, "olga", "oscar")
    assert [(c["identifier"], c["quantity"]) for c in a["consumed"]] == [("M-001", 1.0), ("SCR-LOT-1", 3.0),
                                                                         ("SCR-LOT-1", 1.0)]
    assert [(m["characteristic"], m["value"], m["in_spec"]) for m in a["measurements"]] == [("TORQUE", 2.05, True)]
    assert events(session, "operation.completed")[-1].after == {"operation": 10, "attempt": 1, "cycle_minutes": 25.0,
                                                                "status": "in_work"}
    reasons = refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga")
    assert len(reasons) == 1
    assert reasons[0].startswith("Operation 10 (Assemble) is not in work on SN-1; it was already completed by oscar at ")


@pytest.mark.parametrize("inspection", ["all", "kc_all_others_sampled"])
def test_inspection_policy_decides_which_results_complete_needs(session, inspection):
    """LRIP inspects every characteristic; so does FRP's rule (key characteristics 100%, others by Z1.4
    sampling) on a lot of 5: every plan of Z1.4 Table II-A for a lot of 2-8 (code A) samples at least the
    whole lot. The unsampled case is in tests/inspection/test_service.py."""
    line(session, "SN-1", started=["SN-1"])
    if inspection != "all":
        program.set_policy(session, program="ACT", phase="lrip", rule="inspection", value=inspection, actor="admin",
                           reason="rate up")
    with session.begin():
        execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1")
    # TORQUE is a key characteristic: required under either rule
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga") == [
        "Operation 10 (Assemble) needs a result for TORQUE Screw torque"]
    with session.begin():
        execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.0", operator="olga")
        execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")
        execution.start_operation(session, serial="SN-1", operation=20, operator="olga")
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=20,
                   operator="olga") == ["Operation 20 (Inspect) needs a result for VISUAL Visual inspection"]
    execution.record_measurement(session, serial="SN-1", characteristic="VISUAL", result="pass", operator="olga")
    execution.complete_operation(session, serial="SN-1", operation=20, operator="olga")
    execution.start_operation(session, serial="SN-1", operation=30, operator="oscar")
    execution.record_measurement(session, serial="SN-1", characteristic="CURRENT", result="1.01", operator="oscar")
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=30,
                   operator="oscar") == ["Operation 30 (Test) needs a result for NOISE Noise"]
    execution.record_measurement(session, serial="SN-1", characteristic="NOISE", result="40", operator="oscar")
    execution.complete_operation(session, serial="SN-1", operation=30, operator="oscar")
    u = unit_row(session, "SN-1")
    assert u.status == "complete" and u.completed_at is not None
    t = read(session, execution.traveler, "SN-1")
    assert t["next"] is None and [o["status"] for o in t["operations"]] == ["complete"] * 3
    assert refused(start10, session=session, serial="SN-1") == ["SN-1 is complete"]


# ---------------------------------------------------------------- holds and dispositions

def _held(session) -> int:
    """SN-1 in operation 10 with material in, torque out of spec: on hold. Returns the hold id."""
    line(session, "SN-1", started=["SN-1"])
    with session.begin():
        execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1")
        result = execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.5",
                                              operator="olga", gauge="TW-7")
    assert result.hold is not None and result.measurement.in_spec is False
    return result.hold.id


TOO_HIGH = "TORQUE Screw torque measured 2.5 N·m, above the upper limit 2.2 N·m"


def test_out_of_spec_puts_the_unit_on_hold_with_the_reason(session):
    hold_id = _held(session)
    with Session(session.get_bind()) as s:
        hold = s.get(Hold, hold_id)
        m = s.get(Measurement, hold.measurement_id)
        assert (hold.reason, hold.released_at, hold.unit.serial) == (TOO_HIGH, None, "SN-1")
        assert (m.value, m.in_spec, m.gauge) == (2.5, False, "TW-7")
    assert unit_row(session, "SN-1").status == "on_hold"
    t = read(session, execution.traveler, "SN-1")
    assert t["status"] == "on_hold"
    assert [(h["reason"], h["open"], h["disposition"]) for h in t["holds"]] == [(TOO_HIGH, True, None)]
    assert t["next"] == {"action": "complete", "sequence": 10, "name": "Assemble", "blocked_by": ["SN-1 is on hold"]}
    held = events(session, "unit.held")
    assert [(e.record_id, e.before, e.after, e.reason) for e in held] == [
        ("SN-1", {"status": "in_work"}, {"status": "on_hold", "hold": hold_id}, TOO_HIGH)]
    before = state(session)
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga") == [
        "SN-1 is on hold"]
    assert refused(start10, session=session, serial="SN-1")[0] == "SN-1 is on hold"
    assert state(session) == before
    listed = read(session, execution.list_units, "L1")
    assert [(u["serial"], u["status"], u["hold_reason"], u["operation"]) for u in listed] == [
        ("SN-1", "on_hold", TOO_HIGH, "10 Assemble")]


def test_a_failed_attribute_puts_the_unit_on_hold(session):
    line(session, "SN-1")
    with session.begin():
        run_op10(session, "SN-1", "M-001")
        execution.start_operation(session, serial="SN-1", operation=20, operator="olga")
    result = execution.record_measurement(session, serial="SN-1", characteristic="VISUAL", result="fail",
                                          operator="olga")
    assert result.hold.reason == "VISUAL Visual inspection failed"
    assert (result.measurement.passed, result.measurement.in_spec) == (False, False)
    assert unit_row(session, "SN-1").status == "on_hold"


def test_rework_sends_back_to_the_named_operation_and_requires_remeasurement(session):
    hold_id = _held(session)
    unit = execution.disposition_hold(session, serial="SN-1", action="rework", rework_to=10, actor="admin",
                                      reason="MRB-1: re-torque the screws")
    assert unit.status == "in_work"
    with Session(session.get_bind()) as s:
        hold = s.get(Hold, hold_id)
        assert (hold.disposition, hold.disposition_note) == ("rework", "MRB-1: re-torque the screws")
        assert hold.released_at is not None
    assert state(session)["records"][0][1] == "reworked"
    t = read(session, execution.traveler, "SN-1")
    assert t["next"] == {"action": "start", "sequence": 10, "name": "Assemble", "blocked_by": []}
    rec = start10(session, "SN-1")
    assert rec.attempt == 2
    # material stays built in; the measurement of the reworked attempt does not count
    assert refused(execution.complete_operation, session=session, serial="SN-1", operation=10, operator="olga") == [
        "Operation 10 (Assemble) needs a result for TORQUE Screw torque"]
    execution.record_measurement(session, serial="SN-1", characteristic="TORQUE", result="2.0", operator="olga")
    execution.complete_operation(session, serial="SN-1", operation=10, operator="olga")
    t = read(session, execution.traveler, "SN-1")
    assert [(a["attempt"], a["status"]) for a in t["operations"][0]["attempts"]] == [(1, "reworked"), (2, "complete")]
    assert [m["value"] for a in t["operations"][0]["attempts"] for m in a["measurements"]] == [2.5, 2.0]
    assert t["holds"][0]["disposition"] == "rework" and not t["holds"][0]["open"]
    assert events(session, "unit.dispositioned")[0].after == {"status": "in_work", "disposition": "rework",
                                                              "rework_to": 10}


def test_scrap_ends_the_unit(session):
    _held(session)
    execution.disposition_hold(session, serial="SN-1", action="scrap", actor="admin", reason="MRB-2: cracked housing")
    assert unit_row(session, "SN-1").status == "scrapped"
    assert state(session)["records"][0][1] == "stopped"
    assert refused(start10, session=session, serial="SN-1")[0] == "SN-1 is scrapped"
    t = read(session, execution.traveler, "SN-1")
    assert t["next"] is None and t["holds"][0]["disposition"] == "scrap"
    assert refused(execution.disposition_hold, session=session, serial="SN-1", action="use_as_is", actor="admin",
                   reason="changed my mind") == ["SN-1 is not on hold"]


def test_use_as_is_in_lrip_waits_for_the_mrb_signatures(session):
    """The signed path, which releases the unit where it was, is in tests/nonconformance."""
    _held(session)
    before = state(session)
    reasons = refused(execution.disposition_hold, session=session, serial="SN-1", action="use_as_is", actor="admin",
                      reason="MRB-3: within margin")
    assert reasons[0].startswith("use_as_is of NCR-000001 needs a quality signature")
    assert state(session) == before


def test_rework_to_an_operation_not_yet_reached_is_refused(session):
    _held(session)  # on hold in operation 10
    before = state(session)
    assert refused(execution.disposition_hold, session=session, serial="SN-1", action="rework", rework_to=30,
                   actor="admin", reason="MRB-4")
    assert state(session) == before


def test_refused_disposition_changes_nothing(session):
    _held(session)
    before = state(session)
    assert refused(execution.disposition_hold, session=session, serial="SN-1", action="rework", actor="admin",
                   reason="") == ["rework names an operation SN-1 has reached to return to, one of 10",
                                  "a disposition needs a reason"]
    assert refused(execution.disposition_hold, session=session, serial="SN-1", action="ship", actor="admin",
                   reason="x") == ["the disposition is use_as_is, repair, rework, scrap or return_to_supplier, not 'ship'"]
    assert state(session) == before


# ---------------------------------------------------------------- consumption

@pytest.mark.parametrize("phase", ["prototype", "pilot", "lrip"])
def test_unaccepted_or_unapproved_material_refused_in_pilot_and_lrip_allowed_in_prototype(sqlite_session, phase):
    session = sqlite_session
    line(session, "SN-1", started=["SN-1"], phase=phase)
    with session.begin():
        supply.receive_lot(session, lot_number="SCR-LOT-R", part="SCR-4", supplier="SUP-M", quantity=100, actor="admin")
        supply.inspect_lot(session, lot_number="SCR-LOT-R", accept=False, actor="admin", reason="threads damaged")
    problems = {"SCR-LOT-Q": "cannot use lot SCR-LOT-Q (SCR-4), which is quarantine, not accepted",
                "SCR-LOT-R": "cannot use lot SCR-LOT-R (SCR-4), which is rejected, not accepted",
                "SCR-LOT-X": "cannot use lot SCR-LOT-X (SCR-4) from SUP-X, not an approved source"}
    before = state(session)
    for lot, problem in problems.items():
        if phase == "prototype":
            execution.consume(session, serial="SN-1", operation=10, identifier=lot, quantity=1)
        else:
            assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier=lot,
                           quantity=1) == [problem]
    after = state(session)
    if phase == "prototype":
        assert after["counts"]["consumption"] == 3
        assert {lot: after["on_hand"][lot] for lot in problems} == {lot: 99.0 for lot in problems}
    else:
        assert after == before


def test_consumption_follows_the_bom_and_the_quantity_on_hand(session):
    line(session, "SN-1")
    with session.begin():
        catalog.create_part(session, number="GLUE-1", description="Threadlocker", tracking="lot", actor="admin")
        supply.approve_source(session, part="GLUE-1", supplier="SUP-M", actor="admin")
        for lot, part, qty in (("G-1", "GLUE-1", 10), ("SCR-LOT-S", "SCR-4", 0.5)):
            supply.receive_lot(session, lot_number=lot, part=part, supplier="SUP-M", quantity=qty, actor="admin")
            supply.inspect_lot(session, lot_number=lot, accept=True, actor="admin")
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="SCR-LOT-1") == [
        "operation 10 (Assemble) is not in work on SN-1; start it first"]
    start10(session, "SN-1")
    before = state(session)
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="G-1", quantity=1) == [
        "GLUE-1 is not on the BOM at operation 10 (Assemble); it takes MTR-1, SCR-4"]
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="SCR-LOT-1",
                   quantity=5) == ["SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 0 already consumed, "
                                   "5 more is too many"]
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="SCR-LOT-S",
                   quantity=1) == ["lot SCR-LOT-S has 0.5 on hand, not 1"]
    assert state(session) == before
    link = execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=3)
    assert link.quantity == 3.0
    # without a quantity, what the BOM still needs: 1, more than SCR-LOT-S holds
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="SCR-LOT-S") == [
        "lot SCR-LOT-S has 0.5 on hand, not 1"]
    execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-S", quantity=0.5)
    assert execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1").quantity == 0.5
    on_hand = state(session)["on_hand"]
    assert (on_hand["SCR-LOT-1"], on_hand["SCR-LOT-S"]) == (96.5, 0.0)


def test_quantity_on_hand_goes_down_and_never_below_zero(session):
    line(session, "SN-1", "SN-2", started=["SN-1", "SN-2"])
    with session.begin():
        execution.consume(session, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(session, serial="SN-1", operation=10, identifier="SCR-LOT-1")  # the BOM's 4
    after = state(session)
    assert (after["on_hand"]["M-001"], after["on_hand"]["SCR-LOT-1"]) == (0.0, 96.0)
    assert refused(execution.consume, session=session, serial="SN-2", operation=10, identifier="M-001") == [
        "lot M-001 has 0 on hand, not 1"]
    assert refused(execution.consume, session=session, serial="SN-1", operation=10, identifier="SCR-LOT-1",
                   quantity=1) == ["SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 4 already consumed, "
                                   "1 more is too many"]
    assert state(session) == after
    assert [e.after["on_hand_after"] for e in events(session, "material.consumed")] == [0.0, 96.0]


def test_a_lot_rejected_after_use_blocks_the_next_start(session):
    line(session, "SN-1")
    with session.begin():
        run_op10(session, "SN-1", "M-001")
    assert read(session, execution.traveler, "SN-1")["next"]["blocked_by"] == []
    # No service rejects an accepted lot yet (the supply issue brings it): do what it will do.
    with session.begin():
        session.execute(update(MaterialLot).where(MaterialLot.lot_number == "SCR-LOT-1").values(status="rejected"))
    reason = "SN-1 contains lot SCR-LOT-1 (SCR-4), which is rejected, not accepted"
    assert read(session, execution.traveler, "SN-1")["next"] == {
        "action": "start", "sequence": 20, "name": "Inspect", "blocked_by": [reason]}
    before = state(session)
    assert refused(execution.start_operation, session=session, serial="SN-1", operation=20, operator="olga") == [reason]
    assert state(session) == before


# ---------------------------------------------------------------- the traveler

def test_traveler_says_why_the_next_operation_cannot_start(session):
    line(session, "SN-1", instruction_released=False)
    t = read(session, execution.traveler, "SN-1")
    assert (t["serial"], t["status"], t["lot"], t["phase"], t["program"], t["part"]) == (
        "SN-1", "planned", "L1", "lrip", "ACT", "ACT-100")
    assert t["next"] == {"action": "start", "sequence": 10, "name": "Assemble", "blocked_by": [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft"]}
    assert [(o["sequence"], o["instruction_status"], o["status"]) for o in t["operations"]] == [
        (10, "draft", "pending"), (20, "draft", "pending"), (30, "draft", "pending")]
    assert t["operations"][0]["materials"] == [{"part": "MTR-1", "quantity": 1.0}, {"part": "SCR-4", "quantity": 4.0}]
    catalog.release_document_revision(session, number="WI-10", revision="A", actor="admin")
    assert read(session, execution.traveler, "SN-1")["next"]["blocked_by"] == []


# ---------------------------------------------------------------- measurement import

HEADER = "serial,operation,characteristic,value,recorded_at,operator,gauge\n"


def _import_line(session):
    line(session, "SN-1", "SN-2", "SN-3", started=["SN-1", "SN-2"])


def test_a_good_file_imports(session):
    _import_line(session)
    at = (NOW - timedelta(hours=1)).replace(microsecond=0)
    text = HEADER + f"SN-1,10,TORQUE,2.01,{at.isoformat()},olga,TW-7\n" \
                    f"SN-2,Assemble,torque, 1.99 ,{at.isoformat().replace('+00:00', 'Z')},oscar,\n"
    result = execution.import_measurements(session, text=text, actor="admin", source="station-4.csv")
    assert (result.rows, result.units, result.out_of_spec, result.holds) == (2, 2, 0, [])
    with Session(session.get_bind()) as s:
        rows = s.execute(select(Unit.serial, Measurement.value, Measurement.in_spec, Measurement.gauge,
                                Measurement.source, Measurement.recorded_at).join(Unit).order_by(Unit.serial)).all()
    assert rows == [("SN-1", 2.01, True, "TW-7", "import", at), ("SN-2", 1.99, True, None, "import", at)]
    ev = events(session, "measurements.imported")[0]
    assert ev.after["file"] == "station-4.csv" and ev.after["rows"] == 2 and ev.after["sha256"] == result.sha256
    assert state(session)["units"] == {"SN-1": "in_work", "SN-2": "in_work", "SN-3": "planned"}


def test_a_file_with_any_bad_row_changes_nothing_and_lists_every_bad_row(session):
    _import_line(session)
    ok = (NOW - timedelta(hours=1)).isoformat()
    future = (NOW + timedelta(days=1)).isoformat()
    text = HEADER + "\n".join([
        f"SN-9,10,TORQUE,2.0,{ok},olga,",           # 2 unknown serial
        f"SN-1,10,WIDTH,2.0,{ok},olga,",            # 3 unknown characteristic
        f"SN-1,30,TORQUE,2.0,{ok},olga,",           # 4 operation mismatch
        f"SN-3,10,TORQUE,2.0,{ok},olga,",           # 5 operation not in work
        f"SN-1,10,TORQUE,abc,{ok},olga,",           # 6 bad number
        f"SN-1,20,VISUAL,maybe,{ok},olga,",         # 7 not in work, and not pass/fail
        "SN-1,10,TORQUE,2.0,2026-03-01T14:05:00,olga,",  # 8 naive time
        f"SN-1,10,TORQUE,2.0,{future},olga,",       # 9 future
        "SN-1,10,TORQUE,2.0,yesterday,olga,",       # 10 not a time
        f"SN-1,10,TORQUE,2.0,{ok},ghost,",          # 11 unknown user
        f"SN-1,10,TORQUE,2.0,{ok}",                 # 12 wrong field count
        "",                                         # 13 blank: skipped, still counted
        f"SN-2,10,TORQUE,2.05,{ok},oscar,",         # 14 good
        "SN-9,10,NOPE,x,later,nobody,",            # 15 every problem of one row at once
    ]) + "\n"
    before = state(session)
    with pytest.raises(Invalid) as exc:
        execution.import_measurements(session, text=text, actor="admin")
    assert exc.value.reasons == [
        "measurements.csv: 12 bad row(s) of 13; nothing was imported",
        "line 2: no unit with serial 'SN-9'",
        "line 3: SN-1's routing has no characteristic 'WIDTH'",
        "line 4: TORQUE is measured at operation 10 (Assemble), not '30'",
        "line 5: operation 10 (Assemble) is not in work on SN-3",
        "line 6: TORQUE Screw torque needs a number, not 'abc'",
        "line 7: operation 20 (Inspect) is not in work on SN-1; VISUAL Visual inspection is pass/fail, not 'maybe'",
        "line 8: recorded_at '2026-03-01T14:05:00' has no time zone; write it like 2026-03-01T14:05:00Z",
        f"line 9: recorded_at '{future}' is in the future",
        "line 10: recorded_at 'yesterday' is not an ISO 8601 date and time",
        "line 11: no user 'ghost'",
        "line 12: 5 fields, the header has 7",
        "line 15: no unit with serial 'SN-9'; recorded_at 'later' is not an ISO 8601 date and time; no user 'nobody'",
    ]
    assert state(session) == before


def test_an_import_with_a_missing_header_column_or_no_rows_is_invalid(session):
    _import_line(session)
    with pytest.raises(Invalid) as exc:
        execution.import_measurements(session, text="serial,operation,characteristic,value,operator\nSN-1,10,TORQUE,2,olga\n",
                                      actor="admin")
    assert exc.value.reasons == ["measurements.csv: the header lacks column(s) recorded_at, gauge; expected serial, "
                                 "operation, characteristic, value, recorded_at, operator, gauge"]
    with pytest.raises(Invalid) as exc:
        execution.import_measurements(session, text=HEADER + "\n\n", actor="admin")
    assert exc.value.reasons == ["measurements.csv has no rows"]


def test_out_of_spec_rows_in_an_import_put_units_on_hold(session):
    _import_line(session)
    ok = (NOW - timedelta(minutes=5)).isoformat()
    text = HEADER + f"SN-1,10,TORQUE,2.0,{ok},olga,\nSN-2,10,TORQUE,1.5,{ok},oscar,TW-7\n"
    result = execution.import_measurements(session, text=text, actor="admin")
    reason = "TORQUE Screw torque measured 1.5 N·m, below the lower limit 1.8 N·m"
    assert result.out_of_spec == 1
    assert [(h["serial"], h["line"], h["reason"]) for h in result.holds] == [("SN-2", 3, reason)]
    assert state(session)["units"] == {"SN-1": "in_work", "SN-2": "on_hold", "SN-3": "planned"}
    with Session(session.get_bind()) as s:
        hold = s.execute(select(Hold)).scalar_one()
        assert (hold.unit.serial, hold.reason, hold.id) == ("SN-2", reason, result.holds[0]["hold"])
        assert s.get(Measurement, hold.measurement_id).in_spec is False
    assert events(session, "unit.held")[0].actor == "oscar"
