"""The FRP readiness gate: evaluate the criteria on live records, freeze the result as an assessment,
waive and attest with e-signatures, and sign the program decision.

Each criterion reads what it needs through the owning area's service (NCRs, FAI, SPC, scorecard,
shortages, capacity, change traffic, traceability) and hands plain data to `criteria.py`, which judges.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.models import User
from lrip.auth.signatures import content_hash, sign, signatures_for
from lrip.capacity.service import capacity, learning
from lrip.catalog.models import BomLine, Characteristic, Operation, Part, Qualification, Routing
from lrip.change.service import change_traffic, list_changes, list_redlines
from lrip.db import get_one, transactional, utcnow
from lrip.errors import Invalid, NotFound, Refused, verdict
from lrip.execution.models import OperationRecord, Unit
from lrip.inspection.service import fai_status
from lrip.nonconformance.service import list_capas, list_ncrs
from lrip.planning.service import shortages as shortages_of
from lrip.program.models import Lot, Program, RampPlanEntry
from lrip.program.service import get_program
from lrip.quality.service import characteristic_spc, metrics
from lrip.readiness import criteria as rules
from lrip.readiness.models import Assessment, Attestation, ReadinessTarget, Waiver
from lrip.supply.models import ApprovedSource, Supplier
from lrip.supply.service import scorecard
from lrip.trace.service import completeness


# ---------------------------------------------------------------- targets (the program's template)

def _overrides(session: Session, program_id: int) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for row in session.execute(select(ReadinessTarget).filter_by(program_id=program_id)).scalars():
        found[row.criterion][row.name] = row.value
    return found


def list_criteria(session: Session, *, program: str) -> list[dict]:
    """The program's criteria template: each criterion with its targets (default or the program's own)."""
    prog = get_program(session, program)
    overrides = _overrides(session, prog.id)
    return [{"id": c.id, "number": c.number, "group": c.group, "title": c.title, "how_to_close": c.how_to_close,
             "targets": [{"name": t.name, "value": overrides.get(c.id, {}).get(t.name, t.default),
                          "default": t.default, "words": t.words, "kind": t.kind,
                          "own": t.name in overrides.get(c.id, {})} for t in c.targets]}
            for c in sorted(rules.CRITERIA, key=lambda c: c.number)]


@transactional
def set_target(session: Session, *, program: str, criterion: str, name: str, value: float, actor: str,
               reason: str) -> dict:
    """Set one of the program's readiness targets (thresholds are the program's own, per the MRL criteria)."""
    prog = get_program(session, program)
    reasons = rules.check_target(criterion, name, value)
    if not (reason or "").strip():
        reasons.append("a target change needs a reason")
    verdict(reasons).raise_if_refused("target_refused")
    row = session.execute(select(ReadinessTarget).filter_by(program_id=prog.id, criterion=criterion, name=name)
                          ).scalar_one_or_none()
    before = rules.targets_for(_overrides(session, prog.id))[criterion][name]
    if row is None:
        row = ReadinessTarget(program_id=prog.id, criterion=criterion, name=name, value=value, set_by=actor,
                              set_at=utcnow(), reason=reason)
        session.add(row)
    else:
        row.value, row.set_by, row.set_at, row.reason = value, actor, utcnow(), reason
    audit.record(session, actor=actor, action="readiness.target_set", record_type="program", record_id=program,
                 before={f"{criterion}.{name}": before}, after={f"{criterion}.{name}": value}, reason=reason)
    return {"criterion": criterion, "name": name, "value": value, "before": before}


# ---------------------------------------------------------------- gathering the records

class Scope:
    """The program and its LRIP lots, read once for every criterion."""

    def __init__(self, session: Session, prog: Program):
        self.session, self.program = session, prog
        self.code = prog.code
        self.lots = list(session.execute(select(Lot).where(Lot.program_id == prog.id, Lot.phase == "lrip")
                                         .order_by(Lot.id)).scalars())
        self.lot_ids = [lot.id for lot in self.lots]
        latest = self.lots[-1] if self.lots else None
        self.routing: Routing | None = latest.routing if latest else session.execute(
            select(Routing).where(Routing.part_revision_id == prog.part_revision_id).order_by(Routing.id.desc())
        ).scalars().first()
        self.targets = rules.targets_for(_overrides(session, prog.id))
        self.cache: dict = {}
        self.unit_lot: dict[str, str] = {}
        self.complete: set[str] = set()  # LRIP units built to the end: their record must be whole
        if self.lot_ids:
            lot_numbers = {lot.id: lot.number for lot in self.lots}
            for serial, lot_id, status in session.execute(select(Unit.serial, Unit.lot_id, Unit.status)
                                                          .where(Unit.lot_id.in_(self.lot_ids))):
                self.unit_lot[serial] = lot_numbers[lot_id]
                if status == "complete":
                    self.complete.add(serial)


def _key_characteristics(scope: Scope) -> list[tuple[Operation, Characteristic]]:
    """The measured key characteristics with a spec limit on the routing the last LRIP lot builds."""
    if scope.routing is None:
        return []
    return [(op, c) for op in scope.routing.operations for c in op.characteristics
            if c.key and c.kind == "variable" and (c.lsl is not None or c.usl is not None)]


def _metrics(scope: Scope, by: str) -> dict:
    """The quality area's yield metrics of the LRIP lots, grouped `by` (read once per evaluation)."""
    key = f"metrics_{by}"
    if key not in scope.cache:
        scope.cache[key] = metrics(scope.session, program=scope.code, by=by, phase="lrip")
    return scope.cache[key]


