"""Inspection by phase and first article inspection: the use cases.

An inspection plan belongs to one routing operation. Until a quality engineer
sets one, the default derived from the routing applies (key characteristics
critical, other variables major at AQL 1.0, other attributes minor at AQL 2.5,
level II, normal severity); it is stored the first time it is set or a lot
result moves its sampling state. The state follows quality.sampling.next_state
and every move is kept as a SamplingEvent with the audit event beside it.

A first article record (AS9102) is built from the unit's own records: routing,
measurements, tools, consumption, holds and NCRs. Completing it freezes those
forms (`content`), and its e-signatures sign the frozen content.
"""
from __future__ import annotations

import os
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth import signatures
from lrip.catalog.models import BomLine, Characteristic, Operation, Routing
from lrip.catalog.service import get_part_revision, get_routing
from lrip.db import get_one, transactional, utcnow
from lrip.errors import Invalid, NotFound, Refused, verdict
from lrip.execution.models import Consumption, Hold, Measurement, OperationRecord, Unit
from lrip.inspection import rules
from lrip.inspection.models import FaiRequirement, FirstArticle, InspectionPlan, SamplingEvent
from lrip.program.models import Lot, Program
from lrip.program.service import get_lot, get_program, policy_for
from lrip.quality import sampling

# ---------------------------------------------------------------- finding the operation


def _iso(at) -> str | None:
    return at.isoformat() if at else None


def _routing(session: Session, program: Program, routing: str | None) -> Routing:
    """The routing named, or the one the program's latest lot builds on, or its part revision's latest."""
    prev = program.part_revision
    if routing:
        return get_routing(session, prev.part.number, prev.revision, routing)
    lot = session.execute(select(Lot).where(Lot.program_id == program.id).order_by(Lot.id.desc()).limit(1)).scalar()
    if lot is not None:
        return lot.routing
    row = session.execute(select(Routing).where(Routing.part_revision_id == prev.id)
                          .order_by(Routing.id.desc()).limit(1)).scalar()
    if row is None:
        raise NotFound("routing_not_found", f"{prev.part.number} rev {prev.revision} has no routing yet")
    return row


def _operation(routing: Routing, operation: str | int) -> Operation:
    text = str(operation).strip()
    for op in routing.operations:
        if text.isdigit() and op.sequence == int(text) or op.name.lower() == text.lower():
            return op
    raise NotFound("operation_not_found", f"routing {routing.revision} of {routing.part_revision.part.number} has no "
                   f"operation {text}; it has " + ", ".join(f"{o.sequence} {o.name}" for o in routing.operations))


def _find(session: Session, program: str, operation: str | int, routing: str | None) -> tuple[Program, Operation]:
    prog = get_program(session, program)
    return prog, _operation(_routing(session, prog, routing), operation)


def _stored_plan(session: Session, op: Operation, *, lock: bool = False) -> InspectionPlan | None:
    query = select(InspectionPlan).where(InspectionPlan.operation_id == op.id)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def _plan_for_write(session: Session, op: Operation, actor: str) -> InspectionPlan:
    """The stored plan, locked; the default one is stored first if there is none."""
    plan = _stored_plan(session, op, lock=True)
    if plan is None:
        plan = InspectionPlan(operation_id=op.id, classes={}, aql=dict(rules.DEFAULT_AQL), level=rules.DEFAULT_LEVEL,
                              severity="normal", discontinued=False, recent_normal=[], consecutive_accepted=0,
                              tightened_not_accepted=0, updated_at=utcnow(), updated_by=actor)
        session.add(plan)
        session.flush()
    return plan


# ---------------------------------------------------------------- plan views


def _classes(op: Operation, plan: InspectionPlan | None) -> dict[str, str]:
    stored = (plan.classes if plan else None) or {}
    return {c.code: stored.get(c.code) or rules.default_class(key=c.key, kind=c.kind) for c in op.characteristics}


def _aql(plan: InspectionPlan | None) -> dict[str, float]:
    return {**rules.DEFAULT_AQL, **((plan.aql if plan else None) or {})}


def _state(plan: InspectionPlan | None) -> sampling.SamplingState:
    if plan is None:
        return sampling.SamplingState()
    return sampling.SamplingState(plan.severity, tuple(plan.recent_normal or ()), plan.consecutive_accepted,
                                  plan.tightened_not_accepted, plan.discontinued)


def _sampled_classes(op: Operation, classes: dict[str, str]) -> list[str]:
    """The classes of this operation that Z1.4 samples: major/minor characteristics that are not key."""
    return [k for k in rules.SAMPLED_CLASSES if any(classes[c.code] == k and not c.key for c in op.characteristics)]


def _event_row(e: SamplingEvent, lots: dict[int, str]) -> dict:
    return {"kind": e.kind, "at": _iso(e.at), "actor": e.actor, "lot": lots.get(e.lot_id), "lot_size": e.lot_size,
            "plans": e.plans, "defects": e.defects, "accepted": e.accepted, "resubmitted": e.resubmitted,
            "production_steady": e.production_steady, "severity_before": e.severity_before,
            "severity_after": e.severity_after, "transition": e.transition, "note": e.note}


def _history(session: Session, plan: InspectionPlan | None) -> list[dict]:
    if plan is None:
        return []
    events = session.execute(select(SamplingEvent).where(SamplingEvent.plan_id == plan.id)
                             .order_by(SamplingEvent.id)).scalars().all()
    lot_ids = {e.lot_id for e in events if e.lot_id}
    lots = dict(session.execute(select(Lot.id, Lot.number).where(Lot.id.in_(lot_ids))).all()) if lot_ids else {}
    return [_event_row(e, lots) for e in events]


