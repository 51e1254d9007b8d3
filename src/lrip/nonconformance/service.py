"""NCRs and MRB: raise (by hand, or from an out-of-spec value through execution.service.hold_unit),
review, sign, disposition, close; recurring defects that propose a CAPA; CAPA (8D) with its
effectiveness check.

Holds: an NCR on a unit puts the unit on hold (execution.service.hold_unit) and only its
disposition releases it (execution.service.disposition_hold with `ncr=`). An NCR on a lot
holds no unit (it records what was found across the lot, often after the fact: to stop units,
raise on each unit). An NCR on an accepted material lot puts the lot back in quarantine, so
nothing more is built from it until MRB decides.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from lrip import audit
from lrip.auth.models import User
from lrip.auth.service import get_user
from lrip.auth.signatures import content_hash, sign, signatures_for
from lrip.catalog.models import BomLine, Characteristic, Operation
from lrip.db import get_one, transactional, utcnow
from lrip.errors import Invalid, NotFound, Refused
from lrip.execution import service as execution
from lrip.execution.models import Hold, Measurement, OperationRecord, Unit
from lrip.nonconformance import rules
from lrip.nonconformance.models import Capa, CapaAction, NcrAttachment, NcrDisposition, NonConformance
from lrip.program import rules as program_rules
from lrip.program.models import Lot, Program
from lrip.program.service import get_lot, get_program, policy_for
from lrip.supply.models import MaterialLot, Supplier


def recurrence_rule() -> tuple[int, int]:
    """(K, days): K NCRs of one defect code at one operation within `days` is a recurring defect.
    Set LRIP_RECURRENCE_COUNT / LRIP_RECURRENCE_DAYS to change the defaults (3 in 30 days)."""
    return (int(os.environ.get("LRIP_RECURRENCE_COUNT", rules.RECURRENCE_COUNT)),
            int(os.environ.get("LRIP_RECURRENCE_DAYS", rules.RECURRENCE_DAYS)))


def _iso(at) -> str | None:
    return at.isoformat() if at else None


def get_ncr(session: Session, number: str, *, lock: bool = False) -> NonConformance:
    return get_one(session, NonConformance, "NCR", lock=lock, number=number)


def get_capa(session: Session, number: str, *, lock: bool = False) -> Capa:
    return get_one(session, Capa, "CAPA", lock=lock, number=number)


def _subject(ncr: NonConformance) -> str:
    return "unit" if ncr.unit_id else "lot" if ncr.lot_id else "material_lot"


def _subject_label(ncr: NonConformance) -> str:
    if ncr.unit_id:
        return f"unit {ncr.unit.serial}"
    if ncr.lot_id:
        return f"lot {ncr.lot.number}"
    return f"material lot {ncr.material_lot.lot_number}"


def _op_label(op: Operation | None) -> str:
    return f"operation {op.sequence} ({op.name})" if op else "no operation"


# ---------------------------------------------------------------- raising

def _routing_item(routing, operation, characteristic) -> tuple[Operation | None, Characteristic | None]:
    """The operation and characteristic named, found in the routing; either may be left out."""
    op = char = None
    if characteristic:
        for o in routing.operations:
            for c in o.characteristics:
                if c.code.lower() == str(characteristic).strip().lower():
                    op, char = o, c
        if char is None:
            raise NotFound("characteristic_not_found", f"the routing has no characteristic {characteristic}")
    if operation not in (None, ""):
        text = str(operation).strip()
        found = next((o for o in routing.operations
                      if (text.isdigit() and o.sequence == int(text)) or o.name.lower() == text.lower()), None)
        if found is None:
            raise NotFound("operation_not_found", f"the routing has no operation {text}; it has "
                           + ", ".join(f"{o.sequence} {o.name}" for o in routing.operations))
        if char is not None and char.operation_id != found.id:
            raise Invalid("ncr_invalid", f"{char.code} is measured at operation {op.sequence}, not {found.sequence}")
        op = found
    return op, char


def _programs_using(session: Session, part_id: int) -> list[Program]:
    return list(session.execute(select(Program).join(BomLine, BomLine.parent_revision_id == Program.part_revision_id)
                                .where(BomLine.child_part_id == part_id).order_by(Program.id)).scalars().unique())


def _new_ncr(session: Session, *, user: User, actor: str, at: datetime, **fields) -> NonConformance:
    """Insert the NCR, number it from its id (NCR-000042: unique without a race), audit, check recurrence."""
    ncr = NonConformance(number=f"new-{uuid.uuid4().hex}", status="open", opened_at=at, opened_by_id=user.id,
                         recurring=False, **fields)
    session.add(ncr)
    session.flush()
    ncr.number = f"NCR-{ncr.id:06d}"
    session.flush()
    audit.record(session, actor=actor, action="ncr.raised", record_type="ncr", record_id=ncr.number,
                 after={"status": "open", "subject": _subject_label(ncr), "severity": ncr.severity,
                        "defect_code": ncr.defect_code, "quantity": ncr.quantity,
                        "operation": ncr.operation.sequence if ncr.operation else None,
                        "characteristic": ncr.characteristic.code if ncr.characteristic else None},
                 reason=ncr.description)
    _check_recurrence(session, ncr, actor)
    return ncr


@transactional
def raise_ncr(session: Session, *, actor: str, description: str, severity: str, defect_code: str | None = None,
              quantity: float = 1, serial: str | None = None, lot: str | None = None,
              material_lot: str | None = None, operation: str | int | None = None,
              characteristic: str | None = None, at: datetime | None = None) -> NonConformance:
    """Raise an NCR by hand on a unit (it goes on hold), a lot, or a material lot (back to quarantine;
    a supplier receipt's NCR is on its material lot, the supplier filled in)."""
    user = get_user(session, actor)
    code = (defect_code or "OTHER").strip().upper()
    subjects = sum(1 for s in (serial, lot, material_lot) if s)
    at = at or utcnow()
    unit = lot_row = mlot = None
    available = label = None
    if serial:
        unit = execution.get_unit(session, serial, lock=True)
    elif lot:
        lot_row = get_lot(session, lot)
    elif material_lot:
        mlot = get_one(session, MaterialLot, "material lot", lock=True, lot_number=material_lot)
        available, label = mlot.quantity_received, f"material lot {mlot.lot_number}"
    reasons = list(rules.check_raise(description=description, severity=severity, defect_code=code,
                                     quantity=quantity, subjects=subjects, available=available,
                                     subject_label=label or "").reasons)
    if unit is not None:
        if unit.status == "scrapped":
            reasons.append(f"{serial} is scrapped")
        if quantity != 1 and not reasons:
            reasons.append("an NCR on a unit is for that one unit: the quantity is 1")
    if mlot is not None and (operation or characteristic):
        reasons.append("an NCR on a material lot names no operation or characteristic")
    if reasons:
        raise Refused("ncr_refused", reasons)
    routing = unit.lot.routing if unit is not None else lot_row.routing if lot_row is not None else None
    op, char = _routing_item(routing, operation, characteristic) if routing is not None else (None, None)
    fields = dict(severity=severity, defect_code=code, description=description.strip(), quantity=float(quantity),
                  operation_id=op.id if op else None, characteristic_id=char.id if char else None)
    if unit is not None:
        ncr = _new_ncr(session, user=user, actor=actor, at=at, unit_id=unit.id, lot_id=None,
                       program_id=unit.lot.program_id, **fields)
        execution.hold_unit(session, unit, reason=f"{ncr.number}: {ncr.description}", actor_id=user.id, actor=actor,
                            ncr=ncr, at=at)
        return ncr
    if lot_row is not None:
        return _new_ncr(session, user=user, actor=actor, at=at, lot_id=lot_row.id, program_id=lot_row.program_id,
                        **fields)
    programs = _programs_using(session, mlot.part_id)
    ncr = _new_ncr(session, user=user, actor=actor, at=at, material_lot_id=mlot.id, supplier_id=mlot.supplier_id,
                   program_id=programs[0].id if len(programs) == 1 else None, **fields)
    if mlot.status == "accepted":
        mlot.status = "quarantine"
        audit.record(session, actor=actor, action="material_lot.quarantined", record_type="material_lot",
                     record_id=mlot.lot_number, before={"status": "accepted"}, after={"status": "quarantine"},
                     reason=f"{ncr.number}: {ncr.description}")
    return ncr


def raise_for_hold(session: Session, *, unit: Unit, reason: str, actor_id: int, actor: str,
                   record: OperationRecord | None, measurement_id: int | None, at: datetime) -> NonConformance:
    """The automatic NCR of an out-of-spec value or failed test (called by execution.service.hold_unit)."""
    m = session.get(Measurement, measurement_id) if measurement_id else None
    char = m.characteristic if m is not None else None
    code = rules.defect_code_for(char.kind, m.value, char.usl) if char is not None else "OTHER"
    user = session.get(User, actor_id)
    return _new_ncr(session, user=user, actor=actor, at=at, unit_id=unit.id, program_id=unit.lot.program_id,
                    severity=rules.severity_for(bool(char and char.key)), defect_code=code, description=reason,
                    quantity=1.0, operation_id=record.operation_id if record else (char.operation_id if char else None),
                    characteristic_id=char.id if char else None, measurement_id=measurement_id)


def _check_recurrence(session: Session, ncr: NonConformance, actor: str) -> None:
    """K or more of this defect code at this operation within the window: flag them all and
    propose one CAPA for them (or add this NCR to the CAPA already proposed or open)."""
    if ncr.operation_id is None:
        return
    count, days = recurrence_rule()
    rows = session.execute(select(NonConformance.id, NonConformance.opened_at, NonConformance.capa_id,
                                  NonConformance.recurring).where(
        NonConformance.defect_code == ncr.defect_code, NonConformance.operation_id == ncr.operation_id,
        NonConformance.opened_at <= ncr.opened_at)).all()
    if not rules.is_recurring([r.opened_at for r in rows], ncr.opened_at, count=count, days=days):
        return
    window = [r for r in rows if r.opened_at >= ncr.opened_at - timedelta(days=days)]
    session.execute(update(NonConformance).where(NonConformance.id.in_([r.id for r in window if not r.recurring]))
                    .values(recurring=True).execution_options(synchronize_session="fetch"))
    capa_ids = {r.capa_id for r in window if r.capa_id}
    capa = session.execute(select(Capa).where(Capa.id.in_(capa_ids), Capa.status.in_(("proposed", "open")))
                           .order_by(Capa.id)).scalars().first() if capa_ids else None
    if capa is None:
        op = ncr.operation
        capa = Capa(number=f"new-{uuid.uuid4().hex[:12]}", status="proposed", program_id=ncr.program_id,
                    title=f"Recurring {ncr.defect_code} at operation {op.sequence} ({op.name})",
                    defect_code=ncr.defect_code, operation_id=ncr.operation_id, opened_at=ncr.opened_at,
                    opened_by_id=ncr.opened_by_id, effectiveness_units=rules.EFFECTIVENESS_UNITS,
                    d2_problem=f"{len(window)} NCRs with defect {ncr.defect_code} "
                               f"({rules.DEFECT_CODES.get(ncr.defect_code, '')}) at operation {op.sequence} "
                               f"({op.name}) within {days} days")
        session.add(capa)
        session.flush()
        capa.number = f"CAPA-{capa.id:04d}"
        audit.record(session, actor=actor, action="capa.proposed", record_type="capa", record_id=capa.number,
                     after={"status": "proposed", "defect_code": ncr.defect_code, "operation": op.sequence},
                     reason=capa.d2_problem)
    unlinked = [r.id for r in window if r.capa_id is None]
    session.execute(update(NonConformance).where(NonConformance.id.in_(unlinked)).values(capa_id=capa.id)
                    .execution_options(synchronize_session="fetch"))
    audit.record(session, actor=actor, action="ncr.recurring", record_type="ncr", record_id=ncr.number,
                 after={"recurring": True, "capa": capa.number, "in_window": len(window)},
                 reason=f"{len(window)} NCRs of {ncr.defect_code} at operation {ncr.operation.sequence} "
                        f"within {days} days (flagged at {count})")


# ---------------------------------------------------------------- MRB: propose, sign, disposition

def _remaining(ncr: NonConformance) -> float:
    return round(ncr.quantity - sum(d.quantity for d in ncr.dispositions), 9)


def _proposal(ncr: NonConformance) -> dict | None:
    """What signatures are given to: the NCR and the disposition under review, exactly."""
    if ncr.proposed_action is None:
        return None
    return {"ncr": ncr.number, "disposition": len(ncr.dispositions) + 1, "action": ncr.proposed_action,
            "quantity": ncr.proposed_quantity, "reason": ncr.proposed_reason,
            "rework_to": ncr.proposed_rework_to.sequence if ncr.proposed_rework_to else None,
            "subject": _subject_label(ncr)}


def required_signatures(session: Session, ncr: NonConformance) -> tuple[str, ...]:
    """The signature roles a use-as-is or repair on this NCR needs: its lot's phase policy; for a
    material lot, every policy of the programs that build with the part (MRB's two if none)."""
    if ncr.unit_id or ncr.lot_id:
        lot = ncr.unit.lot if ncr.unit_id else ncr.lot
        return tuple(policy_for(session, lot.program_id, lot.phase).disposition_signatures)
    needed: list[str] = []
    for prog in _programs_using(session, ncr.material_lot.part_id):
        needed += [r for r in policy_for(session, prog.id, prog.phase).disposition_signatures if r not in needed]
    return tuple(needed or ("quality", "engineering"))


def _signatures(session: Session, ncr: NonConformance) -> tuple[list[dict], list[str]]:
    """The proposal's signatures (each marked valid or not) and every one still missing."""
    proposal = _proposal(ncr)
    if proposal is None:
        return [], []
    signed = signatures_for(session, "ncr", ncr.number, proposal)
    if ncr.proposed_action not in rules.SIGNED_ACTIONS:
        return signed, []
    roles = [s["role"] for s in signed if s["valid"]]
    return signed, program_rules.missing_signatures(required_signatures(session, ncr), roles)


def _rework_op(ncr: NonConformance, rework_to) -> Operation | None:
    if rework_to in (None, ""):
        return None
    if not ncr.unit_id:
        return None  # only a unit is reworked: check_proposal says so
    return _routing_item(ncr.unit.lot.routing, rework_to, None)[0]


def _view(session: Session, ncr: NonConformance) -> rules.DispositionView:
    subject = _subject(ncr)
    reached, unit_problem = (), None
    if subject == "unit":
        unit = ncr.unit
        records = session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit.id)).scalars().all()
        reached = tuple(sorted({r.operation.sequence for r in records if r.status in ("complete", "in_work")}))
        held = session.execute(select(Hold.id).where(Hold.ncr_id == ncr.id, Hold.released_at.is_(None))).first()
        if unit.status == "scrapped" and ncr.proposed_action != "scrap":
            unit_problem = f"{unit.serial} is scrapped"
        elif held is None and unit.status != "scrapped":
            unit_problem = f"{unit.serial} is not on hold"
    elif subject == "material_lot" and ncr.proposed_action in ("scrap", "return_to_supplier"):
        on_hand = ncr.material_lot.quantity_on_hand
        if (ncr.proposed_quantity or 0) > on_hand + 1e-9:
            unit_problem = f"material lot {ncr.material_lot.lot_number} has only {on_hand:g} on hand"
    return rules.DispositionView(
        number=ncr.number, status=ncr.status, subject=subject, action=ncr.proposed_action or "",
        quantity=ncr.proposed_quantity if ncr.proposed_quantity is not None else 0.0, remaining=_remaining(ncr),
        reason=ncr.proposed_reason or "",
        rework_sequence=ncr.proposed_rework_to.sequence if ncr.proposed_rework_to else None,
        reached_sequences=reached, unit_label=ncr.unit.serial if ncr.unit_id else None, unit_problem=unit_problem,
        supplier=ncr.supplier.code if ncr.supplier else None)