def _chart_data(analysis: dict) -> dict:
    """What the report needs to draw a characteristic's control chart and histogram again."""
    keep = ("chart", "n_points", "points", "center", "ucl", "lcl", "secondary", "violations", "capability",
            "labels", "lots", "baseline", "characteristic", "name", "lsl", "usl", "nominal", "units")
    return {k: analysis.get(k) for k in keep}


def _capability(scope: Scope) -> dict:
    """Each key characteristic's SPC on its LRIP units (the quality area's analysis: first result per unit,
    I-MR, Nelson rules); where there are too few units, that operation's yield, scrap, rework and cycle time."""
    t = scope.targets["capability"]
    window = int(t["min_samples"])
    found, charts = [], []
    for op, c in _key_characteristics(scope):
        row = {"code": c.code, "name": c.name, "n": 0}
        try:
            analysis = characteristic_spc(scope.session, program=scope.code, characteristic=c.code, phase="lrip", chart="imr",
                              rules="nelson")
        except Refused:  # too few points to chart at all
            analysis = None
        if analysis is not None:
            row["n"] = analysis["n_points"]
        if analysis is not None and analysis["n_points"] >= window and analysis.get("capability"):
            cap, start = analysis["capability"], analysis["n_points"] - window
            row |= {"cpk": cap["cpk"], "ppk": cap["ppk"],
                    "rule1": [analysis["labels"][v["index"]] for v in analysis["violations"]
                              if v["rule"] == 1 and v["index"] >= start]}
            charts.append(_chart_data(analysis))
        else:
            by_op = _metrics(scope, "operation")
            group = next((g for g in (by_op or {}).get("groups", []) if g["group"] == f"{op.sequence} {op.name}"),
                         None)
            if group:
                cycle = group.get("cycle_minutes") or {}
                row |= {"fpy": group.get("fpy"), "scrap": group.get("scrap_rate"), "rework": group.get("rework_rate"),
                        "cycle_minutes": cycle.get("mean"), "standard_minutes": cycle.get("standard")}
        found.append(row)
    out = rules.judge_capability(found, t, scope.code)
    out["charts"] = {"characteristics": charts}
    return out


def _yield(scope: Scope) -> dict:
    m = _metrics(scope, "lot")
    lots = [g for g in m["groups"] if g.get("rty") is not None and g.get("units_finished")]
    if not lots:
        return rules.judge_yield(None, None, {}, scope.targets["yield"])
    last = lots[-1]
    fpy = {op: y for op, y in last["fpy_by_operation"].items() if y is not None}
    out = rules.judge_yield(last["group"], last["rty"], fpy, scope.targets["yield"])
    out["charts"] = {"yield_by_lot": [{"lot": g["group"], "fpy": g.get("fpy"), "rty": g.get("rty")}
                                      for g in m["groups"]],
                     "pareto": m.get("pareto") or []}
    return out


