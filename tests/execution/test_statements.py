"""The shop floor's statement budgets, counted (never timed): a unit run through an 8-operation routing
takes at most 8 statements to start an operation, record a result or complete one, audit trail
included, and its traveler at most 12; the lists take the same number whatever their size. The
routing and the phase policy are read once per process and kept (lrip.execution.setup)."""
import pytest
from sqlalchemy import event

from factory import actor, build_line
from lrip.catalog import service as catalog
from lrip.catalog.rules import CharacteristicSpec as C
from lrip.catalog.rules import OperationSpec as O
from lrip.db import engine_for, unit_of_work
from lrip.execution import service as execution
from lrip.program import service as program
from lrip.traveler import service as traveler

EIGHT = [
    O(10, "Assemble", "ASSY", 30, ("WI-10", "A"), ("torque driver",), "assembly",
      (C("TORQUE", "Screw torque", "variable", 2.0, 1.8, 2.2, "N·m", key=True),)),
    O(20, "Press", "ASSY", 10, ("WI-20", "A"), (), "assembly",
      (C("DEPTH", "Bearing depth", "variable", 4.5, 4.45, 4.55, "mm"), C("SEAT", "Seal seated", "attribute"))),
    O(30, "Mesh", "ASSY", 10, ("WI-20", "A"), (), "assembly",
      (C("BACKLASH", "Gear backlash", "variable", 0.08, 0.04, 0.12, "mm", key=True),)),
    O(40, "Motor", "ASSY", 10, ("WI-20", "A"), ("torque driver",), "assembly",
      (C("MTR-TQ", "Motor screw torque", "variable", 2.5, 2.2, 2.8, "N·m", key=True),)),
    O(50, "Wire", "ASSY", 10, ("WI-20", "A"), (), "assembly", (C("CONT", "Continuity", "attribute"),)),
    O(60, "Close", "ASSY", 10, ("WI-20", "A"), (), "assembly",
      (C("LEAK", "Leak rate", "variable", None, None, 0.5, "mbar·l/s"),)),
    O(70, "Test", "TEST", 20, ("WI-30", "A"), (), "test",
      (C("CURRENT", "No-load current", "variable", 1.0, 0.8, 1.2, "A", key=True),
       C("NOISE", "Noise", "variable", None, None, 45.0, "dB"))),
    O(80, "Pack", "ASSY", 5, ("WI-30", "A"), (), "assembly", (C("LABEL", "Label", "attribute"),)),
]
IN_SPEC = {"TORQUE": "2.0", "DEPTH": "4.5", "SEAT": "pass", "BACKLASH": "0.08", "MTR-TQ": "2.5", "CONT": "pass",
           "LEAK": "0.1", "CURRENT": "1.0", "NOISE": "40", "LABEL": "pass"}
BUDGET = 8
TRAVELER_BUDGET = 12


@pytest.fixture
def eight(db_url):
    """Lot L8 of the factory's program on an 8-operation routing (rev 2), with units SN-8 and more."""
    with unit_of_work(db_url) as s:
        build_line(s, lot_quantity=5)
        admin = actor(s, "admin")
        catalog.create_routing(s, admin, part="ACT-100", part_revision="A", revision="2", operations=EIGHT,
                               release=True)
        program.create_lot(s, admin, program="ACT", number="L8", planned_quantity=5, routing_revision="2")
        for n in range(1, 6):
            execution.create_unit(s, admin, lot="L8", serial=f"SN-8{n}")
    return db_url


class Counter:
    """Statements sent to the database by the work inside one unit of work (transaction control aside)."""

    def __init__(self, url: str):
        self.url, self.statements = url, []
        with unit_of_work(url, write=False) as s:
            self.olga = actor(s, "olga")

    def __call__(self, work, *, write=True):
        engine = engine_for(self.url)
        seen = []

        def count(_conn, _cursor, statement, *_):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with unit_of_work(self.url, write=write) as s:
                answer = work(s, self.olga)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        self.statements = seen
        return answer, len(seen)