def _propose(session: Session, ncr: NonConformance, *, action: str, reason: str, quantity: float | None,
             rework_to) -> None:
    op = _rework_op(ncr, rework_to) if action == "rework" else None
    ncr.proposed_action, ncr.proposed_reason = action, (reason or "").strip()
    ncr.proposed_quantity = float(quantity) if quantity is not None else _remaining(ncr)
    ncr.proposed_rework_to = op


@transactional
def review(session: Session, *, number: str, actor: str, action: str, reason: str, quantity: float | None = None,
           rework_to: str | int | None = None) -> NonConformance:
    """Put a disposition before the MRB: the NCR goes under review and signatures are given to
    exactly this proposal (changing it later voids them)."""
    ncr = get_ncr(session, number, lock=True)
    get_user(session, actor)
    before = {"status": ncr.status, "proposal": _proposal(ncr)}
    _propose(session, ncr, action=action, reason=reason, quantity=quantity, rework_to=rework_to)
    rules.check_proposal(_view(session, ncr)).raise_if_refused("review_refused")
    ncr.status = "mrb_review"
    session.flush()
    audit.record(session, actor=actor, action="ncr.reviewed", record_type="ncr", record_id=number,
                 before=before, after={"status": "mrb_review", "proposal": _proposal(ncr)}, reason=ncr.proposed_reason)
    return ncr


