"""Inspection plans, their Z1.4 sampling state, lot results, and what a unit must have measured and why.

An inspection plan belongs to one routing operation. Until a quality engineer sets one, the default
derived from the routing applies (key characteristics critical, other variables major at AQL 1.0,
other attributes minor at AQL 2.5, level II, normal severity); it is stored the first time it is set
or a lot result moves its sampling state. The state follows stats.sampling.next_state and every move
is kept as a SamplingEvent with the audit event beside it.

Which units an FRP lot samples is decided here and stored on the lot
(program.service.set_inspection_sample); the shop floor requires what is stored:
- when a lot is created, it gets the seed its samples are drawn at random with (Z1.4 section 7;
  inspection.rules.sample_positions), recorded on the lot; under a sampling policy the sample of every
  operation is stored;
- when a plan is set or its sampling state switches (a lot result, a corrective action), the sample of
  that operation is stored again on every open lot that has not started it yet — a lot already at
  that operation keeps the sample it started with.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.catalog.models import Operation, Routing
from lrip.catalog.service import find_operation, get_routing
from lrip.db import utcnow
from lrip.errors import verdict
from lrip.execution.models import Measurement, OperationRecord, Unit
from lrip.execution.service import UnitContext, unit_context
from lrip.execution.setup import Step
from lrip.inspection import rules
from lrip.inspection.models import InspectionPlan, SamplingEvent
from lrip.inspection.schemas import (CharacteristicPlan, ClassResultOut, DefectiveUnit, HistoryRow, LotResultDraft,
                                     LotResultOut, OpenLot, OperationRequirements, PlanOut, PlanRow, RequirementOut,
                                     SampleOut, SamplingStateOut, UnitInspection)
from lrip.nonconformance.models import NonConformance
from lrip.program.models import Lot, Program
from lrip.program.rules import LotStatus
from lrip.program.service import current_routing, get_lot, get_program, policy_for, set_inspection_sample
from lrip.stats import sampling

SAMPLING = "kc_all_others_sampled"  # the phase policy's inspection that samples (FRP by default)


# ---------------------------------------------------------------- finding the operation and its plan

def _routing(session: Session, prog: Program, revision: str | None) -> Routing:
    """The program's routing of that revision, or its current routing."""
    if revision is None:
        return current_routing(session, prog)
    return get_routing(session, prog.part_revision.part.number, prog.part_revision.revision, revision)


def _find(session: Session, program: str, operation: str | int, routing: str | None) -> tuple[Program, Operation]:
    """The program and the operation named, in the routing named or the program's current routing."""
    prog = get_program(session, program)
    return prog, find_operation(_routing(session, prog, routing), operation)


def _stored_plan(session: Session, op: Operation, *, lock: bool = False) -> InspectionPlan | None:
    found = select(InspectionPlan).where(InspectionPlan.operation_id == op.id)
    return session.execute(found.with_for_update() if lock else found).scalar_one_or_none()


def _plan_for_write(session: Session, op: Operation, actor: Actor) -> InspectionPlan:
    """The stored plan, locked; the default one is stored first if there is none."""
    plan = _stored_plan(session, op, lock=True)
    if plan is None:
        plan = InspectionPlan(operation_id=op.id, classes={}, aql=dict(rules.DEFAULT_AQL), level=rules.DEFAULT_LEVEL,
                              severity="normal", discontinued=False, recent_normal=[], consecutive_accepted=0,
                              tightened_not_accepted=0, updated_at=utcnow(), updated_by=actor.username)
        session.add(plan)
        session.flush()
    return plan


def _plan_id(op: Operation) -> str:
    r = op.routing
    return f"{r.part_revision.part.number}/{r.part_revision.revision}/{r.revision}/{op.sequence}"


def _classes(op: Operation | Step, plan: InspectionPlan | None) -> dict[str, str]:
    stored = (plan.classes if plan else None) or {}
    return {c.code: stored.get(c.code) or rules.default_class(key=c.key, kind=c.kind) for c in op.characteristics}


def _classified(op: Operation | Step, plan: InspectionPlan | None) -> list[rules.Classified]:
    classes = _classes(op, plan)
    return [rules.Classified(c.code, c.key, classes[c.code]) for c in op.characteristics]


