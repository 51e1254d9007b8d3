"""Material received against a purchase order reaches the traveler only once incoming inspection
accepts it (LRIP policy), and its quantity on hand goes down as it is built in, never below zero."""
from datetime import date, timedelta

import pytest

from factory import actor, build_line
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.supply import service as supply

TODAY = date.today()


def test_a_po_receipt_is_usable_only_once_accepted_and_never_below_zero(session):
    build_line(session, phase="lrip")
    admin, olga = actor(session, "admin"), actor(session, "olga")
    supply.place_order(session, admin, number="PO-1", supplier="SUP-M", ordered_on=TODAY - timedelta(days=10),
                       lines=[("SCR-4", 6, TODAY), ("SCR-4", 6, TODAY)])
    supply.receive(session, admin, po="PO-1", line=1, quantity=6, lot_number="SCR-PO-A")
    supply.receive(session, admin, po="PO-1", line=2, quantity=6, lot_number="SCR-PO-B")
    for serial in ("SN-1", "SN-2"):
        execution.create_unit(session, admin, lot="L1", serial=serial)
        execution.start_operation(session, olga, serial=serial, operation=10, tools=["TQ-1"])
    with pytest.raises(Refused) as refused:
        execution.consume(session, olga, serial="SN-1", operation=10, identifier="SCR-PO-A", quantity=4)
    assert refused.value.reasons == ["cannot use lot SCR-PO-A (SCR-4), which is quarantine, not accepted"]

    supply.inspect_receipt(session, admin, lot_number="SCR-PO-A", defects=0)
    rejected = supply.inspect_receipt(session, admin, lot_number="SCR-PO-B", defects=1)  # 100%: rejected, NCR
    assert rejected.result == "rejected" and rejected.ncr
    execution.consume(session, olga, serial="SN-1", operation=10, identifier="SCR-PO-A", quantity=4)
    # SCR-LOT-1 (100) and the 2 left of SCR-PO-A; not SCR-LOT-X (accepted, but SUP-X is no approved source)
    assert supply.accepted_on_hand(session)["SCR-4"] == 102
    with pytest.raises(Refused) as refused:
        execution.consume(session, olga, serial="SN-2", operation=10, identifier="SCR-PO-A", quantity=4)
    assert refused.value.reasons == ["lot SCR-PO-A has 2 on hand, not 4"]
    with pytest.raises(Refused) as refused:
        execution.consume(session, olga, serial="SN-2", operation=10, identifier="SCR-PO-B", quantity=1)
    assert refused.value.reasons == ["cannot use lot SCR-PO-B (SCR-4), which is rejected, not accepted"]
    execution.consume(session, olga, serial="SN-2", operation=10, identifier="SCR-PO-A", quantity=2)
    assert supply.get_receipt(session, "SCR-PO-A").material_lot.quantity_on_hand == 0
