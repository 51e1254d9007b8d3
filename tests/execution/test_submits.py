"""A station's submits (SQLite and PostgreSQL): the results of an operation in one, a kit of material in one,
an operation done in one (a test stand's run, a paper traveler entered after the fact); each checked by the
rules of its own action, all or nothing; and what one unit of work keeps of what the floor read
(lrip.execution.kept), read again as soon as anything else writes."""
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from factory import TODAY, actor, run_op10
from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.catalog import service as catalog
from lrip.db import engine_for, unit_of_work, utcnow
from lrip.errors import Forbidden, Invalid, NotFound, Refused
from lrip.execution import service as execution
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit, WorkInterval
from lrip.execution.rules import MaterialEntry, ResultEntry
from lrip.supply.models import MaterialLot

from execution.test_service import do, events, line, refused, state, unit_row


def at_op30(url, serial="SN-1"):
    """`serial` with operations 10 and 20 done and 30 (Test: CURRENT, NOISE; skill test) started."""
    with unit_of_work(url) as s:
        run_op10(s, serial, "M-001")
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial=serial, operation=20)
        execution.record_measurement(s, olga, serial=serial, characteristic="VISUAL", result="pass")
        execution.complete_operation(s, olga, serial=serial, operation=20)
        execution.start_operation(s, olga, serial=serial, operation=30)


# ---------------------------------------------------------------- the results of an operation

def test_the_results_of_an_operation_go_in_one_submit_and_one_audit_event(db_url):
    line(db_url, "SN-1")
    at_op30(db_url)
    before = len(events(db_url))
    done = do(db_url, "olga", execution.record_results, serial="SN-1", operation=30,
              results=[ResultEntry("CURRENT", "1.02"), ResultEntry("noise", "41")])
    assert (done.operation, done.unit_status, done.on_hold, done.ncrs) == (30, "in_work", False, [])
    assert [(r.characteristic, r.value, r.in_spec) for r in done.results] == [("CURRENT", 1.02, True),
                                                                               ("NOISE", 41.0, True)]
    added = events(db_url)[before:]
    assert [(e.action, e.after["operation"], [r["characteristic"] for r in e.after["results"]]) for e in added] == [
        ("measurements.recorded", 30, ["CURRENT", "NOISE"])]
    assert set(added[0].records["measurement"][1]) == {str(r.id) for r in _measurements(db_url, "SN-1", 30)}
    do(db_url, "olga", execution.complete_operation, serial="SN-1", operation=30)
    assert unit_row(db_url, "SN-1").status == "complete"


def _measurements(url, serial, sequence) -> list[Measurement]:
    from lrip.catalog.models import Characteristic, Operation
    with unit_of_work(url, write=False) as s:
        return list(s.execute(select(Measurement).join(Unit).join(Characteristic).join(Operation).where(
            Unit.serial == serial, Operation.sequence == sequence)).scalars())


def test_a_submit_with_any_bad_result_records_none_and_says_every_reason(db_url):
    line(db_url, "SN-1")
    at_op30(db_url)
    before = state(db_url)
    reasons = refused(db_url, "olga", execution.record_results, serial="SN-1", operation=30,
                      results=[ResultEntry("CURRENT", "1.0", at=utcnow() + timedelta(hours=2)),
                               ResultEntry("NOISE", "40"), ResultEntry("TORQUE", "2.0"), ResultEntry("VISUAL", "pass")])
    assert reasons[0].startswith("a result recorded at") and reasons[0].endswith("is in the future")
    assert reasons[1:] == ["TORQUE is measured at operation 10 (Assemble), not at 30 (Test)",
                           "VISUAL is measured at operation 20 (Inspect), not at 30 (Test)"]
    with pytest.raises(Invalid, match="CURRENT No-load current needs a number, not 'lots'"):
        do(db_url, "olga", execution.record_results, serial="SN-1", operation=30,
           results=[ResultEntry("NOISE", "40"), ResultEntry("CURRENT", "lots")])
    with pytest.raises(Invalid, match="at least one result"):
        do(db_url, "olga", execution.record_results, serial="SN-1", operation=30, results=[])
    assert state(db_url) == before