def _aql(plan: InspectionPlan | None) -> dict[str, float]:
    return {**rules.DEFAULT_AQL, **((plan.aql if plan else None) or {})}


def _level(plan: InspectionPlan | None) -> str:
    return plan.level if plan else rules.DEFAULT_LEVEL


def _state(plan: InspectionPlan | None) -> sampling.SamplingState:
    if plan is None:
        return sampling.SamplingState()
    return sampling.SamplingState(plan.severity, tuple(plan.recent_normal or ()), plan.consecutive_accepted,
                                  plan.tightened_not_accepted, plan.discontinued)


def _samples(op: Operation | Step, plan: InspectionPlan | None, lot_size: int,
             seed: int) -> dict[str, rules.ClassSample]:
    """Each sampled class's Z1.4 plan for a lot of `lot_size` under the plan as it stands, its units drawn
    with the lot's `seed`."""
    if lot_size < 2:
        return {}
    aql, state = _aql(plan), _state(plan)
    return {k: rules.class_sample(lot_size=lot_size, klass=k, aql=aql[k], level=_level(plan), severity=state.severity,
                                  seed=seed, operation=op.sequence)
            for k in rules.sampled_classes(_classified(op, plan))}


def _operation_sample(op: Operation | Step, plan: InspectionPlan | None, lot_size: int,
                      seed: int) -> dict[str, list[int]]:
    return rules.operation_sample(_classified(op, plan), _samples(op, plan, lot_size, seed),
                                  discontinued=_state(plan).discontinued, lot_size=lot_size)


def _severity_words(state: sampling.SamplingState) -> str:
    return "discontinued" if state.discontinued else state.severity


# ---------------------------------------------------------------- the samples stored on lots

def store_lot_sample(session: Session, actor: Actor, lot: Lot) -> None:
    """As the lot is created: record the seed its samples are drawn with (a lot result counts its sample from
    it in every phase), and under a sampling policy decide which units each sampled characteristic of each
    operation is measured on and store it on the lot."""
    seed = secrets.randbelow(rules.SEEDS) + 1
    sample = {}
    if policy_for(session, lot.program_id, lot.phase).inspection == SAMPLING:
        ops = lot.routing.operations
        plans = {p.operation_id: p for p in session.execute(select(InspectionPlan).where(
            InspectionPlan.operation_id.in_([op.id for op in ops]))).scalars()}
        sample = {str(op.sequence): picked for op in ops
                  if (picked := _operation_sample(op, plans.get(op.id), lot.planned_quantity, seed))}
    set_inspection_sample(session, actor, lot=lot.number, sample=sample, seed=seed,
                          reason="the seed of the lot's random Z1.4 samples and the sample of each inspection plan, "
                                 "decided as the lot is created")


def _store_again(session: Session, actor: Actor, op: Operation, plan: InspectionPlan, reason: str) -> None:
    """The plan or its state changed: store the operation's sample again on every open lot of its routing
    that samples and has not started the operation (a lot at the operation keeps the sample it started with)."""
    started = select(OperationRecord.id).join(Unit, Unit.id == OperationRecord.unit_id).where(
        OperationRecord.operation_id == op.id, Unit.lot_id == Lot.id).exists()
    lots = session.execute(select(Lot).where(Lot.routing_id == op.routing_id, Lot.status == LotStatus.OPEN, ~started)
                           .order_by(Lot.id)).scalars().all()
    for lot in lots:
        if policy_for(session, lot.program_id, lot.phase).inspection != SAMPLING:
            continue
        before = lot.inspection_sample or {}
        sample = {k: v for k, v in before.items() if k != str(op.sequence)}
        if picked := _operation_sample(op, plan, lot.planned_quantity, lot.inspection_seed):
            sample[str(op.sequence)] = picked
        if sample != before:
            set_inspection_sample(session, actor, lot=lot.number, sample=sample, reason=reason)


# ---------------------------------------------------------------- plan views

