"""The Material Review Board: a disposition is proposed (put under review), signed by the roles the phase
policy asks for (use-as-is and repair), decided, and the NCR closed once the decision is verified done.

A decision on a unit releases the holds its NCR put on it (scrap releases every hold: nothing more is
done to a scrapped unit) and tells execution what the unit does next (`release_from_hold`); on a
material lot it accepts, scraps or returns the quantity, or decides units the NCR contained (together or
one by one, each as a unit's own NCR would: lrip.nonconformance.containment). Execution never calls back
here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command
from lrip.auth.signatures import content_hash, sign_decision
from lrip.catalog.models import Operation
from lrip.catalog.service import find_operation
from lrip.db import get_one, utcnow
from lrip.errors import Refused
from lrip.execution.models import OperationRecord, Unit
from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.execution.service import release_from_hold
from lrip.nonconformance import containment, rules
from lrip.nonconformance.models import NcrDisposition, NonConformance
from lrip.nonconformance.ncr import (MRB, detail_of, get_ncr, open_holds, proposal_content, proposer, remaining,
                                     signature_state, signed_in, subject_of)
from lrip.nonconformance.rules import Disposition, NcrStatus, Subject
from lrip.nonconformance.schemas import NcrDetail, SignatureOut, UnitDispositioned
from lrip.supply.rules import LotStatus as MaterialStatus


def _rework_op(ncr: NonConformance, rework_to, units: list[Unit] | None) -> Operation | None:
    if rework_to in (None, "") or not (ncr.unit_id or units):
        return None  # only a unit is reworked: check_proposal says so
    return find_operation((ncr.unit if ncr.unit_id else units[0]).lot.routing, rework_to)


def _view(session: Session, ncr: NonConformance) -> rules.DispositionView:
    """The NCR and its proposal as the disposition rules see them."""
    subject = subject_of(ncr)
    reached, problem = (), None
    if subject == Subject.UNIT:
        unit = ncr.unit
        reached = tuple(sorted(set(session.execute(
            select(Operation.sequence).join(OperationRecord, OperationRecord.operation_id == Operation.id).where(
                OperationRecord.unit_id == unit.id,
                OperationRecord.status.in_((RecordStatus.COMPLETE, RecordStatus.IN_WORK)))).scalars())))
        if unit.status == UnitStatus.SCRAPPED and ncr.proposed_action != Disposition.SCRAP:
            problem = f"{unit.serial} is scrapped"
        elif unit.status != UnitStatus.SCRAPPED and not open_holds(session, unit.id, ncr_id=ncr.id):
            problem = f"{unit.serial} is not on hold"
    elif subject == Subject.MATERIAL_LOT and ncr.proposed_action in (Disposition.SCRAP, Disposition.RETURN_TO_SUPPLIER):
        on_hand = ncr.material_lot.quantity_on_hand
        if (ncr.proposed_quantity or 0) > on_hand + 1e-9:
            problem = f"material lot {ncr.material_lot.lot_number} has only {on_hand:g} on hand"
    return rules.DispositionView(
        number=ncr.number, status=ncr.status, subject=subject, action=ncr.proposed_action or "",
        quantity=ncr.proposed_quantity if ncr.proposed_quantity is not None else 0.0, remaining=remaining(ncr),
        reason=ncr.proposed_reason or "",
        rework_sequence=ncr.proposed_rework_to.sequence if ncr.proposed_rework_to else None,
        reached_sequences=reached, unit_label=ncr.unit.serial if ncr.unit_id else None, unit_problem=problem,
        supplier=ncr.supplier.code if ncr.supplier else None, units=containment.views(session, ncr))


def _propose(ncr: NonConformance, actor: Actor, *, action: str, reason: str, quantity: float | None,
             rework_to, units: list[Unit] | None = None) -> None:
    """A new version of the proposal, by `actor`: signatures given to an earlier one do not count for it.
    `units`: the contained units it decides (each whole), instead of the NCR's own subject."""
    ncr.proposal_version += 1
    ncr.proposed_by_id = actor.id
    ncr.proposed_action, ncr.proposed_reason = str(action), (reason or "").strip()
    ncr.proposed_units = [u.serial for u in units] if units else None
    ncr.proposed_quantity = (float(len(units)) if units else float(quantity) if quantity is not None
                             else remaining(ncr))
    ncr.proposed_rework_to = _rework_op(ncr, rework_to, units) if action == Disposition.REWORK else None


