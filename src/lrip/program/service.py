"""Programs, their phase policies, the signed LRIP quantity, lots and the ramp plan.

The use cases (decorated) are what a program manager does. The plain functions below them are what
the areas above call inside their own use cases: the shop floor notes each unit it creates in its
lot (so quantities are counted from lots, without reading units), readiness records the signed GO
decision that full-rate production needs, inspection stores the units its FRP sample picks. A lot
created or closed is published (program.events) for the areas above to act on."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from lrip import audit, events
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import Signature, User
from lrip.auth.rules import content_hash, signing_role
from lrip.auth import decisions
from lrip.auth.decisions import Decision
from lrip.auth.signatures import sign_decision, signatures_for, standing_of
from lrip.catalog.models import DocumentRevision, Operation, PartRevision, Qualification, Routing, Tool
from lrip.catalog.rules import CODE_LENGTH, RoutingStatus, ToolCategory, as_identifier
from lrip.catalog.service import get_part_revision, get_routing, setup_changed
from lrip.db import get_one, transaction_cache, utcnow
from lrip.errors import NotFound, Refused, verdict
from lrip.program import rules
from lrip.program.events import LotClosed, LotCreated
from lrip.program.models import LripQuantityApproval, Lot, PhasePolicy, PolicyChange, Program, RampPlanEntry
from lrip.program.rules import LotStatus, Phase, ProposalStatus
from lrip.program.schemas import (ApprovalSignature, GateCondition, LotOut, PhaseGate, PlanWeek, PolicyChangeOut,
                                  PolicyOut, ProgramOut, ProgramPolicies, QuantityApproval, RampPlan,
                                  RampPlanEntryOut)


# ---------------------------------------------------------------- programs

def program_out(prog: Program) -> ProgramOut:
    prev = prog.part_revision
    return ProgramOut(code=prog.code, name=prog.name, phase=prog.phase, part=f"{prev.part.number} rev {prev.revision}",
                      planned_total=prog.planned_total, frp_target_rate=prog.frp_target_rate,
                      lrip_quantity=prog.lrip_quantity, lrip_quantity_rationale=prog.lrip_quantity_rationale,
                      frp_go_assessment=prog.frp_go_assessment, frp_go_at=prog.frp_go_at)


@command("program.manage")
def create_program(session: Session, actor: Actor, *, code: str, part: str, part_revision: str,
                   planned_total: int, frp_target_rate: float, name: str | None = None) -> ProgramOut:
    """A program starts in prototype with the default policy of every phase; its name is the part's
    description unless one is given."""
    prev = get_part_revision(session, part, part_revision)
    name = name or prev.part.description
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
def show_program(session: Session, actor: Actor, *, program: str) -> ProgramOut:
    return program_out(get_program(session, program))


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


def policy_out(session: Session, prog: Program, phase: str) -> PolicyOut:
    return PolicyOut(program=prog.code, phase=phase, **policy_for(session, prog.id, phase).as_dict())


@query()
def policies(session: Session, actor: Actor, *, program: str) -> ProgramPolicies:
    """The rules of every phase of the program, and its proposed changes (open ones first)."""
    prog = get_program(session, program)
    changes = session.execute(select(PolicyChange).options(joinedload(PolicyChange.proposed_by)).where(
        PolicyChange.program_id == prog.id).order_by(
        (PolicyChange.status == ProposalStatus.PROPOSED).desc(), PolicyChange.number.desc())).scalars()
    return ProgramPolicies(program=prog.code, phase=prog.phase,
                           policies=[policy_out(session, prog, phase) for phase in rules.PHASES],
                           proposals=[_change_out(session, prog, c) for c in changes])


POLICY_RECORD = "policy_change"


def _change_content(code: str, change: PolicyChange) -> dict:
    """What a policy change's signatures sign: the proposal, by its number (a new proposal, new signatures)."""
    return {"program": code, "proposal": change.number, "phase": change.phase, "rule": change.rule,
            "value": change.value, "reason": change.reason}


def _change_standing(session: Session, prog: Program, change: PolicyChange):
    return standing_of(session, Decision.POLICY_CHANGE, prog.phase, record_type=POLICY_RECORD,
                       record_id=f"{prog.code}/{change.number}", content=_change_content(prog.code, change),
                       author=change.proposed_by.username)


