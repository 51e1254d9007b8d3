"""The FRP readiness gate: evaluate the criteria on live records, freeze the result as an assessment,
waive and attest with e-signatures, and sign the program decision (a signed GO is recorded on the
program, where the phase change to full rate looks for it).

Each criterion reads what it needs through the owning area's use cases (NCRs, FAI, SPC, scorecard,
shortages, capacity, change traffic, traceability), as the person evaluating, and hands plain data
to `criteria.py`, which judges.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit, files
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import Signature, User
from lrip.auth.decisions import Decision, Given, standing
from lrip.auth.signatures import content_hash, sign_decision, signatures_for, standing_of
from lrip.capacity.service import capacity, learning
from lrip.catalog.models import BomLine, Characteristic, Operation, Part, Qualification, Routing
from lrip.change.rules import ChangeClass, OPEN_STATUSES
from lrip.change.service import change_traffic, list_changes, list_redlines
from lrip.db import get_one, utcnow
from lrip.errors import Invalid, NotFound, Refused, verdict
from lrip.execution.models import OperationRecord, Unit
from lrip.inspection.first_article import fai_status
from lrip.nonconformance.capa import list_capas
from lrip.nonconformance.ncr import list_ncrs
from lrip.planning.service import shortages as shortages_of
from lrip.program import service as program_service
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.program.service import current_routing, get_program
from lrip.quality.scorecard import scorecard
from lrip.quality.service import characteristic_spc, metrics
from lrip.readiness import criteria as rules
from lrip.readiness.models import Assessment, Attestation, ReadinessTarget, TargetChange, Waiver
from lrip.readiness.rules import ASSESSMENT, assessment_status, is_go
from lrip.readiness.schemas import (AssessmentOut, AssessmentRow, AttachmentFile, AttestationOut, CriterionTemplate,
                                    TargetChanged, WaiverOut)
from lrip.supply.models import ApprovedSource, Supplier
from lrip.trace.service import completeness


TARGET_CHANGE = Decision.TARGET_CHANGE


def _plain(answers) -> list[dict]:
    """Another area's answers as the JSON the criteria judge and the assessment keeps."""
    return [a.model_dump(mode="json") for a in answers]


# ---------------------------------------------------------------- targets (the program's template)

def _overrides(session: Session, program_id: int) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for row in session.execute(select(ReadinessTarget).filter_by(program_id=program_id)).scalars():
        found[row.criterion][row.name] = row.value
    return found


def quality_targets(session: Session, program: str) -> dict[str, float]:
    """The program's own targets as the quality pages name them (lrip.quality.events.TargetsAsked), in one
    statement, so that they flag what this gate judges."""
    overrides: dict[str, dict[str, float]] = defaultdict(dict)
    for criterion, name, value in session.execute(
            select(ReadinessTarget.criterion, ReadinessTarget.name, ReadinessTarget.value)
            .join(Program, Program.id == ReadinessTarget.program_id).where(Program.code == program)):
        overrides[criterion][name] = value
    t = rules.targets_for(overrides)
    return {"cpk": t["capability"]["cpk_min"], "fpy": t["yield"]["fpy_min"], "rty": t["yield"]["rty_min"]}


@query("read")
def list_criteria(session: Session, actor: Actor, *, program: str) -> list[CriterionTemplate]:
    """The program's criteria template: each criterion with its targets (default or the program's own)."""
    prog = get_program(session, program)
    overrides = _overrides(session, prog.id)
    return [CriterionTemplate(
        id=c.id, number=c.number, group=c.group, title=c.title, how_to_close=c.how_to_close,
        targets=[{"name": t.name, "value": overrides.get(c.id, {}).get(t.name, t.default), "default": t.default,
                  "words": t.words, "kind": t.kind, "own": t.name in overrides.get(c.id, {})} for t in c.targets])
        for c in sorted(rules.CRITERIA, key=lambda c: c.number)]


def _target_content(program: str, t: TargetChange) -> dict:
    """What a target change's signatures sign: this proposal (its id is its version), exactly."""
    return {"program": program, "target_change": t.id, "criterion": t.criterion, "name": t.name,
            "value": t.value, "previous": t.previous, "reason": t.reason, "proposed_by": t.proposed_by}


def _target_standing(session: Session, program: str, t: TargetChange):
    return standing_of(session, TARGET_CHANGE, None, record_type="readiness_target_change",
                       record_id=f"{program}/{t.id}", content=_target_content(program, t), author=t.proposed_by)


def _target_out(session: Session, program: str, t: TargetChange) -> TargetChanged:
    content = _target_content(program, t)
    return TargetChanged(id=t.id, program=program, criterion=t.criterion, name=t.name, value=t.value,
                         before=t.previous, reason=t.reason, proposed_by=t.proposed_by, proposed_at=t.proposed_at,
                         status=t.status, applied_at=t.applied_at, content=content,
                         signatures=signatures_for(session, "readiness_target_change", f"{program}/{t.id}", content),
                         missing=list(_target_standing(session, program, t).reasons)
                         if t.status == "pending" else [])


