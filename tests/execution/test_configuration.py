"""Issue 13, configuration on every record: consumption checks the revision of the lot against the revision
the unit is built with (the effectivity of implemented changes), refuses obsolete stock with its reason unless
an MRB use-as-is on an NCR naming the lot lets it in, and the as-built record shows the revisions."""
import pytest

from changeover import PASSWORD, SECOND_ENGINEER, change_part, engineers, next_lot, receive_screws
from factory import ADMIN, PM, PM_PASSWORD, QE, QE_PASSWORD, actor, build_line
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.nonconformance import mrb
from lrip.nonconformance import ncr as ncrs
from lrip.traveler import service as traveler


@pytest.fixture
def line(session):
    """The factory line in LRIP; SN-1 of lot L1 started on operation 10 before anything changed."""
    build_line(session)
    engineers(session)
    admin = actor(session, ADMIN)
    for serial in ("SN-1", "SN-2"):
        execution.create_unit(session, admin, lot="L1", serial=serial)
    execution.start_operation(session, actor(session, "olga"), serial="SN-1", operation=10, tools=["TQ-1"])
    return session


def _start(session, serial: str, lot: str = "L2") -> None:
    execution.create_unit(session, actor(session, ADMIN), lot=lot, serial=serial)
    execution.start_operation(session, actor(session, "olga"), serial=serial, operation=10, tools=["TQ-1"])


def _consume(session, serial: str, lot: str):
    return execution.consume(session, actor(session, "olga"), serial=serial, operation=10, identifier=lot, quantity=4)


def test_after_a_next_lot_change_rev_a_stock_is_refused_for_the_next_lot_with_its_reason(line):
    """Today, after CR-0003 released HSG-200 rev B and made rev A obsolete, rev-A stock was consumed anyway."""
    number = change_part(line, effectivity="next_lot")
    next_lot(line)
    _start(line, "SN-20")
    with pytest.raises(Refused) as refused:
        _consume(line, "SN-20", "SCR-LOT-1")
    assert refused.value.reasons == [
        "cannot use lot SCR-LOT-1 (SCR-4 rev A, obsolete): SN-20 is built with rev B; only an MRB use-as-is on an "
        "NCR naming lot SCR-LOT-1 lets it in"]
    receive_screws(line, "SCR-LOT-B", "B")
    assert _consume(line, "SN-20", "SCR-LOT-B").revision == "B"
    # the open lot keeps what it was building with until it closes: rev A in, rev B refused
    assert _consume(line, "SN-1", "SCR-LOT-1").revision == "A"
    execution.start_operation(line, actor(line, "olga"), serial="SN-2", operation=10, tools=["TQ-1"])
    with pytest.raises(Refused, match=f"SN-2 is built with rev A \\(lot L1 keeps it under {number}\\)"):
        _consume(line, "SN-2", "SCR-LOT-B")


def test_a_change_from_a_serial_splits_the_open_lot(line):
    change_part(line, effectivity="from_serial", serial="SN-2")
    receive_screws(line, "SCR-LOT-B", "B")
    execution.start_operation(line, actor(line, "olga"), serial="SN-2", operation=10, tools=["TQ-1"])
    assert _consume(line, "SN-1", "SCR-LOT-1").revision == "A"  # before the serial: the old revision
    with pytest.raises(Refused, match="SN-2 is built with rev B"):
        _consume(line, "SN-2", "SCR-LOT-1")
    assert _consume(line, "SN-2", "SCR-LOT-B").revision == "B"


def test_an_mrb_use_as_is_on_the_lot_lets_obsolete_stock_in_and_the_as_built_record_says_so(line):
    change_part(line, effectivity="next_lot")
    receive_screws(line, "SCR-LOT-A2", "A")  # the supplier shipped old stock after the change
    next_lot(line)
    _start(line, "SN-20")
    with pytest.raises(Refused, match="SCR-4 rev A, obsolete"):
        _consume(line, "SN-20", "SCR-LOT-A2")
    quality = actor(line, QE)
    raised = ncrs.raise_ncr(line, quality, material_lot="SCR-LOT-A2", severity="minor", defect_code="WRONG-PART",
                            description="SCR-4 rev A received after rev B was released")
    mrb.review(line, quality, number=raised.number, action="use_as_is",
               reason="Rev A and rev B screws differ only in the thread lock patch; form, fit and function the same")
    for who, password in ((QE, QE_PASSWORD), (SECOND_ENGINEER, PASSWORD), (PM, PM_PASSWORD)):
        mrb.sign_disposition(line, actor(line, who), number=raised.number, password=password)
    mrb.disposition(line, quality, number=raised.number)
    consumed = _consume(line, "SN-20", "SCR-LOT-A2")
    assert (consumed.revision, consumed.use_as_is) == ("A", raised.number)
    built = traveler.traveler(line, actor(line, "olga"), serial="SN-20").operations[0].attempts[0].consumed
    assert [(c.identifier, c.revision, c.use_as_is) for c in built] == [("SCR-LOT-A2", "A", raised.number)]