def _signatures_out(session: Session, record_type: str, record_id: str, content: dict) -> list[ApprovalSignature]:
    return [ApprovalSignature(name=s["name"], username=s["username"], role=s["role"], meaning=s["meaning"],
                              signed_at=s["signed_at"], valid=s["valid"])
            for s in signatures_for(session, record_type, record_id, content)]


def _change_out(session: Session, prog: Program, change: PolicyChange) -> PolicyChangeOut:
    content = _change_content(prog.code, change)
    standing = _change_standing(session, prog, change)
    return PolicyChangeOut(
        program=prog.code, number=change.number, phase=change.phase, rule=change.rule, value=change.value,
        current=policy_for(session, prog.id, change.phase).as_dict()[change.rule], reason=change.reason,
        status=change.status, proposed_by=change.proposed_by.username, proposed_at=change.proposed_at,
        decided_at=change.decided_at,
        signatures=_signatures_out(session, POLICY_RECORD, f"{prog.code}/{change.number}", content),
        missing=list(standing.reasons) if change.status == ProposalStatus.PROPOSED else [])


@command("policy.edit")
def propose_policy_change(session: Session, actor: Actor, *, program: str, phase: str, rule: str, value,
                          reason: str) -> PolicyChangeOut:
    """Propose a change to one rule of one phase's policy, with the reason (a waiver, a customer's request).
    It applies when the signatures lrip.auth.decisions asks for are given (sign_policy_change); an open
    proposal for the same rule is withdrawn by this one."""
    prog = get_program(session, program, lock=True)
    typed, decision = rules.policy_value(rule, value)
    reasons = list(decision.reasons)
    if phase not in rules.PHASES:
        reasons.append(f"'{phase}' is not a phase")
    if not (reason or "").strip():
        reasons.append("a policy change needs a reason")
    if not reasons and policy_for(session, prog.id, phase).as_dict()[rule] == (
            list(typed) if isinstance(typed, (list, tuple)) else typed):
        reasons.append(f"the {phase} policy of {prog.code} already has {rule} = {_shown(typed)}")
    verdict(reasons).raise_if_refused("policy_refused")
    now = utcnow()
    for old in session.execute(select(PolicyChange).where(
            PolicyChange.program_id == prog.id, PolicyChange.phase == phase, PolicyChange.rule == rule,
            PolicyChange.status == ProposalStatus.PROPOSED)).scalars():
        old.status, old.decided_at = ProposalStatus.WITHDRAWN, now
        audit.record(session, actor=actor, action="policy_change.withdrawn", record_type=POLICY_RECORD,
                     record_id=f"{prog.code}/{old.number}", before={"status": ProposalStatus.PROPOSED},
                     after={"status": ProposalStatus.WITHDRAWN}, reason="replaced by a newer proposal")
    number = 1 + (session.execute(select(func.max(PolicyChange.number)).where(
        PolicyChange.program_id == prog.id)).scalar_one() or 0)
    change = PolicyChange(program_id=prog.id, number=number, phase=phase, rule=rule,
                          value=list(typed) if isinstance(typed, (list, tuple)) else typed, reason=reason.strip(),
                          status=ProposalStatus.PROPOSED, proposed_by_id=actor.id, proposed_at=now)
    session.add(change)
    session.flush()
    audit.record(session, actor=actor, action="policy_change.proposed", record_type=POLICY_RECORD,
                 record_id=f"{prog.code}/{number}", after={"phase": phase, "rule": rule, "value": change.value},
                 reason=change.reason)
    return _change_out(session, prog, change)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ", ".join(value) if isinstance(value, (list, tuple)) else str(value)


def get_policy_change(session: Session, prog: Program, number: int, *, lock: bool = False) -> PolicyChange:
    query_ = select(PolicyChange).where(PolicyChange.program_id == prog.id, PolicyChange.number == number)
    change = session.execute(query_.with_for_update() if lock else query_).scalar_one_or_none()
    if change is None:
        raise NotFound("policy_change_not_found", f"{prog.code} has no policy change {number}")
    return change