@transactional
def sign_disposition(session: Session, *, number: str, username: str, password: str,
                     role: str | None = None) -> dict:
    """Sign the use-as-is or repair under MRB review, the password asked again (lrip.auth.signatures)."""
    ncr = get_ncr(session, number, lock=True)
    user = get_user(session, username)
    wanted = {r: program_rules.SIGNER_WORDS[r] for need in required_signatures(session, ncr)
              for r in program_rules.SIGNERS.get(need, ())}
    if role is None:
        mine = [r for r in (user.roles or []) if r in wanted]
        role = mine[0] if len(mine) == 1 else (user.roles[0] if len(user.roles or []) == 1 else None)
    rules.check_sign(number=number, status=ncr.status, action=ncr.proposed_action, username=username, role=role,
                     wanted=wanted).raise_if_refused("signature_refused")
    s = sign(session, record_type="ncr", record_id=number, content=_proposal(ncr), username=username,
             password=password, meaning="approved", role=role)
    return {"ncr": number, "username": s.username, "name": s.printed_name, "role": s.role, "meaning": s.meaning,
            "signed_at": s.signed_at.isoformat(), "content_hash": s.content_hash,
            "missing": _signatures(session, ncr)[1]}


@transactional
def disposition(session: Session, *, number: str, actor: str, action: str | None = None, reason: str | None = None,
                quantity: float | None = None, rework_to: str | int | None = None) -> NcrDisposition:
    """Decide the NCR (or some of its quantity): the proposal under review, or the one given here.
    Use-as-is and repair are refused until every signature the phase policy asks for is on it."""
    ncr = get_ncr(session, number, lock=True)
    user = get_user(session, actor)
    before = {"status": ncr.status}
    if action is not None:
        same = (ncr.proposed_action == action and (reason is None or reason.strip() == ncr.proposed_reason)
                and (quantity is None or quantity == ncr.proposed_quantity)
                and (rework_to in (None, "") or (ncr.proposed_rework_to is not None
                                                 and str(rework_to) in (str(ncr.proposed_rework_to.sequence),
                                                                        ncr.proposed_rework_to.name))))
        if not same:
            _propose(session, ncr, action=action, reason=reason or "", quantity=quantity, rework_to=rework_to)
    elif ncr.proposed_action is None:
        raise Refused("disposition_refused", f"{number} has no disposition under MRB review; name one")
    view = _view(session, ncr)
    signed, missing = _signatures(session, ncr)
    rules.check_disposition(view, missing).raise_if_refused("disposition_refused")
    proposal = _proposal(ncr)
    decision = NcrDisposition(ncr_id=ncr.id, action=ncr.proposed_action, quantity=ncr.proposed_quantity,
                              rework_to=ncr.proposed_rework_to, reason=ncr.proposed_reason, decided_at=utcnow(),
                              decided_by_id=user.id, content_hash=content_hash(proposal))
    session.add(decision)
    _apply(session, ncr, decision, actor)
    session.flush()
    session.refresh(ncr, ["dispositions"])
    ncr.status = "dispositioned" if _remaining(ncr) <= 1e-9 else "open"
    ncr.proposed_action = ncr.proposed_reason = ncr.proposed_quantity = ncr.proposed_rework_to_id = None
    audit.record(session, actor=actor, action="ncr.dispositioned", record_type="ncr", record_id=number,
                 before=before, after={"status": ncr.status, "disposition": proposal,
                                       "signatures": [s["id"] for s in signed if s["valid"]]},
                 reason=decision.reason)
    return decision