def _severity_words(state: sampling.SamplingState) -> str:
    return "discontinued" if state.discontinued else state.severity


def _plan_view(session: Session, program: Program, op: Operation, plan: InspectionPlan | None,
               *, history: bool = True) -> dict:
    classes, aql, state = _classes(op, plan), _aql(plan), _state(plan)
    level = plan.level if plan else rules.DEFAULT_LEVEL
    routing = op.routing
    lots = session.execute(select(Lot).where(Lot.program_id == program.id, Lot.routing_id == routing.id,
                                             Lot.status == "open").order_by(Lot.id)).scalars().all()
    open_lots = []
    for lot in lots:
        samples = [rules.class_sample(lot_size=lot.planned_quantity, klass=k, aql=aql[k], level=level,
                                      severity=state.severity).as_dict(lot.planned_quantity)
                   for k in _sampled_classes(op, classes)] if lot.planned_quantity >= 2 else []
        open_lots.append({"lot": lot.number, "phase": lot.phase, "lot_size": lot.planned_quantity,
                          "inspection": policy_for(session, program.id, lot.phase).inspection, "samples": samples})
    return {
        "program": program.code, "part": routing.part_revision.part.number,
        "part_revision": routing.part_revision.revision, "routing": routing.revision,
        "operation": op.sequence, "name": op.name, "stored": plan is not None,
        "updated_at": _iso(plan.updated_at) if plan else None, "updated_by": plan.updated_by if plan else None,
        "level": level, "aql": aql,
        "characteristics": [{"code": c.code, "name": c.name, "kind": c.kind, "key": c.key, "class": classes[c.code],
                             "frp": "100% (key characteristic)" if c.key else
                                    "100% (critical)" if classes[c.code] == "critical" else
                                    f"Z1.4 sampling at AQL {aql[classes[c.code]]:g}"}
                            for c in op.characteristics],
        "state": {"severity": _severity_words(state), "discontinued": state.discontinued,
                  "recent_normal": list(state.recent_normal), "consecutive_accepted": state.consecutive_accepted,
                  "tightened_not_accepted": state.tightened_not_accepted,
                  "reduced_approved_by": plan.reduced_approved_by if plan else None,
                  "reduced_approved_at": _iso(plan.reduced_approved_at) if plan else None},
        "open_lots": open_lots,
        "history": _history(session, plan) if history else None,
    }


def show_plan(session: Session, *, program: str, operation: str | int, routing: str | None = None) -> dict:
    """The operation's plan (stored or the default), its sampling state and history, and the samples
    each open lot takes."""
    prog, op = _find(session, program, operation, routing)
    return _plan_view(session, prog, op, _stored_plan(session, op))


def list_plans(session: Session, *, program: str, routing: str | None = None) -> list[dict]:
    """Every operation of the routing with its plan's class counts and sampling state."""
    prog = get_program(session, program)
    rows = []
    for op in _routing(session, prog, routing).operations:
        plan = _stored_plan(session, op)
        classes, state = _classes(op, plan), _state(plan)
        counts = {k: sum(1 for v in classes.values() if v == k) for k in rules.CLASSES}
        rows.append({"operation": op.sequence, "name": op.name, "stored": plan is not None,
                     "characteristics": len(classes), "key": sum(1 for c in op.characteristics if c.key),
                     "classes": counts, "aql": _aql(plan), "level": plan.level if plan else rules.DEFAULT_LEVEL,
                     "severity": _severity_words(state),
                     "lot_results": session.execute(select(func.count(SamplingEvent.id)).where(
                         SamplingEvent.plan_id == plan.id, SamplingEvent.kind == "lot_result")).scalar_one()
                     if plan else 0})
    return rows


@transactional
def set_plan(session: Session, *, program: str, operation: str | int, actor: str, routing: str | None = None,
             classes: dict[str, str] | None = None, aql: dict[str, float] | None = None,
             level: str | None = None, reason: str | None = None) -> dict:
    """Set characteristic classes, AQLs per sampled class and the inspection level of one operation's plan."""
    prog, op = _find(session, program, operation, routing)
    codes = {c.code.lower(): c.code for c in op.characteristics}
    classes = {codes.get(k.lower(), k): v for k, v in (classes or {}).items()}
    aql = {k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in (aql or {}).items()}
    current = _stored_plan(session, op)
    new_level = level or (current.level if current else rules.DEFAULT_LEVEL)
    rules.check_plan(codes=list(codes.values()), classes=classes, aql=aql, level=new_level).raise_if_refused(
        "inspection_plan_refused")
    plan = _plan_for_write(session, op, actor)
    before = {"classes": _classes(op, current), "aql": _aql(current), "level": current.level if current else None}
    plan.classes = {**(plan.classes or {}), **classes}
    plan.aql = {**_aql(plan), **aql}
    plan.level = new_level
    plan.updated_at, plan.updated_by = utcnow(), actor
    after = {"classes": _classes(op, plan), "aql": _aql(plan), "level": plan.level}
    session.add(SamplingEvent(plan_id=plan.id, kind="plan_set", at=utcnow(), actor=actor, resubmitted=False,
                              production_steady=True, severity_before=plan.severity, severity_after=plan.severity,
                              note=reason or "plan set"))
    audit.record(session, actor=actor, action="inspection_plan.set", record_type="inspection_plan",
                 record_id=_plan_id(op), before=before, after=after, reason=reason)
    session.flush()
    return _plan_view(session, prog, op, plan)


def _plan_id(op: Operation) -> str:
    r = op.routing
    return f"{r.part_revision.part.number}/{r.part_revision.revision}/{r.revision}/{op.sequence}"