@command("signature.sign")
def sign_policy_change(session: Session, actor: Actor, *, program: str, number: int, password: str,
                       role: str | None = None) -> PolicyChangeOut:
    """Sign a proposed policy change (password asked again) in a role it still needs; the signature that
    completes it applies the change, in the same transaction."""
    prog = get_program(session, program, lock=True)
    change = get_policy_change(session, prog, number, lock=True)
    if change.status != ProposalStatus.PROPOSED:
        raise Refused("policy_refused", f"policy change {prog.code}/{number} is {change.status}; only a proposed "
                                        "change is signed")
    record_id = f"{prog.code}/{number}"
    sign_decision(session, actor, decision=Decision.POLICY_CHANGE, phase=prog.phase, record_type=POLICY_RECORD,
                  record_id=record_id, content=_change_content(prog.code, change), password=password, role=role,
                  author=change.proposed_by.username, record=f"policy change {record_id}")
    if _change_standing(session, prog, change).complete:
        row = session.execute(select(PhasePolicy).filter_by(program_id=prog.id, phase=change.phase)).scalar_one()
        transaction_cache(session).pop(("policy", prog.id, change.phase), None)
        before = getattr(row, change.rule)
        setattr(row, change.rule, change.value)
        change.status, change.decided_at = ProposalStatus.APPLIED, utcnow()
        setup_changed(session)
        audit.record(session, actor=actor, action="policy.changed", record_type="program",
                     record_id=f"{prog.code}/{change.phase}", before={change.rule: before},
                     after={change.rule: change.value, "proposal": number}, reason=change.reason)
    return _change_out(session, prog, change)


PHASE_RECORD = "phase_change"


def _move_content(prog: Program, target: str) -> dict:
    """What the signatures on a phase change sign: the move, and the LRIP quantity it commits to (so a
    quantity changed after they signed needs them again)."""
    return {"program": prog.code, "from": prog.phase, "to": target, "part_revision_id": prog.part_revision_id,
            "lrip_quantity": prog.lrip_quantity}


def _move_standing(session: Session, prog: Program, target: str, mover: str | None):
    """The move's signatures as lrip.auth.decisions counts them; the person who moves the phase is its author."""
    return standing_of(session, Decision.PHASE_CHANGE, target, record_type=PHASE_RECORD,
                       record_id=f"{prog.code}/{target}", content=_move_content(prog, target), author=mover)


def _routing_facts(session: Session, prog: Program) -> list[rules.RoutingFacts]:
    """The routings of the program's part revision, oldest first, with what the gates read of them."""
    routings = session.execute(select(Routing).options(
        selectinload(Routing.operations).joinedload(Operation.document_revision).joinedload(DocumentRevision.document),
        selectinload(Routing.operations).selectinload(Operation.characteristics))
        .where(Routing.part_revision_id == prog.part_revision_id).order_by(Routing.id)).scalars()
    return [rules.RoutingFacts(r.revision, r.status, tuple(
        rules.OperationFacts(op.sequence, op.name, op.document_revision.label if op.document_revision else None,
                             op.document_revision.status if op.document_revision else None, op.required_skill,
                             tuple((c.code, c.gauge_kind) for c in op.characteristics if c.gauge_kind))
        for op in r.operations)) for r in routings]


def _gauge_kinds_in_calibration(session: Session, today: date) -> set[str]:
    """The kinds of the active gauges in the tool register whose calibration is current today."""
    return set(session.execute(select(Tool.kind).where(
        Tool.category == ToolCategory.GAUGE, Tool.active.is_(True), Tool.calibration_due >= today)).scalars())


def _skills_held(session: Session, today: date) -> dict[str, int]:
    """How many active people hold each skill today (lower-case skill -> people)."""
    return {skill.lower(): n for skill, n in session.execute(
        select(Qualification.skill, func.count(func.distinct(Qualification.user_id)))
        .join(User, User.id == Qualification.user_id)
        .where(User.active.is_(True), Qualification.granted_on <= today, Qualification.expires_on >= today,
               or_(Qualification.revoked_on.is_(None), Qualification.revoked_on > today))
        .group_by(Qualification.skill))}


def _lrip_quantity_signed(session: Session, prog: Program) -> bool:
    """Whether the newest LRIP quantity approval is the program's quantity and carries every signature the
    decisions table asks for, still matching it."""
    approvals = session.execute(select(LripQuantityApproval).options(joinedload(LripQuantityApproval.approved_by))
                                .where(LripQuantityApproval.program_id == prog.id)
                                .order_by(LripQuantityApproval.id)).scalars().all()
    if not approvals or approvals[-1].quantity != prog.lrip_quantity:
        return False
    latest = approvals[-1]
    return standing_of(session, Decision.LRIP_QUANTITY, prog.phase, record_type="lrip_quantity",
                       record_id=f"{prog.code}/{len(approvals)}", content=_quantity_content(prog.code, latest),
                       author=latest.approved_by.username).complete