def _apply(session: Session, ncr: NonConformance, d: NcrDisposition, actor: str) -> None:
    """What the decision does to the thing itself."""
    if ncr.unit_id:
        if ncr.unit.status == "scrapped":
            return  # scrapped under another NCR: nothing left to do to it
        execution.disposition_hold(session, serial=ncr.unit.serial, action=d.action, actor=actor,
                                   reason=d.reason,
                                   rework_to=d.rework_to.sequence if d.rework_to else None, ncr=ncr)
    elif ncr.material_lot_id:
        lot = ncr.material_lot
        before = {"status": lot.status, "on_hand": lot.quantity_on_hand}
        if d.action == "use_as_is":
            lot.status = "accepted"
        else:
            lot.quantity_on_hand = max(0.0, lot.quantity_on_hand - d.quantity)
            if lot.quantity_on_hand <= 1e-9:
                lot.status = "rejected"
        audit.record(session, actor=actor, action="material_lot.dispositioned", record_type="material_lot",
                     record_id=lot.lot_number, before=before,
                     after={"status": lot.status, "on_hand": lot.quantity_on_hand, "disposition": d.action,
                            "quantity": d.quantity, "supplier": ncr.supplier.code if ncr.supplier else None},
                     reason=f"{ncr.number}: {d.reason}")