def _history(session: Session, plan: InspectionPlan | None) -> list[HistoryRow]:
    if plan is None:
        return []
    events = session.execute(select(SamplingEvent, Lot.number).outerjoin(Lot, Lot.id == SamplingEvent.lot_id)
                             .where(SamplingEvent.plan_id == plan.id).order_by(SamplingEvent.id)).all()
    return [HistoryRow(kind=e.kind, at=e.at, actor=e.actor, lot=lot, lot_size=e.lot_size, plans=e.plans,
                       defects=e.defects, accepted=e.accepted, resubmitted=e.resubmitted,
                       production_steady=e.production_steady, severity_before=e.severity_before,
                       severity_after=e.severity_after, transition=e.transition, note=e.note) for e, lot in events]


def _frp_words(key: bool, klass: str, aql: dict[str, float]) -> str:
    if key:
        return "100% (key characteristic)"
    return "100% (critical)" if klass == "critical" else f"Z1.4 sampling at AQL {aql[klass]:g}"


def _plan_view(session: Session, program: Program, op: Operation, plan: InspectionPlan | None) -> PlanOut:
    classes, aql, state = _classes(op, plan), _aql(plan), _state(plan)
    routing = op.routing
    lots = session.execute(select(Lot).where(Lot.program_id == program.id, Lot.routing_id == routing.id,
                                             Lot.status == LotStatus.OPEN).order_by(Lot.id)).scalars().all()
    open_lots = [OpenLot(lot=lot.number, phase=lot.phase, lot_size=lot.planned_quantity, seed=lot.inspection_seed,
                         inspection=policy_for(session, program.id, lot.phase).inspection,
                         samples=[SampleOut(**s.as_dict(lot.planned_quantity))
                                  for s in _samples(op, plan, lot.planned_quantity, lot.inspection_seed).values()],
                         stored=(lot.inspection_sample or {}).get(str(op.sequence)))
                 for lot in lots]
    return PlanOut(
        program=program.code, part=routing.part_revision.part.number, part_revision=routing.part_revision.revision,
        routing=routing.revision, operation=op.sequence, name=op.name, stored=plan is not None,
        updated_at=plan.updated_at if plan else None, updated_by=plan.updated_by if plan else None,
        level=_level(plan), aql=aql,
        characteristics=[CharacteristicPlan(code=c.code, name=c.name, kind=c.kind, key=c.key, klass=classes[c.code],
                                            frp=_frp_words(c.key, classes[c.code], aql)) for c in op.characteristics],
        state=SamplingStateOut(severity=_severity_words(state), discontinued=state.discontinued,
                               recent_normal=list(state.recent_normal), consecutive_accepted=state.consecutive_accepted,
                               tightened_not_accepted=state.tightened_not_accepted,
                               reduced_approved_by=plan.reduced_approved_by if plan else None,
                               reduced_approved_at=plan.reduced_approved_at if plan else None),
        open_lots=open_lots, history=_history(session, plan))


@query()
def show_plan(session: Session, actor: Actor, *, program: str, operation: str | int,
              routing: str | None = None) -> PlanOut:
    """The operation's plan (stored or the default), its sampling state and history, and the samples
    each open lot takes."""
    prog, op = _find(session, program, operation, routing)
    return _plan_view(session, prog, op, _stored_plan(session, op))


@query()
def list_plans(session: Session, actor: Actor, *, program: str, routing: str | None = None) -> list[PlanRow]:
    """Every operation of the routing with its plan's class counts and sampling state."""
    ops = _routing(session, get_program(session, program), routing).operations
    plans = {p.operation_id: p for p in session.execute(select(InspectionPlan).where(
        InspectionPlan.operation_id.in_([op.id for op in ops]))).scalars()}
    results = dict(session.execute(select(SamplingEvent.plan_id, func.count(SamplingEvent.id)).where(
        SamplingEvent.kind == "lot_result", SamplingEvent.plan_id.in_([p.id for p in plans.values()]))
        .group_by(SamplingEvent.plan_id)).all()) if plans else {}
    rows = []
    for op in ops:
        plan = plans.get(op.id)
        classes = _classes(op, plan)
        rows.append(PlanRow(operation=op.sequence, name=op.name, stored=plan is not None,
                            characteristics=len(classes), key=sum(1 for c in op.characteristics if c.key),
                            classes={k: sum(1 for v in classes.values() if v == k) for k in rules.CLASSES},
                            aql=_aql(plan), level=_level(plan), severity=_severity_words(_state(plan)),
                            lot_results=results.get(plan.id, 0) if plan else 0))
    return rows


