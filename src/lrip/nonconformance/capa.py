"""Corrective and preventive actions (CAPA, 8D): proposed by a recurring defect or opened by hand from
NCRs; actions with owners and dates; closed only once its effectiveness is verified (no recurrence at
the operation over the next N units after the actions)."""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.auth.decisions import Decision
from lrip.auth.models import Signature
from lrip.auth.signatures import sign_decision
from lrip.auth.service import get_user
from lrip.catalog.models import Operation
from lrip.catalog.service import find_operation
from lrip.db import get_one, utcnow
from lrip.errors import NotFound, Refused, verdict
from lrip.execution.models import OperationRecord, Unit
from lrip.nonconformance import rules
from lrip.nonconformance.codes import meaning_of
from lrip.nonconformance.models import Capa, CapaAction, NonConformance
from lrip.nonconformance.rules import CapaStatus
from lrip.nonconformance.schemas import (CapaActionOut, CapaDetail, CapaRow, Effectiveness, HistoryOut, LinkedNcr,
                                         VerifyOut)
from lrip.program.models import Lot
from lrip.program.service import current_routing, get_program


def recurrence_rule() -> tuple[int, int]:
    """(K, days): K NCRs of one defect code at one operation within `days` is a recurring defect.
    Set LRIP_RECURRENCE_COUNT / LRIP_RECURRENCE_DAYS to change the defaults (3 in 30 days)."""
    return (int(os.environ.get("LRIP_RECURRENCE_COUNT", rules.RECURRENCE_COUNT)),
            int(os.environ.get("LRIP_RECURRENCE_DAYS", rules.RECURRENCE_DAYS)))


def get_capa(session: Session, number: str, *, lock: bool = False) -> Capa:
    return get_one(session, Capa, "CAPA", lock=lock, number=number)


def _numbered(session: Session, capa: Capa) -> Capa:
    """Insert the CAPA and number it from its id (CAPA-0042: unique without a race)."""
    session.add(capa)
    session.flush()
    capa.number = f"CAPA-{capa.id:04d}"
    session.flush()
    return capa


def _op_label(op: Operation | None) -> str:
    return f"operation {op.sequence} ({op.name})" if op else "no operation"


# ---------------------------------------------------------------- a recurring defect proposes one

def propose_on_recurrence(session: Session, actor: Actor, ncr: NonConformance) -> None:
    """K or more NCRs of this defect code at this operation within the window: flag them all recurring
    and propose one CAPA for them (or add them to the CAPA already proposed or open). Called as the NCR
    is raised, inside its use case."""
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
    capa = session.execute(select(Capa).where(Capa.id.in_(capa_ids), Capa.status.in_(
        (CapaStatus.PROPOSED, CapaStatus.OPEN))).order_by(Capa.id)).scalars().first() if capa_ids else None
    op = ncr.operation
    if capa is None:
        capa = _numbered(session, Capa(
            number=f"new-{uuid.uuid4().hex[:12]}", status=CapaStatus.PROPOSED, program_id=ncr.program_id,
            title=f"Recurring {ncr.defect_code} at operation {op.sequence} ({op.name})",
            defect_code=ncr.defect_code, operation_id=ncr.operation_id, opened_at=ncr.opened_at,
            opened_by_id=ncr.opened_by_id, effectiveness_units=rules.EFFECTIVENESS_UNITS,
            d2_problem=f"{len(window)} NCRs with defect {ncr.defect_code} "
                       f"({meaning_of(session, ncr.defect_code)}) at operation {op.sequence} "
                       f"({op.name}) within {days} days"))
        audit.record(session, actor=actor, action="capa.proposed", record_type="capa", record_id=capa.number,
                     after={"status": CapaStatus.PROPOSED, "defect_code": ncr.defect_code, "operation": op.sequence},
                     reason=capa.d2_problem)
    session.execute(update(NonConformance).where(NonConformance.id.in_([r.id for r in window if r.capa_id is None]))
                    .values(capa_id=capa.id).execution_options(synchronize_session="fetch"))
    audit.record(session, actor=actor, action="ncr.recurring", record_type="ncr", record_id=ncr.number,
                 after={"recurring": True, "capa": capa.number, "in_window": len(window)},
                 reason=f"{len(window)} NCRs of {ncr.defect_code} at operation {op.sequence} "
                        f"within {days} days (flagged at {count})")


# ---------------------------------------------------------------- the 8D