def unverified(session: Session, ncr: NonConformance) -> list[str]:
    """A rework is verified when the unit has completed the operation it went back to again."""
    problems = []
    for d in ncr.dispositions:
        if d.action == "rework" and ncr.unit_id and ncr.unit.status != "scrapped":
            if not _redone(session, ncr.unit_id, d):
                problems.append(f"{ncr.unit.serial} has not completed operation {d.rework_to.sequence} "
                                f"({d.rework_to.name}) again since the rework")
    return problems


def _redone(session: Session, unit_id: int, d: NcrDisposition) -> bool:
    """The operation reworked to has a complete attempt after the last reworked one."""
    reworked = session.execute(select(func.max(OperationRecord.attempt)).where(
        OperationRecord.unit_id == unit_id, OperationRecord.operation_id == d.rework_to_id,
        OperationRecord.status == "reworked")).scalar_one()
    if reworked is None:
        return False
    return session.execute(select(OperationRecord.id).where(
        OperationRecord.unit_id == unit_id, OperationRecord.operation_id == d.rework_to_id,
        OperationRecord.status == "complete", OperationRecord.attempt > reworked)).first() is not None


@transactional
def close_ncr(session: Session, *, number: str, actor: str, reason: str) -> NonConformance:
    """Close a dispositioned NCR once its dispositions are verified done."""
    ncr = get_ncr(session, number, lock=True)
    user = get_user(session, actor)
    rules.check_close(number=number, status=ncr.status, reason=reason,
                      unverified=unverified(session, ncr) if ncr.status == "dispositioned" else []
                      ).raise_if_refused("close_refused")
    ncr.status, ncr.closed_at, ncr.closed_by_id = "closed", utcnow(), user.id
    audit.record(session, actor=actor, action="ncr.closed", record_type="ncr", record_id=number,
                 before={"status": "dispositioned"}, after={"status": "closed"}, reason=reason.strip())
    return ncr


@transactional
def attach(session: Session, *, number: str, actor: str, filename: str, content_type: str,
           data: bytes) -> NcrAttachment:
    """Keep a photo or file with the NCR (its SHA-256 goes in the audit trail)."""
    ncr = get_ncr(session, number, lock=True)
    user = get_user(session, actor)
    rules.check_attachment(filename=filename, content_type=content_type, size=len(data)).raise_if_refused(
        "attachment_refused")
    digest = hashlib.sha256(data).hexdigest()
    row = NcrAttachment(ncr_id=ncr.id, filename=filename.strip(), content_type=content_type, sha256=digest,
                        size=len(data), data=data, added_at=utcnow(), added_by_id=user.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="ncr.attached", record_type="ncr", record_id=number,
                 after={"attachment": row.id, "filename": row.filename, "content_type": content_type,
                        "sha256": digest, "size": len(data)})
    return row


def attachment(session: Session, number: str, attachment_id: int) -> NcrAttachment:
    ncr = get_ncr(session, number)
    row = session.get(NcrAttachment, attachment_id)
    if row is None or row.ncr_id != ncr.id:
        raise NotFound("attachment_not_found", f"{number} has no attachment {attachment_id}")
    return row


# ---------------------------------------------------------------- reading NCRs

def _row(ncr: NonConformance, now: datetime) -> dict:
    unit_lot = ncr.unit.lot if ncr.unit_id else ncr.lot
    end = ncr.closed_at or now
    return {"number": ncr.number, "status": ncr.status, "severity": ncr.severity, "defect_code": ncr.defect_code,
            "serial": ncr.unit.serial if ncr.unit_id else None, "lot": unit_lot.number if unit_lot else None,
            "material_lot": ncr.material_lot.lot_number if ncr.material_lot_id else None,
            "supplier": ncr.supplier.code if ncr.supplier_id else None,
            "operation": ncr.operation.sequence if ncr.operation_id else None,
            "characteristic": ncr.characteristic.code if ncr.characteristic_id else None,
            "quantity": ncr.quantity, "opened_at": _iso(ncr.opened_at), "closed_at": _iso(ncr.closed_at),
            "capa": ncr.capa.number if ncr.capa_id else None, "description": ncr.description,
            "recurring": ncr.recurring, "program": ncr.program.code if ncr.program_id else None,
            "age_days": round((end - ncr.opened_at).total_seconds() / 86400, 1)}


def list_ncrs(session: Session, *, program: str | None = None, status: str | None = None,
              severity: str | None = None, supplier: str | None = None, serial: str | None = None,
              lot: str | None = None) -> list[dict]:
    """NCRs, newest first, filtered by program, status, severity, supplier, unit or lot."""
    query = select(NonConformance).order_by(NonConformance.id.desc()).options(
        selectinload(NonConformance.unit).selectinload(Unit.lot), selectinload(NonConformance.lot),
        *(selectinload(getattr(NonConformance, r)) for r in ("material_lot", "supplier", "operation",
                                                             "characteristic", "capa", "program")))
    if program:
        query = query.where(NonConformance.program_id == get_program(session, program).id)
    if status:
        query = query.where(NonConformance.status == status)
    if severity:
        query = query.where(NonConformance.severity == severity)
    if supplier:
        query = query.join(Supplier, Supplier.id == NonConformance.supplier_id).where(Supplier.code == supplier)
    if serial:
        query = query.where(NonConformance.unit_id == execution.get_unit(session, serial).id)
    if lot:
        lot_id = get_lot(session, lot).id
        query = query.where((NonConformance.lot_id == lot_id)
                            | NonConformance.unit_id.in_(select(Unit.id).where(Unit.lot_id == lot_id)))
    now = utcnow()
    return [_row(n, now) for n in session.execute(query).scalars()]


