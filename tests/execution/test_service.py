"""Shop-floor use cases on a real database (SQLite and PostgreSQL): units, starts, completes, results and
holds, consumption and the measurement import, each action in its own unit of work as the person who
does it, the way an entry point runs it. The combinatorics of every rule in every phase are in
test_rules.py; here each rule is shown wired through once, with the state checked before and after."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from factory import TODAY, actor, approve_lrip_quantity, build_line, change_policy, run_op10
from lrip.audit import AuditEvent, AuditHead
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.db import unit_of_work, utcnow
from lrip.errors import Forbidden, Invalid, NotFound, Refused
from lrip.execution import imports, service as execution
from lrip.execution.models import Consumption, Measurement, MeasurementImport, OperationRecord, Unit, operation_tool
from lrip.nonconformance import mrb
from lrip.nonconformance.models import Hold, NonConformance
from lrip.program import service as program
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot

NOW = utcnow()
DAY = NOW.date()


def do(url, who, use_case, **kw):
    """One use case as `who`, in its own unit of work (committed, or rolled back when refused)."""
    with unit_of_work(url) as s:
        return use_case(s, actor(s, who), **kw)


def refused(url, who, use_case, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        do(url, who, use_case, **kw)
    return exc.value.reasons


def start10(url, serial, who="olga", **kw):
    return do(url, who, execution.start_operation, **({"serial": serial, "operation": 10, "tools": ["TQ-1"]} | kw))


def line(url, *serials, started=(), **kw) -> dict:
    """build_line, units created and operation 10 started on `started`, in one unit of work."""
    with unit_of_work(url) as s:
        names = build_line(s, **kw)
        admin, olga = actor(s, "admin"), actor(s, "olga")
        for serial in serials:
            execution.create_unit(s, admin, lot="L1", serial=serial)
        for serial in started:
            execution.start_operation(s, olga, serial=serial, operation=10, tools=["TQ-1"])
    return names


NOT_PILOT = ~Unit.lot.has(number="P1")  # the factory's pilot lot, built before the line's units


def state(url) -> dict:
    """Everything a refused action must leave alone."""
    with unit_of_work(url, write=False) as s:
        counted = (Unit, OperationRecord, Measurement, Consumption, Hold, NonConformance, AuditEvent)
        return {
            "counts": {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in counted}
            | {"operation_tool": s.scalar(select(func.count()).select_from(operation_tool))},
            "units": dict(s.execute(select(Unit.serial, Unit.status).where(NOT_PILOT)).all()),
            "records": sorted(s.execute(select(OperationRecord.id, OperationRecord.status).join(Unit)
                                        .where(NOT_PILOT)).all()),
            "on_hand": dict(s.execute(select(MaterialLot.lot_number, MaterialLot.quantity_on_hand)).all()),
            "head": s.execute(select(AuditHead.seq, AuditHead.hash)).all(),
        }


def events(url, action=None) -> list[AuditEvent]:
    with unit_of_work(url, write=False) as s:
        q = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            q = q.where(AuditEvent.action == action)
        return list(s.execute(q).scalars())


def unit_row(url, serial) -> Unit:
    with unit_of_work(url, write=False) as s:
        return s.execute(select(Unit).filter_by(serial=serial)).scalar_one()


def what_next(url, serial):
    """The next step on the unit and what blocks it, as the traveler shows it."""
    with unit_of_work(url, write=False) as s:
        step = execution.next_step(execution.unit_context(s, serial), DAY)
        return step.model_dump() if step else None


# ---------------------------------------------------------------- units

def test_units_only_within_the_lot_plan_and_serials_are_unique(db_url):
    line(db_url, lot_quantity=2)
    a = do(db_url, "admin", execution.create_unit, lot="L1", serial="SN-1")
    assert (a.status, a.position, a.lot) == ("planned", 1, "L1")
    before = state(db_url)
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="SN-1") == ["serial SN-1 is already used"]
    assert state(db_url) == before
    assert do(db_url, "admin", execution.create_unit, lot="L1", serial="SN-2").position == 2
    before = state(db_url)
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="SN-3") == [
        "lot L1 already has its planned 2 units"]
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="SN-2") == [
        "serial SN-2 is already used", "lot L1 already has its planned 2 units"]
    assert state(db_url) == before
    assert [(e.record_id, e.after) for e in events(db_url, "unit.created") if e.after["lot"] == "L1"] == [
        ("SN-1", {"lot": "L1", "position": 1, "status": "planned"}),
        ("SN-2", {"lot": "L1", "position": 2, "status": "planned"})]
    with pytest.raises(NotFound) as exc:
        do(db_url, "admin", execution.create_unit, lot="L9", serial="SN-9")
    assert exc.value.reasons == ["No lot with number L9"]


def test_serials_are_identifiers_unique_and_found_regardless_of_case(db_url):
    line(db_url, "SN200-0001")
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="sn200-0001") == [
        "serial SN200-0001 is already used"]
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="SN200/0002") == [
        "a serial is 1 to 60 of the characters A-Z, a-z, 0-9, '-', '_' and '.', beginning with a letter or digit, "
        "without '..', not 'SN200/0002'"]
    assert do(db_url, "admin", execution.create_unit, lot="L1", serial=" SN200-0002 ").serial == "SN200-0002"
    started = start10(db_url, "sn200-0001")
    assert (started.serial, started.operation) == ("SN200-0001", 10)
    assert unit_row(db_url, "SN200-0001").status == "in_work"


def test_a_viewer_may_not_create_units(db_url):
    line(db_url)
    with unit_of_work(db_url) as s:
        create_user(s, actor(s, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"])
    before = state(db_url)
    with pytest.raises(Forbidden):
        do(db_url, "vera", execution.create_unit, lot="L1", serial="SN-1")
    assert state(db_url) == before


def test_lrip_units_stay_within_the_approved_lrip_quantity_across_lots(db_url):
    line(db_url, "SN-1", "SN-2", lot_quantity=5, lrip_quantity=2)
    before = state(db_url)
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="SN-3") == [
        "the program's approved LRIP quantity of 2 units is used up"]
    do(db_url, "admin", program.create_lot, program="ACT", number="L2", planned_quantity=5, routing_revision="1")
    assert refused(db_url, "admin", execution.create_unit, lot="L2", serial="SN-3") == [
        "the program's approved LRIP quantity of 2 units is used up"]
    assert state(db_url)["units"] == before["units"]
    with unit_of_work(db_url) as s:
        approve_lrip_quantity(s, 3)
    made = do(db_url, "admin", execution.create_unit, lot="L2", serial="SN-3")
    assert (made.serial, made.lot, made.position) == ("SN-3", "L2", 1)


def test_an_lrip_lot_needs_an_approved_lrip_quantity_while_a_pilot_lot_does_not(db_url):
    """Pilot: quantity is free. The move to LRIP (a signed, gated phase change) asks for the LRIP quantity,
    so no LRIP lot exists without one."""
    line(db_url, "P-1", "P-2", phase="pilot", lot_quantity=2)
    reasons = refused(db_url, "admin", program.change_phase, program="ACT", phase="lrip", reason="pilot done")
    assert "no LRIP quantity has been approved" in reasons
    do(db_url, "admin", program.close_lot, number="L1", reason="pilot lot closed")
    assert refused(db_url, "admin", execution.create_unit, lot="L1", serial="P-3") == [
        "lot L1 is closed", "lot L1 already has its planned 2 units"]


# ---------------------------------------------------------------- starting

def test_operations_start_only_in_routing_sequence(db_url):
    line(db_url, "SN-1")
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation=20) == [
        "SN-1 is at operation 10; operations run in routing sequence"]
    first = start10(db_url, "SN-1")
    assert (first.started_by, first.instruction, first.tools, first.unit_status) == (
        "olga", "WI-10 rev A", ["TQ-1"], "in_work")
    reasons = refused(db_url, "oscar", execution.start_operation, serial="SN-1", operation=10, tools=["TQ-1"])
    assert reasons[0].startswith("Operation 10 (Assemble) is already started on SN-1 (by olga at ")
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation="Inspect") == [
        "Operation 10 is in work on SN-1; complete it first"]
    with unit_of_work(db_url) as s:
        olga = actor(s, "olga")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1")
        execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.0")
        execution.complete_operation(s, olga, serial="SN-1", operation=10)
    rec = do(db_url, "olga", execution.start_operation, serial="SN-1", operation="inspect")
    assert (rec.attempt, rec.status, rec.operation, rec.name) == (1, "in_work", 20, "Inspect")
    assert unit_row(db_url, "SN-1").status == "in_work"


def test_refused_start_gives_every_reason_at_once_and_changes_nothing(db_url):
    """LRIP: a temporary tool with lapsed calibration, an unqualified operator, an unreleased instruction."""
    line(db_url, "SN-1", instruction_released=False)
    lapsed = DAY - timedelta(days=5)
    do(db_url, "admin", catalog.create_tool, code="TMP-OLD", kind="torque driver", description="borrowed, lapsed",
       category="temporary", calibration_due=lapsed)
    before = state(db_url)
    assert refused(db_url, "newbie", execution.start_operation, serial="SN-1", operation=10, tools=["TMP-OLD"]) == [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
        "operator newbie is not qualified for 'assembly'",
        "tool TMP-OLD is a temporary tool; this phase needs production tools",
        f"tool TMP-OLD calibration expired on {lapsed.isoformat()}",
    ]
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation=10) == [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
        "Operation 10 (Assemble) needs a torque driver; none was scanned",
    ]
    assert state(db_url) == before


@pytest.mark.parametrize("phase", ["prototype", "pilot", "lrip"])
def test_start_applies_the_phase_policy(sqlite_url, phase):
    """Draft instruction, temporary tool, unqualified operator: each refused only where the phase asks;
    lapsed calibration refused in every phase. (The rule is the same on either database: once, on SQLite.)"""
    url = sqlite_url
    line(url, "SN-1", phase=phase, instruction_released=False)
    lapsed = refused(url, "olga", execution.start_operation, serial="SN-1", operation=10, tools=["TQ-OLD"])
    assert lapsed[-1] == f"tool TQ-OLD calibration expired on {(TODAY - timedelta(days=1)).isoformat()}"
    expected = {
        "prototype": [],
        "pilot": ["operator newbie is not qualified for 'assembly'"],
        "lrip": ["Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
                 "operator newbie is not qualified for 'assembly'",
                 "tool TQ-TMP is a temporary tool; this phase needs production tools"],
    }[phase]
    if expected:
        before = state(url)
        assert refused(url, "newbie", execution.start_operation, serial="SN-1", operation=10,
                       tools=["TQ-TMP"]) == expected
        assert state(url) == before
    else:
        rec = start10(url, "SN-1", who="newbie", tools=["TQ-TMP"])
        assert (rec.tools, rec.instruction, rec.started_by) == (["TQ-TMP"], "WI-10 rev A", "newbie")


def test_an_expired_qualification_is_refused_and_a_renewed_one_counts(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        admin = actor(s, "admin")
        catalog.grant_qualification(s, admin, username="newbie", skill="assembly", granted_on=DAY - timedelta(days=400),
                                    expires_on=DAY - timedelta(days=2))
    assert refused(db_url, "newbie", execution.start_operation, serial="SN-1", operation=10, tools=["TQ-1"]) == [
        f"operator newbie's qualification for 'assembly' expired on {(DAY - timedelta(days=2)).isoformat()}"]
    with unit_of_work(db_url) as s:
        catalog.grant_qualification(s, actor(s, "admin"), username="newbie", skill="assembly", granted_on=DAY,
                                    expires_on=DAY + timedelta(days=300))
    assert start10(db_url, "SN-1", who="newbie").started_by == "newbie"


def test_unknown_tool_or_operation_is_not_found(db_url):
    line(db_url, "SN-1")
    with pytest.raises(NotFound) as exc:
        start10(db_url, "SN-1", tools=["TQ-1", "TQ-9", "TQ-8"])
    assert exc.value.reasons == ["No tool with code TQ-9", "No tool with code TQ-8"]
    with pytest.raises(NotFound) as exc:
        start10(db_url, "SN-1", operation=40)
    assert exc.value.reasons == ["SN-1's routing has no operation 40; it has 10 Assemble, 20 Inspect, 30 Test"]
    with pytest.raises(NotFound) as exc:
        start10(db_url, "SN-9")
    assert exc.value.reasons == ["No unit with serial SN-9"]


# ---------------------------------------------------------------- completing

def test_complete_needs_every_result_and_the_bom_and_records_the_cycle_time(db_url):
    line(db_url, "SN-1")
    start10(db_url, "SN-1", at=NOW - timedelta(minutes=25))
    before = state(db_url)
    missing = ["Operation 10 (Assemble) needs a result for TORQUE Screw torque",
               "Operation 10 (Assemble) needs 1 more of MTR-1 consumed",
               "Operation 10 (Assemble) needs 4 more of SCR-4 consumed"]
    assert refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10) == missing
    assert state(db_url) == before
    assert what_next(db_url, "SN-1") == {"action": "complete", "sequence": 10, "name": "Assemble",
                                         "blocked_by": missing}
    do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="M-001")
    do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=3)
    do(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="TORQUE", result="2.05")
    assert refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10) == [
        "Operation 10 (Assemble) needs 1 more of SCR-4 consumed"]
    do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1", quantity=1)
    rec = do(db_url, "oscar", execution.complete_operation, serial="SN-1", operation=10, at=NOW)
    assert (rec.status, rec.cycle_minutes, rec.started_by, rec.completed_by, rec.tools, rec.unit_status) == (
        "complete", pytest.approx(25.0), "olga", "oscar", ["TQ-1"], "in_work")
    assert events(db_url, "operation.completed")[-1].after == {"operation": 10, "attempt": 1, "cycle_minutes": 25.0,
                                                               "status": "in_work"}
    reasons = refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10)
    assert len(reasons) == 1
    assert reasons[0].startswith("Operation 10 (Assemble) is not in work on SN-1; it was already completed by oscar at ")


def test_the_last_operation_completes_the_unit(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        run_op10(s, "SN-1", "M-001")
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial="SN-1", operation=20)
        execution.record_measurement(s, olga, serial="SN-1", characteristic="VISUAL", result="pass")
        execution.complete_operation(s, olga, serial="SN-1", operation=20)
        execution.start_operation(s, olga, serial="SN-1", operation=30)
        execution.record_measurement(s, olga, serial="SN-1", characteristic="CURRENT", result="1.01")
    assert refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=30) == [
        "Operation 30 (Test) needs a result for NOISE Noise"]
    do(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="NOISE", result="40")
    assert do(db_url, "olga", execution.complete_operation, serial="SN-1", operation=30).unit_status == "complete"
    u = unit_row(db_url, "SN-1")
    assert u.status == "complete" and u.completed_at is not None
    assert what_next(db_url, "SN-1") is None
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation=10, tools=["TQ-1"]) == [
        "SN-1 is complete"]


@pytest.mark.parametrize("position, needs_noise", [(1, False), (2, True)])
def test_under_sampling_the_lots_stored_sample_decides_the_results_complete_needs(db_url, position, needs_noise):
    """FRP's rule: key characteristics 100%, the others on the units the lot's stored sample picks (a
    characteristic the sample leaves out is measured on every unit). NOISE is sampled on unit 2 only."""
    line(db_url, "SN-1", "SN-2")
    with unit_of_work(db_url) as s:
        admin = actor(s, "admin")
        change_policy(s, "lrip", "inspection", "kc_all_others_sampled", reason="rate up")
        program.set_inspection_sample(s, admin, lot="L1", sample={"30": {"NOISE": [2]}}, reason="Z1.4 sample")
    serial = f"SN-{position}"
    with unit_of_work(db_url) as s:
        run_op10(s, serial, f"M-00{position}")
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial=serial, operation=20)
        execution.record_measurement(s, olga, serial=serial, characteristic="VISUAL", result="pass")
        execution.complete_operation(s, olga, serial=serial, operation=20)
        execution.start_operation(s, olga, serial=serial, operation=30)
    # CURRENT is a key characteristic: required on every unit
    expected = ["Operation 30 (Test) needs a result for CURRENT No-load current"]
    if needs_noise:
        expected.append("Operation 30 (Test) needs a result for NOISE Noise")
    assert refused(db_url, "olga", execution.complete_operation, serial=serial, operation=30) == expected
    with unit_of_work(db_url) as s:
        unit = execution.get_unit(s, serial)
        policy = program.policy_for(s, unit.lot.program_id, unit.lot.phase)
        op30 = catalog.find_operation(unit.lot.routing, 30)
        assert [c.code for c in execution.required_characteristics(unit, op30, policy)] == [
            "CURRENT", "NOISE"][:1 + needs_noise]


# ---------------------------------------------------------------- results and holds

TOO_HIGH = "TORQUE Screw torque measured 2.5 N·m, above the upper limit 2.2 N·m"


def _held(url):
    """SN-1 in operation 10 with material in, torque out of spec: on hold. Returns the answer."""
    line(url, "SN-1", started=["SN-1"])
    with unit_of_work(url) as s:
        olga = actor(s, "olga")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1")
        return execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.5",
                                            gauge="G1")


def test_out_of_spec_puts_the_unit_on_hold_under_an_ncr_named_in_the_answer(db_url):
    result = _held(db_url)
    assert (result.in_spec, result.on_hold, result.unit_status, result.hold_reason, result.ncr) == (
        False, True, "on_hold", TOO_HIGH, "NCR-000001")
    with unit_of_work(db_url, write=False) as s:
        hold = s.get(Hold, result.hold_id)
        m = s.get(Measurement, hold.measurement_id)
        assert (hold.reason, hold.released_at, hold.ncr.number) == (TOO_HIGH, None, "NCR-000001")
        assert (m.value, m.in_spec, m.gauge) == (2.5, False, "G1")
    assert unit_row(db_url, "SN-1").status == "on_hold"
    held = events(db_url, "unit.held")
    assert [(e.record_id, e.actor, e.before, e.after, e.reason) for e in held] == [
        ("SN-1", "olga", {"status": "in_work"}, {"status": "on_hold"}, TOO_HIGH)]
    assert what_next(db_url, "SN-1") == {"action": "complete", "sequence": 10, "name": "Assemble",
                                         "blocked_by": ["SN-1 is on hold"]}


def test_a_unit_on_hold_takes_no_new_result_no_material_and_raises_no_second_ncr(db_url):
    """Before: each further value on a held unit was recorded and raised an NCR and a hold of its own
    (34 NCRs on one unit in 1.4 s)."""
    _held(db_url)
    before = state(db_url)
    waits = "SN-1 is on hold; it takes no new work until the MRB's disposition releases it"
    for value in ("2.6", "2.0"):
        assert refused(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="TORQUE",
                       result=value) == [waits]
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1",
                   quantity=1)[0] == waits
    assert refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10) == ["SN-1 is on hold"]
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation=10)[0] == "SN-1 is on hold"
    assert state(db_url) == before
    assert before["counts"]["ncr"] == 1


def test_rework_decided_by_the_mrb_sends_the_unit_back_and_it_is_measured_again(db_url):
    _held(db_url)
    done = do(db_url, "admin", mrb.disposition_unit, serial="SN-1", action="rework", rework_to=10,
              reason="MRB-1: re-torque the screws")
    assert done.status == "in_work"
    assert state(db_url)["records"][0][1] == "reworked"
    assert events(db_url, "unit.dispositioned")[0].after == {"status": "in_work", "disposition": "rework",
                                                             "rework_to": 10}
    assert what_next(db_url, "SN-1") == {"action": "start", "sequence": 10, "name": "Assemble", "blocked_by": []}
    assert start10(db_url, "SN-1").attempt == 2
    # material stays built in; the result of the reworked attempt does not count
    assert refused(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10) == [
        "Operation 10 (Assemble) needs a result for TORQUE Screw torque"]
    assert do(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="TORQUE",
              result="2.0").in_spec
    assert do(db_url, "olga", execution.complete_operation, serial="SN-1", operation=10).attempt == 2


@pytest.mark.parametrize("disposition, still_held, status, records", [
    ("scrap", False, "scrapped", ["stopped"]),
    ("use_as_is", False, "in_work", ["in_work"]),
    ("use_as_is", True, "on_hold", ["in_work"]),
    ("rework", False, "in_work", ["reworked"]),
])
def test_release_from_hold_moves_the_unit_and_its_records(db_url, disposition, still_held, status, records):
    """What the MRB's disposition does to the unit (nonconformance decides it and releases its hold)."""
    _held(db_url)
    with unit_of_work(db_url) as s:
        unit_id = execution.get_unit(s, "SN-1").id
        answer = execution.release_from_hold(s, actor(s, "admin"), unit_id=unit_id, disposition=disposition,
                                             reason="MRB-9", rework_to=10 if disposition == "rework" else None,
                                             still_held=still_held, at=utcnow())
    assert answer == status
    assert (unit_row(db_url, "SN-1").status, [r for _, r in state(db_url)["records"]]) == (status, records)