def _sample_reasons(capa: str, before: int, after: int, reason: str | None, password: str | None) -> list[str]:
    """What changing the effectiveness sample from `before` to `after` units still needs: a reason and a
    quality signature (lrip.auth.decisions: CAPA_SAMPLE)."""
    if after == before:
        return []
    reasons = [] if after >= 1 else ["the effectiveness check needs at least 1 unit"]
    if not (reason or "").strip():
        reasons.append(f"changing {capa}'s effectiveness sample from {before} to {after} units needs a reason")
    if not password:
        reasons.append(f"changing {capa}'s effectiveness sample from {before} to {after} units needs a quality "
                       "signature: give your password")
    return reasons


def _sign_sample(session: Session, actor: Actor, capa: Capa, *, before: int, reason: str, password: str,
                 role: str | None) -> int:
    """The quality signature on a change of the effectiveness sample; its id goes in the audit trail."""
    content = {"capa": capa.number, "effectiveness_units": capa.effectiveness_units, "previous": before,
               "reason": reason.strip(), "at": utcnow().isoformat()}
    return sign_decision(session, actor, decision=Decision.CAPA_SAMPLE, phase=None, record_type="capa_sample",
                         record_id=capa.number, content=content, password=password, role=role,
                         author=actor.username, record=f"{capa.number}'s effectiveness sample").id


@command("capa.manage")
def open_capa(session: Session, actor: Actor, *, title: str, ncrs: list[str] = (), program: str | None = None,
              defect_code: str | None = None, operation: str | int | None = None,
              effectiveness_units: int = rules.EFFECTIVENESS_UNITS, reason: str | None = None,
              password: str | None = None, role: str | None = None, at: datetime | None = None) -> CapaDetail:
    """Open a CAPA by hand from one or more NCRs (their defect code and operation by default), now or `at`
    (the demo's past). An effectiveness sample other than the standard one needs a reason and a quality
    signature."""
    rows = [get_one(session, NonConformance, "NCR", lock=True, number=n) for n in ncrs]
    reasons = [f"{n.number} is already under {n.capa.number}" for n in rows if n.capa_id]
    if not title.strip():
        reasons.append("a CAPA needs a title")
    reasons += _sample_reasons("the CAPA", rules.EFFECTIVENESS_UNITS, effectiveness_units, reason, password)
    verdict(reasons).raise_if_refused("capa_refused")
    first = rows[0] if rows else None
    prog = get_program(session, program) if program else first.program if first else None
    op = first.operation if first else None
    if operation not in (None, ""):
        if prog is None:
            raise Refused("capa_refused", "name the program whose routing has the operation")
        op = find_operation(current_routing(session, prog), operation)
    capa = _numbered(session, Capa(
        number=f"new-{uuid.uuid4().hex[:12]}", status=CapaStatus.OPEN, title=title.strip(),
        program_id=prog.id if prog else None, defect_code=defect_code or (first.defect_code if first else None),
        operation_id=op.id if op else None, opened_at=at or utcnow(), opened_by_id=actor.id,
        effectiveness_units=effectiveness_units))
    for n in rows:
        n.capa_id = capa.id
    signature = None
    if effectiveness_units != rules.EFFECTIVENESS_UNITS:
        signature = _sign_sample(session, actor, capa, before=rules.EFFECTIVENESS_UNITS, reason=reason,
                                 password=password, role=role)
    audit.record(session, actor=actor, action="capa.opened", record_type="capa", record_id=capa.number,
                 after={"status": CapaStatus.OPEN, "ncrs": [n.number for n in rows], "defect_code": capa.defect_code,
                        "operation": op.sequence if op else None, "effectiveness_units": effectiveness_units,
                        "sample_signature": signature}, reason=capa.title)
    return _detail(session, capa)