def ncr_detail(session: Session, number: str) -> dict:
    """Everything on the NCR page and `lrip ncr show`: the record, its proposal and signatures,
    the disposition trail with each decision's signatures, files, holds and the audit history."""
    ncr = get_ncr(session, number)
    signed, missing = _signatures(session, ncr)
    every = signatures_for(session, "ncr", number)
    holds = session.execute(select(Hold).where(Hold.ncr_id == ncr.id).order_by(Hold.id)).scalars().all()
    files = session.execute(select(NcrAttachment.id, NcrAttachment.filename, NcrAttachment.content_type,
                                   NcrAttachment.size, NcrAttachment.sha256, NcrAttachment.added_at)
                            .where(NcrAttachment.ncr_id == ncr.id).order_by(NcrAttachment.id)).all()
    m = session.get(Measurement, ncr.measurement_id) if ncr.measurement_id else None
    c = ncr.characteristic
    proposal = _proposal(ncr)
    return _row(ncr, utcnow()) | {
        "subject": _subject(ncr), "subject_label": _subject_label(ncr),
        "operation_name": ncr.operation.name if ncr.operation_id else None,
        "characteristic_name": c.name if c else None,
        "limits": {"kind": c.kind, "lsl": c.lsl, "usl": c.usl, "units": c.units} if c else None,
        "measured": None if m is None else {"value": m.value, "passed": m.passed, "gauge": m.gauge,
                                            "recorded_at": _iso(m.recorded_at)},
        "opened_by": ncr.opened_by.username, "closed_by": ncr.closed_by.username if ncr.closed_by_id else None,
        "remaining": _remaining(ncr),
        "required_signatures": list(required_signatures(session, ncr)),
        "proposal": None if proposal is None else proposal | {"signatures": signed, "missing": missing,
                                                              "signed": proposal["action"] in rules.SIGNED_ACTIONS},
        "dispositions": [{"action": d.action, "quantity": d.quantity, "reason": d.reason,
                          "rework_to": d.rework_to.sequence if d.rework_to_id else None,
                          "decided_by": d.decided_by.username, "decided_at": _iso(d.decided_at),
                          "signatures": [s for s in every if s["content_hash"] == d.content_hash]}
                         for d in ncr.dispositions],
        "holds": [{"id": h.id, "opened_at": _iso(h.opened_at), "released_at": _iso(h.released_at),
                   "disposition": h.disposition} for h in holds],
        "attachments": [{"id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
                         "sha256": f.sha256, "added_at": _iso(f.added_at)} for f in files],
        "history": [{"at": _iso(e.at), "actor": e.actor, "action": e.action, "reason": e.reason}
                    for e in reversed(audit.history(session, "ncr", number))],
    }


def open_ncr_for_unit(session: Session, serial: str) -> list[str]:
    """The numbers of the NCRs holding this unit now (oldest first)."""
    unit = execution.get_unit(session, serial)
    return list(session.execute(select(NonConformance.number).join(Hold, Hold.ncr_id == NonConformance.id).where(
        Hold.unit_id == unit.id, Hold.released_at.is_(None)).order_by(NonConformance.id)).scalars().unique())


def recurring_defects(session: Session, *, program: str | None = None, count: int | None = None,
                      days: int | None = None) -> list[dict]:
    """Defect code × operation groups with at least `count` NCRs in the last `days` days."""
    k, window = recurrence_rule()
    count, days = count or k, days or window
    since = utcnow() - timedelta(days=days)
    query = (select(NonConformance.defect_code, Operation.sequence, Operation.name, func.count(NonConformance.id))
             .join(Operation, Operation.id == NonConformance.operation_id).where(NonConformance.opened_at >= since)
             .group_by(NonConformance.defect_code, Operation.sequence, Operation.name)
             .having(func.count(NonConformance.id) >= count))
    if program:
        query = query.where(NonConformance.program_id == get_program(session, program).id)
    return [{"defect_code": code, "operation": seq, "operation_name": name, "ncrs": n, "days": days}
            for code, seq, name, n in session.execute(query).all()]


# ---------------------------------------------------------------- CAPA

def _capa_ncrs(session: Session, capa: Capa) -> list[NonConformance]:
    return list(session.execute(select(NonConformance).where(NonConformance.capa_id == capa.id)
                                .order_by(NonConformance.id)).scalars())


@transactional
def open_capa(session: Session, *, actor: str, title: str, ncrs: list[str] = (), program: str | None = None,
              defect_code: str | None = None, operation: str | int | None = None,
              effectiveness_units: int = rules.EFFECTIVENESS_UNITS) -> Capa:
    """Open a CAPA by hand from one or more NCRs (their defect code and operation by default)."""
    user = get_user(session, actor)
    rows = [get_ncr(session, n, lock=True) for n in ncrs]
    reasons = []
    if not title.strip():
        reasons.append("a CAPA needs a title")
    reasons += [f"{n.number} is already under {n.capa.number}" for n in rows if n.capa_id]
    if effectiveness_units < 1:
        reasons.append("the effectiveness check needs at least 1 unit")
    if reasons:
        raise Refused("capa_refused", reasons)
    first = rows[0] if rows else None
    prog = get_program(session, program) if program else first.program if first else None
    op = first.operation if first and operation in (None, "") else None
    if operation not in (None, "") and prog is not None:
        op = _routing_item(get_lot_routing(session, prog), operation, None)[0]
    capa = Capa(number=f"new-{uuid.uuid4().hex[:12]}", status="open", title=title.strip(),
                program_id=prog.id if prog else None, defect_code=(defect_code or (first.defect_code if first else None)),
                operation_id=op.id if op else None, opened_at=utcnow(), opened_by_id=user.id,
                effectiveness_units=effectiveness_units)
    session.add(capa)
    session.flush()
    capa.number = f"CAPA-{capa.id:04d}"
    for n in rows:
        n.capa_id = capa.id
    audit.record(session, actor=actor, action="capa.opened", record_type="capa", record_id=capa.number,
                 after={"status": "open", "ncrs": [n.number for n in rows], "defect_code": capa.defect_code,
                        "operation": op.sequence if op else None}, reason=capa.title)
    return capa