def _apply_target(session: Session, actor: Actor, prog: Program, t: TargetChange) -> None:
    """Every signature is there: the target changes (from the next evaluation)."""
    row = session.execute(select(ReadinessTarget).filter_by(program_id=prog.id, criterion=t.criterion, name=t.name)
                          ).scalar_one_or_none()
    now = utcnow()
    if row is None:
        session.add(ReadinessTarget(program_id=prog.id, criterion=t.criterion, name=t.name, value=t.value,
                                    set_by=t.proposed_by, set_at=now, reason=t.reason))
    else:
        row.value, row.set_by, row.set_at, row.reason = t.value, t.proposed_by, now, t.reason
    t.status, t.applied_at = "applied", now
    audit.record(session, actor=actor, action="readiness.target_set", record_type="program", record_id=prog.code,
                 before={f"{t.criterion}.{t.name}": t.previous},
                 after={f"{t.criterion}.{t.name}": t.value, "target_change": t.id,
                        "signed_by": list(_target_standing(session, prog.code, t).counted.values())},
                 reason=t.reason)


@command("readiness.assess")
def set_target(session: Session, actor: Actor, *, program: str, criterion: str, name: str, value: float,
               reason: str, password: str, role: str | None = None) -> TargetChanged:
    """Propose one of the program's readiness targets (thresholds are the program's own, per the MRL
    criteria) and sign it: it changes once the program and quality have both signed (lrip.auth.decisions),
    and every assessment after shows it as a changed target. A pending proposal for the same target is
    superseded."""
    prog = get_program(session, program)
    reasons = rules.check_target(criterion, name, value)
    if not (reason or "").strip():
        reasons.append("a target change needs a reason")
    verdict(reasons).raise_if_refused("target_refused")
    value, before = float(value), float(rules.targets_for(_overrides(session, prog.id))[criterion][name])
    # as the row reads back (Float): a signature binds the proposal's content, so 0 and 0.0 must not differ
    for old in session.execute(select(TargetChange).filter_by(program_id=prog.id, criterion=criterion, name=name,
                                                              status="pending")).scalars():
        old.status = "superseded"
    t = TargetChange(program_id=prog.id, criterion=criterion, name=name, value=value, previous=before,
                     reason=reason.strip(), proposed_by=actor.username, proposed_at=utcnow(), status="pending")
    session.add(t)
    session.flush()
    audit.record(session, actor=actor, action="readiness.target_proposed", record_type="program",
                 record_id=prog.code, before={f"{criterion}.{name}": before},
                 after={f"{criterion}.{name}": value, "target_change": t.id}, reason=t.reason)
    return _sign_target(session, actor, prog, t, password=password, role=role)


def _sign_target(session: Session, actor: Actor, prog: Program, t: TargetChange, *, password: str,
                 role: str | None) -> TargetChanged:
    sign_decision(session, actor, decision=TARGET_CHANGE, phase=None, record_type="readiness_target_change",
                  record_id=f"{prog.code}/{t.id}", content=_target_content(prog.code, t), password=password,
                  role=role, author=t.proposed_by, record=f"the change of {t.criterion}.{t.name} to {t.value:g}")
    if _target_standing(session, prog.code, t).complete:
        _apply_target(session, actor, prog, t)
    return _target_out(session, prog.code, t)


def _get_target_change(session: Session, prog: Program, change: int) -> TargetChange:
    t = session.execute(select(TargetChange).filter_by(program_id=prog.id, id=change)).scalar_one_or_none()
    if t is None:
        raise NotFound("target_change_not_found", f"No target change {change} in program {prog.code}")
    return t


@command("signature.sign")
def sign_target(session: Session, actor: Actor, *, program: str, change: int, password: str,
                role: str | None = None) -> TargetChanged:
    """Sign a proposed target change; the last signature it needs applies it."""
    prog = get_program(session, program)
    t = _get_target_change(session, prog, change)
    if t.status != "pending":
        raise Refused("target_refused", f"target change {t.id} is {t.status}; only a pending one is signed")
    return _sign_target(session, actor, prog, t, password=password, role=role)


def _changed_targets(session: Session, prog: Program) -> list[dict]:
    """Every target changed from its default or earlier value, oldest first, with who signed the change and
    why: an assessment shows the thresholds it was judged on did not stay where they were."""
    defaults = rules.targets_for({})
    return [{"id": t.id, "criterion": t.criterion, "name": t.name, "default": defaults[t.criterion][t.name],
             "previous": t.previous, "value": t.value, "reason": t.reason, "proposed_by": t.proposed_by,
             "applied_at": t.applied_at.isoformat(),
             "signed_by": [f"{g['name']} ({g['role']})" for g in _valid_signatures(
                 session, "readiness_target_change", f"{prog.code}/{t.id}", _target_content(prog.code, t))]}
            for t in session.execute(select(TargetChange).filter_by(program_id=prog.id, status="applied")
                                     .order_by(TargetChange.id)).scalars()]


