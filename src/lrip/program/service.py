"""Programs, their phase policies, the signed LRIP quantity, lots and the ramp plan.

The use cases (decorated) are what a program manager does. The plain functions below them are what
the areas above call inside their own use cases: the shop floor notes each unit it creates in its
lot (so quantities are counted from lots, without reading units), readiness records the signed GO
decision that full-rate production needs, inspection stores the units its FRP sample picks. A lot
created or closed is published (program.events) for the areas above to act on."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from lrip import audit, events
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import Signature, User
from lrip.auth.rules import content_hash, signing_role
from lrip.auth.signatures import sign
from lrip.catalog.models import PartRevision, Routing
from lrip.catalog.rules import CODE_LENGTH, RoutingStatus, as_identifier
from lrip.catalog.service import get_part_revision, get_routing, setup_changed
from lrip.db import get_one, transaction_cache
from lrip.errors import NotFound, verdict
from lrip.program import rules
from lrip.program.events import LotClosed, LotCreated
from lrip.program.models import LripQuantityApproval, Lot, PhasePolicy, Program, RampPlanEntry
from lrip.program.rules import LotStatus, Phase
from lrip.program.schemas import (ApprovalSignature, LotOut, PolicyOut, ProgramOut, QuantityApproval,
                                  RampPlanEntryOut)


# ---------------------------------------------------------------- programs

def program_out(prog: Program) -> ProgramOut:
    prev = prog.part_revision
    return ProgramOut(code=prog.code, name=prog.name, phase=prog.phase, part=f"{prev.part.number} rev {prev.revision}",
                      planned_total=prog.planned_total, frp_target_rate=prog.frp_target_rate,
                      lrip_quantity=prog.lrip_quantity, lrip_quantity_rationale=prog.lrip_quantity_rationale,
                      frp_go_assessment=prog.frp_go_assessment, frp_go_at=prog.frp_go_at)


@command("program.manage")
def create_program(session: Session, actor: Actor, *, code: str, name: str, part: str, part_revision: str,
                   planned_total: int, frp_target_rate: float) -> ProgramOut:
    """A program starts in prototype with the default policy of every phase."""
    prev = get_part_revision(session, part, part_revision)
    code, reasons = as_identifier(code, "a program code", CODE_LENGTH)
    if not reasons and session.execute(select(Program.id).where(func.lower(Program.code) == code.lower())).first():
        reasons.append(f"program {code} already exists")
    if planned_total < 1:
        reasons.append(f"the planned total is at least 1, not {planned_total}")
    if not frp_target_rate > 0:
        reasons.append(f"the FRP target rate is positive, not {frp_target_rate}")
    verdict(reasons).raise_if_refused("program_refused")
    program = Program(code=code, name=name, part_revision_id=prev.id, planned_total=planned_total,
                      frp_target_rate=frp_target_rate, phase=Phase.PROTOTYPE)
    session.add(program)
    session.flush()
    for phase, policy in rules.DEFAULT_POLICIES.items():
        session.add(PhasePolicy(program_id=program.id, phase=phase, **policy.as_dict()))
    audit.record(session, actor=actor, action="program.created", record_type="program", record_id=code,
                 after={"name": name, "part": f"{prev.part.number}/{prev.revision}", "planned_total": planned_total,
                        "frp_target_rate": frp_target_rate})
    return program_out(program)


def get_program(session: Session, code: str, *, lock: bool = False) -> Program:
    return get_one(session, Program, "program", lock=lock, code=code)


@query()
def list_programs(session: Session, actor: Actor) -> list[ProgramOut]:
    """Every program, by code (the dashboard's list adds the units)."""
    rows = session.execute(select(Program).options(joinedload(Program.part_revision).joinedload(PartRevision.part))
                           .order_by(Program.code)).scalars()
    return [program_out(p) for p in rows]


def current_routing(session: Session, program: Program) -> Routing:
    """The routing the program builds on now: its newest open lot's, else its newest lot's, else the
    newest released routing of its part revision. The one answer to the question for every area."""
    routing_id = session.execute(select(Lot.routing_id).where(Lot.program_id == program.id).order_by(
        (Lot.status == LotStatus.OPEN).desc(), Lot.id.desc()).limit(1)).scalar_one_or_none()
    if routing_id is None:
        routing_id = session.execute(select(Routing.id).where(
            Routing.part_revision_id == program.part_revision_id, Routing.status == RoutingStatus.RELEASED)
            .order_by(Routing.id.desc()).limit(1)).scalar_one_or_none()
    if routing_id is None:
        prev = program.part_revision
        raise NotFound("routing_not_found", f"{program.code} has no lot yet and {prev.part.number} rev "
                                            f"{prev.revision} has no released routing")
    return session.get(Routing, routing_id)


# ---------------------------------------------------------------- phases and their policies

def policy_for(session: Session, program_id: int, phase: str) -> rules.Policy:
    cache = transaction_cache(session)
    key = ("policy", program_id, phase)
    if key not in cache:
        row = session.execute(select(PhasePolicy).filter_by(program_id=program_id, phase=phase)).scalar_one()
        values = {name: getattr(row, name) for name in rules.Policy.__dataclass_fields__}
        values["change_signatures"] = tuple(values["change_signatures"])
        values["disposition_signatures"] = tuple(values["disposition_signatures"])
        cache[key] = rules.Policy(**values)
    return cache[key]


@command("policy.edit")
def set_policy(session: Session, actor: Actor, *, program: str, phase: str, rule: str, value,
               reason: str) -> PolicyOut:
    """Change one rule of one phase's policy, with the reason (a waiver, a customer's request)."""
    prog = get_program(session, program)
    reasons = list(rules.check_policy_change(rule, value).reasons)
    if phase not in rules.PHASES:
        reasons.append(f"'{phase}' is not a phase")
    if not (reason or "").strip():
        reasons.append("a policy change needs a reason")
    verdict(reasons).raise_if_refused("policy_refused")
    row = session.execute(select(PhasePolicy).filter_by(program_id=prog.id, phase=phase)).scalar_one()
    transaction_cache(session).pop(("policy", prog.id, phase), None)
    before = getattr(row, rule)
    setattr(row, rule, list(value) if isinstance(value, (list, tuple)) else value)
    setup_changed(session)
    audit.record(session, actor=actor, action="policy.changed", record_type="program",
                 record_id=f"{prog.code}/{phase}", before={rule: before}, after={rule: value}, reason=reason)
    return PolicyOut(program=prog.code, phase=phase, **policy_for(session, prog.id, phase).as_dict())


@command("program.manage")
def change_phase(session: Session, actor: Actor, *, program: str, phase: str, reason: str) -> ProgramOut:
    """Move the program to its next phase; full-rate production needs the signed GO recorded on it."""
    prog = get_program(session, program, lock=True)
    rules.check_phase_change(prog.phase, phase, frp_go=prog.frp_go_at is not None).raise_if_refused("phase_refused")
    before = prog.phase
    prog.phase = phase
    audit.record(session, actor=actor, action="program.phase_changed", record_type="program", record_id=prog.code,
                 before={"phase": before}, after={"phase": phase}, reason=reason)
    return program_out(prog)


def record_frp_go(session: Session, actor: Actor, *, program: str, assessment: str, decided_at: datetime) -> None:
    """Readiness, when a GO assessment is signed: the decision full-rate production needs."""
    prog = get_program(session, program, lock=True)
    before = {"frp_go_assessment": prog.frp_go_assessment, "frp_go_at": prog.frp_go_at}
    prog.frp_go_assessment, prog.frp_go_at = str(assessment), decided_at
    audit.record(session, actor=actor, action="program.frp_go_recorded", record_type="program", record_id=prog.code,
                 before=before, after={"frp_go_assessment": prog.frp_go_assessment, "frp_go_at": decided_at})


def withdraw_frp_go(session: Session, actor: Actor, *, program: str, reason: str) -> None:
    """Readiness, when a newer assessment is not GO: the GO no longer stands."""
    prog = get_program(session, program, lock=True)
    if prog.frp_go_at is None:
        return
    before = {"frp_go_assessment": prog.frp_go_assessment, "frp_go_at": prog.frp_go_at}
    prog.frp_go_assessment, prog.frp_go_at = None, None
    audit.record(session, actor=actor, action="program.frp_go_withdrawn", record_type="program", record_id=prog.code,
                 before=before, after={"frp_go_assessment": None, "frp_go_at": None}, reason=reason)


# ---------------------------------------------------------------- LRIP quantity

def lrip_units(session: Session, program_id: int) -> int:
    """Units created in the program's LRIP lots, counted from the lots."""
    return session.execute(select(func.coalesce(func.sum(Lot.units_created), 0)).where(
        Lot.program_id == program_id, Lot.phase == Phase.LRIP)).scalar_one()


def _quantity_content(code: str, a: LripQuantityApproval) -> dict:
    """What the approval's signature signs."""
    return {"program": code, "quantity": a.quantity, "previous": a.previous, "planned_total": a.planned_total,
            "rationale": a.rationale}


def _approval_out(code: str, a: LripQuantityApproval, sig: Signature, approved_by: str,
                  warnings: list[str] = ()) -> QuantityApproval:
    return QuantityApproval(
        program=code, quantity=a.quantity, previous=a.previous, planned_total=a.planned_total,
        percent_of_planned=round(100.0 * a.quantity / a.planned_total, 1), above_ten_percent=a.above_ten_percent,
        rationale=a.rationale, approved_by=approved_by, approved_at=a.approved_at, warnings=list(warnings),
        signature=ApprovalSignature(name=sig.printed_name, username=sig.username, role=sig.role, meaning=sig.meaning,
                                    signed_at=sig.signed_at,
                                    valid=sig.content_hash == content_hash(_quantity_content(code, a))))


@command("program.manage")
def set_lrip_quantity(session: Session, actor: Actor, *, program: str, quantity: int, password: str,
                      rationale: str | None = None, role: str | None = None) -> QuantityApproval:
    """Set or raise the approved LRIP quantity through a signed approval: the actor signs it (their
    password asked again) in a role that gives the program's signature. Above 10% of the planned
    total the written rationale is required and kept with the approval; the answer warns."""
    prog = get_program(session, program, lock=True)
    decision, warnings = rules.check_lrip_quantity(quantity=quantity, planned_total=prog.planned_total,
                                                   current=prog.lrip_quantity,
                                                   units_built=lrip_units(session, prog.id), rationale=rationale)
    chosen = signing_role(list(actor.roles), role)
    signers = [r for need in rules.LRIP_QUANTITY_SIGNATURES for r in rules.SIGNERS[need]]
    reasons = list(decision.reasons)
    if chosen not in signers or chosen not in actor.roles:
        reasons.append(f"the LRIP quantity is set by a signed approval of the program office; {actor.username} "
                       f"({', '.join(actor.roles) or 'no role'}) cannot give it: it needs "
                       + " or ".join(r.replace("_", " ") for r in signers))
    verdict(reasons).raise_if_refused("lrip_quantity_refused")
    before = prog.lrip_quantity
    approval = LripQuantityApproval(program_id=prog.id, previous=before, quantity=quantity,
                                    planned_total=prog.planned_total,
                                    above_ten_percent=quantity > 0.10 * prog.planned_total,
                                    rationale=(rationale or "").strip() or None)
    n = 1 + session.execute(select(func.count(LripQuantityApproval.id)).filter_by(program_id=prog.id)).scalar_one()
    signature = sign(session, actor, record_type="lrip_quantity", record_id=f"{prog.code}/{n}",
                     content=_quantity_content(prog.code, approval), password=password, meaning="approved",
                     role=chosen)
    approval.approved_at, approval.approved_by_id = signature.signed_at, actor.id
    approval.signature_id, approval.content_hash = signature.id, signature.content_hash
    session.add(approval)
    prog.lrip_quantity, prog.lrip_quantity_rationale = quantity, approval.rationale
    audit.record(session, actor=actor, action="program.lrip_quantity_set", record_type="program", record_id=prog.code,
                 before={"lrip_quantity": before}, after={"lrip_quantity": quantity, "signature": signature.id},
                 reason=rationale)
    return _approval_out(prog.code, approval, signature, actor.username, warnings)


@query()
def lrip_quantity_approvals(session: Session, actor: Actor, *, program: str) -> list[QuantityApproval]:
    """Every signed setting of the program's LRIP quantity, oldest first, with its rationale."""
    prog = get_program(session, program)
    rows = session.execute(select(LripQuantityApproval, Signature, User.username)
                           .join(Signature, Signature.id == LripQuantityApproval.signature_id)
                           .join(User, User.id == LripQuantityApproval.approved_by_id)
                           .where(LripQuantityApproval.program_id == prog.id).order_by(LripQuantityApproval.id)).all()
    return [_approval_out(prog.code, a, sig, username) for a, sig, username in rows]


# ---------------------------------------------------------------- lots

def lot_out(lot: Lot, program: str) -> LotOut:
    return LotOut(number=lot.number, program=program, phase=lot.phase, status=lot.status,
                  planned_quantity=lot.planned_quantity, routing_revision=lot.routing.revision,
                  units_created=lot.units_created, inspection_sample=lot.inspection_sample)


@command("lot.create")
def create_lot(session: Session, actor: Actor, *, program: str, number: str, planned_quantity: int,
               routing_revision: str) -> LotOut:
    """A lot builds the program's part revision on one routing revision, in the program's current phase."""
    prog = get_program(session, program)
    prev = prog.part_revision
    routing = get_routing(session, prev.part.number, prev.revision, routing_revision)
    number = as_identifier(number, "a lot number", CODE_LENGTH)[0]
    taken = session.execute(select(Lot.id).where(func.lower(Lot.number) == number.lower())).first() is not None
    rules.check_lot(number=number, number_taken=taken, planned_quantity=planned_quantity, phase=prog.phase,
                    program_phase=prog.phase, routing_status=routing.status).raise_if_refused("lot_refused")
    lot = Lot(number=number, program_id=prog.id, phase=prog.phase, planned_quantity=planned_quantity,
              routing_id=routing.id, status=LotStatus.OPEN, units_created=0)
    session.add(lot)
    session.flush()
    audit.record(session, actor=actor, action="lot.created", record_type="lot", record_id=number,
                 after={"program": prog.code, "phase": prog.phase, "planned_quantity": planned_quantity,
                        "routing": routing.revision})
    events.publish(session, actor, LotCreated(lot_id=lot.id, number=number, program_id=prog.id, phase=prog.phase,
                                              planned_quantity=planned_quantity))
    return lot_out(lot, prog.code)


def get_lot(session: Session, number: str, *, lock: bool = False) -> Lot:
    return get_one(session, Lot, "lot", lock=lock, number=number)


@query()
def show_lot(session: Session, actor: Actor, *, lot: str) -> LotOut:
    row = get_lot(session, lot)
    return lot_out(row, row.program.code)


@query()
def list_lots(session: Session, actor: Actor, *, program: str) -> list[LotOut]:
    """The program's lots, oldest first (the dashboard's list adds the units by status)."""
    prog = get_program(session, program)
    rows = session.execute(select(Lot).options(joinedload(Lot.routing)).where(Lot.program_id == prog.id)
                           .order_by(Lot.id)).scalars()
    return [lot_out(lot, prog.code) for lot in rows]


@command("program.manage")
def close_lot(session: Session, actor: Actor, *, number: str, reason: str) -> LotOut:
    """Close a lot; change control then supersedes the instruction revisions it kept in effect for it."""
    lot = get_lot(session, number, lock=True)
    status, decision = rules.LOT.next(lot.status, "close", f"lot {lot.number}")
    decision.raise_if_refused("lot_refused")
    before, lot.status = lot.status, status
    session.flush()
    audit.record(session, actor=actor, action="lot.closed", record_type="lot", record_id=lot.number,
                 before={"status": before}, after={"status": status}, reason=reason)
    events.publish(session, actor, LotClosed(lot_id=lot.id, number=lot.number, program_id=lot.program_id))
    return lot_out(lot, lot.program.code)


def note_unit_created(session: Session, lot_id: int) -> None:
    """The shop floor created a unit in this lot: count it (the lot plan and the LRIP quantity are
    checked from these counts)."""
    session.execute(update(Lot).where(Lot.id == lot_id).values(units_created=Lot.units_created + 1))


def set_inspection_sample(session: Session, actor: Actor, *, lot: str, sample: dict, reason: str) -> None:
    """Inspection stores the units its sample picks: {"<operation sequence>": {"<characteristic code>":
    [1-based unit positions]}}; a characteristic left out is inspected on every unit."""
    row = get_lot(session, lot, lock=True)
    plain = {str(seq): {str(code): sorted({int(p) for p in positions}) for code, positions in chars.items()}
             for seq, chars in sample.items()}
    bad = sorted({p for chars in plain.values() for positions in chars.values() for p in positions if p < 1})
    verdict([f"unit positions in a lot count from 1, not {p}" for p in bad]).raise_if_refused("sample_refused")
    before, row.inspection_sample = row.inspection_sample, plain
    audit.record(session, actor=actor, action="lot.inspection_sample_set", record_type="lot", record_id=row.number,
                 before={"inspection_sample": before}, after={"inspection_sample": plain}, reason=reason)


# ---------------------------------------------------------------- the ramp plan

@command("program.manage")
def plan_starts(session: Session, actor: Actor, *, program: str, period_start: date, planned_starts: int, phase: str,
                lot: str | None = None) -> RampPlanEntryOut:
    """Put planned unit starts for one week in the ramp plan (replacing that week's figure)."""
    prog = get_program(session, program)
    lot_row = get_lot(session, lot) if lot else None
    reasons = []
    if planned_starts < 0:
        reasons.append(f"planned starts are zero or more, not {planned_starts}")
    if phase not in rules.PHASES:
        reasons.append(f"'{phase}' is not a phase")
    if period_start.weekday() != 0:
        reasons.append(f"a ramp plan period starts on a Monday; {period_start} is a {period_start:%A}")
    if lot_row and lot_row.program_id != prog.id:
        reasons.append(f"lot {lot_row.number} is not in program {prog.code}")
    verdict(reasons).raise_if_refused("ramp_plan_refused")
    entry = session.execute(select(RampPlanEntry).filter_by(
        program_id=prog.id, period_start=period_start, lot_id=lot_row.id if lot_row else None)).scalar_one_or_none()
    before = {"planned_starts": entry.planned_starts} if entry else None
    if entry is None:
        entry = RampPlanEntry(program_id=prog.id, lot_id=lot_row.id if lot_row else None, period_start=period_start,
                              phase=phase, planned_starts=planned_starts)
        session.add(entry)
    else:
        entry.planned_starts, entry.phase = planned_starts, phase
    lot_number = lot_row.number if lot_row else None
    audit.record(session, actor=actor, action="ramp_plan.set", record_type="program", record_id=prog.code,
                 before=before, after={"period_start": period_start, "planned_starts": planned_starts,
                                       "phase": phase, "lot": lot_number})
    return RampPlanEntryOut(program=prog.code, period_start=period_start, phase=phase, planned_starts=planned_starts,
                            lot=lot_number)