def gate_conditions(session: Session, prog: Program, target: str, mover: str | None) -> list[rules.Condition]:
    """The conditions of the review the move to `target` stands for, each met or not, in words: to pilot
    a released routing with released instructions; to LRIP (a production readiness review) a closed pilot
    lot with its results, gauges in calibration, qualified operators and a signed LRIP quantity; to FRP the
    signed GO; every move signed as lrip.auth.decisions asks. A new condition is one more function here."""
    today = utcnow().date()
    routings = _routing_facts(session, prog)
    released = [r for r in routings if r.status == RoutingStatus.RELEASED]
    routing = released[-1] if released else None
    part = f"{prog.part_revision.part.number} rev {prog.part_revision.revision}"
    if target == Phase.PILOT:
        conditions = [rules.released_routing(part, routings)]
    elif target == Phase.LRIP:
        pilots = session.execute(select(Lot).where(Lot.program_id == prog.id, Lot.phase == Phase.PILOT)
                                 .order_by(Lot.id)).scalars()
        conditions = [rules.closed_pilot_lot([rules.LotFacts(lot.number, lot.status, lot.results) for lot in pilots]),
                      rules.gauges_in_calibration(routing, _gauge_kinds_in_calibration(session, today)),
                      rules.qualified_operators(routing, _skills_held(session, today)),
                      rules.lrip_quantity_approved(prog.lrip_quantity, _lrip_quantity_signed(session, prog))]
    else:
        conditions = [rules.frp_go(prog.frp_go_assessment if prog.frp_go_at else None)]
    standing = _move_standing(session, prog, target, mover)
    return [*conditions, rules.move_signed(target, standing.counted, list(standing.reasons))]


def _gate_out(session: Session, prog: Program, target: str | None, mover: str | None) -> PhaseGate:
    conditions = gate_conditions(session, prog, target, mover) if target else []
    signatures = _signatures_out(session, PHASE_RECORD, f"{prog.code}/{target}",
                                 _move_content(prog, target)) if target else []
    return PhaseGate(program=prog.code, phase=prog.phase, target=target, ready=bool(target) and all(
        c.met for c in conditions), conditions=[GateCondition(key=c.key, asks=c.asks, met=c.met, words=list(c.words))
                                                for c in conditions], signatures=signatures)


def _next_phase(phase: str) -> str | None:
    i = rules.PHASES.index(phase)
    return rules.PHASES[i + 1] if i + 1 < len(rules.PHASES) else None


@query()
def phase_gate(session: Session, actor: Actor, *, program: str) -> PhaseGate:
    """The gate to the program's next phase: each condition met or not, in words, and the move's signatures."""
    prog = get_program(session, program)
    return _gate_out(session, prog, _next_phase(prog.phase), None)


@command("signature.sign")
def sign_phase_change(session: Session, actor: Actor, *, program: str, phase: str, password: str,
                      role: str | None = None) -> PhaseGate:
    """Sign the move of the program to its next phase (password asked again), in a role the move needs
    (lrip.auth.decisions: program for pilot; program and quality for LRIP and FRP)."""
    prog = get_program(session, program, lock=True)
    rules.check_phase_change(prog.phase, phase).raise_if_refused("phase_refused")
    sign_decision(session, actor, decision=Decision.PHASE_CHANGE, phase=phase, record_type=PHASE_RECORD,
                  record_id=f"{prog.code}/{phase}", content=_move_content(prog, phase), password=password,
                  role=role, record=f"the move of {prog.code} to {phase.upper()}")
    return _gate_out(session, prog, phase, None)


@command("program.manage")
def change_phase(session: Session, actor: Actor, *, program: str, phase: str, reason: str) -> ProgramOut:
    """Move the program to its next phase when every condition of its gate is met (phase_gate); refused
    with every unmet one."""
    prog = get_program(session, program, lock=True)
    rules.check_phase_change(prog.phase, phase).raise_if_refused("phase_refused")
    verdict([w for c in gate_conditions(session, prog, phase, actor.username) if not c.met for w in c.words]
            ).raise_if_refused("phase_refused")
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