@query("read")
def list_target_changes(session: Session, actor: Actor, *, program: str) -> list[TargetChanged]:
    """Every proposed change of the program's targets, oldest first, with its signatures and what is missing."""
    prog = get_program(session, program)
    return [_target_out(session, prog.code, t) for t in session.execute(
        select(TargetChange).filter_by(program_id=prog.id).order_by(TargetChange.id)).scalars()]


# ---------------------------------------------------------------- gathering the records

class Scope:
    """The program and its LRIP lots, read once for every criterion, and who is evaluating."""

    def __init__(self, session: Session, actor: Actor, prog: Program):
        self.session, self.actor, self.program = session, actor, prog
        self.code = prog.code
        self.lot_ids = list(session.execute(select(Lot.id).where(Lot.program_id == prog.id, Lot.phase == "lrip")
                                            .order_by(Lot.id)).scalars())
        try:
            self.routing: Routing | None = current_routing(session, prog)
        except NotFound:  # no lot and no released routing yet: the criteria say what is missing
            self.routing = None
        self.targets = rules.targets_for(_overrides(session, prog.id))
        self.cache: dict = {}
        self.complete: set[str] = set(session.execute(select(Unit.serial).where(
            Unit.lot_id.in_(self.lot_ids), Unit.status == "complete")).scalars()) if self.lot_ids else set()
        """LRIP units built to the end: their record must be whole."""


def _key_characteristics(scope: Scope) -> list[tuple[Operation, Characteristic]]:
    """The measured key characteristics with a spec limit on the routing the program builds on."""
    if scope.routing is None:
        return []
    return [(op, c) for op in scope.routing.operations for c in op.characteristics
            if c.key and c.kind == "variable" and (c.lsl is not None or c.usl is not None)]


def _metrics(scope: Scope, by: str):
    """The quality area's yield metrics of the LRIP lots, grouped `by` (read once per evaluation)."""
    key = f"metrics_{by}"
    if key not in scope.cache:
        scope.cache[key] = metrics(scope.session, scope.actor, program=scope.code, by=by, phase="lrip")
    return scope.cache[key]


CHART_DATA = {"chart", "n_points", "points", "center", "ucl", "lcl", "secondary", "violations", "capability",
              "labels", "lots", "baseline", "characteristic", "name", "lsl", "usl", "nominal", "units"}
"""What the report needs to draw a characteristic's control chart and histogram again."""


def _capability(scope: Scope) -> dict:
    """Each key characteristic's SPC on its LRIP units (the quality area's analysis: first result per unit,
    I-MR, Nelson rules); where there are too few units, that operation's yield, scrap, rework and cycle time."""
    t = scope.targets["capability"]
    window = int(t["min_samples"])
    found, charts = [], []
    for op, c in _key_characteristics(scope):
        row = {"code": c.code, "name": c.name, "n": 0}
        try:
            analysis = characteristic_spc(scope.session, scope.actor, program=scope.code, characteristic=c.code,
                                          phase="lrip", chart="imr", rules="nelson")
        except Refused:  # too few points to chart at all
            analysis = None
        if analysis is not None:
            row["n"] = analysis.n_points
        if analysis is not None and analysis.n_points >= window and analysis.capability:
            start = analysis.n_points - window
            row |= {"cpk": analysis.capability.cpk, "ppk": analysis.capability.ppk, "basis": analysis.basis,
                    "rule1": [analysis.labels[v.index] for v in analysis.violations
                              if v.rule == 1 and v.index >= start]}
            charts.append(analysis.model_dump(mode="json", include=CHART_DATA))
        else:
            group = next((g for g in _metrics(scope, "operation").groups if g.group == f"{op.sequence} {op.name}"),
                         None)
            if group:
                row |= {"fpy": group.fpy, "scrap": group.scrap_rate, "rework": group.rework_rate,
                        "cycle_minutes": group.cycle_minutes.mean, "standard_minutes": group.cycle_minutes.standard}
        found.append(row)
    out = rules.judge_capability(found, t, scope.code)
    out["charts"] = {"characteristics": charts}
    return out


def _yield(scope: Scope) -> dict:
    m = _metrics(scope, "lot")
    lots = [g for g in m.groups if g.rty is not None and g.units_through]
    if not lots:
        return rules.judge_yield(None, None, {}, scope.targets["yield"])
    last = lots[-1]
    fpy = {op: y for op, y in last.fpy_by_operation.items() if y is not None}
    out = rules.judge_yield(last.group, last.rty, fpy, scope.targets["yield"])
    out["charts"] = {"yield_by_lot": [{"lot": g.group, "fpy": g.fpy, "rty": g.rty} for g in m.groups],
                     "pareto": _plain(m.pareto)}
    return out


NCR_COLUMNS = ("number", "status", "severity", "defect_code", "serial", "lot", "supplier", "quantity", "opened_at",
               "closed_at", "capa")
"""What the evidence package's ncrs.csv shows of each NCR."""


