"""What labels are printed from: a unit (by serial) or a lot (by number), read in a fixed number of
statements whatever the lot's size. Printing changes no record."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from lrip.auth.actor import Actor, query
from lrip.catalog.models import DocumentRevision, Operation, PartRevision, Routing
from lrip.db import utcnow
from lrip.errors import NotFound
from lrip.execution.models import Unit
from lrip.labels.schemas import LabelOperation, LabelSheet, LabelUnit
from lrip.program.models import Lot, Program


@query()
def label_sheet(session: Session, actor: Actor, *, identifier: str) -> LabelSheet:
    """The traveler cover sheet and serial labels of a unit (its serial) or of a lot (its number: every
    unit created in it, in order)."""
    key = identifier.strip().lower()
    unit = session.execute(select(Unit).where(func.lower(Unit.serial) == key)).scalar_one_or_none()
    lot_id = unit.lot_id if unit else session.execute(
        select(Lot.id).where(func.lower(Lot.number) == key)).scalar_one_or_none()
    if lot_id is None:
        raise NotFound("label_not_found", f"No unit or lot {identifier.strip()}")
    lot = session.execute(select(Lot).where(Lot.id == lot_id).options(
        joinedload(Lot.program).joinedload(Program.part_revision).joinedload(PartRevision.part),
        joinedload(Lot.routing).selectinload(Routing.operations).options(
            joinedload(Operation.work_center),
            joinedload(Operation.document_revision).joinedload(DocumentRevision.document),
            selectinload(Operation.characteristics)))).unique().scalar_one()
    units = [unit] if unit else session.execute(select(Unit).where(Unit.lot_id == lot.id)
                                                .order_by(Unit.position)).scalars().all()
    prev = lot.program.part_revision
    return LabelSheet(
        kind="unit" if unit else "lot", program=lot.program.code, phase=lot.phase, lot=lot.number,
        part=f"{prev.part.number} rev {prev.revision}", description=prev.part.description,
        routing_revision=lot.routing.revision, printed_at=utcnow(),
        operations=[LabelOperation(sequence=op.sequence, name=op.name, work_center=op.work_center.code,
                                   instruction=op.document_revision.label if op.document_revision else None,
                                   skill=op.required_skill,
                                   characteristics=[f"{c.code} {c.name}" for c in op.characteristics])
                    for op in lot.routing.operations],
        units=[LabelUnit(serial=u.serial, position=u.position) for u in units])