def get_lot_routing(session: Session, prog: Program):
    lot = session.execute(select(Lot).where(Lot.program_id == prog.id).order_by(Lot.id.desc())).scalars().first()
    if lot is None:
        raise Refused("capa_refused", f"{prog.code} has no lot yet, so no routing to name an operation from")
    return lot.routing


@transactional
def update_capa(session: Session, *, number: str, actor: str, fields: dict, reason: str | None = None) -> Capa:
    """Fill in or change 8D fields (d1_team … d8_closure), the title or the effectiveness units.
    A proposed CAPA becomes open when the quality engineer first works on it; `status="rejected"`
    turns a proposal down (with the reason)."""
    capa = get_capa(session, number, lock=True)
    get_user(session, actor)
    allowed = set(rules.D_FIELDS) | {"title", "effectiveness_units", "status"}
    reasons = [f"'{k}' is not a CAPA field; the fields are {', '.join(sorted(allowed))}" for k in fields
               if k not in allowed]
    if capa.status in ("closed", "rejected"):
        reasons.append(f"{number} is {capa.status}")
    status = fields.get("status")
    if status is not None and not (status == "rejected" and capa.status == "proposed") and status != "open":
        reasons.append("a CAPA's status changes to open (accept a proposal) or rejected (turn a proposal down); "
                       "it closes with `capa close`")
    if status == "rejected" and not (reason or "").strip():
        reasons.append("turning a proposed CAPA down needs a reason")
    if "effectiveness_units" in fields and not (isinstance(fields["effectiveness_units"], int)
                                                and fields["effectiveness_units"] >= 1):
        reasons.append("the effectiveness check needs at least 1 unit")
    if reasons:
        raise Refused("capa_refused", reasons)
    before = {k: getattr(capa, k) for k in fields}
    before["status"] = capa.status
    for k, v in fields.items():
        setattr(capa, k, v.strip() if isinstance(v, str) else v)
    if capa.status == "proposed" and status is None:
        capa.status = "open"
    if "effectiveness_units" in fields or any(k in fields for k in ("d4_root_cause", "d5_corrective_action")):
        capa.effectiveness_verified_at = None  # what was verified is no longer what the CAPA says
    audit.record(session, actor=actor, action="capa.updated", record_type="capa", record_id=number, before=before,
                 after={**{k: getattr(capa, k) for k in fields}, "status": capa.status}, reason=reason)
    return capa


@transactional
def add_action(session: Session, *, number: str, actor: str, kind: str, description: str, owner: str,
               due_on: date) -> CapaAction:
    capa = get_capa(session, number, lock=True)
    get_user(session, actor)
    who = get_user(session, owner)
    reasons = list(rules.check_action(kind=kind, description=description, owner_active=who.active,
                                      owner=owner).reasons)
    if capa.status not in ("proposed", "open"):
        reasons.append(f"{number} is {capa.status}")
    if reasons:
        raise Refused("capa_refused", reasons)
    row = CapaAction(capa_id=capa.id, kind=kind, description=description.strip(), owner_id=who.id, due_on=due_on)
    session.add(row)
    if capa.status == "proposed":
        capa.status = "open"
    capa.effectiveness_verified_at = None
    session.flush()
    audit.record(session, actor=actor, action="capa.action_added", record_type="capa", record_id=number,
                 after={"action": row.id, "kind": kind, "owner": owner, "due_on": due_on}, reason=row.description)
    return row


@transactional
def complete_action(session: Session, *, number: str, action_id: int, actor: str, done_on: date,
                    note: str | None = None) -> CapaAction:
    capa = get_capa(session, number, lock=True)
    get_user(session, actor)
    row = session.get(CapaAction, action_id)
    if row is None or row.capa_id != capa.id:
        raise NotFound("capa_action_not_found", f"{number} has no action {action_id}")
    reasons = []
    if row.done_on is not None:
        reasons.append(f"action {action_id} of {number} was already done on {row.done_on}")
    if done_on > utcnow().date():
        reasons.append(f"{done_on} is in the future")
    if reasons:
        raise Refused("capa_refused", reasons)
    row.done_on = done_on
    capa.effectiveness_verified_at = None
    audit.record(session, actor=actor, action="capa.action_done", record_type="capa", record_id=number,
                 after={"action": action_id, "done_on": done_on}, reason=note)
    return row