def _quality(scope: Scope) -> dict:
    ncrs = _plain(list_ncrs(scope.session, scope.actor, program=scope.code).items)
    open_ncrs = [n for n in ncrs if n["status"] != "closed"]
    capas = _plain(list_capas(scope.session, scope.actor, program=scope.code))
    dpu = [(g.group, g.dpu) for g in _metrics(scope, "lot").groups if g.dpu is not None]
    out = rules.judge_quality(open_ncrs, capas, dpu, scope.targets["quality"], scope.code)
    out["charts"] |= {"pareto": _plain(_metrics(scope, "lot").pareto),
                      "ncrs": [{k: n.get(k) for k in NCR_COLUMNS} for n in ncrs]}
    return out


def _first_article(scope: Scope) -> dict:
    return rules.judge_first_article(fai_status(scope.session, scope.actor, program=scope.code).model_dump(mode="json"))


def _design_stability(scope: Scope) -> dict:
    t = scope.targets["design_stability"]
    open_major = [c for c in _plain(list_changes(scope.session, scope.actor, program=scope.code))
                  if c["class"] == ChangeClass.MAJOR and c["status"] in OPEN_STATUSES]
    weeks = _plain(change_traffic(scope.session, scope.actor, program=scope.code, weeks=int(t["weeks"])))
    return rules.judge_design_stability(open_major, weeks, t)


def _documentation(scope: Scope) -> dict:
    ops = scope.routing.operations if scope.routing else []
    instructions = [{"operation": op.sequence,
                     "document": op.document_revision.label if op.document_revision else None,
                     "status": op.document_revision.status if op.document_revision else None} for op in ops]
    redlines = [r for r in _plain(list_redlines(scope.session, scope.actor, program=scope.code))
                if not r["incorporated"]]
    incomplete = [{"serial": u.serial, "gaps": u.gaps}
                  for u in completeness(scope.session, scope.actor, program=scope.code)
                  if u.serial in scope.complete and u.gaps]
    return rules.judge_documentation(instructions, redlines, incomplete, len(scope.complete))


def _workforce(scope: Scope) -> dict:
    """Was each operation on an LRIP unit started by an operator who held its qualification that day?"""
    if not scope.lot_ids:
        return rules.judge_workforce(0, [])
    rows = scope.session.execute(
        select(Unit.serial, Operation.sequence, Operation.required_skill, User.id, User.username,
               OperationRecord.started_at)
        .join(OperationRecord, OperationRecord.unit_id == Unit.id)
        .join(Operation, Operation.id == OperationRecord.operation_id)
        .join(User, User.id == OperationRecord.started_by_id)
        .where(Unit.lot_id.in_(scope.lot_ids)).order_by(OperationRecord.id)).all()
    held = {(q.user_id, q.skill): (q.granted_on, q.expires_on if q.revoked_on is None  # held until revoked
                                   else min(q.expires_on, q.revoked_on - timedelta(days=1)))
            for q in scope.session.execute(select(Qualification)).scalars()}
    unqualified = []
    for serial, sequence, skill, user_id, username, started_at in rows:
        if not skill:
            continue
        day = started_at.date()
        span = held.get((user_id, skill))
        if span is None:
            why = f"has never held the {skill} qualification"
        elif day < span[0]:
            why = f"was qualified for {skill} only from {span[0]}, after this operation on {day}"
        elif day > span[1]:
            why = f"had a {skill} qualification that lapsed on {span[1]}, before this operation on {day}"
        else:
            continue
        unqualified.append({"serial": serial, "operation": sequence, "operator": username, "skill": skill, "why": why})
    return rules.judge_workforce(len(rows), unqualified)


def _frp_periods(scope: Scope, count: int) -> list[date]:
    return list(scope.session.execute(
        select(RampPlanEntry.period_start).where(RampPlanEntry.program_id == scope.program.id,
                                                 RampPlanEntry.phase == "frp")
        .group_by(RampPlanEntry.period_start).order_by(RampPlanEntry.period_start).limit(count)).scalars())


def _supply(scope: Scope) -> dict:
    t = scope.targets["supply_chain"]
    bom = scope.session.execute(
        select(Part.id, Part.number).join(BomLine, BomLine.child_part_id == Part.id)
        .where(BomLine.parent_revision_id == scope.program.part_revision_id).order_by(Part.number)).all()
    sourced = defaultdict(set)
    for part_id, supplier_id in scope.session.execute(select(ApprovedSource.part_id, ApprovedSource.supplier_id)):
        sourced[part_id].add(supplier_id)
    unsourced = [number for part_id, number in bom if not sourced.get(part_id)]
    supplier_ids = {s for part_id, _ in bom for s in sourced.get(part_id, ())}
    codes = set(scope.session.execute(select(Supplier.code).where(Supplier.id.in_(supplier_ids or [-1]))).scalars())
    suppliers = _plain(s for s in scorecard(scope.session, scope.actor) if s.supplier in codes)
    periods = [str(p) for p in _frp_periods(scope, int(t["frp_periods"]))]
    shortages = _plain(s for s in shortages_of(scope.session, scope.actor, program=scope.code).shortages
                       if s.period[:10] in periods)
    return rules.judge_supply(unsourced, suppliers, shortages, t, periods)


