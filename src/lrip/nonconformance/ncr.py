"""The NCR: what is wrong with a unit, a lot or a material lot; raised by hand, or for the areas below by
the handlers of their events (an out-of-spec result, a rejected receipt); the holds it puts on units;
its files; and reading NCRs with where their MRB review stands.

An NCR on a unit puts the unit on hold (one open hold per unit and NCR) and only its disposition
releases it (lrip.nonconformance.mrb). An NCR on a lot holds no unit (it records what was found across
the lot, often after the fact: to stop units, raise on each unit). An NCR on an accepted material lot
puts the lot back in quarantine, so nothing more is built from it until MRB decides, and contains what was
built from it already: every unit it went into, at any depth, that is not scrapped (complete ones too: lrip
records no shipment, so a complete unit is still here) goes on hold under the NCR; the MRB dispositions
those units together or one by one (lrip.nonconformance.mrb).
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lrip import audit, files
from lrip.auth.actor import Actor, command, query
from lrip.auth import decisions
from lrip.auth.signatures import signatures_for, standing_of
from lrip.catalog.models import BomLine, Characteristic, Operation, Routing
from lrip.catalog.service import find_operation
from lrip.db import get_one, utcnow
from lrip.errors import Invalid, NotFound, Refused, verdict
from lrip.execution.events import HoldPlaced, OutOfSpec
from lrip.execution.genealogy import units_built_from
from lrip.execution.models import Measurement, Unit
from lrip.execution.rules import UnitStatus
from lrip.execution.service import put_on_hold
from lrip.nonconformance import rules
from lrip.nonconformance.capa import history, propose_on_recurrence, recurrence_rule
from lrip.nonconformance.codes import codes_in_use
from lrip.nonconformance.containment import contained_of
from lrip.nonconformance.models import Hold, NcrAttachment, NonConformance, Scar
from lrip.nonconformance.rules import NcrStatus, Subject
from lrip.nonconformance.schemas import (AttachmentFile, AttachmentOut, DispositionOut, HoldOut,
                                         Limits, Measured, NcrDetail, NcrPage, NcrRow, Proposal, RecurringDefect,
                                         SignatureState)
from lrip.program.models import Program
from lrip.program.service import get_lot, get_program, policy_for
from lrip.supply.events import IncomingRejected, NcrRaised
from lrip.supply.models import MaterialLot, Supplier
from lrip.supply.rules import LotStatus as MaterialStatus

MRB = decisions.Decision.MRB_DISPOSITION


def get_ncr(session: Session, number: str, *, lock: bool = False) -> NonConformance:
    return get_one(session, NonConformance, "NCR", lock=lock, number=number)


def subject_of(ncr: NonConformance) -> Subject:
    return Subject.UNIT if ncr.unit_id else Subject.LOT if ncr.lot_id else Subject.MATERIAL_LOT


def subject_label(ncr: NonConformance) -> str:
    if ncr.unit_id:
        return f"unit {ncr.unit.serial}"
    if ncr.lot_id:
        return f"lot {ncr.lot.number}"
    return f"material lot {ncr.material_lot.lot_number}"


# ---------------------------------------------------------------- raising

def _in_routing(routing: Routing, operation, characteristic) -> tuple[Operation | None, Characteristic | None]:
    """The operation and characteristic named, found in the routing; either may be left out."""
    op = char = None
    if characteristic:
        found = [(o, c) for o in routing.operations for c in o.characteristics
                 if c.code.lower() == str(characteristic).strip().lower()]
        if not found:
            raise NotFound("characteristic_not_found", f"the routing has no characteristic {characteristic}")
        op, char = found[0]
    if operation not in (None, ""):
        named = find_operation(routing, operation)
        if char is not None and char.operation_id != named.id:
            raise Invalid("ncr_invalid", f"{char.code} is measured at operation {op.sequence}, not {named.sequence}")
        op = named
    return op, char


def programs_using(session: Session, part_id: int) -> list[Program]:
    """The programs whose product is built with this part (a material lot's NCR belongs to them)."""
    return list(session.execute(select(Program).join(BomLine, BomLine.parent_revision_id == Program.part_revision_id)
                                .where(BomLine.child_part_id == part_id).order_by(Program.id)).scalars().unique())


def _new_ncr(session: Session, actor: Actor, *, at: datetime, **fields) -> NonConformance:
    """Insert the NCR, number it from its id (NCR-000042: unique without a race), audit, check recurrence."""
    ncr = NonConformance(number=f"new-{uuid.uuid4().hex}", status=NcrStatus.OPEN, opened_at=at,
                         opened_by_id=actor.id, recurring=False, **fields)
    session.add(ncr)
    session.flush()
    ncr.number = f"NCR-{ncr.id:06d}"
    session.flush()
    audit.record(session, actor=actor, action="ncr.raised", record_type="ncr", record_id=ncr.number,
                 after={"status": NcrStatus.OPEN, "subject": subject_label(ncr), "severity": ncr.severity,
                        "defect_code": ncr.defect_code, "quantity": ncr.quantity,
                        "operation": ncr.operation.sequence if ncr.operation else None,
                        "characteristic": ncr.characteristic.code if ncr.characteristic else None},
                 reason=ncr.description)
    propose_on_recurrence(session, actor, ncr)
    return ncr


@command("ncr.raise")
def raise_ncr(session: Session, actor: Actor, *, description: str, severity: str, defect_code: str | None = None,
              quantity: float = 1, serial: str | None = None, lot: str | None = None,
              material_lot: str | None = None, operation: str | int | None = None,
              characteristic: str | None = None, at: datetime | None = None) -> NcrDetail:
    """Raise an NCR by hand on a unit (it goes on hold), a lot, or a material lot (back to quarantine;
    a supplier receipt's NCR is on its material lot, the supplier filled in)."""
    code = (defect_code or "OTHER").strip().upper()
    at = at or utcnow()
    unit = lot_row = mlot = None
    available = label = None
    if serial:
        unit = get_one(session, Unit, "unit", lock=True, serial=serial)
    elif lot:
        lot_row = get_lot(session, lot)
    elif material_lot:
        mlot = get_one(session, MaterialLot, "material lot", lock=True, lot_number=material_lot)
        available, label = mlot.quantity_received, f"material lot {mlot.lot_number}"
    reasons = list(rules.check_raise(description=description, severity=severity, defect_code=code,
                                     quantity=quantity, subjects=sum(1 for s in (serial, lot, material_lot) if s),
                                     codes=tuple(codes_in_use(session)), available=available,
                                     subject_label=label or "").reasons)
    if unit is not None:
        if unit.status == UnitStatus.SCRAPPED:
            reasons.append(f"{unit.serial} is scrapped")
        if quantity != 1 and not reasons:
            reasons.append("an NCR on a unit is for that one unit: the quantity is 1")
    if mlot is not None and (operation or characteristic):
        reasons.append("an NCR on a material lot names no operation or characteristic")
    verdict(reasons).raise_if_refused("ncr_refused")
    routing = unit.lot.routing if unit is not None else lot_row.routing if lot_row is not None else None
    op, char = _in_routing(routing, operation, characteristic) if routing is not None else (None, None)
    fields = dict(severity=severity, defect_code=code, description=description.strip(), quantity=float(quantity),
                  operation_id=op.id if op else None, characteristic_id=char.id if char else None)
    if unit is not None:
        ncr = _new_ncr(session, actor, at=at, unit_id=unit.id, program_id=unit.lot.program_id, **fields)
        hold(session, actor, ncr=ncr, unit=unit, reason=f"{ncr.number}: {ncr.description}", at=at)
    elif lot_row is not None:
        ncr = _new_ncr(session, actor, at=at, lot_id=lot_row.id, program_id=lot_row.program_id, **fields)
    else:
        ncr = _on_material_lot(session, actor, mlot, at=at, **fields)
    return detail_of(session, ncr)


def _on_material_lot(session: Session, actor: Actor, mlot: MaterialLot, *, at: datetime, **fields) -> NonConformance:
    """The NCR on a material lot, against its supplier; an accepted lot goes back to quarantine, and every
    unit built from it that is not scrapped goes on hold under the NCR (containment: the forward walk of
    the genealogy, one statement, the units locked)."""
    programs = programs_using(session, mlot.part_id)
    ncr = _new_ncr(session, actor, at=at, material_lot_id=mlot.id, supplier_id=mlot.supplier_id,
                   program_id=programs[0].id if len(programs) == 1 else None, **fields)
    if mlot.status == MaterialStatus.ACCEPTED:
        mlot.status = MaterialStatus.QUARANTINE
        audit.record(session, actor=actor, action="material_lot.quarantined", record_type="material_lot",
                     record_id=mlot.lot_number, before={"status": MaterialStatus.ACCEPTED},
                     after={"status": mlot.status}, reason=f"{ncr.number}: {ncr.description}")
    for unit in units_built_from(session, mlot.id, lock=True):
        hold(session, actor, ncr=ncr, unit=unit, at=at,
             reason=f"{ncr.number}: contained, built with material lot {mlot.lot_number} ({mlot.part.number}): "
                    f"{ncr.description}")
    return ncr


def raise_for_out_of_spec(session: Session, actor: Actor, event: OutOfSpec) -> HoldPlaced:
    """The automatic NCR of an out-of-spec value or failed test (OOS-HIGH, OOS-LOW or TEST-FAIL; major on
    a key characteristic), and the unit's hold under it."""
    m = session.get(Measurement, event.measurement_id)
    char = m.characteristic
    unit = session.get(Unit, event.unit_id)
    ncr = _new_ncr(session, actor, at=event.at, unit_id=unit.id, program_id=unit.lot.program_id,
                   severity=rules.severity_for(event.key),
                   defect_code=rules.defect_code_for(char.kind, m.value, char.usl), description=event.reason,
                   quantity=1.0, operation_id=char.operation_id, characteristic_id=char.id, measurement_id=m.id)
    placed = hold(session, actor, ncr=ncr, unit=unit, reason=event.reason, at=event.at,
                  operation_record_id=event.operation_record_id, measurement_id=m.id)
    return HoldPlaced(ncr=ncr.number, hold_id=placed.id)


def raise_for_incoming(session: Session, actor: Actor, event: IncomingRejected) -> NcrRaised:
    """Incoming inspection rejected a received lot: the NCR on its material lot, against its supplier."""
    mlot = get_one(session, MaterialLot, "material lot", lock=True, id=event.material_lot_id)
    codes = codes_in_use(session)
    if event.defect_code not in codes:
        raise Refused("ncr_refused", f"'{event.defect_code}' is not a defect code in use; the codes are "
                                     f"{', '.join(codes)}")
    ncr = _on_material_lot(session, actor, mlot, at=event.at, severity=event.severity, defect_code=event.defect_code,
                           description=event.description, quantity=float(event.quantity))
    return NcrRaised(number=ncr.number)


# ---------------------------------------------------------------- holds

def hold(session: Session, actor: Actor, *, ncr: NonConformance, unit: Unit, reason: str, at: datetime,
         operation_record_id: int | None = None, measurement_id: int | None = None) -> Hold:
    """Hold the unit under the NCR (execution puts it on hold); refused when that NCR holds it already."""
    if open_holds(session, unit.id, ncr_id=ncr.id):
        raise Refused("hold_refused", f"{unit.serial} is already on hold under {ncr.number}")
    row = Hold(unit_id=unit.id, operation_record_id=operation_record_id, measurement_id=measurement_id, reason=reason,
               opened_at=at, opened_by_id=actor.id, ncr_id=ncr.id)
    session.add(row)
    session.flush()
    put_on_hold(session, actor, unit_id=unit.id, reason=reason, at=at)
    return row


def open_holds(session: Session, unit_id: int, *, ncr_id: int | None = None, lock: bool = False) -> list[Hold]:
    """The unit's holds not released yet (only `ncr_id`'s, when given), oldest first."""
    found = select(Hold).where(Hold.unit_id == unit_id, Hold.released_at.is_(None)).order_by(Hold.id)
    if ncr_id is not None:
        found = found.where(Hold.ncr_id == ncr_id)
    return list(session.execute(found.with_for_update() if lock else found).scalars())


def _hold_out(h: Hold, serial: str, ncr: str | None) -> HoldOut:
    return HoldOut(id=h.id, serial=serial, reason=h.reason, opened_at=h.opened_at, open=h.released_at is None,
                   ncr=ncr, operation_record_id=h.operation_record_id, measurement_id=h.measurement_id,
                   disposition=h.disposition, disposition_note=h.disposition_note, released_at=h.released_at)


def holds_of(session: Session, unit_id: int) -> list[HoldOut]:
    """A unit's holds, oldest first, each with the number of the NCR it is under (for the traveler)."""
    rows = session.execute(select(Hold, Unit.serial, NonConformance.number).join(Unit, Unit.id == Hold.unit_id)
                           .outerjoin(NonConformance, NonConformance.id == Hold.ncr_id)
                           .where(Hold.unit_id == unit_id).order_by(Hold.id)).all()
    return [_hold_out(h, serial, number) for h, serial, number in rows]


def ncr_of_hold(session: Session, hold_id: int) -> str:
    """The number of the NCR a hold is under (from a hold on the traveler to its NCR)."""
    number = session.execute(select(NonConformance.number).join(Hold, Hold.ncr_id == NonConformance.id)
                             .where(Hold.id == hold_id)).scalar_one_or_none()
    if number is None:
        raise NotFound("ncr_not_found", f"hold {hold_id} has no NCR")
    return number


# ---------------------------------------------------------------- files

@command("ncr.raise")
def attach(session: Session, actor: Actor, *, number: str, filename: str, content_type: str,
           data: bytes) -> AttachmentOut:
    """Keep a photo or file with the NCR (its SHA-256 goes in the audit trail), as the type its bytes are
    and under a safe name (lrip.files); `content_type`, what the uploader said, only tells CSV from text."""
    ncr = get_ncr(session, number, lock=True)
    kind = files.kept_type(filename, data, content_type)
    rules.check_attachment(filename=filename, content_type=kind, size=len(data)).raise_if_refused(
        "attachment_refused")
    digest = hashlib.sha256(data).hexdigest()
    row = NcrAttachment(ncr_id=ncr.id, filename=files.safe_name(filename, kind), content_type=kind, sha256=digest,
                        size=len(data), data=data, added_at=utcnow(), added_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="ncr.attached", record_type="ncr", record_id=ncr.number,
                 after={"attachment": row.id, "filename": row.filename, "content_type": kind,
                        "sha256": digest, "size": len(data)})
    return AttachmentOut(ncr=ncr.number, id=row.id, filename=row.filename, content_type=row.content_type,
                         size=row.size, sha256=row.sha256, added_at=row.added_at)


@query()
def attachment(session: Session, actor: Actor, *, number: str, attachment_id: int) -> AttachmentFile:
    """A file as it was attached."""
    ncr = get_ncr(session, number)
    row = session.get(NcrAttachment, attachment_id)
    if row is None or row.ncr_id != ncr.id:
        raise NotFound("attachment_not_found", f"{ncr.number} has no attachment {attachment_id}")
    return AttachmentFile(filename=row.filename, content_type=row.content_type, sha256=row.sha256, data=row.data)


# ---------------------------------------------------------------- the MRB review as it stands

def remaining(ncr: NonConformance) -> float:
    """The quantity still to disposition (of a material lot, its material: the units it contained are
    dispositioned besides, lrip.nonconformance.containment)."""
    return round(ncr.quantity - sum(d.quantity for d in ncr.dispositions if not d.units), 9)


def proposal_content(ncr: NonConformance) -> dict | None:
    """What signatures are given to: the NCR and the disposition under review, exactly, in its version
    (so a signature given to one version never counts for another, even one that says the same)."""
    if ncr.proposed_action is None:
        return None
    content = {"ncr": ncr.number, "disposition": len(ncr.dispositions) + 1, "action": str(ncr.proposed_action),
               "quantity": ncr.proposed_quantity, "reason": ncr.proposed_reason,
               "rework_to": ncr.proposed_rework_to.sequence if ncr.proposed_rework_to else None,
               "subject": subject_label(ncr)}
    if ncr.proposed_units:
        content["units"] = list(ncr.proposed_units)
    if ncr.proposal_version:  # version 0: a proposal made before versions were counted, signed without one
        content["version"] = ncr.proposal_version
    return content


def _policy_adds(policy, severity: str) -> tuple[str, ...]:
    """What a phase policy adds to the table's signatures for an NCR of this severity: its disposition
    signatures, and the customer's where its customer_approval rule covers the severity."""
    customer = ("customer",) if rules.needs_customer_approval(policy.customer_approval, severity) else ()
    return (*policy.disposition_signatures, *customer)


def signed_in(session: Session, ncr: NonConformance) -> tuple[str | None, tuple[str, ...]]:
    """The phase a use-as-is or repair on this NCR is signed in, and the signatures a phase policy adds to
    the table's (lrip.auth.decisions): its lot's; for a material lot, every program that builds with the
    part (no phase: the table's MRB two, when none does)."""
    if ncr.unit_id or ncr.lot_id:
        lot = ncr.unit.lot if ncr.unit_id else ncr.lot
        return lot.phase, _policy_adds(policy_for(session, lot.program_id, lot.phase), ncr.severity)
    needed: list[str] = []
    for prog in programs_using(session, ncr.material_lot.part_id):
        needed += [r for r in decisions.required(MRB, prog.phase, also=_policy_adds(
            policy_for(session, prog.id, prog.phase), ncr.severity)) if r not in needed]
    return None, tuple(needed)


def required_signatures(session: Session, ncr: NonConformance) -> tuple[str, ...]:
    """The signature roles a use-as-is or repair on this NCR needs."""
    phase, also = signed_in(session, ncr)
    return decisions.required(MRB, phase, also=also)


def proposer(ncr: NonConformance) -> str | None:
    """Who put the proposal under review: their signature is no independent approval of it."""
    return ncr.proposed_by.username if ncr.proposed_by_id else None


def signature_state(session: Session, ncr: NonConformance) -> tuple[list[SignatureState], list[str]]:
    """The proposal's signatures (each marked valid or not) and every one still missing, in words."""
    proposal = proposal_content(ncr)
    if proposal is None:
        return [], []
    signed = [SignatureState(**s) for s in signatures_for(session, "ncr", ncr.number, proposal)]
    if ncr.proposed_action not in rules.SIGNED_ACTIONS:
        return signed, []
    phase, also = signed_in(session, ncr)
    state = standing_of(session, MRB, phase, record_type="ncr", record_id=ncr.number, content=proposal,
                        author=proposer(ncr), also=also)
    return signed, list(state.reasons)


# ---------------------------------------------------------------- reading

def _row(ncr: NonConformance, now: datetime) -> dict:
    unit_lot = ncr.unit.lot if ncr.unit_id else ncr.lot
    return dict(number=ncr.number, status=ncr.status, severity=ncr.severity, defect_code=ncr.defect_code,
                serial=ncr.unit.serial if ncr.unit_id else None, lot=unit_lot.number if unit_lot else None,
                material_lot=ncr.material_lot.lot_number if ncr.material_lot_id else None,
                supplier=ncr.supplier.code if ncr.supplier_id else None,
                operation=ncr.operation.sequence if ncr.operation_id else None,
                characteristic=ncr.characteristic.code if ncr.characteristic_id else None,
                quantity=ncr.quantity, opened_at=ncr.opened_at, closed_at=ncr.closed_at,
                capa=ncr.capa.number if ncr.capa_id else None, description=ncr.description,
                recurring=ncr.recurring, program=ncr.program.code if ncr.program_id else None,
                age_days=rules.age_days(ncr.opened_at, ncr.closed_at, now))


@query()
def list_ncrs(session: Session, actor: Actor, *, program: str | None = None, status: str | None = None,
              severity: str | None = None, supplier: str | None = None, serial: str | None = None,
              lot: str | None = None, limit: int | None = None, offset: int = 0) -> NcrPage:
    """NCRs, newest first, filtered by program, status, severity, supplier, unit or lot (its units' too)."""
    found = select(NonConformance)
    if program:
        found = found.where(NonConformance.program_id == get_program(session, program).id)
    if status:
        found = found.where(NonConformance.status == status)
    if severity:
        found = found.where(NonConformance.severity == severity)
    if supplier:
        found = found.where(NonConformance.supplier_id == get_one(session, Supplier, "supplier", code=supplier).id)
    if serial:
        found = found.where(NonConformance.unit_id == get_one(session, Unit, "unit", serial=serial).id)
    if lot:
        lot_id = get_lot(session, lot).id
        found = found.where((NonConformance.lot_id == lot_id)
                            | NonConformance.unit_id.in_(select(Unit.id).where(Unit.lot_id == lot_id)))
    total = session.execute(select(func.count()).select_from(found.subquery())).scalar_one()
    page = found.order_by(NonConformance.id.desc()).offset(offset).limit(limit).options(
        selectinload(NonConformance.unit).selectinload(Unit.lot), selectinload(NonConformance.lot),
        *(selectinload(getattr(NonConformance, r)) for r in ("material_lot", "supplier", "operation",
                                                             "characteristic", "capa", "program")))
    now = utcnow()
    items = [NcrRow(**_row(n, now)) for n in session.execute(page).scalars()]
    return NcrPage(items=items, total=total, limit=limit if limit is not None else total, offset=offset)


def ncrs_of_unit(session: Session, unit_id: int) -> list[NcrRow]:
    """A unit's NCRs, oldest first (for its first article's Form 3)."""
    found = select(NonConformance).where(NonConformance.unit_id == unit_id).order_by(NonConformance.id).options(
        selectinload(NonConformance.unit).selectinload(Unit.lot), selectinload(NonConformance.operation),
        selectinload(NonConformance.characteristic), selectinload(NonConformance.capa),
        selectinload(NonConformance.program))
    now = utcnow()
    return [NcrRow(**_row(n, now)) for n in session.execute(found).scalars()]


def detail_of(session: Session, ncr: NonConformance) -> NcrDetail:
    """Everything on the NCR page and `lrip ncr show`: the record, its proposal and signatures, the
    disposition trail with each decision's signatures, files, holds and the audit history."""
    signed, missing = signature_state(session, ncr)
    every = [SignatureState(**s) for s in signatures_for(session, "ncr", ncr.number)]
    files = session.execute(select(NcrAttachment.id, NcrAttachment.filename, NcrAttachment.content_type,
                                   NcrAttachment.size, NcrAttachment.sha256, NcrAttachment.added_at)
                            .where(NcrAttachment.ncr_id == ncr.id).order_by(NcrAttachment.id)).all()
    holds = session.execute(select(Hold, Unit.serial).join(Unit, Unit.id == Hold.unit_id)
                            .where(Hold.ncr_id == ncr.id).order_by(Hold.id)).all()
    m = session.get(Measurement, ncr.measurement_id) if ncr.measurement_id else None
    c = ncr.characteristic
    proposal = proposal_content(ncr)
    return NcrDetail(
        **_row(ncr, utcnow()), subject=subject_of(ncr), subject_label=subject_label(ncr),
        operation_name=ncr.operation.name if ncr.operation_id else None, characteristic_name=c.name if c else None,
        limits=Limits(kind=c.kind, lsl=c.lsl, usl=c.usl, units=c.units) if c else None,
        measured=None if m is None else Measured(value=m.value, passed=m.passed, gauge=m.gauge,
                                                 recorded_at=m.recorded_at),
        opened_by=ncr.opened_by.username, closed_by=ncr.closed_by.username if ncr.closed_by_id else None,
        remaining=remaining(ncr), required_signatures=list(required_signatures(session, ncr)),
        proposal=None if proposal is None else Proposal(**proposal, signatures=signed, missing=missing,
                                                        signed=proposal["action"] in rules.SIGNED_ACTIONS),
        dispositions=[DispositionOut(action=d.action, quantity=d.quantity, reason=d.reason,
                                     rework_to=d.rework_to.sequence if d.rework_to_id else None, units=d.units,
                                     decided_by=d.decided_by.username, decided_at=d.decided_at,
                                     signatures=[s for s in every if s.content_hash == d.content_hash])
                      for d in ncr.dispositions],
        holds=[_hold_out(h, serial, ncr.number) for h, serial in holds], contained=contained_of(session, ncr),
        scars=list(session.execute(select(Scar.number).where(Scar.ncr_id == ncr.id).order_by(Scar.id)).scalars()),
        attachments=[AttachmentOut(ncr=ncr.number, **f._mapping) for f in files],
        history=history(session, "ncr", ncr.number))


@query()
def ncr_detail(session: Session, actor: Actor, *, number: str) -> NcrDetail:
    """The NCR, its MRB review and signatures, its disposition trail, files, holds and history."""
    return detail_of(session, get_ncr(session, number))


@query()
def recurring_defects(session: Session, actor: Actor, *, program: str | None = None, count: int | None = None,
                      days: int | None = None) -> list[RecurringDefect]:
    """Defect code × operation groups with at least `count` NCRs in the last `days` days."""
    k, window = recurrence_rule()
    count, days = count or k, days or window
    found = (select(NonConformance.defect_code, Operation.sequence, Operation.name, func.count(NonConformance.id))
             .join(Operation, Operation.id == NonConformance.operation_id)
             .where(NonConformance.opened_at >= utcnow() - timedelta(days=days))
             .group_by(NonConformance.defect_code, Operation.sequence, Operation.name)
             .having(func.count(NonConformance.id) >= count))
    if program:
        found = found.where(NonConformance.program_id == get_program(session, program).id)
    return [RecurringDefect(defect_code=code, operation=seq, operation_name=name, ncrs=n, days=days)
            for code, seq, name, n in session.execute(found).all()]