# ---------------------------------------------------------------- the sampling state


def _unit_positions(session: Session, lot: Lot) -> dict[int, Unit]:
    """Units of a lot by their 1-based position (creation order)."""
    units = session.execute(select(Unit).where(Unit.lot_id == lot.id).order_by(Unit.id)).scalars().all()
    return {i: u for i, u in enumerate(units, start=1)}


def _count_defectives(session: Session, lot: Lot, op: Operation, classes: dict[str, str],
                      samples: dict[str, rules.ClassSample]) -> tuple[dict[str, int], list[str]]:
    """Defective units in each class's sample, from the first result of each characteristic on each unit;
    and the reasons the count cannot be made yet (sample units not built or not inspected)."""
    units = _unit_positions(session, lot)
    chars = {c.id: c for c in op.characteristics}
    defects, missing = {}, []
    for klass, sample in samples.items():
        codes = {c.code for c in op.characteristics if classes[c.code] == klass and not c.key}
        found = 0
        for pos in sample.positions:
            unit = units.get(pos)
            if unit is None:
                missing.append(f"unit {pos} of lot {lot.number} (in the {klass} sample) is not built yet")
                continue
            first: dict[str, bool] = {}
            for m in session.execute(select(Measurement).where(
                    Measurement.unit_id == unit.id, Measurement.characteristic_id.in_(list(chars)))
                    .order_by(Measurement.recorded_at, Measurement.id)).scalars():
                first.setdefault(chars[m.characteristic_id].code, m.in_spec)
            lacking = sorted(codes - set(first))
            if lacking:
                missing.append(f"{unit.serial} (unit {pos}, in the {klass} sample) has no result for "
                               + ", ".join(lacking))
            if any(first.get(code) is False for code in codes):
                found += 1
        defects[klass] = found
    return defects, missing


@transactional
def record_lot_result(session: Session, *, lot: str, operation: str | int, actor: str,
                      defects: dict[str, int] | None = None, resubmitted: bool = False,
                      production_steady: bool = True, note: str | None = None) -> dict:
    """A lot's inspection result at one operation: per sampled class the defective units found in its
    sample (counted from the records when not given), accept or reject, and the switch it causes.
    Resubmitted lots are recorded but do not move the state (Z1.4 8.3)."""
    lot_row = get_lot(session, lot)
    op = _operation(lot_row.routing, operation)
    plan = _plan_for_write(session, op, actor)
    classes, aql = _classes(op, plan), _aql(plan)
    lot_size = lot_row.planned_quantity
    reasons = []
    if plan.discontinued:
        reasons.append(f"sampling at operation {op.sequence} ({op.name}) is discontinued (Z1.4 8.4); "
                       "record a corrective action first")
    sampled = _sampled_classes(op, classes)
    if not sampled:
        reasons.append(f"operation {op.sequence} ({op.name}) has no sampled characteristics: its key and critical "
                       "ones are inspected 100% and have no lot result")
    if lot_size < 2:
        reasons.append(f"lot {lot} plans {lot_size} unit; Z1.4 starts at lots of 2")
    earlier = session.execute(select(SamplingEvent).where(
        SamplingEvent.plan_id == plan.id, SamplingEvent.lot_id == lot_row.id, SamplingEvent.kind == "lot_result")
        .order_by(SamplingEvent.id)).scalars().all()
    if resubmitted and not (earlier and earlier[-1].accepted is False):
        reasons.append(f"lot {lot} has no rejected result at operation {op.sequence} to resubmit")
    if not resubmitted and earlier:
        reasons.append(f"lot {lot} already has its result at operation {op.sequence} "
                       f"({'accepted' if earlier[-1].accepted else 'rejected'}); a rejected lot comes back "
                       "as resubmitted")
    unknown = sorted(set(defects or {}) - set(sampled))
    for klass in unknown:
        reasons.append(f"operation {op.sequence} samples {', '.join(sampled) or 'nothing'}, not '{klass}'")
    for klass, count in (defects or {}).items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            reasons.append(f"the {klass} defective count is a whole number of at least 0, not {count!r}")
    verdict(reasons).raise_if_refused("lot_result_refused")
    severity = plan.severity
    samples = {k: rules.class_sample(lot_size=lot_size, klass=k, aql=aql[k], level=plan.level, severity=severity)
               for k in sampled}
    for klass, sample in samples.items():
        if defects and klass in defects and defects[klass] > sample.plan.sample_size:
            reasons.append(f"{defects[klass]} {klass} defectives cannot come from a sample of "
                           f"{sample.plan.sample_size}")
    if defects is None or set(defects) != set(sampled):
        counted, missing = _count_defectives(session, lot_row, op, classes, samples)
        reasons += missing
        defects = {**counted, **(defects or {})}
    verdict(reasons).raise_if_refused("lot_result_refused")
    plans = {k: s.plan for k, s in samples.items()}
    accepted, reinstate, words = rules.lot_accepted(plans, defects)
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
    event = SamplingEvent(plan_id=plan.id, kind="lot_result", at=utcnow(), actor=actor, lot_id=lot_row.id,
                          lot_size=lot_size, plans={k: s.as_dict(lot_size) for k, s in samples.items()},
                          defects=defects, accepted=accepted, resubmitted=resubmitted,
                          production_steady=production_steady, severity_before=_severity_words(before),
                          severity_after=_severity_words(after), transition=moved,
                          note="; ".join(words) + (f". {note}" if note else ""))
    session.add(event)
    session.flush()
    audit.record(session, actor=actor, action="inspection.lot_result", record_type="inspection_plan",
                 record_id=_plan_id(op), before={"severity": _severity_words(before)},
                 after={"lot": lot, "defects": defects, "accepted": accepted, "resubmitted": resubmitted,
                        "severity": _severity_words(after), "transition": moved}, reason=note)
    return {"lot": lot, "operation": op.sequence, "name": op.name, "lot_size": lot_size,
            "decision": "accept" if accepted else "reject", "reinstate_normal": reinstate, "defects": defects,
            "plans": event.plans, "resubmitted": resubmitted, "severity_before": event.severity_before,
            "severity_after": event.severity_after, "transition": moved, "words": words}