def _effectiveness(session: Session, capa: Capa):
    """(verdict, facts): N units through the operation since the last corrective or preventive
    action was done, and NCRs of the defect code there since. Actions are done on a day, so the
    count starts the day after: nothing from before the fix can pass for after it."""
    open_actions = [f"{a.kind} '{a.description}' ({a.owner.username}, due {a.due_on})"
                    for a in capa.actions if a.done_on is None]
    done = [a.done_on for a in capa.actions if a.kind != "containment" and a.done_on is not None]
    since = max(done) if done else None
    op = capa.operation
    facts = {"since": since.isoformat() if since else None, "units_after": 0, "needed": capa.effectiveness_units,
             "recurrences": []}
    if since is not None and op is not None:
        start = datetime.combine(since + timedelta(days=1), time(), timezone.utc)  # from the day after
        seq_ops = select(Operation.id).where(Operation.sequence == op.sequence, Operation.routing_id.in_(
            select(Lot.routing_id).where(Lot.program_id == capa.program_id)))
        units = select(OperationRecord.unit_id).join(Unit, Unit.id == OperationRecord.unit_id).join(Lot).where(
            Lot.program_id == capa.program_id, OperationRecord.operation_id.in_(seq_ops),
            OperationRecord.started_at >= start).distinct()
        facts["units_after"] = session.execute(select(func.count()).select_from(units.subquery())).scalar_one()
        facts["recurrences"] = list(session.execute(select(NonConformance.number).where(
            NonConformance.defect_code == capa.defect_code, NonConformance.operation_id.in_(seq_ops),
            NonConformance.opened_at >= start).order_by(NonConformance.id)).scalars())
    elif op is None:
        open_actions.append("name the operation the defect occurs at, to check for recurrence there")
    check = rules.effectiveness(units_after=facts["units_after"], needed=capa.effectiveness_units,
                                recurrences=facts["recurrences"], actions_open=open_actions,
                                operation=_op_label(op), since=since)
    return check, facts


@transactional
def verify_effectiveness(session: Session, *, number: str, actor: str) -> dict:
    """Check the CAPA worked: no recurrence over the next N units. Refused, with why, until it did."""
    capa = get_capa(session, number, lock=True)
    get_user(session, actor)
    check, facts = _effectiveness(session, capa)
    reasons = list(check.reasons)
    if capa.status != "open":
        reasons.insert(0, f"{number} is {capa.status}; only an open CAPA is verified")
    if reasons:
        raise Refused("effectiveness_refused", reasons)
    capa.effectiveness_verified_at = utcnow()
    capa.effectiveness_note = (f"{facts['units_after']} units through {_op_label(capa.operation)} since "
                               f"{facts['since']}, no {capa.defect_code} there")
    audit.record(session, actor=actor, action="capa.verified", record_type="capa", record_id=number,
                 after={"effectiveness_verified": True, **facts}, reason=capa.effectiveness_note)
    return facts | {"verified": True, "note": capa.effectiveness_note}


@transactional
def close_capa(session: Session, *, number: str, actor: str, reason: str) -> Capa:
    capa = get_capa(session, number, lock=True)
    user = get_user(session, actor)
    missing = [rules.D_WORDS[f] for f in rules.D_FIELDS if not (getattr(capa, f) or "").strip()]
    open_ncrs = [n.number for n in _capa_ncrs(session, capa) if n.status != "closed"]
    reasons = list(rules.check_capa_close(number=number, status=capa.status, missing_fields=missing,
                                          verified=capa.effectiveness_verified_at is not None,
                                          open_ncrs=open_ncrs).reasons)
    if not reason.strip():
        reasons.append("closing a CAPA needs a note")
    if reasons:
        raise Refused("capa_close_refused", reasons)
    capa.status, capa.closed_at, capa.closed_by_id = "closed", utcnow(), user.id
    audit.record(session, actor=actor, action="capa.closed", record_type="capa", record_id=number,
                 before={"status": "open"}, after={"status": "closed"}, reason=reason.strip())
    return capa


def _capa_row(capa: Capa, ncrs: list[str]) -> dict:
    return {"number": capa.number, "status": capa.status, "ncrs": ncrs,
            "effectiveness_verified": capa.effectiveness_verified_at is not None, "closed_at": _iso(capa.closed_at),
            "title": capa.title, "defect_code": capa.defect_code,
            "operation": capa.operation.sequence if capa.operation_id else None,
            "program": capa.program.code if capa.program_id else None, "opened_at": _iso(capa.opened_at),
            "actions_open": sum(1 for a in capa.actions if a.done_on is None)}


def list_capas(session: Session, *, program: str | None = None) -> list[dict]:
    query = select(Capa).order_by(Capa.id.desc())
    if program:
        query = query.where(Capa.program_id == get_program(session, program).id)
    capas = session.execute(query).scalars().all()
    links: dict[int, list[str]] = {}
    if capas:
        for capa_id, number in session.execute(select(NonConformance.capa_id, NonConformance.number).where(
                NonConformance.capa_id.in_([c.id for c in capas])).order_by(NonConformance.id)):
            links.setdefault(capa_id, []).append(number)
    return [_capa_row(c, links.get(c.id, [])) for c in capas]


def capa_detail(session: Session, number: str) -> dict:
    capa = get_capa(session, number)
    ncrs = _capa_ncrs(session, capa)
    check, facts = _effectiveness(session, capa)
    return _capa_row(capa, [n.number for n in ncrs]) | {
        **{f: getattr(capa, f) for f in rules.D_FIELDS},
        "operation_name": capa.operation.name if capa.operation_id else None,
        "opened_by": capa.opened_by.username, "effectiveness_units": capa.effectiveness_units,
        "effectiveness_verified_at": _iso(capa.effectiveness_verified_at),
        "effectiveness_note": capa.effectiveness_note,
        "effectiveness": facts | {"ready": check.allowed, "reasons": list(check.reasons)},
        "actions": [{"id": a.id, "kind": a.kind, "description": a.description, "owner": a.owner.username,
                     "due_on": a.due_on.isoformat(), "done_on": a.done_on.isoformat() if a.done_on else None}
                    for a in capa.actions],
        "linked_ncrs": [{"number": n.number, "status": n.status, "serial": n.unit.serial if n.unit_id else None,
                         "opened_at": _iso(n.opened_at), "description": n.description} for n in ncrs],
        "history": [{"at": _iso(e.at), "actor": e.actor, "action": e.action, "reason": e.reason}
                    for e in reversed(audit.history(session, "capa", number))],
    }