def run_unit(counter: Counter, serial: str) -> dict[str, list[int]]:
    """SN through all 8 operations; the statements each action took, by kind."""
    counts = {"start": [], "measure": [], "consume": [], "complete": []}

    def keep(kind, work):
        _, n = counter(work)
        counts[kind].append(n)

    for op in EIGHT:
        tools = ["TQ-1"] if op.tool_kinds else []
        keep("start", lambda s, a: execution.start_operation(s, a, serial=serial, operation=op.sequence, tools=tools))
        if op.sequence == 10:
            for material in ("M-001", "SCR-LOT-1"):
                keep("consume", lambda s, a: execution.consume(s, a, serial=serial, operation=10, identifier=material))
        for c in op.characteristics:
            keep("measure", lambda s, a: execution.record_measurement(s, a, serial=serial, characteristic=c.code,
                                                                      result=IN_SPEC[c.code]))
        keep("complete", lambda s, a: execution.complete_operation(s, a, serial=serial, operation=op.sequence))
    return counts


def test_an_8_operation_unit_takes_at_most_8_statements_per_action(eight):
    counter = Counter(eight)
    counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)  # the routing is read once
    counts = run_unit(counter, "SN-81")
    assert max(counts["start"]) <= BUDGET, counts
    assert max(counts["measure"]) <= BUDGET, counts
    assert max(counts["complete"]) <= BUDGET, counts
    assert max(counts["consume"]) <= BUDGET, counts
    t, n = counter(lambda s, a: traveler.traveler(s, a, serial="SN-81"), write=False)
    assert t.status == "complete" and len(t.operations) == 8
    assert n <= TRAVELER_BUDGET, counter.statements


def test_the_traveler_costs_the_same_at_every_step(eight):
    counter = Counter(eight)
    counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)
    _, fresh = counter(lambda s, a: traveler.traveler(s, a, serial="SN-82"), write=False)
    run_unit(counter, "SN-82")
    _, done = counter(lambda s, a: traveler.traveler(s, a, serial="SN-82"), write=False)
    assert fresh <= done <= TRAVELER_BUDGET


def test_a_changed_setup_is_read_again_once(eight):
    """Superseding an instruction (what change control does when it implements a new revision: in LRIP a
    release outside a change request is refused) moves the setup version: the next action reads the routing
    again (a few statements more, once), and sees the change."""
    counter = Counter(eight)
    counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)
    _, warm = counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)
    with unit_of_work(eight) as s:
        admin = actor(s, "admin")
        catalog.supersede_document_revision(s, admin, number="WI-30", revision="A", reason="CR: rev B implemented")
    t, cold = counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)
    _, again = counter(lambda s, a: traveler.traveler(s, a, serial="SN-85"), write=False)
    assert [o.instruction_status for o in t.operations][-2:] == ["superseded", "superseded"]
    assert again == warm < cold <= warm + 5


def test_lists_take_the_same_statements_whatever_their_size(eight):
    counter = Counter(eight)
    counter(lambda s, a: execution.start_operation(s, a, serial="SN-81", operation=10, tools=["TQ-1"]))
    one = [counter(lambda s, a: execution.search_units(s, a, lot="L8", status="in_work"), write=False)[1],
           counter(lambda s, a: execution.search_operation_records(s, a, serial="SN-81"), write=False)[1]]
    for serial in ("SN-82", "SN-83", "SN-84"):
        counter(lambda s, a: execution.start_operation(s, a, serial=serial, operation=10, tools=["TQ-1"]))
    many = [counter(lambda s, a: execution.search_units(s, a, lot="L8"), write=False)[1],
            counter(lambda s, a: execution.search_operation_records(s, a, lot="L8"), write=False)[1]]
    assert one == many == [2, 3]
