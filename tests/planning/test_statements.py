"""The shortage report takes the same statements however long the plan, however deep the BOM and
however many parts, lots, units and orders (counted, never timed: bench/shortages.py times it)."""
from datetime import date, timedelta

from factory import actor
from lrip.catalog import service as catalog
from lrip.execution import service as execution
from lrip.planning.service import monday, shortages
from lrip.program import service as program
from lrip.supply import service as supply
from reading import counting

TODAY = date.today()
W0 = monday(TODAY)


def grow(session) -> None:
    """Ten more FRP weeks, a second open lot with a started unit, a made gearbox with its own BOM
    (GBX → GEAR → PIN: two levels more), and three more open orders."""
    admin, petra, olga = actor(session, "admin"), actor(session, "petra"), actor(session, "olga")
    for week in range(4, 14):
        program.plan_starts(session, admin, program="ACT", period_start=W0 + timedelta(weeks=week),
                            planned_starts=5, phase="frp")
    program.create_lot(session, petra, program="ACT", number="L2", planned_quantity=5, routing_revision="1")
    program.plan_starts(session, admin, program="ACT", period_start=W0 + timedelta(weeks=1), planned_starts=3,
                        phase="lrip", lot="L2")
    execution.create_unit(session, admin, lot="L2", serial="SN-21")
    execution.start_operation(session, olga, serial="SN-21", operation=10, tools=["TQ-1"])
    for number in ("GBX", "GEAR", "PIN"):
        catalog.create_part(session, admin, number=number, description=number.title(), tracking="lot")
    for parent, child in (("GBX", "GEAR"), ("GEAR", "PIN")):
        catalog.add_part_revision(session, admin, number=parent, revision="A", release=True)
        catalog.add_bom_line(session, admin, parent=parent, revision="A", child=child, quantity=3,
                             operation_sequence=10)
    catalog.add_bom_line(session, admin, parent="ACT-100", revision="A", child="GBX", quantity=1, operation_sequence=20)
    for k in range(3):
        supply.create_purchase_order(session, admin, number=f"PO-{10 + k}", supplier="SUP-M", ordered_on=TODAY)
        supply.add_order_line(session, admin, po=f"PO-{10 + k}", part="SCR-4", quantity=40,
                              promised_on=W0 + timedelta(weeks=4 + k))
    session.commit()


def test_a_longer_plan_and_a_deeper_bom_take_the_same_statements(planned):
    petra = actor(planned, "petra")
    with counting(planned) as small:
        before = shortages(planned, petra, program="ACT", use_observed_lateness=True)
    grow(planned)
    with counting(planned) as large:
        after = shortages(planned, petra, program="ACT", use_observed_lateness=True)
    assert (before.weeks, after.weeks) == (4, 14) and "PIN" in {p.part for p in after.parts}
    assert len(large) == len(small) <= 12