QUANTITY = decisions.Decision.LRIP_QUANTITY

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
    password asked again) in a role that gives the signature the signed-decisions table asks for.
    Above 10% of the planned total the written rationale is required and kept with the approval; the
    answer warns."""
    prog = get_program(session, program, lock=True)
    decision, warnings = rules.check_lrip_quantity(quantity=quantity, planned_total=prog.planned_total,
                                                   current=prog.lrip_quantity,
                                                   units_built=lrip_units(session, prog.id), rationale=rationale)
    chosen = role or decisions.choose_role(QUANTITY, prog.phase, username=actor.username, roles=actor.roles,
                                           given=[]) or signing_role(list(actor.roles), role)
    reasons = list(decision.reasons)
    if chosen not in actor.roles:
        reasons.append(f"{actor.username} does not hold the role {chosen}" if chosen else
                       f"{actor.username} holds several roles ({', '.join(actor.roles)}); say in which one the LRIP "
                       "quantity is signed")
    else:
        reasons += decisions.check_signer(QUANTITY, prog.phase, username=actor.username, role=chosen, given=[],
                                          record="the LRIP quantity").reasons
    verdict(reasons).raise_if_refused("lrip_quantity_refused")
    before = prog.lrip_quantity
    approval = LripQuantityApproval(program_id=prog.id, previous=before, quantity=quantity,
                                    planned_total=prog.planned_total,
                                    above_ten_percent=quantity > 0.10 * prog.planned_total,
                                    rationale=(rationale or "").strip() or None)
    n = 1 + session.execute(select(func.count(LripQuantityApproval.id)).filter_by(program_id=prog.id)).scalar_one()
    signature = sign_decision(session, actor, decision=QUANTITY, phase=prog.phase, record_type="lrip_quantity",
                              record_id=f"{prog.code}/{n}", content=_quantity_content(prog.code, approval),
                              password=password, role=chosen, author=actor.username, record="the LRIP quantity")
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
                  units_created=lot.units_created, inspection_sample=lot.inspection_sample, results=lot.results)


def newest_released_routing(session: Session, prog: Program) -> Routing:
    """The routing a new lot builds on unless told otherwise: the newest released one of the part revision."""
    routing = session.execute(select(Routing).where(
        Routing.part_revision_id == prog.part_revision_id, Routing.status == RoutingStatus.RELEASED)
        .order_by(Routing.id.desc()).limit(1)).scalar_one_or_none()
    if routing is None:
        prev = prog.part_revision
        raise Refused("lot_refused", f"{prev.part.number} rev {prev.revision} has no released routing; "
                                     "name the routing revision the lot builds on")
    return routing


@command("lot.create")
def create_lot(session: Session, actor: Actor, *, program: str, number: str, planned_quantity: int,
               routing_revision: str | None = None) -> LotOut:
    """A lot builds the program's part revision on one routing revision (the newest released one unless
    told), in the program's current phase."""
    prog = get_program(session, program)
    prev = prog.part_revision
    routing = (get_routing(session, prev.part.number, prev.revision, routing_revision) if routing_revision
               else newest_released_routing(session, prog))
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


def note_unit_created(session: Session, lot_id: int, count: int = 1) -> None:
    """The shop floor created units in this lot: count them (the lot plan and the LRIP quantity are
    checked from these counts)."""
    session.execute(update(Lot).where(Lot.id == lot_id).values(units_created=Lot.units_created + count))


def record_lot_results(session: Session, lot_id: int, results: dict[str, int]) -> None:
    """The shop floor, as a lot closes: its units by status, kept on the lot (a pilot lot's are what the
    move to LRIP reviews)."""
    session.get(Lot, lot_id).results = dict(results)


def set_inspection_sample(session: Session, actor: Actor, *, lot: str, sample: dict, reason: str,
                          seed: int | None = None) -> None:
    """Inspection stores the units its sample picks: {"<operation sequence>": {"<characteristic code>":
    [1-based unit positions]}}; a characteristic left out is inspected on every unit. `seed`: the seed its
    samples are drawn at random with, recorded once, as the lot is created (so anyone can draw them again)."""
    row = get_lot(session, lot, lock=True)
    plain = {str(seq): {str(code): sorted({int(p) for p in positions}) for code, positions in chars.items()}
             for seq, chars in sample.items()}
    bad = sorted({p for chars in plain.values() for positions in chars.values() for p in positions if p < 1})
    reasons = [f"unit positions in a lot count from 1, not {p}" for p in bad]
    if seed is not None and row.inspection_seed is not None and seed != row.inspection_seed:
        reasons.append(f"lot {row.number} draws its samples with seed {row.inspection_seed}; it is not drawn again")
    verdict(reasons).raise_if_refused("sample_refused")
    before, row.inspection_sample = row.inspection_sample, plain
    after = {"inspection_sample": plain}
    if seed is not None and row.inspection_seed is None:
        row.inspection_seed = after["inspection_seed"] = seed
    audit.record(session, actor=actor, action="lot.inspection_sample_set", record_type="lot", record_id=row.number,
                 before={"inspection_sample": before}, after=after, reason=reason)