def _quality(scope: Scope) -> dict:
    ncrs = list_ncrs(scope.session, program=scope.code)
    open_ncrs = [n for n in ncrs if n.get("status") != "closed"]
    capas = list_capas(scope.session, program=scope.code)
    m = _metrics(scope, "lot")
    dpu = [(g["group"], g["dpu"]) for g in (m or {}).get("groups", []) if g.get("dpu") is not None]
    out = rules.judge_quality(open_ncrs, capas, dpu, scope.targets["quality"], scope.code)
    if m is None:
        out["findings"].append("not yet measured: defects per unit by lot (quality metrics)")
        if out["status"] == rules.PASS:
            out["status"] = rules.INSUFFICIENT
    out["charts"] |= {"pareto": (m or {}).get("pareto") or [],
                      "ncrs": [{k: n.get(k) for k in ("number", "status", "severity", "defect_code", "serial", "lot",
                                                       "supplier", "quantity", "opened_at", "closed_at", "capa")}
                               for n in ncrs]}
    return out


def _first_article(scope: Scope) -> dict:
    return rules.judge_first_article(fai_status(scope.session, program=scope.code))


CLOSED_CHANGES = ("implemented", "rejected", "cancelled", "canceled", "closed", "withdrawn", "superseded")


def _design_stability(scope: Scope) -> dict:
    t = scope.targets["design_stability"]
    changes = list_changes(scope.session, program=scope.code)
    open_major = [c for c in changes if (c.get("class") or c.get("change_class")) == "major"
                  and c.get("status") not in CLOSED_CHANGES]
    weeks = change_traffic(scope.session, program=scope.code, weeks=int(t["weeks"]))
    return rules.judge_design_stability(open_major, weeks, t)


