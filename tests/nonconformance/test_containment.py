"""Containment (issue 13): an NCR on a material lot puts every unit built from it that is not scrapped on hold
under that NCR, at any depth of the genealogy (the wire lot is in a motor that is in an actuator), complete
units too; the NCR lists them, and the MRB dispositions them together or one by one.

The scene is tests/genealogy.py: WIRE-LOT-1 → motor MTR-S01 → actuator SN-TOP (complete), SCR-LOT-1 → SN-TOP
and SN-2 (in work after operation 10)."""
import pytest
from sqlalchemy import event, func, select

from factory import actor
from genealogy import build_genealogy
from lrip.auth.service import create_user, set_password
from lrip.errors import Refused
from lrip.execution import service as execution
from lrip.execution.genealogy import units_built_from
from lrip.execution.models import Unit
from lrip.nonconformance import mrb, ncr
from lrip.nonconformance.models import Hold
from lrip.supply.models import MaterialLot

PASSWORD = "mrb-signs-here-2026"
MRB = [("eli", "Eli Engineer", ["manufacturing_engineer"]), ("pam", "Pam Program", ["program_manager"]),
       ("ivy", "Ivy Inspector", ["inspector"])]


@pytest.fixture
def scene(session):
    build_genealogy(session)
    admin = actor(session, "admin")
    for username, name, roles in MRB:
        create_user(session, admin, username=username, full_name=name, roles=roles, password=PASSWORD)
    set_password(session, admin, username="quinn", password=PASSWORD)  # the factory's quality engineer
    return session


def statuses(session) -> dict[str, str]:
    """The scene's units (the factory's pilot unit is built from lots of its own)."""
    return dict(session.execute(select(Unit.serial, Unit.status).where(
        Unit.serial.in_(("MTR-S01", "SN-TOP", "SN-2")))).all())


def raise_on(session, lot: str, severity: str = "minor"):
    return ncr.raise_ncr(session, actor(session, "ivy"), material_lot=lot, severity=severity, defect_code="INCOMING",
                         description=f"Supplier notice: {lot} out of its material specification")


def test_an_ncr_on_a_material_lot_holds_every_unit_built_from_it_at_any_depth(scene):
    """SN200-0075 and SN200-0077 stayed in work after their housing lot's NCR: no longer."""
    assert statuses(scene) == {"MTR-S01": "complete", "SN-TOP": "complete", "SN-2": "in_work"}
    d = raise_on(scene, "WIRE-LOT-1")
    assert statuses(scene) == {"MTR-S01": "on_hold", "SN-TOP": "on_hold", "SN-2": "in_work"}
    assert [(c.serial, c.lot, c.status, c.held) for c in d.contained] == [
        ("MTR-S01", "MTR-L1", "on_hold", True), ("SN-TOP", "L1", "on_hold", True)]
    assert {h.serial: h.ncr for h in d.holds} == {"MTR-S01": d.number, "SN-TOP": d.number}
    assert d.holds[0].reason.startswith(f"{d.number}: contained, built with material lot WIRE-LOT-1 (WIRE-2)")
    assert scene.execute(select(MaterialLot.status).filter_by(lot_number="WIRE-LOT-1")).scalar_one() == "quarantine"
    # the held units take no new work until the MRB decides
    with pytest.raises(Refused, match="on hold"):
        execution.start_operation(scene, actor(scene, "olga"), serial="SN-TOP", operation=30)


def test_a_unit_in_work_is_held_and_scrapped_units_are_left_alone(scene):
    quinn = actor(scene, "quinn")
    ncr.raise_ncr(scene, actor(scene, "ivy"), serial="SN-2", severity="major", defect_code="DAMAGE",
                  description="Dropped at operation 20")
    mrb.disposition_unit(scene, quinn, serial="SN-2", action="scrap", reason="Housing cracked")
    d = raise_on(scene, "SCR-LOT-1")
    assert [c.serial for c in d.contained] == ["SN-TOP"]  # SN-2 is scrapped: nothing to contain
    assert statuses(scene)["SN-2"] == "scrapped"