def test_each_result_out_of_spec_in_a_submit_raises_its_ncr_and_the_unit_is_held(db_url):
    line(db_url, "SN-1")
    at_op30(db_url)
    done = do(db_url, "olga", execution.record_results, serial="SN-1", operation=30,
              results=[ResultEntry("CURRENT", "1.5"), ResultEntry("NOISE", "44"), ResultEntry("NOISE", "50")])
    assert (done.unit_status, done.on_hold, len(done.ncrs)) == ("on_hold", True, 2)
    assert [(r.characteristic, r.in_spec, r.ncr is not None) for r in done.results] == [
        ("CURRENT", False, True), ("NOISE", True, False), ("NOISE", False, True)]
    assert len(_measurements(db_url, "SN-1", 30)) == 3  # the one in spec too: the station took it
    assert refused(db_url, "olga", execution.record_results, serial="SN-1", operation=30,
                   results=[ResultEntry("NOISE", "40")]) == [
        "SN-1 is on hold; it takes no new work until the MRB's disposition releases it"]


# ---------------------------------------------------------------- a kit of material

def test_a_kit_goes_in_one_submit_each_counted_after_the_one_before(db_url):
    line(db_url, "SN-1", "SN-2", started=["SN-1", "SN-2"])
    before = state(db_url)
    # 4 screws a unit: 3 + 2 of them is too many, and a motor taken twice is the same lot twice
    reasons = refused(db_url, "olga", execution.consume_materials, serial="SN-1", operation=10,
                      materials=[MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 3), MaterialEntry("SCR-LOT-1", 2),
                                 MaterialEntry("M-002")])
    assert reasons == ["SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 3 already consumed, 2 more is too many",
                       "SN-1 needs 1 of MTR-1 at operation 10 (Assemble); 1 already consumed, 1 more is too many"]
    with pytest.raises(NotFound) as missing:
        do(db_url, "olga", execution.consume_materials, serial="SN-1", operation=10,
           materials=[MaterialEntry("NOPE-1"), MaterialEntry("M-001"), MaterialEntry("NOPE-2")])
    assert missing.value.reasons == ["No material lot or serial NOPE-1", "No material lot or serial NOPE-2"]
    assert state(db_url) == before
    done = do(db_url, "olga", execution.consume_materials, serial="SN-1", operation=10,
              materials=[MaterialEntry("m-001"), MaterialEntry("SCR-LOT-1", 3), MaterialEntry("SCR-LOT-1")])
    assert [(c.material, c.quantity, c.on_hand_after) for c in done.consumed] == [
        ("M-001", 1.0, 0.0), ("SCR-LOT-1", 3.0, 97.0), ("SCR-LOT-1", 1.0, 96.0)]  # the last: what the BOM still needs
    [kit] = events(db_url, "materials.consumed")
    assert [m["material"] for m in kit.after["materials"]] == ["M-001", "SCR-LOT-1", "SCR-LOT-1"]
    with unit_of_work(db_url, write=False) as s:
        assert s.scalar(select(MaterialLot.quantity_on_hand).where(MaterialLot.lot_number == "SCR-LOT-1")) == 96.0
        assert len(s.execute(select(Consumption).join(Unit, Unit.id == Consumption.unit_id)
                             .where(Unit.serial == "SN-1")).all()) == 3


# ---------------------------------------------------------------- an operation in one submit

def test_an_operation_done_is_entered_in_one_submit(db_url):
    line(db_url, "SN-1")
    started = utcnow() - timedelta(hours=3)
    done = do(db_url, "olga", execution.record_operation, serial="SN-1", operation=10, tools=["TQ-1"],
              materials=[MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)],
              results=[ResultEntry("TORQUE", "2.05", "G1", started + timedelta(minutes=20))],
              started_at=started, completed_at=started + timedelta(minutes=42))
    assert (done.status, done.unit_status, done.started_by, done.completed_by, done.tools) == (
        "complete", "in_work", "olga", "olga", ["TQ-1"])
    assert done.cycle_minutes == pytest.approx(42.0)
    assert [c.material for c in done.consumed] == ["M-001", "SCR-LOT-1"] and done.results[0].in_spec
    [entered] = events(db_url, "operation.recorded")
    assert (entered.record_id, entered.before, entered.after["completed"], entered.after["attempt"]) == (
        "SN-1", {"status": "planned"}, True, 1)
    assert set(entered.records) >= {"operation_record", "measurement", "consumption", "unit", "material_lot"}
    with unit_of_work(db_url, write=False) as s:
        record = s.execute(select(OperationRecord).join(Unit).where(Unit.serial == "SN-1")).scalar_one()
        assert (record.started_at, record.completed_at) == (started, started + timedelta(minutes=42))
        [interval] = s.execute(select(WorkInterval).where(WorkInterval.operation_record_id == record.id)).scalars()
        assert (interval.started_at, interval.ended, interval.worked_by_id) == (started, "completed", record.started_by_id)
    nxt = do(db_url, "olga", execution.start_operation, serial="SN-1", operation=20)
    assert nxt.operation == 20