@command("inspection.plan")
def set_plan(session: Session, actor: Actor, *, program: str, operation: str | int, routing: str | None = None,
             classes: dict[str, str] | None = None, aql: dict[str, float] | None = None,
             level: str | None = None, reason: str | None = None) -> PlanOut:
    """Set characteristic classes, AQLs per sampled class and the inspection level of one operation's plan;
    open lots that have not started the operation take its new sample."""
    prog, op = _find(session, program, operation, routing)
    codes = {c.code.lower(): c.code for c in op.characteristics}
    classes = {codes.get(k.lower(), k): v for k, v in (classes or {}).items()}
    aql = {k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
           for k, v in (aql or {}).items()}
    current = _stored_plan(session, op)
    new_level = level or _level(current)
    rules.check_plan(codes=list(codes.values()), classes=classes, aql=aql, level=new_level).raise_if_refused(
        "inspection_plan_refused")
    before = {"classes": _classes(op, current), "aql": _aql(current), "level": current.level if current else None}
    plan = _plan_for_write(session, op, actor)
    plan.classes = {**(plan.classes or {}), **classes}
    plan.aql = {**_aql(plan), **aql}
    plan.level = new_level
    plan.updated_at, plan.updated_by = utcnow(), actor.username
    session.add(SamplingEvent(plan_id=plan.id, kind="plan_set", at=utcnow(), actor=actor.username, resubmitted=False,
                              production_steady=True, severity_before=plan.severity, severity_after=plan.severity,
                              note=reason or "plan set"))
    audit.record(session, actor=actor, action="inspection_plan.set", record_type="inspection_plan",
                 record_id=_plan_id(op), before=before,
                 after={"classes": _classes(op, plan), "aql": _aql(plan), "level": plan.level}, reason=reason)
    session.flush()
    _store_again(session, actor, op, plan, f"the inspection plan of operation {op.sequence} was set")
    return _plan_view(session, prog, op, plan)


# ---------------------------------------------------------------- the sampling state

def _derive(session: Session, lot: Lot, op: Operation, plan: InspectionPlan | None
            ) -> tuple[dict[str, rules.ClassSample], dict[str, rules.ClassCount], dict[tuple[str, str], str | None]]:
    """Each sampled class's sample of the lot (drawn with the lot's seed) counted from the unit records: the
    first result of each of the operation's characteristics on each unit of the lot, with the NCR it raised
    (two statements whatever the lot's size)."""
    samples = _samples(op, plan, lot.planned_quantity, lot.inspection_seed)
    serials = dict(session.execute(select(Unit.position, Unit.serial).where(Unit.lot_id == lot.id)).all())
    chars = {c.id: c.code for c in op.characteristics}
    first: dict[tuple[str, str], bool] = {}
    ncrs: dict[tuple[str, str], str | None] = {}
    if serials and chars:
        for serial, char_id, in_spec, ncr in session.execute(
                select(Unit.serial, Measurement.characteristic_id, Measurement.in_spec, NonConformance.number)
                .join(Unit, Unit.id == Measurement.unit_id)
                .outerjoin(NonConformance, NonConformance.measurement_id == Measurement.id)
                .where(Unit.lot_id == lot.id, Measurement.characteristic_id.in_(list(chars)))
                .order_by(Measurement.recorded_at, Measurement.id)):
            key = (serial, chars[char_id])
            if key not in first:
                first[key], ncrs[key] = in_spec, ncr
    classes = _classes(op, plan)
    counts = {k: rules.count_class(klass=k, sample=s, lot=lot.number, serials=serials, first=first,
                                   codes=[c.code for c in op.characteristics if classes[c.code] == k and not c.key])
              for k, s in samples.items()}
    return samples, counts, ncrs