# ---------------------------------------------------------------- the ramp plan

def _week_problems(prog: Program, lot_row: Lot | None, period_start: date, planned_starts: int,
                   phase: str) -> list[str]:
    reasons = []
    if planned_starts < 0:
        reasons.append(f"planned starts are zero or more, not {planned_starts}")
    if phase not in rules.PHASES:
        reasons.append(f"'{phase}' is not a phase")
    if period_start.weekday() != 0:
        reasons.append(f"a ramp plan period starts on a Monday; {period_start} is a {period_start:%A}")
    if lot_row and lot_row.program_id != prog.id:
        reasons.append(f"lot {lot_row.number} is not in program {prog.code}")
    return reasons


def _set_week(session: Session, actor: Actor, prog: Program, lot_row: Lot | None, period_start: date,
              planned_starts: int, phase: str) -> RampPlanEntryOut:
    """Write one week of the plan (replacing that week's figure for the same lot), audited."""
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


@command("program.manage")
def plan_starts(session: Session, actor: Actor, *, program: str, period_start: date, planned_starts: int,
                phase: str | None = None, lot: str | None = None) -> RampPlanEntryOut:
    """Put planned unit starts for one week in the ramp plan (replacing that week's figure); the phase is
    the lot's, else the program's, unless given."""
    prog = get_program(session, program)
    lot_row = get_lot(session, lot) if lot else None
    phase = phase or (lot_row.phase if lot_row else prog.phase)
    verdict(_week_problems(prog, lot_row, period_start, planned_starts, phase)).raise_if_refused(
        "ramp_plan_refused")
    return _set_week(session, actor, prog, lot_row, period_start, planned_starts, phase)


@command("program.manage")
def set_ramp_plan(session: Session, actor: Actor, *, program: str, weeks: list[PlanWeek]) -> RampPlan:
    """Put many weeks in the ramp plan at once (a plan from a spreadsheet): all of them, or, with every
    reason named by its week, none."""
    prog = get_program(session, program)
    names = {w.lot.lower() for w in weeks if w.lot}
    lots = {lot.number.lower(): lot for lot in session.execute(select(Lot).where(
        func.lower(Lot.number).in_(names))).scalars()} if names else {}
    reasons, rows = [], []
    seen: set[tuple[date, str | None]] = set()
    for w in weeks:
        lot_row = lots.get(w.lot.lower()) if w.lot else None
        phase = w.phase or (lot_row.phase if lot_row else prog.phase)
        problems = _week_problems(prog, lot_row, w.week, w.starts, phase)
        if w.lot and lot_row is None:
            problems.append(f"there is no lot {w.lot}")
        key = (w.week, lot_row.number if lot_row else None)
        if key in seen:
            problems.append("the week is given twice" + (f" for lot {key[1]}" if key[1] else ""))
        seen.add(key)
        reasons += [f"week {w.week}{f' (lot {w.lot})' if w.lot else ''}: {p}" for p in problems]
        rows.append((lot_row, w.week, w.starts, phase))
    verdict(reasons).raise_if_refused("ramp_plan_refused")
    return RampPlan(program=prog.code, weeks=[_set_week(session, actor, prog, *row) for row in rows])


@query()
def ramp_plan(session: Session, actor: Actor, *, program: str) -> RampPlan:
    """The program's ramp plan, week by week."""
    prog = get_program(session, program)
    rows = session.execute(select(RampPlanEntry, Lot.number).outerjoin(Lot, Lot.id == RampPlanEntry.lot_id).where(
        RampPlanEntry.program_id == prog.id).order_by(RampPlanEntry.period_start, RampPlanEntry.id)).all()
    return RampPlan(program=prog.code, weeks=[
        RampPlanEntryOut(program=prog.code, period_start=e.period_start, phase=e.phase,
                         planned_starts=e.planned_starts, lot=number) for e, number in rows])
