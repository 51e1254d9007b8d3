"""Programs, their phase policies, lots and ramp plan."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.service import get_user
from lrip.auth.signatures import sign
from lrip.catalog.models import Routing
from lrip.catalog.service import get_part_revision, get_routing
from lrip.change.models import LripQuantityApproval
from lrip.change.rules import LRIP_QUANTITY_SIGNATURES
from lrip.db import get_one, transaction_cache, transactional
from lrip.errors import verdict
from lrip.execution.models import Unit
from lrip.program import rules
from lrip.program.models import Lot, PhasePolicy, Program, RampPlanEntry


@transactional
def create_program(session: Session, *, code: str, name: str, part: str, part_revision: str,
                   planned_total: int, frp_target_rate: float, actor: str) -> Program:
    """A program starts in prototype with the default policy of every phase."""
    prev = get_part_revision(session, part, part_revision)
    reasons = []
    if session.execute(select(Program.id).filter_by(code=code)).first():
        reasons.append(f"program {code} already exists")
    if planned_total < 1:
        reasons.append(f"the planned total is at least 1, not {planned_total}")
    if not frp_target_rate > 0:
        reasons.append(f"the FRP target rate is positive, not {frp_target_rate}")
    verdict(reasons).raise_if_refused("program_refused")
    program = Program(code=code, name=name, part_revision_id=prev.id, planned_total=planned_total,
                      frp_target_rate=frp_target_rate, phase="prototype")
    session.add(program)
    session.flush()
    for phase, policy in rules.DEFAULT_POLICIES.items():
        session.add(PhasePolicy(program_id=program.id, phase=phase, **policy.as_dict()))
    audit.record(session, actor=actor, action="program.created", record_type="program", record_id=code,
                 after={"name": name, "part": f"{part}/{part_revision}", "planned_total": planned_total,
                        "frp_target_rate": frp_target_rate})
    return program


def get_program(session: Session, code: str) -> Program:
    return get_one(session, Program, "program", code=code)


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


@transactional
def set_policy(session: Session, *, program: str, phase: str, rule: str, value, actor: str, reason: str) -> rules.Policy:
    prog = get_program(session, program)
    reasons = list(rules.check_policy_change(rule, value).reasons)
    if phase not in rules.PHASES:
        reasons.append(f"'{phase}' is not a phase")
    if not reason.strip():
        reasons.append("a policy change needs a reason")
    verdict(reasons).raise_if_refused("policy_refused")
    row = session.execute(select(PhasePolicy).filter_by(program_id=prog.id, phase=phase)).scalar_one()
    transaction_cache(session).pop(("policy", prog.id, phase), None)
    before = getattr(row, rule)
    setattr(row, rule, list(value) if isinstance(value, (list, tuple)) else value)
    audit.record(session, actor=actor, action="policy.changed", record_type="program", record_id=f"{program}/{phase}",
                 before={rule: before}, after={rule: value}, reason=reason)
    return policy_for(session, prog.id, phase)


def lrip_units(session: Session, program_id: int) -> int:
    return session.execute(select(func.count(Unit.id)).join(Lot).where(
        Lot.program_id == program_id, Lot.phase == "lrip")).scalar_one()


@transactional
def set_lrip_quantity(session: Session, *, program: str, quantity: int, actor: str,
                      password: str, rationale: str | None = None,
                      role: str | None = None) -> tuple[Program, list[str]]:
    """Set or raise the approved LRIP quantity through a signed approval: `actor` signs it (their
    password asked again) in a role that gives the program's signature. Above 10% of the planned
    total the written rationale is required and kept with the approval (lrip_quantity_approvals)."""
    prog = get_program(session, program)
    decision, warnings = rules.check_lrip_quantity(quantity=quantity, planned_total=prog.planned_total,
                                                   current=prog.lrip_quantity,
                                                   units_built=lrip_units(session, prog.id), rationale=rationale)
    user = get_user(session, actor)
    chosen = role or (user.roles[0] if len(user.roles or []) == 1 else None)
    signers = [r for need in LRIP_QUANTITY_SIGNATURES for r in rules.SIGNERS[need]]
    reasons = list(decision.reasons)
    if chosen not in signers or chosen not in (user.roles or []):
        reasons.append(f"the LRIP quantity is set by a signed approval of the program office; {actor} "
                       f"({', '.join(user.roles or []) or 'no role'}) cannot give it: it needs "
                       + " or ".join(r.replace("_", " ") for r in signers))
    verdict(reasons).raise_if_refused("lrip_quantity_refused")
    before = prog.lrip_quantity
    content = {"program": program, "quantity": quantity, "previous": before, "planned_total": prog.planned_total,
               "rationale": (rationale or "").strip() or None}
    n = 1 + session.execute(select(func.count(LripQuantityApproval.id)).filter_by(program_id=prog.id)).scalar_one()
    signature = sign(session, record_type="lrip_quantity", record_id=f"{program}/{n}", content=content,
                     username=actor, password=password, meaning="approved", role=chosen)
    approval = LripQuantityApproval(program_id=prog.id, previous=before, quantity=quantity,
                                    planned_total=prog.planned_total,
                                    above_ten_percent=quantity > 0.10 * prog.planned_total,
                                    rationale=content["rationale"], approved_at=signature.signed_at,
                                    approved_by_id=user.id, signature_id=signature.id,
                                    content_hash=signature.content_hash)
    session.add(approval)
    prog.lrip_quantity, prog.lrip_quantity_rationale = quantity, approval.rationale
    audit.record(session, actor=actor, action="program.lrip_quantity_set", record_type="program", record_id=program,
                 before={"lrip_quantity": before}, after={"lrip_quantity": quantity, "signature": signature.id},
                 reason=rationale)
    return prog, warnings


@transactional
def change_phase(session: Session, *, program: str, phase: str, actor: str, reason: str) -> Program:
    from lrip.readiness.service import latest_go  # readiness reads programs: imported here, not at the top

    prog = get_program(session, program)
    go = phase == "frp" and latest_go(session, prog.id)
    rules.check_phase_change(prog.phase, phase, readiness_go=go).raise_if_refused("phase_refused")
    before = prog.phase
    prog.phase = phase
    audit.record(session, actor=actor, action="program.phase_changed", record_type="program", record_id=program,
                 before={"phase": before}, after={"phase": phase}, reason=reason)
    return prog


@transactional
def create_lot(session: Session, *, program: str, number: str, planned_quantity: int, routing_revision: str,
               actor: str) -> Lot:
    """A lot builds the program's part revision on one routing revision, in the program's current phase."""
    prog = get_program(session, program)
    prev = prog.part_revision
    routing = get_routing(session, prev.part.number, prev.revision, routing_revision)
    rules.check_lot(number=number, number_taken=session.execute(select(Lot.id).filter_by(number=number)).first() is not None,
                    planned_quantity=planned_quantity, phase=prog.phase, program_phase=prog.phase,
                    routing_status=routing.status).raise_if_refused("lot_refused")
    lot = Lot(number=number, program_id=prog.id, phase=prog.phase, planned_quantity=planned_quantity,
              routing_id=routing.id, status="open")
    session.add(lot)
    session.flush()
    audit.record(session, actor=actor, action="lot.created", record_type="lot", record_id=number,
                 after={"program": program, "phase": prog.phase, "planned_quantity": planned_quantity,
                        "routing": routing_revision})
    return lot


def get_lot(session: Session, number: str, *, lock: bool = False) -> Lot:
    return get_one(session, Lot, "lot", lock=lock, number=number)


@transactional
def close_lot(session: Session, *, number: str, actor: str, reason: str) -> Lot:
    """Closing a lot also supersedes the instruction revisions implemented changes kept in effect for it."""
    from lrip.change.service import supersede_freed  # change control reads lots: imported here, not at the top

    lot = get_lot(session, number)
    if lot.status != "open":
        verdict([f"lot {number} is already {lot.status}"]).raise_if_refused("lot_refused")
    lot.status = "closed"
    session.flush()
    audit.record(session, actor=actor, action="lot.closed", record_type="lot", record_id=number,
                 before={"status": "open"}, after={"status": "closed"}, reason=reason)
    supersede_freed(session, actor=actor)
    return lot


@transactional
def plan_starts(session: Session, *, program: str, period_start: date, planned_starts: int, phase: str,
                actor: str, lot: str | None = None) -> RampPlanEntry:
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
        reasons.append(f"lot {lot} is not in program {program}")
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
    audit.record(session, actor=actor, action="ramp_plan.set", record_type="program", record_id=program,
                 before=before, after={"period_start": period_start, "planned_starts": planned_starts,
                                       "phase": phase, "lot": lot})
    return entry


def list_programs(session: Session) -> list[dict]:
    rows = []
    for prog in session.execute(select(Program).order_by(Program.code)).scalars():
        counts = dict(session.execute(select(Unit.status, func.count()).join(Lot).where(
            Lot.program_id == prog.id).group_by(Unit.status)).all())
        lots = session.execute(select(func.count(Lot.id)).where(Lot.program_id == prog.id)).scalar_one()
        rows.append({"code": prog.code, "name": prog.name, "phase": prog.phase,
                     "part": f"{prog.part_revision.part.number} rev {prog.part_revision.revision}",
                     "planned_total": prog.planned_total, "lrip_quantity": prog.lrip_quantity,
                     "frp_target_rate": prog.frp_target_rate, "lots": lots, "units": sum(counts.values()),
                     "units_by_status": counts})
    return rows


def list_lots(session: Session, program: str) -> list[dict]:
    prog = get_program(session, program)
    rows = []
    for lot in session.execute(select(Lot).where(Lot.program_id == prog.id).order_by(Lot.id)).scalars():
        counts = dict(session.execute(select(Unit.status, func.count()).where(Unit.lot_id == lot.id)
                                      .group_by(Unit.status)).all())
        routing: Routing = lot.routing
        rows.append({"number": lot.number, "phase": lot.phase, "status": lot.status,
                     "planned_quantity": lot.planned_quantity, "routing_revision": routing.revision,
                     "units": sum(counts.values()), "units_by_status": counts})
    return rows