def _lot_problems(session: Session, lot: Lot, op: Operation, plan: InspectionPlan | None, *,
                  resubmitted: bool) -> list[str]:
    """Why the lot can take no result at the operation now (the records aside)."""
    reasons = rules.check_lot_open(lot=lot.number, status=lot.status)
    if _state(plan).discontinued:
        reasons.append(f"sampling at operation {op.sequence} ({op.name}) is discontinued (Z1.4 8.4); "
                       "record a corrective action first")
    if not rules.sampled_classes(_classified(op, plan)):
        reasons.append(f"operation {op.sequence} ({op.name}) has no sampled characteristics: its key and critical "
                       "ones are inspected 100% and have no lot result")
    if lot.planned_quantity < 2:
        reasons.append(f"lot {lot.number} plans {lot.planned_quantity} unit; Z1.4 starts at lots of 2")
    earlier = session.execute(select(SamplingEvent.accepted).where(
        SamplingEvent.plan_id == plan.id, SamplingEvent.lot_id == lot.id, SamplingEvent.kind == "lot_result")
        .order_by(SamplingEvent.id)).scalars().all() if plan is not None else []
    if resubmitted and not (earlier and earlier[-1] is False):
        reasons.append(f"lot {lot.number} has no rejected result at operation {op.sequence} to resubmit")
    if not resubmitted and earlier:
        reasons.append(f"lot {lot.number} already has its result at operation {op.sequence} "
                       f"({'accepted' if earlier[-1] else 'rejected'}); a rejected lot comes back as resubmitted")
    return reasons


def _class_results(samples: dict[str, rules.ClassSample], counts: dict[str, rules.ClassCount],
                   ncrs: dict[tuple[str, str], str | None], lot_size: int) -> list[ClassResultOut]:
    return [ClassResultOut(**s.as_dict(lot_size),
                           inspected=list(counts[k].inspected), missing=list(counts[k].missing),
                           defective=[DefectiveUnit(serial=serial, position=pos, characteristics=list(codes),
                                                    ncrs=[n for code in codes if (n := ncrs.get((serial, code)))])
                                      for serial, pos, codes in counts[k].defective])
            for k, s in samples.items()]


@query()
def lot_result(session: Session, actor: Actor, *, lot: str, operation: str | int,
               resubmitted: bool = False) -> LotResultDraft:
    """A lot's result at an operation as the unit records show it, for a person to confirm
    (record_lot_result): each class's random sample, the units inspected and the defective ones with their
    NCRs, the decision it leads to, and every reason it cannot be recorded yet."""
    lot_row = get_lot(session, lot)
    op = find_operation(lot_row.routing, operation)
    plan = _stored_plan(session, op)
    samples, counts, ncrs = _derive(session, lot_row, op, plan)
    blocked = _lot_problems(session, lot_row, op, plan, resubmitted=resubmitted)
    blocked += [m for c in counts.values() for m in c.missing]
    defects = {k: len(c.defective) for k, c in counts.items()}
    accepted, reinstate, words = rules.lot_accepted({k: s.plan for k, s in samples.items()}, defects)
    return LotResultDraft(lot=lot_row.number, operation=op.sequence, name=op.name, lot_size=lot_row.planned_quantity,
                          lot_status=lot_row.status, seed=lot_row.inspection_seed, resubmitted=resubmitted,
                          classes=_class_results(samples, counts, ncrs, lot_row.planned_quantity), defects=defects,
                          decision=None if blocked else "accept" if accepted else "reject",
                          reinstate_normal=reinstate, words=words, blocked_by=blocked)