def _documentation(scope: Scope) -> dict:
    ops = scope.routing.operations if scope.routing else []
    instructions = [{"operation": op.sequence,
                     "document": op.document_revision.label if op.document_revision else None,
                     "status": op.document_revision.status if op.document_revision else None} for op in ops]
    redlines = [r for r in list_redlines(scope.session, program=scope.code) if not r.get("incorporated")]
    incomplete = [u for u in completeness(scope.session, program=scope.code)
                  if u.get("serial") in scope.complete and u.get("gaps")]
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
    held = {(q.user_id, q.skill): (q.granted_on, q.expires_on)
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
    suppliers = [s for s in scorecard(scope.session) if s.get("supplier") in codes]
    periods = _frp_periods(scope, int(t["frp_periods"]))
    wanted = {str(p) for p in periods}
    shortages = [s for s in shortages_of(scope.session, program=scope.code).get("shortages", [])
                 if str(s.get("period"))[:10] in wanted]
    return rules.judge_supply(unsourced, suppliers, shortages, t, [str(p) for p in periods])


def _capacity(scope: Scope) -> dict:
    """The capacity area's answer at the FRP target rate and our utilisation target."""
    t = scope.targets["capacity"]
    c = capacity(scope.session, program=scope.code, max_utilisation=t["utilisation_max"])
    neck = c["bottleneck"]["code"]
    util = next(w["utilisation_at_target"] for w in c["work_centers"] if w["code"] == neck)
    out = rules.judge_capacity(c["sustainable_rate"], c["target_rate"], neck, util,
                               [x["message"] for x in c.get("changes_needed") or []], t,
                               stand_in=f" Standard minutes, {c['period']}.")
    out["charts"] = {"work_centers": [{"label": w["code"], "utilisation": w["utilisation_at_target"]}
                                      for w in c["work_centers"]], "target": t["utilisation_max"]}
    return out


def _learning(scope: Scope) -> dict:
    """The capacity area's learning curve on actual hours, projected to the first FRP unit (Crawford)."""
    t = scope.targets["learning"]
    ops = scope.routing.operations if scope.routing else []
    standard = sum(op.standard_minutes for op in ops) / 60
    try:
        found = learning(scope.session, program=scope.code)
    except Invalid as exc:  # fewer than 3 complete units
        return rules.judge_learning(None, None, standard, None, t, "; ".join(exc.reasons))
    frp = next(p for p in found["projections"] if p["label"] == "first FRP unit")
    out = rules.judge_learning(found["crawford"], frp["crawford_hours"], standard, frp["unit"], t)
    out["charts"] = {"learning": {"units": [u["unit"] for u in found["units"]],
                                  "hours": [u["hours"] for u in found["units"]],
                                  "fitted": {"Crawford": [u["crawford"] for u in found["units"]],
                                             "Wright": [u["wright"] for u in found["units"]]},
                                  "projections": [[p["label"], p["unit"], p["crawford_hours"]]
                                                  for p in found["projections"]]}}
    return out


def _attestations(scope: Scope) -> dict:
    latest: dict[str, dict] = {}
    for a in scope.session.execute(select(Attestation).filter_by(program_id=scope.program.id)
                                   .order_by(Attestation.id)).scalars():
        signed = _valid_signatures(scope.session, "readiness_attestation", f"{scope.code}/{a.id}",
                                   _attestation_content(scope.code, a))
        if signed:
            latest[a.topic] = {"id": a.id, "name": signed[-1]["name"], "attachment": a.attachment_name}
    return rules.judge_attestations(latest, scope.code)


GATHER = (_capability, _yield, _quality, _first_article, _design_stability, _documentation, _workforce, _supply,
          _capacity, _learning, _attestations)


def compute(session: Session, prog: Program) -> list[dict]:
    """Every criterion's result on today's records (nothing stored)."""
    scope = Scope(session, prog)
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


def _active_waivers(session: Session, prog: Program) -> dict[str, dict]:
    """Each criterion's latest signed waiver that is not withdrawn."""
    found = {}
    for w in session.execute(select(Waiver).filter_by(program_id=prog.id, withdrawn_at=None).order_by(Waiver.id)
                             ).scalars():
        signed = _valid_signatures(session, "readiness_waiver", f"{prog.code}/{w.id}", _waiver_content(prog.code, w))
        if signed:
            found[w.criterion] = {"id": w.id, "criterion": w.criterion, "condition": w.condition, "reason": w.reason,
                                  "name": signed[-1]["name"], "username": w.granted_by,
                                  "signed_at": signed[-1]["signed_at"], "signatures": signed}
    return found


@transactional
def waive(session: Session, *, program: str, criterion: str, condition: str, reason: str, username: str,
          password: str, role: str | None = None) -> dict:
    """A named, signed waiver: the criterion counts as met on the stated condition (GO WITH CONDITIONS)."""
    prog = get_program(session, program)
    verdict(rules.check_waiver(criterion, condition, reason)).raise_if_refused("waiver_refused")
    w = Waiver(program_id=prog.id, criterion=criterion, condition=condition.strip(), reason=reason.strip(),
               granted_by=username, granted_at=utcnow())
    session.add(w)
    session.flush()
    audit.record(session, actor=username, action="readiness.waived", record_type="program", record_id=program,
                 after={"waiver": w.id, "criterion": criterion, "condition": w.condition}, reason=w.reason)
    sign(session, record_type="readiness_waiver", record_id=f"{program}/{w.id}", content=_waiver_content(program, w),
         username=username, password=password, meaning="approved", role=role)
    return {"id": w.id, "program": program, "criterion": criterion, "condition": w.condition, "reason": w.reason,
            "granted_by": username, "granted_at": w.granted_at.isoformat()}


@transactional
def withdraw_waiver(session: Session, *, program: str, waiver: int, actor: str, reason: str) -> dict:
    prog = get_program(session, program)
    w = session.execute(select(Waiver).filter_by(program_id=prog.id, id=waiver)).scalar_one_or_none()
    if w is None:
        raise NotFound("waiver_not_found", f"No waiver {waiver} in program {program}")
    reasons = [f"waiver {waiver} was already withdrawn"] if w.withdrawn_at else []
    if not (reason or "").strip():
        reasons.append("withdrawing a waiver needs a reason")
    verdict(reasons).raise_if_refused("waiver_refused")
    w.withdrawn_at, w.withdrawn_by = utcnow(), actor
    audit.record(session, actor=actor, action="readiness.waiver_withdrawn", record_type="program", record_id=program,
                 before={"waiver": w.id, "criterion": w.criterion}, reason=reason)
    return {"id": w.id, "criterion": w.criterion, "withdrawn_by": actor}


@transactional
def attest(session: Session, *, program: str, topic: str, statement: str, attachment_name: str,
           attachment: bytes, username: str, password: str, role: str | None = None) -> dict:
    """A named person attests what no record proves, with the document behind it, and signs."""
    prog = get_program(session, program)
    verdict(rules.check_attestation(topic, statement, attachment_name, len(attachment))
            ).raise_if_refused("attestation_refused")
    a = Attestation(program_id=prog.id, topic=topic, statement=statement.strip(), attachment_name=attachment_name.strip(),
                    attachment_sha256=hashlib.sha256(attachment).hexdigest(), attachment=attachment,
                    attested_by=username, attested_at=utcnow())
    session.add(a)
    session.flush()
    audit.record(session, actor=username, action="readiness.attested", record_type="program", record_id=program,
                 after={"attestation": a.id, "topic": topic, "attachment": a.attachment_name,
                        "attachment_sha256": a.attachment_sha256})
    sign(session, record_type="readiness_attestation", record_id=f"{program}/{a.id}",
         content=_attestation_content(program, a), username=username, password=password, meaning="verified", role=role)
    return _attestation_row(session, program, a)


def _attestation_row(session: Session, program: str, a: Attestation) -> dict:
    content = _attestation_content(program, a)
    return {"id": a.id, "topic": a.topic, "statement": a.statement, "attachment": a.attachment_name,
            "attachment_sha256": a.attachment_sha256, "attested_by": a.attested_by,
            "attested_at": a.attested_at.isoformat(), "content": content,
            "signatures": signatures_for(session, "readiness_attestation", f"{program}/{a.id}", content)}


def list_attestations(session: Session, *, program: str) -> list[dict]:
    prog = get_program(session, program)
    return [_attestation_row(session, program, a) for a in session.execute(
        select(Attestation).filter_by(program_id=prog.id).order_by(Attestation.id)).scalars()]


def get_attachment(session: Session, *, program: str, attestation: int) -> tuple[str, bytes]:
    prog = get_program(session, program)
    a = session.execute(select(Attestation).filter_by(program_id=prog.id, id=attestation)).scalar_one_or_none()
    if a is None:
        raise NotFound("attestation_not_found", f"No attestation {attestation} in program {program}")
    return a.attachment_name, a.attachment


def list_waivers(session: Session, *, program: str) -> list[dict]:
    prog = get_program(session, program)
    rows = []
    for w in session.execute(select(Waiver).filter_by(program_id=prog.id).order_by(Waiver.id)).scalars():
        content = _waiver_content(program, w)
        rows.append({"id": w.id, "criterion": w.criterion, "condition": w.condition, "reason": w.reason,
                     "granted_by": w.granted_by, "granted_at": w.granted_at.isoformat(),
                     "withdrawn_at": w.withdrawn_at.isoformat() if w.withdrawn_at else None,
                     "withdrawn_by": w.withdrawn_by, "content": content,
                     "signatures": signatures_for(session, "readiness_waiver", f"{program}/{w.id}", content)})
    return rows


# ---------------------------------------------------------------- assessments

def _snapshot_hash(snapshot: dict) -> str:
    return content_hash(snapshot)


def _assessment_content(program: str, a: Assessment) -> dict:
    """What the program decision signs: the assessment and the hash of its frozen snapshot."""
    return {"program": program, "assessment": a.number, "verdict": a.verdict, "snapshot_sha256": a.snapshot_sha256}


def _latest(session: Session, program_id: int) -> Assessment | None:
    return session.execute(select(Assessment).filter_by(program_id=program_id).order_by(Assessment.number.desc())
                           .limit(1)).scalar_one_or_none()


@transactional
def evaluate(session: Session, *, program: str, actor: str) -> dict:
    """Evaluate every criterion on today's records and freeze the result as a new assessment (a snapshot with
    who and when), with what changed since the last one."""
    prog = get_program(session, program)
    results = compute(session, prog)
    waivers = _active_waivers(session, prog)
    decision, results, findings = rules.decide(results, waivers)
    previous = _latest(session, prog.id)
    number = (previous.number if previous else 0) + 1
    now = utcnow()
    head = session.execute(select(audit.AuditHead.hash).where(audit.AuditHead.id == 1)).scalar_one_or_none()
    snapshot = {"program": prog.code, "name": prog.name, "phase": prog.phase,
                "part": f"{prog.part_revision.part.number} rev {prog.part_revision.revision}",
                "frp_target_rate": prog.frp_target_rate, "assessment": number, "verdict": decision,
                "evaluated_at": now.isoformat(), "evaluated_by": actor, "criteria": results, "findings": findings,
                "waivers": list(waivers.values()), "targets": rules.targets_for(_overrides(session, prog.id)),
                "previous": previous.number if previous else None,
                "changes": rules.diff(previous.snapshot["criteria"] if previous else None, results),
                "audit_head": head}
    snapshot = json.loads(json.dumps(snapshot))  # as it is stored and read back: lists, not tuples
    a = Assessment(program_id=prog.id, number=number, verdict=decision, evaluated_at=now, evaluated_by=actor,
                   snapshot=snapshot, snapshot_sha256=_snapshot_hash(snapshot))
    session.add(a)
    session.flush()
    audit.record(session, actor=actor, action="readiness.assessed", record_type="program", record_id=program,
                 after={"assessment": number, "verdict": decision, "snapshot_sha256": a.snapshot_sha256,
                        "blocking": sum(1 for f in findings if f["kind"] == "blocking")})
    return _assessment_out(session, prog.code, a)


def _assessment_out(session: Session, program: str, a: Assessment) -> dict:
    content = _assessment_content(program, a)
    return {**a.snapshot, "snapshot_sha256": a.snapshot_sha256, "signed_content": content,
            "signatures": signatures_for(session, "readiness_assessment", f"{program}/{a.number}", content)}


def _get_assessment(session: Session, prog: Program, number: int | None) -> Assessment:
    if number is None:
        a = _latest(session, prog.id)
        if a is None:
            raise NotFound("assessment_not_found", f"Program {prog.code} has no readiness assessment yet; "
                                                   f"run lrip readiness evaluate {prog.code}")
        return a
    return get_one(session, Assessment, f"assessment of program {prog.code}", program_id=prog.id, number=number)


def get_assessment(session: Session, *, program: str, number: int | None = None) -> dict:
    """One frozen assessment (the latest when no number is given), with its signatures."""
    prog = get_program(session, program)
    return _assessment_out(session, program, _get_assessment(session, prog, number))


def list_assessments(session: Session, *, program: str) -> list[dict]:
    prog = get_program(session, program)
    rows = []
    for a in session.execute(select(Assessment).filter_by(program_id=prog.id).order_by(Assessment.number.desc())
                             ).scalars():
        sigs = signatures_for(session, "readiness_assessment", f"{program}/{a.number}",
                              _assessment_content(program, a))
        counts = defaultdict(int)
        for c in a.snapshot["criteria"]:
            counts[c["status"]] += 1
        rows.append({"number": a.number, "verdict": a.verdict, "evaluated_at": a.evaluated_at.isoformat(),
                     "evaluated_by": a.evaluated_by, "statuses": dict(counts),
                     "changes": len(a.snapshot.get("changes") or []),
                     "signed_by": [s["name"] for s in sigs if s["valid"]]})
    return rows


@transactional
def sign_assessment(session: Session, *, program: str, username: str, password: str, number: int | None = None,
                    role: str | None = None) -> dict:
    """The program decision: sign an assessment (its verdict and the hash of its snapshot)."""
    prog = get_program(session, program)
    a = _get_assessment(session, prog, number)
    latest = _latest(session, prog.id)
    if latest.number != a.number:
        verdict([f"assessment {a.number} is not the latest (that is {latest.number}); sign the latest"]
                ).raise_if_refused("decision_refused")
    sign(session, record_type="readiness_assessment", record_id=f"{program}/{a.number}",
         content=_assessment_content(program, a), username=username, password=password, meaning="approved", role=role)
    audit.record(session, actor=username, action="readiness.decided", record_type="program", record_id=program,
                 after={"assessment": a.number, "verdict": a.verdict})
    return _assessment_out(session, program, a)


def latest_go(session: Session, program_id: int) -> bool:
    """True when the program's latest assessment is GO or GO WITH CONDITIONS and carries a valid signature."""
    a = _latest(session, program_id)
    if a is None or not rules.is_go(a.verdict):
        return False
    program = session.get(Program, program_id).code
    return bool(_valid_signatures(session, "readiness_assessment", f"{program}/{a.number}",
                                  _assessment_content(program, a)))


def check_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Invalid("assessment_invalid", f"an assessment number is a whole number, not '{value}'") from None