@transactional
def approve_reduced(session: Session, *, program: str, operation: str | int, actor: str, reason: str,
                    routing: str | None = None) -> dict:
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
    plan.reduced_approved_by, plan.reduced_approved_at = actor, utcnow()
    session.add(SamplingEvent(plan_id=plan.id, kind="reduced_approved", at=utcnow(), actor=actor, resubmitted=False,
                              production_steady=True, severity_before=plan.severity, severity_after=plan.severity,
                              note=reason))
    audit.record(session, actor=actor, action="inspection.reduced_approved", record_type="inspection_plan",
                 record_id=_plan_id(op), after={"reduced_approved_by": actor}, reason=reason)
    session.flush()
    return _plan_view(session, prog, op, plan)


@transactional
def record_corrective_action(session: Session, *, program: str, operation: str | int, actor: str, reason: str,
                             routing: str | None = None) -> dict:
    """Resume sampling that Z1.4 8.4 discontinued: on tightened inspection, with the corrective action named."""
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
    session.add(SamplingEvent(plan_id=plan.id, kind="corrective_action", at=utcnow(), actor=actor, resubmitted=False,
                              production_steady=True, severity_before="discontinued", severity_after=after.severity,
                              transition=moved, note=reason))
    audit.record(session, actor=actor, action="inspection.corrective_action", record_type="inspection_plan",
                 record_id=_plan_id(op), before={"severity": "discontinued"}, after={"severity": after.severity},
                 reason=reason)
    session.flush()
    return _plan_view(session, prog, op, plan)


# ---------------------------------------------------------------- what a unit must have measured


def requirements(session: Session, unit: Unit, op: Operation) -> list[rules.Requirement]:
    """For each characteristic of the operation: must it be measured on this unit, and why."""
    lot = unit.lot
    policy = policy_for(session, lot.program_id, lot.phase)
    if policy.inspection == "all":
        return [rules.requirement(code=c.code, key=c.key, klass="", inspection="all", phase=lot.phase,
                                  discontinued=False, sample=None, position=0, lot_size=0)
                for c in op.characteristics]
    plan = _stored_plan(session, op)
    classes, aql, state = _classes(op, plan), _aql(plan), _state(plan)
    level = plan.level if plan else rules.DEFAULT_LEVEL
    size = lot.planned_quantity
    position = session.execute(select(func.count(Unit.id)).where(Unit.lot_id == lot.id, Unit.id <= unit.id)).scalar_one()
    samples = {k: rules.class_sample(lot_size=size, klass=k, aql=aql[k], level=level, severity=state.severity)
               for k in _sampled_classes(op, classes)} if size >= 2 else {}
    return [rules.requirement(code=c.code, key=c.key, klass=classes[c.code], inspection=policy.inspection,
                              phase=lot.phase, discontinued=state.discontinued, sample=samples.get(classes[c.code]),
                              position=position, lot_size=size)
            for c in op.characteristics]


def sampled_characteristics(session: Session, unit: Unit, op: Operation) -> frozenset[str]:
    """The characteristics the sampling plan requires on this unit besides the key ones (the FRP hook of
    execution.rules.required_characteristics)."""
    return frozenset(r.code for r in requirements(session, unit, op) if r.required)


def unit_inspection(session: Session, serial: str) -> dict:
    """Every operation of a unit with each characteristic: required or not, and why."""
    unit = get_one(session, Unit, "unit", serial=serial)
    lot = unit.lot
    return {"serial": serial, "lot": lot.number, "phase": lot.phase,
            "inspection": policy_for(session, lot.program_id, lot.phase).inspection,
            "operations": [{"sequence": op.sequence, "name": op.name,
                            "characteristics": [r.as_dict() for r in requirements(session, unit, op)]}
                           for op in lot.routing.operations]}


# ---------------------------------------------------------------- first article inspection


def get_fai(session: Session, number: str, *, lock: bool = False) -> FirstArticle:
    return get_one(session, FirstArticle, "first article inspection", lock=lock, number=number)


def _configuration(routing: Routing) -> str:
    prev = routing.part_revision
    return f"{prev.part.number} rev {prev.revision}, routing {routing.revision}"


def _routing_characteristics(routing: Routing) -> list[tuple[Operation, Characteristic]]:
    return [(op, c) for op in routing.operations for c in op.characteristics]


def _approved(fai: FirstArticle | None) -> bool:
    return fai is not None and fai.status == "approved"