@command("capa.manage")
def update_capa(session: Session, actor: Actor, *, number: str, fields: dict, reason: str | None = None,
                password: str | None = None, role: str | None = None) -> CapaDetail:
    """Fill in or change 8D fields (d1_team … d8_closure), the title or the effectiveness units.
    A proposed CAPA becomes open when the quality engineer first works on it; `status="rejected"`
    turns a proposal down (with the reason). Changing the effectiveness units (the sample) needs a reason
    and a quality signature (`password`)."""
    capa = get_capa(session, number, lock=True)
    allowed = set(rules.D_FIELDS) | {"title", "effectiveness_units", "status"}
    reasons = [f"'{k}' is not a CAPA field; the fields are {', '.join(sorted(allowed))}" for k in fields
               if k not in allowed]
    status = fields.get("status")
    step = "reject" if status == CapaStatus.REJECTED else "accept"
    reasons += rules.capa_step_problems(capa.number, capa.status, step)
    if status not in (None, CapaStatus.OPEN, CapaStatus.REJECTED):
        reasons.append("a CAPA's status changes to open (accept a proposal) or rejected (turn a proposal down); "
                       "it closes with `capa close`")
    if status == CapaStatus.REJECTED and not (reason or "").strip():
        reasons.append("turning a proposed CAPA down needs a reason")
    units = fields.get("effectiveness_units", capa.effectiveness_units)
    if not isinstance(units, int):
        reasons.append("the effectiveness check is a whole number of units")
    else:
        reasons += _sample_reasons(capa.number, capa.effectiveness_units, units, reason, password)
    verdict(reasons).raise_if_refused("capa_refused")
    given = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items() if k != "status"}
    changes = {k: v for k, v in given.items() if getattr(capa, k) != v}
    before = {k: getattr(capa, k) for k in changes} | {"status": capa.status}
    for k, v in changes.items():
        setattr(capa, k, v)
    capa.status = rules.next_capa_status(capa.status, step)
    signed = {}
    if "effectiveness_units" in changes:
        signed["sample_signature"] = _sign_sample(session, actor, capa, before=before["effectiveness_units"],
                                                  reason=reason, password=password, role=role)
    if "effectiveness_units" in changes or any(k in changes for k in ("d4_root_cause", "d5_corrective_action")):
        capa.effectiveness_verified_at = None  # what was verified is no longer what the CAPA says
    audit.record(session, actor=actor, action="capa.updated", record_type="capa", record_id=capa.number,
                 before=before, after={**{k: getattr(capa, k) for k in changes}, "status": capa.status, **signed},
                 reason=reason)
    return _detail(session, capa)


@command("capa.manage")
def add_action(session: Session, actor: Actor, *, number: str, kind: str, description: str, owner: str,
               due_on: date, at: datetime | None = None) -> CapaDetail:
    """A containment, corrective or preventive action with its owner and due date, added now or `at` (the
    demo's past; not before the CAPA opened); a proposed CAPA opens."""
    capa = get_capa(session, number, lock=True)
    who = get_user(session, owner)
    reasons = list(rules.check_action(kind=kind, description=description, owner_active=who.active,
                                      owner=who.username).reasons)
    reasons += rules.capa_step_problems(capa.number, capa.status, "accept")
    added = max(at or utcnow(), capa.opened_at)
    verdict(reasons).raise_if_refused("capa_refused")
    row = CapaAction(kind=kind, description=description.strip(), owner=who, due_on=due_on, added_at=added)
    capa.actions.append(row)
    capa.status = rules.next_capa_status(capa.status, "accept")
    capa.effectiveness_verified_at = None
    session.flush()
    audit.record(session, actor=actor, action="capa.action_added", record_type="capa", record_id=capa.number,
                 after={"action": row.id, "kind": kind, "owner": who.username, "due_on": due_on},
                 reason=row.description)
    return _detail(session, capa)


@command("capa.action")
def complete_action(session: Session, actor: Actor, *, number: str, action_id: int, done_on: date,
                    note: str | None = None) -> CapaDetail:
    """Mark an action done on a day: not in the future, nor before the CAPA was opened or the action added
    (the effect is counted from the day after). Its owner does, or whoever manages CAPAs."""
    capa = get_capa(session, number, lock=True)
    row = session.get(CapaAction, action_id)
    if row is None or row.capa_id != capa.id:
        raise NotFound("capa_action_not_found", f"{capa.number} has no action {action_id}")
    reasons = []
    if row.owner_id != actor.id and not actor.may("capa.manage"):
        reasons.append(f"{actor.username} may mark only their own actions done; action {action_id} of {capa.number} "
                       f"is {row.owner.username}'s (a quality engineer may mark any)")
    if row.done_on is not None:
        reasons.append(f"action {action_id} of {capa.number} was already done on {row.done_on}")
    reasons += rules.done_on_problems(done_on, today=utcnow().date(), capa=capa.number,
                                      opened_on=capa.opened_at.date(), action=action_id,
                                      added_on=row.added_at.date())
    verdict(reasons).raise_if_refused("capa_refused")
    row.done_on = done_on
    capa.effectiveness_verified_at = None
    audit.record(session, actor=actor, action="capa.action_done", record_type="capa", record_id=capa.number,
                 after={"action": action_id, "done_on": done_on}, reason=note)
    return _detail(session, capa)