@command("inspection.lot")
def record_lot_result(session: Session, actor: Actor, *, lot: str, operation: str | int,
                      defects: dict[str, int] | None = None, resubmitted: bool = False,
                      production_steady: bool = True, note: str | None = None) -> LotResultOut:
    """Confirm a lot's inspection result at one operation: the defective units in each sampled class's
    random sample are counted from the unit records (a count given in `defects` must agree with them: a
    result is confirmed, never typed), accept or reject, and the switch it causes (open lots that have not
    started the operation take the sample of the new state). A closed lot takes no result. Resubmitted lots
    are recorded but do not move the state (Z1.4 8.3)."""
    lot_row = get_lot(session, lot, lock=True)
    op = find_operation(lot_row.routing, operation)
    plan = _plan_for_write(session, op, actor)
    samples, counts, ncrs = _derive(session, lot_row, op, plan)
    reasons = _lot_problems(session, lot_row, op, plan, resubmitted=resubmitted)
    sampled = rules.sampled_classes(_classified(op, plan))
    reasons += [f"operation {op.sequence} samples {', '.join(sampled) or 'nothing'}, not '{klass}'"
                for klass in sorted(set(defects or {}) - set(sampled))]
    reasons += [m for c in counts.values() for m in c.missing] + rules.check_counted(defects, counts)
    verdict(reasons).raise_if_refused("lot_result_refused")
    defects = {k: len(c.defective) for k, c in counts.items()}
    lot_size = lot_row.planned_quantity
    accepted, reinstate, words = rules.lot_accepted({k: s.plan for k, s in samples.items()}, defects)
    before = _state(plan)
    result = sampling.LotResult(accepted=accepted, resubmitted=resubmitted, production_steady=production_steady,
                                reduced_approved=plan.reduced_approved_by is not None, reinstate_normal=reinstate)
    after, transition = sampling.next_state(before, result)
    plan.severity, plan.discontinued = after.severity, after.discontinued
    plan.recent_normal = list(after.recent_normal)
    plan.consecutive_accepted, plan.tightened_not_accepted = after.consecutive_accepted, after.tightened_not_accepted
    if transition is not None and transition.from_severity == "reduced":
        plan.reduced_approved_by, plan.reduced_approved_at = None, None  # a new approval for the next time
    moved = (f"{transition.from_severity} → {transition.to_severity}: {transition.reason} ({transition.clause})"
             if transition else None)
    event = SamplingEvent(plan_id=plan.id, kind="lot_result", at=utcnow(), actor=actor.username, lot_id=lot_row.id,
                          lot_size=lot_size, plans={k: s.as_dict(lot_size) for k, s in samples.items()},
                          defects=defects, accepted=accepted, resubmitted=resubmitted,
                          production_steady=production_steady, severity_before=_severity_words(before),
                          severity_after=_severity_words(after), transition=moved,
                          note="; ".join(words) + (f". {note}" if note else ""))
    session.add(event)
    session.flush()
    classes = _class_results(samples, counts, ncrs, lot_size)
    audit.record(session, actor=actor, action="inspection.lot_result", record_type="inspection_plan",
                 record_id=_plan_id(op), before={"severity": _severity_words(before)},
                 after={"lot": lot_row.number, "seed": lot_row.inspection_seed, "defects": defects,
                        "defective": {c.klass: [d.serial for d in c.defective] for c in classes},
                        "accepted": accepted, "resubmitted": resubmitted, "severity": _severity_words(after),
                        "transition": moved}, reason=note)
    if transition is not None:
        _store_again(session, actor, op, plan, f"sampling at operation {op.sequence} switched: {moved}")
    return LotResultOut(lot=lot_row.number, operation=op.sequence, name=op.name, lot_size=lot_size,
                        seed=lot_row.inspection_seed, classes=classes,
                        decision="accept" if accepted else "reject", reinstate_normal=reinstate, defects=defects,
                        plans=event.plans, resubmitted=resubmitted, severity_before=event.severity_before,
                        severity_after=event.severity_after, transition=moved, words=words)


@command("inspection.plan")
def approve_reduced(session: Session, actor: Actor, *, program: str, operation: str | int, reason: str,
                    routing: str | None = None) -> PlanOut:
    """Approve reduced inspection (Z1.4 8.3.3 c: the responsible authority). The switch itself happens on the
    lot result that completes 10 consecutive accepted lots with steady production."""
    prog, op = _find(session, program, operation, routing)
    plan = _plan_for_write(session, op, actor)
    reasons = []
    if plan.discontinued:
        reasons.append(f"sampling at operation {op.sequence} is discontinued; record a corrective action first")
    elif plan.severity != "normal":
        reasons.append(f"operation {op.sequence} is on {plan.severity} inspection; reduced follows normal only")
    if plan.reduced_approved_by:
        reasons.append(f"reduced inspection is already approved by {plan.reduced_approved_by}")
    if not (reason or "").strip():
        reasons.append("an approval of reduced inspection needs a reason")
    verdict(reasons).raise_if_refused("reduced_refused")
    plan.reduced_approved_by, plan.reduced_approved_at = actor.username, utcnow()
    session.add(SamplingEvent(plan_id=plan.id, kind="reduced_approved", at=utcnow(), actor=actor.username,
                              resubmitted=False, production_steady=True, severity_before=plan.severity,
                              severity_after=plan.severity, note=reason))
    audit.record(session, actor=actor, action="inspection.reduced_approved", record_type="inspection_plan",
                 record_id=_plan_id(op), after={"reduced_approved_by": actor.username}, reason=reason)
    session.flush()
    return _plan_view(session, prog, op, plan)