def test_a_failed_attribute_puts_the_unit_on_hold(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        run_op10(s, "SN-1", "M-001")
        execution.start_operation(s, actor(s, "olga"), serial="SN-1", operation=20)
    result = do(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="VISUAL", result="fail")
    assert (result.hold_reason, result.passed, result.in_spec, result.ncr) == (
        "VISUAL Visual inspection failed", False, False, "NCR-000001")
    assert unit_row(db_url, "SN-1").status == "on_hold"


@pytest.mark.parametrize("typed", ["0_08", "٠.٠٨", "2,1", "nan", "0x2", "2.0.1"])
def test_a_value_that_is_not_a_plain_decimal_is_invalid_and_changes_nothing(db_url, typed):
    """Before: '0_08' was stored as 8.0 (and raised an NCR), '٠.٠٨' as 0.08."""
    line(db_url, "SN-1", started=["SN-1"])
    before = state(db_url)
    with pytest.raises(Invalid) as exc:
        do(db_url, "olga", execution.record_measurement, serial="SN-1", characteristic="TORQUE", result=typed)
    assert exc.value.reasons[0].startswith("TORQUE Screw torque needs a")
    assert state(db_url) == before


# ---------------------------------------------------------------- consumption

@pytest.mark.parametrize("phase", ["prototype", "pilot", "lrip"])
def test_unaccepted_or_unapproved_material_refused_in_pilot_and_lrip_allowed_in_prototype(sqlite_url, phase):
    url = sqlite_url
    line(url, "SN-1", started=["SN-1"], phase=phase)
    with unit_of_work(url) as s:
        admin = actor(s, "admin")
        supply.receive_lot(s, admin, lot_number="SCR-LOT-R", part="SCR-4", supplier="SUP-M", quantity=100)
        supply.inspect_lot(s, admin, lot_number="SCR-LOT-R", accept=False, reason="threads damaged")
    problems = {"SCR-LOT-Q": "cannot use lot SCR-LOT-Q (SCR-4), which is quarantine, not accepted",
                "SCR-LOT-R": "cannot use lot SCR-LOT-R (SCR-4), which is rejected, not accepted",
                "SCR-LOT-X": "cannot use lot SCR-LOT-X (SCR-4) from SUP-X, not an approved source"}
    before = state(url)
    for lot, problem in problems.items():
        if phase == "prototype":
            do(url, "olga", execution.consume, serial="SN-1", operation=10, identifier=lot, quantity=1)
        else:
            assert refused(url, "olga", execution.consume, serial="SN-1", operation=10, identifier=lot,
                           quantity=1) == [problem]
    after = state(url)
    if phase == "prototype":
        assert after["counts"]["consumption"] == 3
        assert {lot: after["on_hand"][lot] for lot in problems} == {lot: 99.0 for lot in problems}
    else:
        assert after == before


def test_consumption_follows_the_bom_and_the_quantity_on_hand(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        admin = actor(s, "admin")
        catalog.create_part(s, admin, number="GLUE-1", description="Threadlocker", tracking="lot")
        catalog.add_part_revision(s, admin, number="GLUE-1", revision="A", release=True)
        supply.approve_source(s, admin, part="GLUE-1", supplier="SUP-M")
        for lot, part, qty in (("G-1", "GLUE-1", 10), ("SCR-LOT-S", "SCR-4", 0.5)):
            supply.receive_lot(s, admin, lot_number=lot, part=part, supplier="SUP-M", quantity=qty)
            supply.inspect_lot(s, admin, lot_number=lot, accept=True)
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1") == [
        "operation 10 (Assemble) is not in work on SN-1; start it first"]
    start10(db_url, "SN-1")
    before = state(db_url)
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="G-1", quantity=1) == [
        "GLUE-1 is not on the BOM at operation 10 (Assemble); it takes MTR-1, SCR-4"]
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1",
                   quantity=5) == ["SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 0 already consumed, "
                                   "5 more is too many"]
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-S",
                   quantity=1) == ["lot SCR-LOT-S has 0.5 on hand, not 1"]
    assert state(db_url) == before
    link = do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="scr-lot-1", quantity=3)
    assert (link.material, link.part, link.quantity, link.on_hand_after) == ("SCR-LOT-1", "SCR-4", 3.0, 97.0)
    # without a quantity, what the BOM still needs: 1, more than SCR-LOT-S holds
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-S") == [
        "lot SCR-LOT-S has 0.5 on hand, not 1"]
    do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-S", quantity=0.5)
    assert do(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1").quantity == 0.5
    on_hand = state(db_url)["on_hand"]
    assert (on_hand["SCR-LOT-1"], on_hand["SCR-LOT-S"]) == (96.5, 0.0)


def test_quantity_on_hand_goes_down_and_never_below_zero(db_url):
    line(db_url, "SN-1", "SN-2", started=["SN-1", "SN-2"])
    with unit_of_work(db_url) as s:
        olga = actor(s, "olga")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1")  # the BOM's 4
    after = state(db_url)
    assert (after["on_hand"]["M-001"], after["on_hand"]["SCR-LOT-1"]) == (0.0, 96.0)
    assert refused(db_url, "olga", execution.consume, serial="SN-2", operation=10, identifier="M-001") == [
        "lot M-001 has 0 on hand, not 1"]
    assert refused(db_url, "olga", execution.consume, serial="SN-1", operation=10, identifier="SCR-LOT-1",
                   quantity=1) == ["SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 4 already consumed, "
                                   "1 more is too many"]
    assert state(db_url) == after
    assert [e.after["on_hand_after"] for e in events(db_url, "material.consumed")][-2:] == [0.0, 96.0]


def test_a_lot_rejected_after_use_blocks_the_next_start(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        run_op10(s, "SN-1", "M-001")
    assert what_next(db_url, "SN-1")["blocked_by"] == []
    # No use case rejects an accepted lot already built in: do what a later finding would.
    with unit_of_work(db_url) as s:
        s.execute(update(MaterialLot).where(MaterialLot.lot_number == "SCR-LOT-1").values(status="rejected"))
    reason = "SN-1 contains lot SCR-LOT-1 (SCR-4), which is rejected, not accepted"
    assert what_next(db_url, "SN-1") == {"action": "start", "sequence": 20, "name": "Inspect", "blocked_by": [reason]}
    before = state(db_url)
    assert refused(db_url, "olga", execution.start_operation, serial="SN-1", operation=20) == [reason]
    assert state(db_url) == before


# ---------------------------------------------------------------- lists

def test_units_and_operation_records_are_listed_with_the_operation_in_work(db_url):
    line(db_url, "SN-3", "SN-1", "SN-2", started=["SN-1"])
    with unit_of_work(db_url, write=False) as s:
        olga = actor(s, "olga")
        rows = execution.search_units(s, olga, lot="l1").items
        in_work = execution.search_units(s, olga, lot="L1", status="in_work").items
        page = execution.search_units(s, olga, lot="L1", operation=10)
        records = execution.search_operation_records(s, olga, serial="sn-1")
    assert [(u.serial, u.position, u.status, u.operation) for u in rows] == [
        ("SN-3", 1, "planned", None), ("SN-1", 2, "in_work", "10 Assemble"), ("SN-2", 3, "planned", None)]
    assert [u.serial for u in in_work] == ["SN-1"]
    assert (page.total, [u.serial for u in page.items]) == (1, ["SN-1"])
    [record] = records.items
    assert (records.total, record.serial, record.started_by, record.tools, record.instruction, record.unit_status) == (
        1, "SN-1", "olga", ["TQ-1"], "WI-10 rev A", "in_work")


# ---------------------------------------------------------------- measurement import

HEADER = "serial,operation,characteristic,value,recorded_at,operator,gauge\n"


def _import_line(url):
    """SN-1 and SN-2 in operation 10 since two hours ago: the files' results lie within it."""
    line(url, "SN-1", "SN-2", "SN-3")
    for serial in ("SN-1", "SN-2"):
        start10(url, serial, at=utcnow() - timedelta(hours=2))


def test_a_good_file_imports(db_url):
    _import_line(db_url)
    at = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    text = HEADER + f"SN-1,10,TORQUE,2.01,{at.isoformat()},olga,G1\n" \
                    f"sn-2,Assemble,torque, 1.99 ,{at.isoformat().replace('+00:00', 'Z')},Oscar,\n"
    result = do(db_url, "admin", imports.import_measurements, text=text, source="station-4.csv")
    assert (result.rows, result.units, result.out_of_spec, result.holds, result.file) == (2, 2, 0, [], "station-4.csv")
    with unit_of_work(db_url, write=False) as s:
        rows = s.execute(select(Unit.serial, Measurement.value, Measurement.in_spec, Measurement.gauge,
                                Measurement.source, Measurement.recorded_at).join(Unit)
                         .where(Measurement.source == "import").order_by(Unit.serial)).all()
    assert rows == [("SN-1", 2.01, True, "G1", "import", at), ("SN-2", 1.99, True, None, "import", at)]
    ev = events(db_url, "measurements.imported")[0]
    assert ev.after["file"] == "station-4.csv" and ev.after["rows"] == 2 and ev.after["sha256"] == result.sha256
    assert state(db_url)["units"] == {"SN-1": "in_work", "SN-2": "in_work", "SN-3": "planned"}


def test_the_same_file_is_imported_once_unless_again_with_a_reason(db_url):
    """Before: the same file imported twice doubled the data."""
    _import_line(db_url)
    at = (utcnow() - timedelta(hours=1)).isoformat()
    text = HEADER + f"SN-1,10,TORQUE,2.01,{at},olga,G1\n"
    first = do(db_url, "admin", imports.import_measurements, text=text, source="station-4.csv")
    before = state(db_url)
    reasons = refused(db_url, "admin", imports.import_measurements, text=text, source="renamed.csv")
    assert reasons[0].startswith("renamed.csv was imported already (the same file as station-4.csv, 1 row, by "
                                 "admin on ")
    assert "to import it again, say so (--again, or again=true) and why (--reason)" in reasons[0]
    with pytest.raises(Invalid) as exc:
        do(db_url, "admin", imports.import_measurements, text=text, again=True)
    assert exc.value.reasons == ["importing the same file again needs a reason"]
    assert state(db_url) == before
    again = do(db_url, "admin", imports.import_measurements, text=text, again=True,
               reason="the station's clock was wrong; values re-sent")
    assert (again.again, again.sha256) == (True, first.sha256)
    assert state(db_url)["counts"]["measurement"] == before["counts"]["measurement"] + 1
    with unit_of_work(db_url, write=False) as s:
        assert s.execute(select(MeasurementImport.again_reason).order_by(MeasurementImport.id)).scalars().all() == [
            None, "the station's clock was wrong; values re-sent"]
    assert events(db_url, "measurements.imported")[-1].reason == "the station's clock was wrong; values re-sent"


def test_a_file_with_any_bad_row_changes_nothing_and_lists_every_bad_row(db_url):
    _import_line(db_url)
    ok = (utcnow() - timedelta(hours=1)).isoformat()
    future_at = utcnow() + timedelta(days=1)
    future = future_at.isoformat()
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
        f"SN-1,10,TORQUE,0_08,{ok},olga,",          # 16 not a plain decimal
    ]) + "\n"
    before = state(db_url)
    with pytest.raises(Invalid) as exc:
        do(db_url, "admin", imports.import_measurements, text=text)
    assert exc.value.reasons == [
        "measurements.csv: 13 bad row(s) of 14; nothing was imported",
        "line 2: no unit with serial 'SN-9'",
        "line 3: SN-1's routing has no characteristic 'WIDTH'",
        "line 4: TORQUE is measured at operation 10 (Assemble), not '30'",
        "line 5: operation 10 (Assemble) is not in work on SN-3",
        "line 6: TORQUE Screw torque needs a number, not 'abc'",
        "line 7: operation 20 (Inspect) is not in work on SN-1; VISUAL Visual inspection is pass/fail, not 'maybe'",
        "line 8: recorded_at '2026-03-01T14:05:00' has no time zone; write it like 2026-03-01T14:05:00Z",
        f"line 9: a result recorded at {future_at:%Y-%m-%d %H:%M} UTC is in the future",
        "line 10: recorded_at 'yesterday' is not an ISO 8601 date and time",
        "line 11: no user 'ghost'",
        "line 12: 5 fields, the header has 7",
        "line 15: no unit with serial 'SN-9'; recorded_at 'later' is not an ISO 8601 date and time; no user 'nobody'",
        "line 16: TORQUE Screw torque needs a number, not '0_08'",
    ]
    assert state(db_url) == before