def test_a_result_out_of_spec_leaves_the_operation_in_work_and_the_unit_on_hold(db_url):
    line(db_url, "SN-1")
    done = do(db_url, "olga", execution.record_operation, serial="SN-1", operation=10, tools=["TQ-1"],
              materials=[MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)],
              results=[ResultEntry("TORQUE", "2.5", "G1")])
    assert (done.status, done.unit_status, done.completed_at, len(done.ncrs)) == ("in_work", "on_hold", None, 1)
    assert done.results[0].ncr == done.ncrs[0]
    assert events(db_url, "operation.recorded")[0].after["completed"] is False


def test_a_submit_refused_at_any_step_changes_nothing(db_url):
    line(db_url, "SN-1", "SN-2")
    do(db_url, "olga", execution.record_operation, serial="SN-2", operation=10, tools=["TQ-1"],
       materials=[MaterialEntry("M-002"), MaterialEntry("SCR-LOT-1", 4)], results=[ResultEntry("TORQUE", "2.0")])
    before = state(db_url)
    cases = [
        ({"tools": ["TQ-OLD"]}, Refused, f"tool TQ-OLD calibration expired on {TODAY - timedelta(days=1)}"),
        ({"tools": ["TQ-1"], "materials": [MaterialEntry("M-002")]}, Refused, "lot M-002 has 0 on hand, not 1"),
        ({"tools": ["TQ-1"], "materials": [MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)]}, Refused,
         "Operation 10 (Assemble) needs a result for TORQUE Screw torque"),
        ({"tools": ["TQ-1"], "materials": [MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)],
          "results": [ResultEntry("TORQUE", "two")]}, Invalid, "needs a number"),
        ({"tools": ["TQ-1"], "started_at": utcnow() + timedelta(hours=1)}, Refused, "is in the future"),
    ]
    for kw, error, words in cases:
        with pytest.raises(error) as exc:
            do(db_url, "olga", execution.record_operation, serial="SN-1", operation=10, **kw)
        assert any(words in reason for reason in exc.value.reasons), (kw, exc.value.reasons)
    assert state(db_url) == before


def test_entering_an_operation_needs_every_permission_its_steps_need(db_url):
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        create_user(s, actor(s, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"])
    with pytest.raises(Forbidden):
        do(db_url, "vera", execution.record_operation, serial="SN-1", operation=10, tools=["TQ-1"])
    with pytest.raises(Forbidden):
        do(db_url, "quinn", execution.record_operation, serial="SN-1", operation=10, tools=["TQ-1"])


def test_the_submits_over_http(db_url):
    line(db_url, "SN-1", "SN-2")
    with unit_of_work(db_url) as s:
        token = create_token(s, actor(s, "admin"), username="olga", name="station").token
    client, olga = TestClient(create_app(db_url)), {"Authorization": f"Bearer {token}"}
    started = (utcnow() - timedelta(hours=1)).isoformat()
    r = client.post("/api/v1/units/SN-1/operations/10/record", headers=olga, json={
        "tools": ["TQ-1"], "materials": [{"material": "M-001"}, {"material": "SCR-LOT-1", "quantity": 4}],
        "results": [{"characteristic": "TORQUE", "value": 2.01, "gauge": "G1"}], "started_at": started})
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["consumed"][1]["on_hand_after"]) == ("complete", 96.0)
    r = client.post("/api/v1/units/SN-2/operations/10/start", headers=olga, json={"tools": ["TQ-1"]})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/units/SN-2/operations/10/materials", headers=olga,
                    json={"materials": [{"material": "M-002"}, {"material": "SCR-LOT-1"}]})
    assert r.status_code == 201 and [c["quantity"] for c in r.json()["consumed"]] == [1.0, 4.0], r.text
    r = client.post("/api/v1/units/SN-2/operations/10/results", headers=olga,
                    json={"results": [{"characteristic": "TORQUE", "value": "2.6"}]})
    assert r.status_code == 201 and r.json()["on_hold"] and len(r.json()["ncrs"]) == 1, r.text
    r = client.post("/api/v1/units/SN-2/operations/10/results", headers=olga, json={"results": []})
    assert r.status_code == 422 and "at least one result" in r.text