def _owed(session: Session, unit: Unit) -> dict:
    """What first article inspection this unit owes under its lot's policy: full (first unit of its
    configuration), partial (open delta requirements, or two years without production), or none."""
    lot, routing = unit.lot, unit.lot.routing
    policy = policy_for(session, lot.program_id, lot.phase)
    owed = {"kind": None, "reasons": [], "characteristics": None, "requirements": []}
    if policy.first_article == "none":
        return owed
    fulls = session.execute(select(FirstArticle.id).where(FirstArticle.routing_id == routing.id,
                                                          FirstArticle.kind == "full")).first()
    if policy.first_article == "first_unit_and_delta" and fulls is None:
        owed["kind"] = "full"
        owed["reasons"].append(f"first unit of configuration {_configuration(routing)} "
                               f"({lot.phase.upper()} policy: first unit and delta)")
    reqs = session.execute(select(FaiRequirement).where(
        FaiRequirement.part_revision_id == routing.part_revision_id,
        FaiRequirement.first_article_id.is_(None)).order_by(FaiRequirement.id)).scalars().all()
    codes: list[str] = []
    for req in reqs:
        owed["requirements"].append(req)
        owed["reasons"].append(f"delta after a change: {req.reason}")
        codes += [c for c in req.characteristics if c not in codes]
    dates = session.execute(select(Unit.serial, Unit.created_at, Unit.completed_at).join(Lot).where(
        Lot.routing_id == routing.id, Unit.id <= unit.id).order_by(Unit.id)).all()
    lapsed = dict(rules.production_lapse([tuple(d) for d in dates]))
    if unit.serial in lapsed:
        later = session.execute(select(FirstArticle.id).join(Unit, FirstArticle.unit_id == Unit.id).where(
            FirstArticle.routing_id == routing.id, Unit.id >= unit.id)).first()
        if later is None:
            owed["reasons"].append(f"two years without production of {_configuration(routing)} "
                                   f"(last unit completed {lapsed[unit.serial]:%Y-%m-%d})")
            codes += [c.code for _, c in _routing_characteristics(routing) if c.code not in codes]
    if owed["kind"] is None and owed["reasons"]:
        owed["kind"], owed["characteristics"] = "partial", codes
    return owed


def _next_number(session: Session) -> str:
    last = session.execute(select(func.max(FirstArticle.id))).scalar() or 0
    return f"FAI-{last + 1:04d}"


@transactional
def create_fai(session: Session, *, serial: str, actor: str, kind: str | None = None,
               characteristics: list[str] | None = None, reason: str | None = None,
               organization: str | None = None) -> FirstArticle:
    """Open a first article record on a unit. Without `kind` it is the one the unit owes under its policy;
    a full or partial FAI may also be asked for with a reason."""
    unit = get_one(session, Unit, "unit", lock=True, serial=serial)
    routing = unit.lot.routing
    known = {c.code.lower(): c.code for _, c in _routing_characteristics(routing)}
    owed = _owed(session, unit)
    reasons = []
    if kind not in (None, "full", "partial"):
        reasons.append(f"an FAI is full or partial, not '{kind}'")
    opened = session.execute(select(FirstArticle.number).where(FirstArticle.unit_id == unit.id,
                                                              FirstArticle.status == "open")).scalar()
    if opened:
        reasons.append(f"{serial} already has {opened} open")
    if unit.status == "scrapped":
        reasons.append(f"{serial} is scrapped")
    codes = [known.get(c.strip().lower(), c.strip()) for c in characteristics or [] if c.strip()]
    for code in codes:
        if code.lower() not in known:
            reasons.append(f"{code} is not a characteristic of {serial}'s routing ({_configuration(routing)})")
    if kind is None:
        if owed["kind"] is None:
            reasons.append(f"{serial} owes no first article inspection under its lot's policy; ask for a full or "
                           "partial one with a reason to inspect one anyway")
        kind = owed["kind"]
        codes = codes or owed["characteristics"] or []
    if kind == "partial" and not codes:
        codes = owed["characteristics"] or []
        if not codes:
            reasons.append("a partial FAI names the characteristics it covers")
    why = (reason or "").strip() or "; ".join(owed["reasons"])
    if not why and kind is not None:
        reasons.append("say why this FAI is done (full or partial, and the reason)")
    verdict(reasons).raise_if_refused("fai_refused")
    fai = FirstArticle(number=_next_number(session), unit_id=unit.id, routing_id=routing.id, kind=kind, reason=why,
                       characteristics=None if kind == "full" else codes,
                       organization=organization or os.environ.get("LRIP_ORGANIZATION") or unit.lot.program.name,
                       status="open", created_at=utcnow(), created_by=actor)
    session.add(fai)
    session.flush()
    covered = set(known.values()) if kind == "full" else set(codes)
    linked = []
    for req in owed["requirements"]:
        if set(req.characteristics) <= covered:
            req.first_article_id = fai.id
            linked.append(req.id)
    audit.record(session, actor=actor, action="fai.created", record_type="first_article", record_id=fai.number,
                 after={"serial": serial, "kind": kind, "characteristics": fai.characteristics,
                        "configuration": _configuration(routing), "requirements": linked}, reason=why)
    return fai


@transactional
def require_delta_fai(session: Session, *, part: str, part_revision: str, characteristics: list[str], reason: str,
                      actor: str) -> FaiRequirement:
    """Owe a partial (delta) FAI on the next unit of this part revision: change control calls this
    when a change touches characteristics."""
    prev = get_part_revision(session, part, part_revision)
    codes = [c.strip() for c in characteristics if c and c.strip()]
    reasons = []
    if not codes:
        reasons.append("a delta FAI names the characteristics the change touches")
    if not (reason or "").strip():
        reasons.append("a delta FAI needs the reason (the change that touches the characteristics)")
    verdict(reasons).raise_if_refused("delta_fai_refused")
    req = FaiRequirement(part_revision_id=prev.id, characteristics=codes, reason=reason.strip(),
                         raised_at=utcnow(), raised_by=actor)
    session.add(req)
    session.flush()
    audit.record(session, actor=actor, action="fai.delta_required", record_type="part",
                 record_id=f"{part}/{part_revision}", after={"characteristics": codes, "requirement": req.id},
                 reason=reason)
    return req


# ---------------------------------------------------------------- the AS9102 forms