def _effectiveness(session: Session, capa: Capa) -> Effectiveness:
    """N units through the operation (started it and completed it) since the last corrective or preventive
    action was done, and NCRs of the defect code there since. Actions are done on a day, so the count starts
    the day after: nothing from before the fix can pass for after it."""
    open_actions = [f"{a.kind} '{a.description}' ({a.owner.username}, due {a.due_on})"
                    for a in capa.actions if a.done_on is None]
    done = [a.done_on for a in capa.actions if a.kind != "containment" and a.done_on is not None]
    since = max(done) if done else None
    op = capa.operation
    units_after, recurrences = 0, []
    if since is not None and op is not None:
        start = datetime.combine(since + timedelta(days=1), time(), timezone.utc)
        same_step = select(Operation.id).where(Operation.sequence == op.sequence, Operation.routing_id.in_(
            select(Lot.routing_id).where(Lot.program_id == capa.program_id)))
        units = select(OperationRecord.unit_id).join(Unit, Unit.id == OperationRecord.unit_id).join(Lot).where(
            Lot.program_id == capa.program_id, OperationRecord.operation_id.in_(same_step),
            OperationRecord.started_at >= start, OperationRecord.completed_at.is_not(None)).distinct()
        units_after = session.execute(select(func.count()).select_from(units.subquery())).scalar_one()
        recurrences = list(session.execute(select(NonConformance.number).where(
            NonConformance.defect_code == capa.defect_code, NonConformance.operation_id.in_(same_step),
            NonConformance.opened_at >= start).order_by(NonConformance.id)).scalars())
    elif op is None:
        open_actions.append("name the operation the defect occurs at, to check for recurrence there")
    check = rules.effectiveness(units_after=units_after, needed=capa.effectiveness_units, recurrences=recurrences,
                                actions_open=open_actions, operation=_op_label(op), since=since)
    return Effectiveness(since=since, units_after=units_after, needed=capa.effectiveness_units,
                         recurrences=recurrences, ready=check.allowed, reasons=list(check.reasons))


@command("capa.manage")
def verify_effectiveness(session: Session, actor: Actor, *, number: str) -> VerifyOut:
    """Check the CAPA worked: no recurrence over the next N units. Refused, with why, until it did."""
    capa = get_capa(session, number, lock=True)
    facts = _effectiveness(session, capa)
    reasons = list(facts.reasons)
    if capa.status != CapaStatus.OPEN:
        reasons.insert(0, f"{capa.number} is {capa.status}; only an open CAPA is verified")
    verdict(reasons).raise_if_refused("effectiveness_refused")
    capa.effectiveness_verified_at = utcnow()
    capa.effectiveness_note = (f"{facts.units_after} units through {_op_label(capa.operation)} since "
                               f"{facts.since}, no {capa.defect_code} there")
    audit.record(session, actor=actor, action="capa.verified", record_type="capa", record_id=capa.number,
                 after={"effectiveness_verified": True, "since": facts.since, "units_after": facts.units_after,
                        "needed": facts.needed, "recurrences": facts.recurrences},
                 reason=capa.effectiveness_note)
    return VerifyOut(since=facts.since, units_after=facts.units_after, needed=facts.needed,
                     recurrences=facts.recurrences, verified=True, note=capa.effectiveness_note)


@command("capa.manage")
def close_capa(session: Session, actor: Actor, *, number: str, reason: str, same_day_waiver: bool = False,
               password: str | None = None, role: str | None = None) -> CapaDetail:
    """Close the CAPA: every D filled in, the effect verified, its NCRs closed. A CAPA closes on the day it
    opened only under a quality waiver, signed (`same_day_waiver` and the password) and kept as such."""
    capa = get_capa(session, number, lock=True)
    missing = [rules.D_WORDS[f] for f in rules.D_FIELDS if not (getattr(capa, f) or "").strip()]
    open_ncrs = [n.number for n in _ncrs(session, capa) if n.status != rules.NcrStatus.CLOSED]
    today = utcnow().date()
    reasons = list(rules.check_capa_close(number=capa.number, status=capa.status, missing_fields=missing,
                                          verified=capa.effectiveness_verified_at is not None,
                                          open_ncrs=open_ncrs, opened_on=capa.opened_at.date(), today=today,
                                          waived=same_day_waiver and bool(password)).reasons)
    if not reason.strip():
        reasons.append("closing a CAPA needs a note")
    verdict(reasons).raise_if_refused("capa_close_refused")
    waiver = None
    if capa.opened_at.date() == today:
        waiver = sign_decision(session, actor, decision=Decision.CAPA_WAIVER, phase=None, record_type="capa_waiver",
                               record_id=capa.number, content={"capa": capa.number, "opened_at": capa.opened_at,
                                                               "closed_on": today, "reason": reason.strip()},
                               password=password, role=role, author=actor.username,
                               record=f"closing {capa.number} the day it opened")
        capa.same_day_waiver_id = waiver.id
    capa.status, capa.closed_at, capa.closed_by_id = rules.next_capa_status(capa.status, "close"), utcnow(), actor.id
    audit.record(session, actor=actor, action="capa.closed", record_type="capa", record_id=capa.number,
                 before={"status": CapaStatus.OPEN},
                 after={"status": capa.status, "same_day_waiver": waiver.id if waiver else None},
                 reason=reason.strip())
    return _detail(session, capa)