# ---------------------------------------------------------------- what a unit of work keeps

class Statements:
    def __init__(self, url):
        self.engine, self.seen = engine_for(url), []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_):
        self.seen.append(statement)

    def since(self, mark: int) -> list[str]:
        return [s for s in self.seen[mark:] if s.lstrip().upper().startswith("SELECT")]


def test_a_unit_of_work_reads_a_units_context_once_while_only_the_floor_writes(db_url):
    """Before: every use case read the unit's context, its tools, its gauges and the operator's qualification
    again, though only the floor had written since."""
    line(db_url, "SN-1")
    with Statements(db_url) as counted, unit_of_work(db_url) as s:
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial="SN-1", operation=10, tools=["TQ-1"])
        mark = len(counted.seen)
        execution.consume_materials(s, olga, serial="SN-1", operation=10,
                                    materials=[MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)])
        execution.record_measurement(s, olga, serial="sn-1", characteristic="TORQUE", result="2.0", gauge="G1")
        execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.1", gauge="G1")
        execution.complete_operation(s, olga, serial="SN-1", operation=10)
        execution.record_operation(s, olga, serial="SN-1", operation=20, results=[ResultEntry("VISUAL", "pass")])
        done = execution.record_operation(s, olga, serial="SN-1", operation=30, results=[
            ResultEntry("CURRENT", "1.0", "G1"), ResultEntry("NOISE", "40", "G1")])
        reads = counted.since(mark)
    assert (done.status, done.unit_status) == ("complete", "complete")
    # the lots (locked), the gauge, and olga's qualification for the test: each once; the context never
    assert len(reads) == 3, reads
    assert ["material_lot" in reads[0], "tool_calibration" in reads[1], "qualification" in reads[2]] == [True] * 3


def test_what_another_area_writes_is_read_again(db_url):
    """A gauge recalibrated (catalog writes) in the same unit of work as two results: the second result
    sees its new calibration; a lot quarantined by supply is seen by the next start."""
    line(db_url, "SN-1")
    with unit_of_work(db_url) as s:
        olga, admin = actor(s, "olga"), actor(s, "admin")
        execution.start_operation(s, olga, serial="SN-1", operation=10, tools=["TQ-1"])
        execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.0", gauge="G1")
        catalog.calibrate_tool(s, admin, code="G1", due=TODAY - timedelta(days=1), certificate="CAL-LATE",
                               calibrated_on=TODAY - timedelta(days=30))
        with pytest.raises(Refused, match="gauge G1 was out of calibration"):
            execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.0", gauge="G1")


def test_an_operation_in_one_submit_costs_what_two_actions_do(db_url):
    """Entered in one submit, operation 10 (start with a tool, two materials, a result, complete) takes no
    more statements than two of its actions one at a time (test_statements.BUDGET each), against five."""
    from execution.test_statements import BUDGET

    line(db_url, "SN-1", "SN-2")
    with unit_of_work(db_url, write=False) as s:
        olga = actor(s, "olga")

    def counted(work) -> int:
        with Statements(db_url) as seen, unit_of_work(db_url) as s:
            work(s)
        return len([x for x in seen.seen if not x.startswith(("BEGIN", "COMMIT"))])

    steps = [counted(lambda s: execution.start_operation(s, olga, serial="SN-2", operation=10, tools=["TQ-1"])),
             counted(lambda s: execution.consume(s, olga, serial="SN-2", operation=10, identifier="M-002")),
             counted(lambda s: execution.consume(s, olga, serial="SN-2", operation=10, identifier="SCR-LOT-1",
                                                 quantity=4)),
             counted(lambda s: execution.record_measurement(s, olga, serial="SN-2", characteristic="TORQUE",
                                                            result="2.0", gauge="G1")),
             counted(lambda s: execution.complete_operation(s, olga, serial="SN-2", operation=10))]
    entered = counted(lambda s: execution.record_operation(
        s, olga, serial="SN-1", operation=10, tools=["TQ-1"], results=[ResultEntry("TORQUE", "2.0", "G1")],
        materials=[MaterialEntry("M-001"), MaterialEntry("SCR-LOT-1", 4)]))
    assert entered <= 2 * BUDGET < sum(steps), (entered, steps)