def _requirement_words(c: Characteristic) -> str:
    if c.kind == "attribute":
        return "pass / fail"
    units = f" {c.units}" if c.units else ""
    nominal = f"{c.nominal:g}{units} " if c.nominal is not None else ""
    if c.lsl is not None and c.usl is not None:
        return f"{nominal}({c.lsl:g} – {c.usl:g}{units})".strip()
    if c.usl is not None:
        return f"{nominal}≤ {c.usl:g}{units}".strip()
    return f"{nominal}≥ {c.lsl:g}{units}".strip()


def _result_words(m: Measurement | None, c: Characteristic) -> str:
    if m is None:
        return ""
    if c.kind == "attribute":
        return "pass" if m.passed else "fail"
    return f"{m.value:g}" + (f" {c.units}" if c.units else "")


def _ncrs(session: Session, unit_id: int) -> dict[int | None, list[dict]]:
    """The unit's NCRs by characteristic, from the nonconformance area when it is there (empty until then)."""
    try:
        from lrip.nonconformance.models import NonConformance
        rows = session.execute(select(NonConformance.characteristic_id, NonConformance.number, NonConformance.status)
                               .where(NonConformance.unit_id == unit_id)).all()
    except (ImportError, AttributeError):
        return {}
    found: dict[int | None, list[dict]] = defaultdict(list)
    for char_id, number, status in rows:
        found[char_id].append({"number": number, "status": status})
    return found


def _scope(fai: FirstArticle) -> list[tuple[int, Operation, Characteristic]]:
    """(char number, operation, characteristic) in the FAI: char numbers are the characteristic's place in the
    routing, so a partial FAI keeps the numbers of the full one."""
    every = [(i, op, c) for i, (op, c) in enumerate(_routing_characteristics(fai.routing), start=1)]
    if fai.kind == "full":
        return every
    wanted = {code.lower() for code in fai.characteristics or []}
    return [row for row in every if row[2].code.lower() in wanted]


def _is_test(op: Operation) -> bool:
    """A functional test on Form 2: an operation at a test work center or named a test."""
    return "test" in op.work_center.code.lower() or "test" in op.name.lower()


def _forms(session: Session, fai: FirstArticle) -> dict:
    """Forms 1, 2 and 3 built from the unit's records now."""
    unit, routing = fai.unit, fai.routing
    prev, lot = routing.part_revision, unit.lot
    records = session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit.id)
                              .order_by(OperationRecord.id)).scalars().all()
    done = {r.operation_id: r for r in records if r.status == "complete"}
    by_record = {r.id: r for r in records}
    measurements = session.execute(select(Measurement).where(Measurement.unit_id == unit.id)
                                   .order_by(Measurement.recorded_at, Measurement.id)).scalars().all()
    latest: dict[int, Measurement] = {}
    for m in measurements:
        latest[m.characteristic_id] = m
    holds = {h.measurement_id: h for h in session.execute(select(Hold).where(Hold.unit_id == unit.id)).scalars()}
    ncrs = _ncrs(session, unit.id)
    form3 = []
    for number, op, c in _scope(fai):
        m = latest.get(c.id)
        rec = by_record.get(m.operation_record_id) if m else None
        hold = holds.get(m.id) if m else None
        char_ncrs = ncrs.get(c.id, [])
        tooling = [t.code for t in rec.tools] if rec else []
        if m is not None and m.gauge and m.gauge not in tooling:
            tooling.append(m.gauge)
        form3.append({
            "char_no": number, "code": c.code, "name": c.name, "operation": op.sequence, "operation_name": op.name,
            "key": c.key, "kind": c.kind, "nominal": c.nominal, "lsl": c.lsl, "usl": c.usl, "units": c.units,
            "requirement": _requirement_words(c), "result": _result_words(m, c),
            "value": m.value if m else None, "passed": m.passed if m else None,
            "in_spec": m.in_spec if m else None, "tooling": tooling,
            "measured_by": m.recorded_by.username if m else None, "measured_at": _iso(m.recorded_at) if m else None,
            "operation_done": op.id in done,
            "disposition": hold.disposition if hold and hold.released_at else None,
            "ncr": ", ".join(n["number"] for n in char_ncrs) or None,
            "ncr_dispositioned": any(n["status"] in ("dispositioned", "closed") for n in char_ncrs),
        })
    links = session.execute(select(Consumption).where(Consumption.unit_id == unit.id)
                            .order_by(Consumption.id)).scalars().all()
    materials = []
    for link in links:
        rec = by_record.get(link.operation_record_id)
        if link.material_lot is not None:
            ml = link.material_lot
            materials.append({"part": ml.part.number, "description": ml.part.description,
                              "identifier": ml.lot_number, "tracking": ml.part.tracking, "quantity": link.quantity,
                              "supplier": ml.supplier.code if ml.supplier else None,
                              "supplier_name": ml.supplier.name if ml.supplier else None,
                              "operation": rec.operation.sequence if rec else None,
                              "acceptance": f"incoming lot {ml.status}, received {ml.received_at:%Y-%m-%d}"})
        else:
            child = link.child_unit
            materials.append({"part": child.lot.program.part_revision.part.number,
                              "description": child.lot.program.part_revision.part.description,
                              "identifier": child.serial, "tracking": "serial", "quantity": link.quantity,
                              "supplier": None, "supplier_name": "built in house",
                              "operation": rec.operation.sequence if rec else None,
                              "acceptance": f"unit {child.status.replace('_', ' ')}, as-built record {child.serial}"})
    processes, tests = [], []
    for op in routing.operations:
        rec = done.get(op.id)
        row = {"operation": op.sequence, "name": op.name, "work_center": op.work_center.code,
               "instruction": rec.document_revision.label if rec and rec.document_revision else
               (op.document_revision.label if op.document_revision else None),
               "tools": [{"code": t.code, "kind": t.kind, "category": t.category,
                          "calibration_due": t.calibration_due.isoformat() if t.calibration_due else None}
                         for t in (rec.tools if rec else [])],
               "completed_by": rec.completed_by.username if rec and rec.completed_by else None,
               "completed_at": _iso(rec.completed_at) if rec else None}
        processes.append(row)
        if _is_test(op):
            results = [r for r in form3 if r["operation"] == op.sequence]
            if fai.kind == "full" or results:
                every = [latest.get(c.id) for c in op.characteristics]
                passed = sum(1 for m in every if m is not None and m.in_spec)
                tests.append({**row, "result": f"{passed} of {len(every)} results in spec" if rec else "not run"})
    bom = session.execute(select(func.count(BomLine.id)).where(BomLine.parent_revision_id == prev.id)).scalar_one()
    form1 = {
        "fai_number": fai.number, "part_number": prev.part.number, "part_name": prev.part.description,
        "part_revision": prev.revision, "drawing_number": prev.part.number, "drawing_revision": prev.revision,
        "serial": unit.serial, "lot": lot.number, "program": lot.program.code, "phase": lot.phase,
        "manufacturing_process_reference": f"routing {routing.revision}", "configuration": _configuration(routing),
        "organization": fai.organization, "detail_or_assembly": "assembly" if bom else "detail",
        "kind": fai.kind, "reason": fai.reason, "characteristics_in_scope": len(form3),
        "created_by": fai.created_by, "created_at": _iso(fai.created_at),
        "completed_by": fai.completed_by, "completed_at": _iso(fai.completed_at),
    }
    return {"form1": form1, "form2": {"materials": materials, "processes": processes, "functional_tests": tests},
            "form3": form3}