def _capacity(scope: Scope) -> dict:
    """The capacity area's answer at the FRP target rate and our utilisation target."""
    t = scope.targets["capacity"]
    c = capacity(scope.session, scope.actor, program=scope.code, max_utilisation=t["utilisation_max"])
    neck = c.bottleneck.code
    util = next(w.utilisation_at_target for w in c.work_centers if w.code == neck)
    out = rules.judge_capacity(c.sustainable_rate, c.target_rate, neck, util, [x.message for x in c.changes_needed],
                               t, stand_in=f" Standard minutes, {c.period}.")
    out["charts"] = {"work_centers": [{"label": w.code, "utilisation": w.utilisation_at_target}
                                      for w in c.work_centers], "target": t["utilisation_max"]}
    return out


def _learning(scope: Scope) -> dict:
    """The capacity area's learning curve on actual hours, projected to the first FRP unit (Crawford)."""
    t = scope.targets["learning"]
    ops = scope.routing.operations if scope.routing else []
    standard = sum(op.standard_minutes for op in ops) / 60
    try:
        found = learning(scope.session, scope.actor, program=scope.code)
    except Invalid as exc:  # fewer than 3 complete units, or none a curve fits
        return rules.judge_learning(None, None, standard, None, t, "; ".join(exc.reasons))
    frp = next(p for p in found.projections if p.label == "first FRP unit")
    out = rules.judge_learning(found.crawford.model_dump(), frp.crawford_hours, standard, frp.unit, t,
                               left_out=found.left_out)
    out["charts"] = {"learning": {"units": [u.unit for u in found.units], "hours": [u.hours for u in found.units],
                                  "fitted": {"Crawford": [u.crawford for u in found.units],
                                             "Wright": [u.wright for u in found.units]},
                                  "projections": [[p.label, p.unit, p.crawford_hours] for p in found.projections]}}
    return out


def _attestations(scope: Scope) -> dict:
    latest: dict[str, dict] = {}
    for a in scope.session.execute(select(Attestation).filter_by(program_id=scope.program.id)
                                   .order_by(Attestation.id)).scalars():
        signed = _valid_signatures(scope.session, "readiness_attestation", f"{scope.code}/{a.id}",
                                   _attestation_content(scope.code, a))
        if standing_of(scope.session, Decision.ATTESTATION, None, record_type="readiness_attestation",
                       record_id=f"{scope.code}/{a.id}", content=_attestation_content(scope.code, a),
                       author=a.attested_by).complete:
            latest[a.topic] = {"id": a.id, "name": signed[-1]["name"], "attachment": a.attachment_name}
    return rules.judge_attestations(latest, scope.code)


GATHER = (_capability, _yield, _quality, _first_article, _design_stability, _documentation, _workforce, _supply,
          _capacity, _learning, _attestations)


def compute(session: Session, actor: Actor, prog: Program) -> list[dict]:
    """Every criterion's result on today's records (nothing stored)."""
    scope = Scope(session, actor, prog)
    return [judge(scope) for judge in GATHER]


# ---------------------------------------------------------------- waivers and attestations

def _waiver_content(program: str, w: Waiver) -> dict:
    return {"program": program, "waiver": w.id, "criterion": w.criterion, "condition": w.condition,
            "reason": w.reason, "granted_by": w.granted_by}


def _attestation_content(program: str, a: Attestation) -> dict:
    return {"program": program, "attestation": a.id, "topic": a.topic, "statement": a.statement,
            "attachment": a.attachment_name, "attachment_sha256": a.attachment_sha256, "attested_by": a.attested_by}


def _valid_signatures(session: Session, record_type: str, record_id: str, content: dict) -> list[dict]:
    return [s for s in signatures_for(session, record_type, record_id, content) if s["valid"]]


def _waiver_decision(criterion: str) -> Decision:
    """A quality criterion is waived with quality's signature too (lrip.auth.decisions)."""
    return Decision.QUALITY_WAIVER if criterion in rules.QUALITY_CRITERIA else Decision.WAIVER


def _waiver_standing(session: Session, program: str, w: Waiver):
    return standing_of(session, _waiver_decision(w.criterion), None, record_type="readiness_waiver",
                       record_id=f"{program}/{w.id}", content=_waiver_content(program, w), author=w.granted_by)


def _active_waivers(session: Session, prog: Program) -> dict[str, dict]:
    """Each criterion's latest waiver with every signature it needs, not withdrawn."""
    found = {}
    for w in session.execute(select(Waiver).filter_by(program_id=prog.id, withdrawn_at=None).order_by(Waiver.id)
                             ).scalars():
        signed = _valid_signatures(session, "readiness_waiver", f"{prog.code}/{w.id}", _waiver_content(prog.code, w))
        if _waiver_standing(session, prog.code, w).complete:
            found[w.criterion] = {"id": w.id, "criterion": w.criterion, "condition": w.condition, "reason": w.reason,
                                  "name": signed[-1]["name"], "username": w.granted_by,
                                  "signed_at": signed[-1]["signed_at"], "signatures": signed}
    return found