@command("hold.disposition")
def review(session: Session, actor: Actor, *, number: str, action: str, reason: str, quantity: float | None = None,
           rework_to: str | int | None = None, units: list[str] | None = None,
           contained: bool = False) -> NcrDetail:
    """Put a disposition before the MRB: the NCR goes under review and signatures are given to
    exactly this version of the proposal (proposing again, even the same, needs them again). On a material
    lot, `units` (or `contained`: every one still held) are the contained units it decides."""
    ncr = get_ncr(session, number, lock=True)
    before = {"status": ncr.status, "proposal": proposal_content(ncr)}
    _propose(ncr, actor, action=action, reason=reason, quantity=quantity, rework_to=rework_to,
             units=containment.named(session, ncr, units, contained))
    rules.check_proposal(_view(session, ncr)).raise_if_refused("review_refused")
    ncr.status = rules.next_ncr_status(ncr.status, "review")
    session.flush()
    audit.record(session, actor=actor, action="ncr.reviewed", record_type="ncr", record_id=ncr.number,
                 before=before, after={"status": ncr.status, "proposal": proposal_content(ncr)},
                 reason=ncr.proposed_reason)
    return detail_of(session, ncr)


@command("signature.sign")
def sign_disposition(session: Session, actor: Actor, *, number: str, password: str,
                     role: str | None = None) -> SignatureOut:
    """Sign the use-as-is or repair under MRB review as the signed-in person, the password asked again, in
    a role the signed-decisions table asks for (lrip.auth.decisions: the proposer's signature is no
    independent engineering or program approval)."""
    ncr = get_ncr(session, number, lock=True)
    rules.check_sign(number=ncr.number, status=ncr.status, action=ncr.proposed_action
                     ).raise_if_refused("signature_refused")
    phase, also = signed_in(session, ncr)
    s = sign_decision(session, actor, decision=MRB, phase=phase, record_type="ncr", record_id=ncr.number,
                      content=proposal_content(ncr), password=password, role=role, author=proposer(ncr),
                      also=also, record=f"{ncr.number}'s {ncr.proposed_action.replace('_', ' ')}")
    return SignatureOut(ncr=ncr.number, username=s.username, name=s.printed_name, role=s.role, meaning=s.meaning,
                        signed_at=s.signed_at, content_hash=s.content_hash, missing=signature_state(session, ncr)[1])


def _decide(session: Session, actor: Actor, ncr: NonConformance, *, action: str | None, reason: str | None,
            quantity: float | None, rework_to, units: list[Unit] | None = None,
            at: datetime | None = None) -> None:
    """Decide the proposal under review, or the one given (it replaces the one under review)."""
    before = {"status": ncr.status}
    if action is not None:
        rework = ncr.proposed_rework_to
        same = (ncr.proposed_action == action and (reason is None or reason.strip() == ncr.proposed_reason)
                and (quantity is None or quantity == ncr.proposed_quantity)
                and (rework_to in (None, "") or (rework is not None
                                                 and str(rework_to) in (str(rework.sequence), rework.name)))
                and (units is None or [u.serial for u in units] == ncr.proposed_units))
        if not same:
            _propose(ncr, actor, action=action, reason=reason or "", quantity=quantity, rework_to=rework_to,
                     units=units)
    elif ncr.proposed_action is None:
        raise Refused("disposition_refused", f"{ncr.number} has no disposition under MRB review; name one")
    signed, missing = signature_state(session, ncr)
    rules.check_disposition(_view(session, ncr), missing).raise_if_refused("disposition_refused")
    proposal = proposal_content(ncr)
    decision = NcrDisposition(action=ncr.proposed_action, quantity=ncr.proposed_quantity,
                              rework_to=ncr.proposed_rework_to, reason=ncr.proposed_reason, decided_at=at or utcnow(),
                              decided_by_id=actor.id, content_hash=content_hash(proposal), units=ncr.proposed_units)
    ncr.dispositions.append(decision)
    _apply(session, actor, ncr, decision)
    session.flush()
    outstanding = remaining(ncr) + (len(containment.held(session, ncr)) if ncr.material_lot_id else 0)
    ncr.status = rules.next_ncr_status(ncr.status, "disposition", remaining=outstanding)
    ncr.proposed_action = ncr.proposed_reason = ncr.proposed_quantity = ncr.proposed_rework_to_id = None
    ncr.proposed_units = None
    audit.record(session, actor=actor, action="ncr.dispositioned", record_type="ncr", record_id=ncr.number,
                 before=before, after={"status": ncr.status, "disposition": proposal,
                                       "signatures": [s.id for s in signed if s.valid]},
                 reason=decision.reason)