# ---------------------------------------------------------------- reading

def _ncrs(session: Session, capa: Capa) -> list[NonConformance]:
    return list(session.execute(select(NonConformance).where(NonConformance.capa_id == capa.id)
                                .order_by(NonConformance.id)).scalars())


def _row(capa: Capa, ncrs: list[str]) -> dict:
    return dict(number=capa.number, status=capa.status, ncrs=ncrs,
                effectiveness_verified=capa.effectiveness_verified_at is not None, closed_at=capa.closed_at,
                title=capa.title, defect_code=capa.defect_code,
                operation=capa.operation.sequence if capa.operation_id else None,
                program=capa.program.code if capa.program_id else None, opened_at=capa.opened_at,
                actions_open=sum(1 for a in capa.actions if a.done_on is None))


def _detail(session: Session, capa: Capa) -> CapaDetail:
    ncrs = _ncrs(session, capa)
    return CapaDetail(
        **_row(capa, [n.number for n in ncrs]), **{f: getattr(capa, f) for f in rules.D_FIELDS},
        operation_name=capa.operation.name if capa.operation_id else None, opened_by=capa.opened_by.username,
        effectiveness_units=capa.effectiveness_units, effectiveness_verified_at=capa.effectiveness_verified_at,
        effectiveness_note=capa.effectiveness_note, effectiveness=_effectiveness(session, capa),
        same_day_waiver=_waiver_words(session, capa),
        actions=[CapaActionOut(id=a.id, kind=a.kind, description=a.description, owner=a.owner.username,
                               due_on=a.due_on, done_on=a.done_on) for a in capa.actions],
        linked_ncrs=[LinkedNcr(number=n.number, status=n.status, serial=n.unit.serial if n.unit_id else None,
                               opened_at=n.opened_at, description=n.description) for n in ncrs],
        history=history(session, "capa", capa.number))


def _waiver_words(session: Session, capa: Capa) -> str | None:
    """'closed the day it opened under a quality waiver signed by …', when it was."""
    if capa.same_day_waiver_id is None:
        return None
    s = session.get(Signature, capa.same_day_waiver_id)
    return (f"closed the day it opened under a quality waiver signed by {s.printed_name} ({s.role}) "
            f"at {s.signed_at:%Y-%m-%d %H:%M} UTC")


def history(session: Session, record_type: str, number: str) -> list[HistoryOut]:
    """A record's audit events, oldest first, as the NCR and CAPA pages show them."""
    return [HistoryOut(at=e.at, actor=e.actor, action=e.action, reason=e.reason)
            for e in reversed(audit.history(session, record_type, number))]


@query()
def list_capas(session: Session, actor: Actor, *, program: str | None = None) -> list[CapaRow]:
    """CAPAs, newest first, with their NCRs and whether their effect is verified (a few statements, whatever
    their number)."""
    found = select(Capa).order_by(Capa.id.desc()).options(
        selectinload(Capa.operation), selectinload(Capa.program), selectinload(Capa.actions))
    if program:
        found = found.where(Capa.program_id == get_program(session, program).id)
    capas = session.execute(found).scalars().all()
    links: dict[int, list[str]] = {}
    if capas:
        for capa_id, number in session.execute(select(NonConformance.capa_id, NonConformance.number).where(
                NonConformance.capa_id.in_([c.id for c in capas])).order_by(NonConformance.id)):
            links.setdefault(capa_id, []).append(number)
    return [CapaRow(**_row(c, links.get(c.id, []))) for c in capas]


@query()
def capa_detail(session: Session, actor: Actor, *, number: str) -> CapaDetail:
    """The CAPA's 8D, actions, linked NCRs and the effectiveness check as it stands."""
    return _detail(session, get_capa(session, number))