def _waiver_out(session: Session, program: str, w: Waiver) -> WaiverOut:
    content = _waiver_content(program, w)
    return WaiverOut(id=w.id, program=program, criterion=w.criterion, condition=w.condition, reason=w.reason,
                     granted_by=w.granted_by, granted_at=w.granted_at, withdrawn_at=w.withdrawn_at,
                     withdrawn_by=w.withdrawn_by, content=content,
                     signatures=signatures_for(session, "readiness_waiver", f"{program}/{w.id}", content),
                     missing=list(_waiver_standing(session, program, w).reasons))


@command("readiness.decide")
def waive(session: Session, actor: Actor, *, program: str, criterion: str, condition: str, reason: str,
          password: str, role: str | None = None) -> WaiverOut:
    """A named waiver signed by the signed-in person: the criterion counts as met on the stated condition
    (GO WITH CONDITIONS) from the next evaluation once it has every signature it needs (a quality
    criterion's needs quality's too: `sign_waiver`)."""
    prog = get_program(session, program)
    verdict(rules.check_waiver(criterion, condition, reason)).raise_if_refused("waiver_refused")
    w = Waiver(program_id=prog.id, criterion=criterion, condition=condition.strip(), reason=reason.strip(),
               granted_by=actor.username, granted_at=utcnow())
    session.add(w)
    session.flush()
    audit.record(session, actor=actor, action="readiness.waived", record_type="program", record_id=prog.code,
                 after={"waiver": w.id, "criterion": criterion, "condition": w.condition}, reason=w.reason)
    _sign_waiver(session, actor, prog, w, password=password, role=role)
    return _waiver_out(session, prog.code, w)


def _sign_waiver(session: Session, actor: Actor, prog: Program, w: Waiver, *, password: str,
                 role: str | None) -> None:
    sign_decision(session, actor, decision=_waiver_decision(w.criterion), phase=None, record_type="readiness_waiver",
                  record_id=f"{prog.code}/{w.id}", content=_waiver_content(prog.code, w), password=password,
                  role=role, author=w.granted_by, record=f"waiver {w.id} of {w.criterion}")


def _get_waiver(session: Session, prog: Program, waiver: int) -> Waiver:
    w = session.execute(select(Waiver).filter_by(program_id=prog.id, id=waiver)).scalar_one_or_none()
    if w is None:
        raise NotFound("waiver_not_found", f"No waiver {waiver} in program {prog.code}")
    return w


@command("signature.sign")
def sign_waiver(session: Session, actor: Actor, *, program: str, waiver: int, password: str,
                role: str | None = None) -> WaiverOut:
    """Sign a waiver that still needs a signature (a quality criterion's needs quality's)."""
    prog = get_program(session, program)
    w = _get_waiver(session, prog, waiver)
    if w.withdrawn_at:
        raise Refused("waiver_refused", f"waiver {waiver} was withdrawn")
    _sign_waiver(session, actor, prog, w, password=password, role=role)
    return _waiver_out(session, prog.code, w)


@command("readiness.decide")
def withdraw_waiver(session: Session, actor: Actor, *, program: str, waiver: int, reason: str) -> WaiverOut:
    """Withdraw a waiver: from the next evaluation its criterion counts as it is."""
    prog = get_program(session, program)
    w = _get_waiver(session, prog, waiver)
    reasons = [f"waiver {waiver} was already withdrawn"] if w.withdrawn_at else []
    if not (reason or "").strip():
        reasons.append("withdrawing a waiver needs a reason")
    verdict(reasons).raise_if_refused("waiver_refused")
    w.withdrawn_at, w.withdrawn_by = utcnow(), actor.username
    audit.record(session, actor=actor, action="readiness.waiver_withdrawn", record_type="program",
                 record_id=prog.code, before={"waiver": w.id, "criterion": w.criterion}, reason=reason)
    return _waiver_out(session, prog.code, w)


@query("read")
def list_waivers(session: Session, actor: Actor, *, program: str) -> list[WaiverOut]:
    prog = get_program(session, program)
    return [_waiver_out(session, prog.code, w) for w in session.execute(
        select(Waiver).filter_by(program_id=prog.id).order_by(Waiver.id)).scalars()]


def _attestation_out(session: Session, program: str, a: Attestation) -> AttestationOut:
    content = _attestation_content(program, a)
    return AttestationOut(id=a.id, program=program, topic=a.topic, statement=a.statement,
                          attachment=a.attachment_name, attachment_sha256=a.attachment_sha256,
                          attested_by=a.attested_by, attested_at=a.attested_at, content=content,
                          signatures=signatures_for(session, "readiness_attestation", f"{program}/{a.id}", content))


