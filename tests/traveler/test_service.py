"""The traveler: a unit's as-built record, its holds with their NCRs, what each operation inspects and why,
and what blocks the next step; the same answer on the API and the CLI (test_entry_points.py)."""
from datetime import timedelta

import pytest

from factory import actor, build_line, run_op10
from lrip.catalog import service as catalog
from lrip.db import unit_of_work, utcnow
from lrip.errors import NotFound
from lrip.execution import service as execution
from lrip.traveler import service as traveler


@pytest.fixture
def url(db_url):
    with unit_of_work(db_url) as s:
        build_line(s, instruction_released=False)
        execution.create_unit(s, actor(s, "admin"), lot="L1", serial="SN-1")
    return db_url


def read(url, serial="SN-1", who="olga"):
    with unit_of_work(url, write=False) as s:
        return traveler.traveler(s, actor(s, who), serial=serial)


def release_instructions(url):
    with unit_of_work(url) as s:
        for number in ("WI-10", "WI-20", "WI-30"):
            catalog.release_document_revision(s, actor(s, "admin"), number=number, revision="A")


def test_the_traveler_says_why_the_next_operation_cannot_start_until_it_can(url):
    t = read(url)
    assert (t.serial, t.status, t.lot, t.position, t.phase, t.program, t.part, t.routing_revision) == (
        "SN-1", "planned", "L1", 1, "lrip", "ACT", "ACT-100", "1")
    assert t.next.model_dump() == {"action": "start", "sequence": 10, "name": "Assemble", "blocked_by": [
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft"]}
    assert [(o.sequence, o.instruction_status, o.status) for o in t.operations] == [
        (10, "draft", "pending"), (20, "draft", "pending"), (30, "draft", "pending")]
    assert [(m.part, m.quantity) for m in t.operations[0].materials] == [("MTR-1", 1.0), ("SCR-4", 4.0)]
    assert [(c.code, c.key, c.required, c.inspection) for c in t.operations[2].characteristics] == [
        ("CURRENT", True, True, "100%: the LRIP policy inspects every characteristic"),
        ("NOISE", False, True, "100%: the LRIP policy inspects every characteristic")]
    release_instructions(url)  # the released routing kept in memory is read again
    assert read(url).next.blocked_by == []


def test_the_as_built_record_has_every_attempt_result_part_and_hold(url):
    release_instructions(url)
    start = utcnow() - timedelta(minutes=30)
    with unit_of_work(url) as s:
        olga = actor(s, "olga")
        execution.start_operation(s, olga, serial="SN-1", operation=10, tools=["TQ-1"], at=start)
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="M-001")
        execution.consume(s, olga, serial="SN-1", operation=10, identifier="SCR-LOT-1")
        execution.record_measurement(s, olga, serial="SN-1", characteristic="TORQUE", result="2.5", gauge="G1")
    t = read(url, "sn-1", who="oscar")
    [attempt] = t.operations[0].attempts
    assert (attempt.status, attempt.started_by, attempt.tools, attempt.instruction) == (
        "in_work", "olga", ["TQ-1"], "WI-10 rev A")
    assert [(m.characteristic, m.value, m.in_spec, m.gauge, m.recorded_by) for m in attempt.measurements] == [
        ("TORQUE", 2.5, False, "G1", "olga")]
    assert [(c.kind, c.identifier, c.part, c.quantity, c.supplier) for c in attempt.consumed] == [
        ("serial", "M-001", "MTR-1", 1.0, "SUP-M"), ("lot", "SCR-LOT-1", "SCR-4", 4.0, "SUP-M")]
    [hold] = t.holds
    assert (hold.reason, hold.open, hold.ncr) == (
        "TORQUE Screw torque measured 2.5 N·m, above the upper limit 2.2 N·m", True, "NCR-000001")
    assert (t.status, t.next.action, t.next.blocked_by) == ("on_hold", "complete", ["SN-1 is on hold"])


def test_the_complete_record_and_the_instruction_text(url):
    release_instructions(url)
    with unit_of_work(url) as s:
        run_op10(s, "SN-1", "M-002")
    t = read(url)
    assert (t.operations[0].status, t.next.action, t.next.sequence) == ("complete", "start", 20)
    with unit_of_work(url, write=False) as s:
        text = traveler.instruction(s, actor(s, "olga"), serial="SN-1", operation=20)
    assert (text.label, text.status, text.title, text.content) == (
        "WI-20 rev A", "released", "Instruction WI-20", "Do WI-20 carefully.")


def test_an_unknown_serial_is_not_found(url):
    with pytest.raises(NotFound) as exc:
        read(url, "SN-404")
    assert exc.value.reasons == ["No unit with serial SN-404"]