@command("inspection.plan")
def record_corrective_action(session: Session, actor: Actor, *, program: str, operation: str | int, reason: str,
                             routing: str | None = None) -> PlanOut:
    """Resume sampling that Z1.4 8.4 discontinued: on tightened inspection, with the corrective action named;
    open lots that have not started the operation are sampled again."""
    prog, op = _find(session, program, operation, routing)
    plan = _plan_for_write(session, op, actor)
    reasons = []
    if not plan.discontinued:
        reasons.append(f"sampling at operation {op.sequence} is not discontinued (it is on {plan.severity})")
    if not (reason or "").strip():
        reasons.append("name the corrective action (what was done, its CAPA number)")
    verdict(reasons).raise_if_refused("corrective_action_refused")
    after, transition = sampling.record_corrective_action(_state(plan))
    plan.severity, plan.discontinued = after.severity, after.discontinued
    plan.recent_normal, plan.consecutive_accepted, plan.tightened_not_accepted = [], 0, 0
    moved = f"{transition.from_severity} → {transition.to_severity}: {transition.reason} ({transition.clause})"
    session.add(SamplingEvent(plan_id=plan.id, kind="corrective_action", at=utcnow(), actor=actor.username,
                              resubmitted=False, production_steady=True, severity_before="discontinued",
                              severity_after=after.severity, transition=moved, note=reason))
    audit.record(session, actor=actor, action="inspection.corrective_action", record_type="inspection_plan",
                 record_id=_plan_id(op), before={"severity": "discontinued"}, after={"severity": after.severity},
                 reason=reason)
    session.flush()
    _store_again(session, actor, op, plan, f"sampling at operation {op.sequence} resumed: {moved}")
    return _plan_view(session, prog, op, plan)


# ---------------------------------------------------------------- what a unit must have measured

def requirements(session: Session, ctx: UnitContext) -> dict[int, list[rules.Requirement]]:
    """For each operation of the unit's routing (by sequence), each characteristic: must it be measured on
    this unit, and why. Under a sampling policy the lot's stored sample decides (what execution requires)
    for the unit at its position in the lot, and the plan gives the words. From the unit's context
    (execution.service.unit_context): nothing more is read unless the policy samples, then the plans of
    every operation in one statement and the lot's size."""
    policy, steps = ctx.policy, ctx.setup.steps
    if policy.inspection != SAMPLING:
        return {s.sequence: [rules.requirement(code=c.code, key=c.key, klass="", inspection=policy.inspection,
                                               phase=ctx.phase, discontinued=False, sample=None, stored=None,
                                               position=0, lot_size=0) for c in s.characteristics]
                for s in steps}
    plans = {p.operation_id: p for p in session.execute(select(InspectionPlan).where(
        InspectionPlan.operation_id.in_([s.id for s in steps]))).scalars()}
    size, stored, seed = ctx.unit.lot.planned_quantity, ctx.sample or {}, ctx.unit.lot.inspection_seed
    needs = {}
    for step in steps:
        plan = plans.get(step.id)
        samples, picked = _samples(step, plan, size, seed), stored.get(str(step.sequence), {})
        needs[step.sequence] = [
            rules.requirement(code=c.code, key=c.key, klass=c.klass, inspection=policy.inspection, phase=ctx.phase,
                              discontinued=_state(plan).discontinued, sample=samples.get(c.klass),
                              stored=tuple(picked[c.code]) if c.code in picked else None,
                              position=ctx.unit.position, lot_size=size)
            for c in _classified(step, plan)]
    return needs


@query()
def unit_inspection(session: Session, actor: Actor, *, serial: str) -> UnitInspection:
    """Every operation of a unit with each characteristic: required or not, and why."""
    ctx = unit_context(session, serial)
    needs = requirements(session, ctx)
    return UnitInspection(
        serial=ctx.unit.serial, lot=ctx.lot, phase=ctx.phase, inspection=ctx.policy.inspection,
        operations=[OperationRequirements(sequence=s.sequence, name=s.name, characteristics=[
            RequirementOut(code=r.code, required=r.required, why=r.why) for r in needs[s.sequence]])
            for s in ctx.setup.steps])
