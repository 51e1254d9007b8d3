"""The units an NCR on a material lot contained: raising it put every unit built from the lot on hold under
it (lrip.nonconformance.ncr), and the MRB dispositions them together (every unit still held) or one by one,
each unit whole, as it would a unit's own NCR (lrip.nonconformance.mrb). The NCR is dispositioned once its
material and every contained unit are."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip.catalog.models import Operation
from lrip.db import get_one
from lrip.errors import Refused
from lrip.execution.models import OperationRecord, Unit
from lrip.execution.rules import RecordStatus
from lrip.nonconformance import rules
from lrip.nonconformance.models import Hold, NonConformance
from lrip.nonconformance.schemas import ContainedOut
from lrip.program.models import Lot


def held(session: Session, ncr: NonConformance) -> list[Unit]:
    """The units still on hold under the NCR, in the order they were held."""
    return list(session.execute(select(Unit).join(Hold, Hold.unit_id == Unit.id).where(
        Hold.ncr_id == ncr.id, Hold.released_at.is_(None)).order_by(Hold.id)).scalars())


def named(session: Session, ncr: NonConformance, serials: list[str] | None, every: bool) -> list[Unit] | None:
    """The contained units a proposal decides: those named, or `every` one still held; None when it
    decides the NCR's own subject (its material)."""
    if every:
        units = held(session, ncr)
        if not units:
            raise Refused("review_refused", f"{ncr.number} holds no unit now")
        return units
    if not serials:
        return None
    return [get_one(session, Unit, "unit", serial=s) for s in dict.fromkeys(s.strip() for s in serials)]


def views(session: Session, ncr: NonConformance) -> tuple[rules.ContainedView, ...]:
    """The units the proposal names, as the disposition rules see them: held under this NCR or not, and the
    operations each has reached (one statement for the holds, one for the operations)."""
    if not ncr.proposed_units:
        return ()
    units = {u.serial.lower(): u for u in session.execute(select(Unit).where(
        Unit.serial.in_(ncr.proposed_units))).scalars()}
    ids = [u.id for u in units.values()]
    holding = set(session.execute(select(Hold.unit_id).where(Hold.ncr_id == ncr.id, Hold.released_at.is_(None),
                                                             Hold.unit_id.in_(ids))).scalars())
    reached: dict[int, set[int]] = {}
    for unit_id, sequence in session.execute(
            select(OperationRecord.unit_id, Operation.sequence).join(Operation, Operation.id == OperationRecord.operation_id)
            .where(OperationRecord.unit_id.in_(ids),
                   OperationRecord.status.in_((RecordStatus.COMPLETE, RecordStatus.IN_WORK)))):
        reached.setdefault(unit_id, set()).add(sequence)
    out = []
    for serial in ncr.proposed_units:
        unit = units.get(serial.lower())
        out.append(rules.ContainedView(serial, unit is not None and unit.id in holding,
                                       tuple(sorted(reached.get(unit.id, ()))) if unit else ()))
    return tuple(out)


def contained_of(session: Session, ncr: NonConformance) -> list[ContainedOut]:
    """Every unit the NCR contained, with where it stands: still held, or released by which disposition."""
    if not ncr.material_lot_id:
        return []
    rows = session.execute(select(Hold, Unit, Lot.number).join(Unit, Unit.id == Hold.unit_id)
                           .join(Lot, Lot.id == Unit.lot_id).where(Hold.ncr_id == ncr.id).order_by(Hold.id)).all()
    return [ContainedOut(serial=u.serial, lot=lot, status=u.status, held=h.released_at is None,
                         disposition=h.disposition, released_at=h.released_at) for h, u, lot in rows]