@command("readiness.assess")
def attest(session: Session, actor: Actor, *, program: str, topic: str, statement: str, attachment_name: str,
           attachment: bytes, password: str, role: str | None = None) -> AttestationOut:
    """The signed-in person attests what no record proves, with the document behind it, and signs."""
    prog = get_program(session, program)
    kind = files.kept_type(attachment_name, attachment)
    verdict(rules.check_attestation(topic, statement, attachment_name, len(attachment), kind)
            ).raise_if_refused("attestation_refused")
    a = Attestation(program_id=prog.id, topic=topic, statement=statement.strip(),
                    attachment_name=files.safe_name(attachment_name, kind), attachment_sha256=hashlib.sha256(attachment).hexdigest(),
                    attachment=attachment, attested_by=actor.username, attested_at=utcnow())
    session.add(a)
    session.flush()
    audit.record(session, actor=actor, action="readiness.attested", record_type="program", record_id=prog.code,
                 after={"attestation": a.id, "topic": topic, "attachment": a.attachment_name,
                        "attachment_sha256": a.attachment_sha256})
    sign_decision(session, actor, decision=Decision.ATTESTATION, phase=None, record_type="readiness_attestation",
                  record_id=f"{prog.code}/{a.id}", content=_attestation_content(prog.code, a), password=password,
                  role=role, author=a.attested_by, record=f"the attestation of {topic}")
    return _attestation_out(session, prog.code, a)


@query("read")
def list_attestations(session: Session, actor: Actor, *, program: str) -> list[AttestationOut]:
    prog = get_program(session, program)
    return [_attestation_out(session, prog.code, a) for a in session.execute(
        select(Attestation).filter_by(program_id=prog.id).order_by(Attestation.id)).scalars()]


@query("read")
def attestation_file(session: Session, actor: Actor, *, program: str, attestation: int) -> AttachmentFile:
    """The document an attestation was signed with."""
    prog = get_program(session, program)
    a = session.execute(select(Attestation).filter_by(program_id=prog.id, id=attestation)).scalar_one_or_none()
    if a is None:
        raise NotFound("attestation_not_found", f"No attestation {attestation} in program {prog.code}")
    return AttachmentFile(name=a.attachment_name, content=a.attachment)


# ---------------------------------------------------------------- assessments

def _assessment_content(program: str, a: Assessment) -> dict:
    """What the program decision signs: the assessment and the hash of its frozen snapshot."""
    return {"program": program, "assessment": a.number, "verdict": a.verdict, "snapshot_sha256": a.snapshot_sha256}


def _latest(session: Session, program_id: int) -> Assessment | None:
    return session.execute(select(Assessment).filter_by(program_id=program_id).order_by(Assessment.number.desc())
                           .limit(1)).scalar_one_or_none()


def signed_decision(session: Session, program: str, a: Assessment) -> tuple[dict, list[dict]]:
    """What deciding an assessment signs, and the signatures it has (each saying whether it still matches)."""
    content = _assessment_content(program, a)
    return content, signatures_for(session, "readiness_assessment", f"{program}/{a.number}", content)


def decision_standing(session: Session, program: str, a: Assessment):
    """What the assessment's signatures add up to: the decision needs program and quality (lrip.auth.decisions)."""
    return standing_of(session, Decision.READINESS_DECISION, None, record_type="readiness_assessment",
                       record_id=f"{program}/{a.number}", content=_assessment_content(program, a))


def _status(session: Session, program: str, a: Assessment):
    latest = _latest(session, a.program_id)
    return assessment_status(latest=latest.number == a.number,
                             signed=decision_standing(session, program, a).complete)


def _assessment_out(session: Session, program: str, a: Assessment) -> AssessmentOut:
    content, signatures = signed_decision(session, program, a)
    return AssessmentOut.model_validate({**a.snapshot, "status": _status(session, program, a),
                                         "snapshot_sha256": a.snapshot_sha256, "signed_content": content,
                                         "signatures": signatures,
                                         "missing": list(decision_standing(session, program, a).reasons)})


@command("readiness.assess")
def evaluate(session: Session, actor: Actor, *, program: str) -> AssessmentOut:
    """Evaluate every criterion on today's records and freeze the result as a new assessment (a snapshot with
    who and when), with what changed since the last one. An assessment that is not GO takes back the GO a
    signed earlier one gave the program."""
    prog = get_program(session, program)
    results = compute(session, actor, prog)
    waivers = _active_waivers(session, prog)
    decision, results, findings = rules.decide(results, waivers)
    previous = _latest(session, prog.id)
    number = (previous.number if previous else 0) + 1
    now = utcnow()
    head = session.execute(select(audit.AuditHead.hash).where(audit.AuditHead.id == 1)).scalar_one_or_none()
    snapshot = {"program": prog.code, "name": prog.name, "phase": prog.phase,
                "part": f"{prog.part_revision.part.number} rev {prog.part_revision.revision}",
                "frp_target_rate": prog.frp_target_rate, "assessment": number, "verdict": decision,
                "evaluated_at": now.isoformat(), "evaluated_by": actor.username, "criteria": results,
                "findings": findings, "waivers": list(waivers.values()),
                "targets": rules.targets_for(_overrides(session, prog.id)),
                "target_changes": _changed_targets(session, prog),
                "previous": previous.number if previous else None,
                "changes": rules.diff(previous.snapshot["criteria"] if previous else None, results),
                "audit_head": head}
    snapshot = json.loads(json.dumps(snapshot))  # as it is stored and read back: lists, not tuples
    a = Assessment(program_id=prog.id, number=number, verdict=decision, evaluated_at=now,
                   evaluated_by=actor.username, snapshot=snapshot, snapshot_sha256=content_hash(snapshot))
    session.add(a)
    session.flush()
    audit.record(session, actor=actor, action="readiness.assessed", record_type="program", record_id=prog.code,
                 after={"assessment": number, "verdict": decision, "snapshot_sha256": a.snapshot_sha256,
                        "blocking": sum(1 for f in findings if f["kind"] == "blocking")})
    if not is_go(decision):
        program_service.withdraw_frp_go(session, actor, program=prog.code,
                                        reason=f"readiness assessment {number} is {decision.replace('_', ' ')}")
    return _assessment_out(session, prog.code, a)