def _completion_verdict(session: Session, fai: FirstArticle, forms: dict):
    unknown = []
    if fai.kind == "partial":
        known = {c.code.lower() for _, c in _routing_characteristics(fai.routing)}
        unknown = [code for code in fai.characteristics or [] if code.lower() not in known]
    rows = [rules.Form3Row(code=r["code"], name=r["name"], operation=r["operation"],
                           operation_done=r["operation_done"], has_result=r["in_spec"] is not None,
                           in_spec=r["in_spec"], result=r["result"],
                           dispositioned=r["disposition"] is not None or r["ncr_dispositioned"])
            for r in forms["form3"]]
    return rules.check_fai_complete(number=fai.number, status=fai.status, serial=fai.unit.serial,
                                    unit_status=fai.unit.status, rows=rows, unknown=unknown)


@transactional
def complete_fai(session: Session, *, number: str, actor: str) -> FirstArticle:
    """Complete an FAI: every characteristic measured, every operation in scope complete, no out-of-spec
    result without its NCR disposition. Its forms are frozen as they are now."""
    fai = get_fai(session, number, lock=True)
    get_one(session, Unit, "unit", lock=True, id=fai.unit_id)
    forms = _forms(session, fai)
    _completion_verdict(session, fai, forms).raise_if_refused("fai_complete_refused")
    fai.status, fai.completed_at, fai.completed_by = "complete", utcnow(), actor
    forms["form1"].update(completed_by=actor, completed_at=_iso(fai.completed_at))
    fai.content = forms
    fai.content_hash = signatures.content_hash(forms)
    audit.record(session, actor=actor, action="fai.completed", record_type="first_article", record_id=number,
                 before={"status": "open"}, after={"status": "complete", "content_hash": fai.content_hash,
                                                   "characteristics": len(forms["form3"])})
    return fai


@transactional
def sign_fai(session: Session, *, number: str, username: str, password: str, meaning: str,
             role: str | None = None) -> dict:
    """E-sign a completed FAI's frozen forms. An 'approved' signature, by someone other than the
    inspector who completed it, approves the FAI."""
    fai = get_fai(session, number, lock=True)
    if fai.status == "open":
        raise Refused("fai_sign_refused", f"{number} is open; complete it first, so the signature binds the "
                                          "finished forms")
    signature = signatures.sign(session, record_type="first_article", record_id=number, content=fai.content,
                                username=username, password=password, meaning=meaning, role=role,
                                author=fai.completed_by, independent=True)
    if meaning == "approved" and fai.status == "complete":
        fai.status = "approved"
        audit.record(session, actor=username, action="fai.approved", record_type="first_article", record_id=number,
                     before={"status": "complete"}, after={"status": "approved", "signature": signature.id})
    return {"number": number, "status": fai.status, "signed_by": username, "meaning": meaning,
            "role": signature.role, "signed_at": _iso(signature.signed_at)}


def _summary(fai: FirstArticle) -> dict:
    unit, routing = fai.unit, fai.routing
    return {"number": fai.number, "serial": unit.serial, "lot": unit.lot.number, "program": unit.lot.program.code,
            "part": routing.part_revision.part.number, "part_revision": routing.part_revision.revision,
            "routing": routing.revision, "kind": fai.kind, "reason": fai.reason,
            "characteristics": fai.characteristics, "status": fai.status, "organization": fai.organization,
            "created_at": _iso(fai.created_at), "created_by": fai.created_by,
            "completed_at": _iso(fai.completed_at), "completed_by": fai.completed_by}


def fai_record(session: Session, number: str) -> dict:
    """The FAI with its forms (frozen once complete, else as the records stand), its signatures and,
    while it is open, every reason it cannot be completed yet."""
    fai = get_fai(session, number)
    forms = fai.content if fai.content is not None else _forms(session, fai)
    blocked = list(_completion_verdict(session, fai, forms).reasons) if fai.status == "open" else []
    return {**_summary(fai), **forms, "content_hash": fai.content_hash, "blocked_by": blocked,
            "signatures": signatures.signatures_for(session, "first_article", number,
                                                    fai.content if fai.content is not None else None)}