def _release(session: Session, actor: Actor, ncr: NonConformance, unit: Unit, d: NcrDisposition) -> None:
    """The decision on one unit: release its hold under the NCR (scrap: every hold) and tell execution."""
    if unit.status == UnitStatus.SCRAPPED:
        return  # scrapped under another NCR: nothing left to do to it
    held = open_holds(session, unit.id, lock=True)
    for h in held:
        if h.ncr_id == ncr.id or d.action == Disposition.SCRAP:
            h.released_at, h.released_by_id, h.disposition, h.disposition_note = (d.decided_at, actor.id, d.action,
                                                                                   d.reason)
    release_from_hold(session, actor, unit_id=unit.id, disposition=d.action, reason=d.reason,
                      rework_to=d.rework_to.sequence if d.rework_to else None,
                      still_held=any(h.released_at is None for h in held), at=d.decided_at)


def _apply(session: Session, actor: Actor, ncr: NonConformance, d: NcrDisposition) -> None:
    """What the decision does to the thing itself: the unit, the contained units named, or the material."""
    if ncr.unit_id:
        _release(session, actor, ncr, ncr.unit, d)
    elif d.units:
        for unit in session.execute(select(Unit).where(Unit.serial.in_(d.units)).order_by(Unit.id)
                                    .with_for_update()).scalars():
            _release(session, actor, ncr, unit, d)
    elif ncr.material_lot_id:
        lot = ncr.material_lot
        before = {"status": lot.status, "on_hand": lot.quantity_on_hand}
        if d.action == Disposition.USE_AS_IS:
            # the MRB's decision, kept on the lot: consumption lets it in whatever its part revision
            lot.status, lot.use_as_is_ncr = MaterialStatus.ACCEPTED, ncr.number
        else:
            lot.quantity_on_hand = max(0.0, lot.quantity_on_hand - d.quantity)
            if lot.quantity_on_hand <= 1e-9:
                lot.status = MaterialStatus.REJECTED
        audit.record(session, actor=actor, action="material_lot.dispositioned", record_type="material_lot",
                     record_id=lot.lot_number, before=before,
                     after={"status": lot.status, "on_hand": lot.quantity_on_hand, "disposition": d.action,
                            "quantity": d.quantity, "supplier": ncr.supplier.code if ncr.supplier else None},
                     reason=f"{ncr.number}: {d.reason}")


@command("hold.disposition")
def disposition(session: Session, actor: Actor, *, number: str, action: str | None = None,
                reason: str | None = None, quantity: float | None = None, rework_to: str | int | None = None,
                units: list[str] | None = None, contained: bool = False, at: datetime | None = None) -> NcrDetail:
    """Decide the NCR (or some of its quantity, or some of the units it contained): the proposal under review,
    or the one given here. Use-as-is and repair are refused until every signature the phase policy asks for
    is on it. `at`: when the MRB decided, if not now (a record entered after the meeting)."""
    ncr = get_ncr(session, number, lock=True)
    _decide(session, actor, ncr, action=action, reason=reason, quantity=quantity, rework_to=rework_to,
            units=containment.named(session, ncr, units, contained) if action is not None else None, at=at)
    return detail_of(session, ncr)