def _get_assessment(session: Session, prog: Program, number: int | None) -> Assessment:
    if number is None:
        a = _latest(session, prog.id)
        if a is None:
            raise NotFound("assessment_not_found", f"Program {prog.code} has no readiness assessment yet; "
                                                   f"run lrip readiness evaluate {prog.code}")
        return a
    return get_one(session, Assessment, f"assessment of program {prog.code}", program_id=prog.id, number=number)


def frozen(session: Session, *, program: str, number: int | None = None) -> tuple[Program, Assessment]:
    """The program and one of its frozen assessments (the latest when no number is given), as stored."""
    prog = get_program(session, program)
    return prog, _get_assessment(session, prog, number)


@query("read")
def get_assessment(session: Session, actor: Actor, *, program: str, number: int | None = None) -> AssessmentOut:
    """One frozen assessment (the latest when no number is given), with its signatures."""
    prog, a = frozen(session, program=program, number=number)
    return _assessment_out(session, prog.code, a)


@query("read")
def list_assessments(session: Session, actor: Actor, *, program: str) -> list[AssessmentRow]:
    """Every assessment of the program, newest first, with who signed each (two statements, however many)."""
    prog = get_program(session, program)
    found = list(session.execute(select(Assessment).filter_by(program_id=prog.id)
                                 .order_by(Assessment.number.desc())).scalars())
    digests = {f"{prog.code}/{a.number}": content_hash(_assessment_content(prog.code, a)) for a in found}
    signed_by, given = defaultdict(list), defaultdict(list)
    for record_id, name, username, role, meaning, digest in session.execute(
            select(Signature.record_id, Signature.printed_name, Signature.username, Signature.role, Signature.meaning,
                   Signature.content_hash).where(
                Signature.record_type == "readiness_assessment", Signature.record_id.in_(digests))
            .order_by(Signature.id)):
        if digest == digests[record_id]:
            signed_by[record_id].append(name)
            if meaning != "authored":
                given[record_id].append(Given(username, role))
    rows = []
    for a in found:
        counts = defaultdict(int)
        for c in a.snapshot["criteria"]:
            counts[c["status"]] += 1
        key = f"{prog.code}/{a.number}"
        decided = standing(Decision.READINESS_DECISION, None, given[key]).complete
        rows.append(AssessmentRow(number=a.number, verdict=a.verdict, evaluated_at=a.evaluated_at,
                                  status=assessment_status(latest=a is found[0], signed=decided),
                                  signed_by=signed_by[key],
                                  evaluated_by=a.evaluated_by, statuses=dict(counts),
                                  changes=len(a.snapshot.get("changes") or [])))
    return rows


@command("signature.sign")
def sign_assessment(session: Session, actor: Actor, *, program: str, password: str, number: int | None = None,
                    role: str | None = None) -> AssessmentOut:
    """The readiness decision: the signed-in person signs the latest assessment (its verdict and the hash of
    its snapshot) in a role the signed-decisions table asks for (program and quality). Once both have
    signed, the decision is made, and a GO or GO WITH CONDITIONS is recorded on the program: full rate may
    begin."""
    prog, a = frozen(session, program=program, number=number)
    content, _ = signed_decision(session, prog.code, a)
    ASSESSMENT.next(_status(session, prog.code, a), "decide",
                    f"assessment {a.number}")[1].raise_if_refused("decision_refused")
    signature = sign_decision(session, actor, decision=Decision.READINESS_DECISION, phase=None,
                              record_type="readiness_assessment", record_id=f"{prog.code}/{a.number}",
                              content=content, password=password, role=role, record=f"assessment {a.number}")
    decided = decision_standing(session, prog.code, a)
    if not decided.complete:
        return _assessment_out(session, prog.code, a)
    audit.record(session, actor=actor, action="readiness.decided", record_type="program", record_id=prog.code,
                 after={"assessment": a.number, "verdict": a.verdict, "signed_by": list(decided.counted.values())})
    if is_go(a.verdict):
        program_service.record_frp_go(session, actor, program=prog.code, assessment=str(a.number),
                                      decided_at=signature.signed_at)
    audit.checkpoint(session, reason=f"readiness decision of {prog.code} assessment {a.number} ({a.verdict})")
    return _assessment_out(session, prog.code, a)