def test_an_import_with_a_missing_header_column_or_no_rows_is_invalid(db_url):
    _import_line(db_url)
    with pytest.raises(Invalid) as exc:
        do(db_url, "admin", imports.import_measurements,
           text="serial,operation,characteristic,value,operator\nSN-1,10,TORQUE,2,olga\n")
    assert exc.value.reasons == ["measurements.csv: the header lacks column(s) recorded_at, gauge; expected serial, "
                                 "operation, characteristic, value, recorded_at, operator, gauge"]
    with pytest.raises(Invalid) as exc:
        do(db_url, "admin", imports.import_measurements, text=HEADER + "\n\n")
    assert exc.value.reasons == ["measurements.csv has no rows"]


def test_out_of_spec_rows_in_an_import_put_units_on_hold_and_a_held_unit_takes_no_more(db_url):
    _import_line(db_url)
    ok = (utcnow() - timedelta(minutes=5)).isoformat()
    text = HEADER + f"SN-1,10,TORQUE,2.0,{ok},olga,\nSN-2,10,TORQUE,1.5,{ok},oscar,G1\n"
    result = do(db_url, "admin", imports.import_measurements, text=text)
    reason = "TORQUE Screw torque measured 1.5 N·m, below the lower limit 1.8 N·m"
    assert result.out_of_spec == 1
    assert [(h.serial, h.line, h.reason, h.ncr) for h in result.holds] == [("SN-2", 3, reason, "NCR-000001")]
    assert state(db_url)["units"] == {"SN-1": "in_work", "SN-2": "on_hold", "SN-3": "planned"}
    with unit_of_work(db_url, write=False) as s:
        hold = s.execute(select(Hold)).scalar_one()
        assert (hold.unit.serial, hold.reason, hold.id) == ("SN-2", reason, result.holds[0].hold)
        assert s.get(Measurement, hold.measurement_id).in_spec is False
    assert events(db_url, "unit.held")[0].actor == "admin"
    with pytest.raises(Invalid) as exc:
        do(db_url, "admin", imports.import_measurements, text=HEADER + f"SN-2,10,TORQUE,2.0,{ok},oscar,\n")
    assert exc.value.reasons[1] == ("line 2: SN-2 is on hold; it takes no new work until the MRB's disposition "
                                    "releases it")