def test_the_mrb_dispositions_contained_units_one_by_one_then_together(scene):
    quinn = actor(scene, "quinn")
    d = raise_on(scene, "SCR-LOT-1")
    assert [c.serial for c in d.contained] == ["SN-TOP", "SN-2"]
    # one by one: the unit's own disposition command finds the material lot's NCR holding it
    done = mrb.disposition_unit(scene, quinn, serial="SN-2", action="rework", rework_to="10",
                                reason="Replace the four screws")
    assert (done.ncr, done.status) == (d.number, "in_work")
    d = ncr.ncr_detail(scene, quinn, number=d.number)
    assert (d.status, [(c.serial, c.held, c.disposition) for c in d.contained]) == (
        "open", [("SN-TOP", True, None), ("SN-2", False, "rework")])
    assert [(t.action, t.units, t.quantity) for t in d.dispositions] == [("rework", ["SN-2"], 1.0)]
    assert d.remaining == 1.0  # the material itself is still to disposition

    # together: every contained unit still held, use as is with the LRIP signatures
    d = mrb.review(scene, quinn, number=d.number, action="use_as_is", contained=True,
                   reason="Screws within the supplier's revised limits (deviation SD-12)")
    assert (d.proposal.units, d.proposal.quantity) == (["SN-TOP"], 1.0)
    for who in ("quinn", "eli", "pam"):
        mrb.sign_disposition(scene, actor(scene, who), number=d.number, password=PASSWORD)
    d = mrb.disposition(scene, quinn, number=d.number)
    assert statuses(scene) == {"MTR-S01": "complete", "SN-TOP": "complete", "SN-2": "in_work"}
    assert d.status == "open" and all(not c.held for c in d.contained)

    # the material: once it is decided too, the NCR is dispositioned
    d = mrb.disposition(scene, quinn, number=d.number, action="return_to_supplier", reason="Back to SUP-M")
    assert (d.status, d.remaining) == ("dispositioned", 0.0)
    with pytest.raises(Refused) as refused:
        mrb.close_ncr(scene, quinn, number=d.number, reason="verified")
    assert refused.value.reasons == ["SN-2 has not completed operation 10 (Assemble) again since the rework"]


def test_proposals_for_contained_units_are_checked_unit_by_unit(scene):
    quinn = actor(scene, "quinn")
    lot_ncr = raise_on(scene, "SCR-LOT-1")
    unit_ncr = ncr.raise_ncr(scene, actor(scene, "ivy"), serial="SN-2", severity="minor", defect_code="DAMAGE",
                             description="Scratch")
    with pytest.raises(Refused) as refused:
        mrb.review(scene, quinn, number=lot_ncr.number, action="rework", rework_to="30", units=["SN-TOP", "SN-2"],
                   reason="redo")
    assert refused.value.reasons == ["rework names an operation SN-2 has reached to return to, one of 10"]
    with pytest.raises(Refused) as refused:
        mrb.review(scene, quinn, number=lot_ncr.number, action="return_to_supplier", units=["MTR-S01"], reason="r")
    assert refused.value.reasons == [
        "return_to_supplier is not a disposition for a contained unit; it takes use_as_is, repair, rework, scrap",
        f"MTR-S01 is not on hold under {lot_ncr.number}"]
    with pytest.raises(Refused) as refused:
        mrb.review(scene, quinn, number=unit_ncr.number, action="scrap", units=["SN-TOP"], reason="r")
    assert refused.value.reasons == [f"{unit_ncr.number} is on a unit; only an NCR on a material lot holds the units "
                                     "it contained, so name no units"]


def test_the_forward_walk_is_one_statement_whatever_the_depth(scene):
    """Containment reads the units to hold with one recursive statement (execution.genealogy)."""
    lot_id = scene.execute(select(MaterialLot.id).filter_by(lot_number="WIRE-LOT-1")).scalar_one()
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(scene.get_bind(), "before_cursor_execute", listener)
    try:
        units = units_built_from(scene, lot_id)
    finally:
        event.remove(scene.get_bind(), "before_cursor_execute", listener)
    assert [u.serial for u in units] == ["MTR-S01", "SN-TOP"] and len(seen) == 1
    assert scene.execute(select(func.count()).select_from(Hold)).scalar_one() == 0