@command("hold.disposition")
def disposition_unit(session: Session, actor: Actor, *, serial: str, action: str, reason: str,
                     rework_to: str | int | None = None) -> UnitDispositioned:
    """Disposition the NCR holding a unit (use as is, repair, rework back to an operation, scrap), which
    releases its hold; a unit held by several NCRs is dispositioned NCR by NCR."""
    unit = get_one(session, Unit, "unit", lock=True, serial=serial)
    numbers = list(dict.fromkeys(h.ncr.number for h in open_holds(session, unit.id) if h.ncr_id))
    if not numbers:
        raise Refused("disposition_refused", f"{unit.serial} is not on hold")
    if len(numbers) > 1:
        raise Refused("disposition_refused", f"{unit.serial} is held by {len(numbers)} NCRs ({', '.join(numbers)}); "
                                             "disposition each one (lrip ncr disposition NUMBER)")
    ncr = get_ncr(session, numbers[0], lock=True)
    _decide(session, actor, ncr, action=action, reason=reason, quantity=None, rework_to=rework_to,
            units=[unit] if ncr.material_lot_id else None)
    return UnitDispositioned(serial=unit.serial, lot=unit.lot.number, status=unit.status, ncr=ncr.number,
                             disposition=action)


def unverified(session: Session, ncr: NonConformance) -> list[str]:
    """Dispositions not verified done yet: a rework is done when each unit it sent back has completed the
    operation it went back to again."""
    problems = []
    for d in ncr.dispositions:
        if d.action != Disposition.REWORK:
            continue
        units = [ncr.unit] if ncr.unit_id else list(session.execute(
            select(Unit).where(Unit.serial.in_(d.units or ())).order_by(Unit.id)).scalars())
        problems += [f"{unit.serial} has not completed operation {d.rework_to.sequence} ({d.rework_to.name}) "
                     "again since the rework" for unit in units
                     if unit.status != UnitStatus.SCRAPPED and not _redone(session, unit.id, d)]
    return problems


def _redone(session: Session, unit_id: int, d: NcrDisposition) -> bool:
    """The operation reworked to (by its sequence: contained units may be on another routing revision) has a
    complete attempt after the last reworked one."""
    attempts = (select(OperationRecord.id).join(Operation, Operation.id == OperationRecord.operation_id)
                .where(OperationRecord.unit_id == unit_id, Operation.sequence == d.rework_to.sequence))
    reworked = session.execute(select(func.max(OperationRecord.attempt)).where(
        OperationRecord.id.in_(attempts), OperationRecord.status == RecordStatus.REWORKED)).scalar_one()
    if reworked is None:
        return False
    return session.execute(select(OperationRecord.id).where(
        OperationRecord.id.in_(attempts), OperationRecord.status == RecordStatus.COMPLETE,
        OperationRecord.attempt > reworked)).first() is not None


@command("hold.disposition")
def close_ncr(session: Session, actor: Actor, *, number: str, reason: str, at: datetime | None = None) -> NcrDetail:
    """Close a dispositioned NCR once its dispositions are verified done; `at`: when it was verified, if not
    now (a record entered after the fact)."""
    ncr = get_ncr(session, number, lock=True)
    rules.check_close(number=ncr.number, status=ncr.status, reason=reason,
                      unverified=unverified(session, ncr) if ncr.status == NcrStatus.DISPOSITIONED else []
                      ).raise_if_refused("close_refused")
    ncr.status, ncr.closed_at, ncr.closed_by_id = rules.next_ncr_status(ncr.status, "close"), at or utcnow(), actor.id
    audit.record(session, actor=actor, action="ncr.closed", record_type="ncr", record_id=ncr.number,
                 before={"status": NcrStatus.DISPOSITIONED}, after={"status": ncr.status}, reason=reason.strip())
    return detail_of(session, ncr)
