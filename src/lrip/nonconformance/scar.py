"""Supplier corrective action requests (SCAR): quality asks the supplier of an NCR's material to find and
correct the cause, by a due date; the supplier's response is recorded as it came (suppliers have no
account here: quality or supply chain records it); quality verifies its effect — effective closes the SCAR,
not effective sends it back with a new due date. Open and overdue SCARs count on the supplier's scorecard
(lrip.quality.scorecard)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.db import get_one, utcnow
from lrip.nonconformance import rules
from lrip.nonconformance.capa import history
from lrip.nonconformance.models import NonConformance, Scar
from lrip.nonconformance.rules import ScarStatus
from lrip.nonconformance.schemas import ScarDetail, ScarRow
from lrip.supply.models import Supplier


def get_scar(session: Session, number: str, *, lock: bool = False) -> Scar:
    return get_one(session, Scar, "SCAR", lock=lock, number=number)


def _row(scar: Scar, today: date) -> dict:
    return dict(number=scar.number, status=scar.status, supplier=scar.supplier.code, supplier_name=scar.supplier.name,
                ncr=scar.ncr.number, due_on=scar.due_on, round=scar.round,
                overdue=rules.scar_overdue(scar.status, scar.due_on, today), raised_at=scar.raised_at,
                responded_on=scar.responded_on, closed_at=scar.closed_at)


def _detail(session: Session, scar: Scar) -> ScarDetail:
    session.flush()
    session.expire(scar, ["response_recorded_by", "verified_by"])  # set by id just now
    n = scar.ncr
    return ScarDetail(**_row(scar, utcnow().date()), request=scar.request, raised_by=scar.raised_by.username,
                      response=scar.response, verification=scar.verification, verified_at=scar.verified_at,
                      response_recorded_by=scar.response_recorded_by.username if scar.response_recorded_by else None,
                      verified_by=scar.verified_by.username if scar.verified_by else None,
                      ncr_description=n.description,
                      material_lot=n.material_lot.lot_number if n.material_lot_id else None,
                      history=history(session, "scar", scar.number))


@command("scar.manage")
def raise_scar(session: Session, actor: Actor, *, ncr: str, request: str, due_on: date) -> ScarDetail:
    """Ask the supplier of an NCR's material for its corrective action, with the date their response is due."""
    n = get_one(session, NonConformance, "NCR", lock=True, number=ncr)
    open_scar = session.execute(select(Scar.number).where(Scar.ncr_id == n.id, Scar.status != ScarStatus.CLOSED)
                                ).scalar_one_or_none()
    rules.check_scar_raise(ncr=n.number, supplier=n.supplier.code if n.supplier_id else None, open_scar=open_scar,
                           request=request, due_on=due_on, today=utcnow().date()).raise_if_refused("scar_refused")
    scar = Scar(number=f"new-{uuid.uuid4().hex[:12]}", status=ScarStatus.OPEN, supplier_id=n.supplier_id,
                ncr_id=n.id, request=request.strip(), due_on=due_on, round=1, raised_at=utcnow(),
                raised_by_id=actor.id)
    session.add(scar)
    session.flush()
    scar.number = f"SCAR-{scar.id:04d}"  # numbered from its id: unique without a race
    session.flush()
    audit.record(session, actor=actor, action="scar.raised", record_type="scar", record_id=scar.number,
                 after={"status": scar.status, "supplier": n.supplier.code, "ncr": n.number,
                        "due_on": due_on.isoformat()}, reason=scar.request)
    return _detail(session, scar)


@command("scar.manage")
def record_response(session: Session, actor: Actor, *, number: str, response: str,
                    responded_on: date | None = None) -> ScarDetail:
    """Record the supplier's response as it came (containment, root cause, corrective action)."""
    scar = get_scar(session, number, lock=True)
    today = utcnow().date()
    on = responded_on or today
    rules.check_scar_step(number=scar.number, status=scar.status, step="respond", text=response, on=on,
                          raised_on=scar.raised_at.date(), today=today).raise_if_refused("scar_refused")
    before = {"status": scar.status}
    scar.status = rules.next_scar_status(scar.status, "respond")
    scar.response, scar.responded_on, scar.response_recorded_by_id = response.strip(), on, actor.id
    audit.record(session, actor=actor, action="scar.responded", record_type="scar", record_id=scar.number,
                 before=before, after={"status": scar.status, "responded_on": on.isoformat(),
                                       "late": on > scar.due_on}, reason=scar.response)
    return _detail(session, scar)


@command("scar.verify")
def verify_scar(session: Session, actor: Actor, *, number: str, effective: bool, verification: str,
                due_on: date | None = None) -> ScarDetail:
    """Verify the response's effect: effective closes the SCAR; not effective sends it back to the supplier,
    due again on `due_on`."""
    scar = get_scar(session, number, lock=True)
    step = "accept" if effective else "reject"
    rules.check_scar_step(number=scar.number, status=scar.status, step=step, text=verification,
                          today=utcnow().date(), new_due=due_on).raise_if_refused("scar_refused")
    before = {"status": scar.status, "due_on": scar.due_on.isoformat()}
    scar.status = rules.next_scar_status(scar.status, step)
    scar.verification, scar.verified_at, scar.verified_by_id = verification.strip(), utcnow(), actor.id
    if effective:
        scar.closed_at = scar.verified_at
    else:
        scar.due_on, scar.round = due_on, scar.round + 1
    audit.record(session, actor=actor, action="scar.verified", record_type="scar", record_id=scar.number,
                 before=before, after={"status": scar.status, "effective": effective,
                                       "due_on": scar.due_on.isoformat(), "round": scar.round},
                 reason=scar.verification)
    return _detail(session, scar)


@query()
def list_scars(session: Session, actor: Actor, *, supplier: str | None = None,
               status: str | None = None) -> list[ScarRow]:
    """SCARs, newest first, by supplier and status, each saying whether the supplier's response is overdue."""
    found = select(Scar).order_by(Scar.id.desc()).options(selectinload(Scar.supplier), selectinload(Scar.ncr))
    if supplier:
        found = found.where(Scar.supplier_id == get_one(session, Supplier, "supplier", code=supplier).id)
    if status:
        found = found.where(Scar.status == status)
    today = utcnow().date()
    return [ScarRow(**_row(s, today)) for s in session.execute(found).scalars()]


@query()
def scar_detail(session: Session, actor: Actor, *, number: str) -> ScarDetail:
    """A SCAR with the NCR it came from, the supplier's response, its verification and history."""
    return _detail(session, get_scar(session, number))