def list_fais(session: Session, *, program: str | None = None, status: str | None = None) -> list[dict]:
    query = select(FirstArticle).order_by(FirstArticle.id)
    if program:
        prog = get_program(session, program)
        query = query.join(Unit, FirstArticle.unit_id == Unit.id).join(Lot).where(Lot.program_id == prog.id)
    if status:
        query = query.where(FirstArticle.status == status)
    rows = []
    for fai in session.execute(query).scalars():
        signed = signatures.signatures_for(session, "first_article", fai.number)
        rows.append({**_summary(fai), "signatures": len(signed)})
    return rows


def fai_status(session: Session, *, program: str) -> dict:
    """Is every first article inspection the program's policies ask for done and approved?
    `outstanding` says what is missing, in words, with the characteristics it covers."""
    prog = get_program(session, program)
    records = list_fais(session, program=program)
    outstanding = []
    lots = session.execute(select(Lot).where(Lot.program_id == prog.id).order_by(Lot.id)).scalars().all()
    routings: dict[int, Routing] = {}
    first_unit_routings: dict[int, Lot] = {}
    first_unit_phases: set[str] = set()
    for lot in lots:
        policy = policy_for(session, prog.id, lot.phase)
        if policy.first_article != "none":
            routings.setdefault(lot.routing_id, lot.routing)
        if policy.first_article == "first_unit_and_delta":
            first_unit_routings.setdefault(lot.routing_id, lot)
            first_unit_phases.add(lot.phase)
    fais = session.execute(select(FirstArticle).where(FirstArticle.routing_id.in_(list(routings)))
                           .order_by(FirstArticle.id)).scalars().all() if routings else []
    for routing_id, lot in first_unit_routings.items():
        routing = routings[routing_id]
        full = [f for f in fais if f.routing_id == routing_id and f.kind == "full"]
        if any(_approved(f) for f in full):
            continue
        first = session.execute(select(Unit).join(Lot).where(
            Lot.routing_id == routing_id, Lot.program_id == prog.id, Unit.status != "scrapped",
            Lot.phase.in_(first_unit_phases)).order_by(Unit.id).limit(1)).scalar()
        fai = full[-1] if full else None
        state = (f"{fai.number} on {fai.unit.serial} is {fai.status}" + (", awaiting an approval signature"
                 if fai.status == "complete" else "")) if fai else "no FAI yet"
        outstanding.append({
            "reason": f"full FAI of the first unit of configuration {_configuration(routing)}: {state}",
            "kind": "full", "configuration": _configuration(routing), "serial": fai.unit.serial if fai else
            (first.serial if first else None), "fai": fai.number if fai else None,
            "characteristics": [c.code for _, c in _routing_characteristics(routing)]})
    if policy_for(session, prog.id, prog.phase).first_article != "none":
        reqs = session.execute(select(FaiRequirement).where(
            FaiRequirement.part_revision_id == prog.part_revision_id).order_by(FaiRequirement.id)).scalars().all()
        for req in reqs:
            if _approved(req.first_article):
                continue
            fai = req.first_article
            state = f"{fai.number} on {fai.unit.serial} is {fai.status}" if fai else "no FAI yet"
            outstanding.append({"reason": f"partial (delta) FAI after a change: {req.reason}: {state}",
                                "kind": "partial", "configuration": None, "serial": fai.unit.serial if fai else None,
                                "fai": fai.number if fai else None, "characteristics": list(req.characteristics),
                                "raised_at": _iso(req.raised_at), "raised_by": req.raised_by})
    for routing_id, routing in routings.items():
        dates = session.execute(select(Unit.serial, Unit.created_at, Unit.completed_at, Unit.id).join(Lot).where(
            Lot.routing_id == routing_id).order_by(Unit.id)).all()
        ids = {serial: uid for serial, _, _, uid in dates}
        for serial, last in rules.production_lapse([(s, a, b) for s, a, b, _ in dates]):
            if any(_approved(f) and f.routing_id == routing_id and f.unit_id >= ids[serial] for f in fais):
                continue
            outstanding.append({"reason": f"partial FAI: {serial} starts after two years without production of "
                                          f"{_configuration(routing)} (last unit completed {last:%Y-%m-%d})",
                                "kind": "partial", "configuration": _configuration(routing), "serial": serial,
                                "fai": None, "characteristics": [c.code for _, c in _routing_characteristics(routing)]})
    return {"program": prog.code, "phase": prog.phase, "policy": policy_for(session, prog.id, prog.phase).first_article,
            "complete": not outstanding, "records": records, "outstanding": outstanding}


def fai_owed(session: Session, serial: str) -> dict:
    """What FAI a unit owes now (for the traveler and `lrip fai create`)."""
    unit = get_one(session, Unit, "unit", serial=serial)
    owed = _owed(session, unit)
    return {"serial": serial, "kind": owed["kind"], "reasons": owed["reasons"],
            "characteristics": owed["characteristics"]}


def parse_pairs(items: list[str], what: str, cast=str) -> dict:
    """'CODE=major' pairs from the command line or a form into a dict; Invalid names every bad one."""
    found, bad = {}, []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            bad.append(f"'{item}' is not {what}=VALUE")
            continue
        try:
            found[key.strip()] = cast(value.strip())
        except ValueError:
            bad.append(f"'{value.strip()}' in '{item}' is not a number")
    if bad:
        raise Invalid("invalid_pairs", bad)
    return found
