"""First article inspection (SAE AS9102): what a unit owes, the record with Forms 1-3 built from the
unit's own records (routing, measurements, tools, consumption, holds and NCRs), completing it (its forms
are frozen: `content`), its e-signatures on the frozen content, and whether a program has every FAI
its phase policies ask for. Change control owes a delta FAI with `require_delta_fai`.
"""
from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from lrip import audit
from lrip.auth import signatures
from lrip.auth.actor import Actor, command, query
from lrip.auth.decisions import Decision
from lrip.auth.models import Signature
from lrip.catalog.models import BomLine, Characteristic, Operation, PartRevision, Routing
from lrip.catalog.service import get_part_revision
from lrip.db import get_one, utcnow
from lrip.errors import Refused, verdict
from lrip.execution.gauges import gauges
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit
from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.inspection import rules
from lrip.inspection.models import FaiRequirement, FirstArticle
from lrip.inspection.rules import FaiStatus
from lrip.inspection.schemas import (DeltaFaiOut, FaiListRow, FaiOut, FaiOwed, FaiSignature, FaiSigned, FaiStatusOut,
                                     Outstanding)
from lrip.nonconformance.ncr import holds_of, ncrs_of_unit
from lrip.program.models import Lot
from lrip.program.service import get_program, policy_for
from lrip.settings import service as settings
from lrip.supply.models import Receipt

FAI_APPROVAL = Decision.FAI_APPROVAL


def get_fai(session: Session, number: str, *, lock: bool = False) -> FirstArticle:
    return get_one(session, FirstArticle, "first article inspection", lock=lock, number=number)


def _configuration(routing: Routing) -> str:
    prev = routing.part_revision
    return f"{prev.part.number} rev {prev.revision}, routing {routing.revision}"


def _routing_characteristics(routing: Routing) -> list[tuple[Operation, Characteristic]]:
    return [(op, c) for op in routing.operations for c in op.characteristics]


def _approved(fai: FirstArticle | None) -> bool:
    return fai is not None and fai.status == FaiStatus.APPROVED


# ---------------------------------------------------------------- what a unit owes

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
    reqs = [req for req in session.execute(select(FaiRequirement).where(
        FaiRequirement.part_revision_id == routing.part_revision_id,
        FaiRequirement.first_article_id.is_(None)).order_by(FaiRequirement.id)).scalars()
        if _reached(session, req, unit)]
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


@query()
def fai_owed(session: Session, actor: Actor, *, serial: str) -> FaiOwed:
    """What FAI a unit owes now (for the traveler and `lrip fai create`)."""
    unit = get_one(session, Unit, "unit", serial=serial)
    owed = _owed(session, unit)
    return FaiOwed(serial=unit.serial, kind=owed["kind"], reasons=owed["reasons"],
                   characteristics=owed["characteristics"])


def _next_number(session: Session) -> str:
    last = session.execute(select(func.max(FirstArticle.id))).scalar() or 0
    return f"FAI-{last + 1:04d}"


@command("fai.record")
def create_fai(session: Session, actor: Actor, *, serial: str, kind: str | None = None,
               characteristics: list[str] | None = None, reason: str | None = None) -> FaiOut:
    """Open a first article record on a unit. Without `kind` it is the one the unit owes under its policy;
    a full or partial FAI may also be asked for with a reason. Form 1's organization is the installation's
    (lrip.settings): the same on every FAI, whatever the program."""
    unit = get_one(session, Unit, "unit", lock=True, serial=serial)
    routing = unit.lot.routing
    known = {c.code.lower(): c.code for _, c in _routing_characteristics(routing)}
    owed = _owed(session, unit)
    reasons = []
    if kind not in (None, "full", "partial"):
        reasons.append(f"an FAI is full or partial, not '{kind}'")
    opened = session.execute(select(FirstArticle.number).where(FirstArticle.unit_id == unit.id,
                                                              FirstArticle.status == FaiStatus.OPEN)).scalar()
    if opened:
        reasons.append(f"{unit.serial} already has {opened} open")
    if unit.status == UnitStatus.SCRAPPED:
        reasons.append(f"{unit.serial} is scrapped")
    codes = [known.get(c.strip().lower(), c.strip()) for c in characteristics or [] if c.strip()]
    reasons += [f"{code} is not a characteristic of {unit.serial}'s routing ({_configuration(routing)})"
                for code in codes if code.lower() not in known]
    if kind is None:
        if owed["kind"] is None:
            reasons.append(f"{unit.serial} owes no first article inspection under its lot's policy; ask for a full "
                           "or partial one with a reason to inspect one anyway")
        kind = owed["kind"]
        codes = codes or owed["characteristics"] or []
    if kind == "partial" and not codes:
        codes = owed["characteristics"] or []
        if not codes:
            reasons.append("a partial FAI names the characteristics it covers")
    why = (reason or "").strip() or "; ".join(owed["reasons"])
    if not why and kind is not None:
        reasons.append("say why this FAI is done (full or partial, and the reason)")
    organization = settings.organization(session)
    if organization is None:
        reasons.append(settings.NO_ORGANIZATION)
    verdict(reasons).raise_if_refused("fai_refused")
    fai = FirstArticle(number=_next_number(session), unit_id=unit.id, routing_id=routing.id, kind=kind, reason=why,
                       characteristics=None if kind == "full" else codes, organization=organization,
                       status=FaiStatus.OPEN, created_at=utcnow(), created_by=actor.username)
    session.add(fai)
    session.flush()
    covered = set(known.values()) if kind == "full" else set(codes)
    linked = []
    for req in owed["requirements"]:
        if set(req.characteristics) <= covered:
            req.first_article_id = fai.id
            linked.append(req.id)
    audit.record(session, actor=actor, action="fai.created", record_type="first_article", record_id=fai.number,
                 after={"serial": unit.serial, "kind": kind, "characteristics": fai.characteristics,
                        "configuration": _configuration(routing), "requirements": linked}, reason=why)
    return _record(session, fai)


def _reached(session: Session, req: FaiRequirement, unit: Unit) -> bool:
    """Does the effectivity of the change that owes this delta FAI reach the unit (FaiRequirement)? Only a
    unit built to the change can show it in a first article."""
    if req.effectivity == "next_lot":
        return unit.lot_id > (req.after_lot_id or 0)
    if req.effectivity == "from_serial":
        return unit.serial >= (req.from_serial or "")
    if req.effectivity == "immediate":
        changed = [op.id for op in unit.lot.routing.operations
                   if any(c.code in req.characteristics for c in op.characteristics)]
        return session.execute(select(OperationRecord.id).where(
            OperationRecord.unit_id == unit.id, OperationRecord.operation_id.in_(changed),
            OperationRecord.status == RecordStatus.COMPLETE, OperationRecord.completed_at < req.raised_at)
            .limit(1)).first() is None
    return True


def _first_reached(session: Session, req: FaiRequirement, program_id: int) -> str | None:
    """The first unit of the program (scrapped ones aside) the requirement's effectivity reaches, where it
    names one (_reached, as one statement)."""
    query_ = (select(Unit.serial).join(Lot, Lot.id == Unit.lot_id)
              .where(Lot.program_id == program_id, Unit.status != UnitStatus.SCRAPPED))
    if req.effectivity == "next_lot":
        query_ = query_.where(Unit.lot_id > (req.after_lot_id or 0)).order_by(Unit.id)
    elif req.effectivity == "from_serial":
        query_ = query_.where(Unit.serial >= req.from_serial).order_by(Unit.serial)
    elif req.effectivity == "immediate":
        changed = (select(Characteristic.operation_id).join(Operation, Operation.id == Characteristic.operation_id)
                   .where(Operation.routing_id == Lot.routing_id, Characteristic.code.in_(req.characteristics)))
        done_before = exists().where(OperationRecord.unit_id == Unit.id, OperationRecord.operation_id.in_(changed),
                                     OperationRecord.status == RecordStatus.COMPLETE,
                                     OperationRecord.completed_at < req.raised_at)
        query_ = query_.where(Lot.status == "open", ~done_before).order_by(Unit.id)
    else:
        return None
    return session.execute(query_.limit(1)).scalar()


def require_delta_fai(session: Session, actor: Actor, *, part: str, part_revision: str, characteristics: list[str],
                      reason: str, effectivity: str | None = None, after_lot_id: int | None = None,
                      from_serial: str | None = None) -> FaiRequirement:
    """Owe a partial (delta) FAI on the first unit of this part revision the change's effectivity reaches
    (next_lot: a lot opened after `after_lot_id`; from_serial: `from_serial` on; immediate: a unit that has not
    yet done the changed operations; none: the next unit). Change control calls this inside its own use case
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
                         raised_at=utcnow(), raised_by=actor.username, effectivity=effectivity,
                         after_lot_id=after_lot_id if effectivity == "next_lot" else None,
                         from_serial=from_serial if effectivity == "from_serial" else None)
    session.add(req)
    session.flush()
    audit.record(session, actor=actor, action="fai.delta_required", record_type="part",
                 record_id=f"{prev.part.number}/{prev.revision}",
                 after={"characteristics": codes, "requirement": req.id, "effectivity": effectivity,
                        "from_serial": req.from_serial}, reason=reason)
    return req


@command("inspection.plan")
def owe_delta_fai(session: Session, actor: Actor, *, part: str, part_revision: str, characteristics: list[str],
                  reason: str) -> DeltaFaiOut:
    """A quality engineer owes a delta FAI by hand (change control does it through require_delta_fai)."""
    req = require_delta_fai(session, actor, part=part, part_revision=part_revision, characteristics=characteristics,
                            reason=reason)
    prev = req.part_revision
    return DeltaFaiOut(requirement=req.id, part=prev.part.number, part_revision=prev.revision,
                       characteristics=list(req.characteristics), reason=req.reason)


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


def _iso(at) -> str | None:
    return at.isoformat() if at else None


def _special_processes(session: Session, lines: dict[int, BomLine], routing: Routing, consumed: list[Consumption],
                       done: dict[int, OperationRecord], organization: str) -> list[dict]:
    """AS9102 Form 2's special processes, each with its specification, the supplier who performed it and the
    certificate of conformance: those the BOM asks of a purchased part (the supplier of the lot built in, the
    certificate received with it) and the routing's own (performed in house, the operation record)."""
    lots = [c.material_lot for c in consumed if c.material_lot is not None
            and c.material_lot.part_id in lines and lines[c.material_lot.part_id].special_process]
    certificates = dict(session.execute(select(Receipt.material_lot_id, Receipt.certificate).where(
        Receipt.material_lot_id.in_([ml.id for ml in lots]))).all()) if lots else {}
    rows = []
    for ml in lots:
        line = lines[ml.part_id]
        rows.append({"process": line.special_process, "specification": line.process_specification,
                     "performed_on": f"{ml.part.number} ({ml.lot_number})",
                     "supplier": ml.supplier.code if ml.supplier else None,
                     "supplier_name": ml.supplier.name if ml.supplier else None,
                     "certificate": certificates.get(ml.id)})
    for op in routing.operations:
        if op.special_process:
            rec = done.get(op.id)
            rows.append({"process": op.special_process, "specification": op.process_specification,
                         "performed_on": f"operation {op.sequence} {op.name}", "supplier": None,
                         "supplier_name": f"{organization} (in house)",
                         "certificate": (f"operation record: {rec.completed_by.username}, {rec.completed_at:%Y-%m-%d}"
                                         if rec and rec.completed_by else None)})
    return rows


def _subassembly_index(session: Session, consumed: list[Consumption]) -> list[dict]:
    """AS9102 Form 1's index of the serialized parts and sub-assemblies built in, each with its revision and
    its own FAI report: a sub-assembly built here names the approved full FAI of its configuration; a
    purchased serialized part, its supplier (whose FAI is theirs)."""
    rows = []
    for link in consumed:
        if link.child_unit is not None:
            child = link.child_unit
            prev = child.lot.program.part_revision
            fai = session.execute(select(FirstArticle.number).where(
                FirstArticle.routing_id == child.lot.routing_id, FirstArticle.kind == "full",
                FirstArticle.status == FaiStatus.APPROVED).order_by(FirstArticle.id.desc()).limit(1)).scalar()
            rows.append({"part": prev.part.number, "name": prev.part.description, "revision": prev.revision,
                         "serial": child.serial, "fai": fai, "source": "built in house"})
        elif link.material_lot.part.tracking == "serial":
            ml = link.material_lot
            rows.append({"part": ml.part.number, "name": ml.part.description,
                         "revision": ml.part_revision.revision if ml.part_revision else None,
                         "serial": ml.lot_number, "fai": None,
                         "source": f"purchased from {ml.supplier.code}" if ml.supplier else "purchased"})
    return rows


def _forms(session: Session, fai: FirstArticle) -> dict:
    """Forms 1, 2 and 3 built from the unit's records now (plain JSON: completing the FAI freezes them), laid
    out as SAE AS9102 has them: Form 1 with the organization (the installation's setting) and the index of
    serialized sub-assemblies; Form 2 with the specifications and special processes (supplier, certificate);
    Form 3 with each characteristic's balloon number and drawing zone."""
    unit, routing = fai.unit, fai.routing
    prev, lot = routing.part_revision, unit.lot
    records = session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit.id)
                              .order_by(OperationRecord.id)).scalars().all()
    done = {r.operation_id: r for r in records if r.status == RecordStatus.COMPLETE}
    by_record = {r.id: r for r in records}
    latest: dict[int, Measurement] = {}
    for m in session.execute(select(Measurement).where(Measurement.unit_id == unit.id)
                             .order_by(Measurement.recorded_at, Measurement.id)).scalars():
        latest[m.characteristic_id] = m
    holds = {h.measurement_id: h for h in holds_of(session, unit.id) if h.measurement_id}
    ncrs: dict[str, list] = {}
    for n in ncrs_of_unit(session, unit.id):
        ncrs.setdefault(n.characteristic, []).append(n)
    form3 = []
    scope = _scope(fai)
    registered = gauges(session, {latest[c.id].gauge for _, _, c in scope if c.id in latest and latest[c.id].gauge})
    for number, op, c in scope:
        m = latest.get(c.id)
        rec = by_record.get(m.operation_record_id) if m else None
        hold = holds.get(m.id) if m else None
        char_ncrs = ncrs.get(c.code, [])
        tooling = [t.code for t in rec.tools] if rec else []
        if m is not None and m.gauge and m.gauge not in tooling:
            tooling.append(m.gauge)
        gauge = registered.get(m.gauge.lower()).at(m.recorded_at.date()) if m is not None and m.gauge else None
        form3.append({
            "char_no": number, "code": c.code, "name": c.name, "operation": op.sequence, "operation_name": op.name,
            "balloon": c.balloon, "drawing_zone": c.drawing_zone,
            "key": c.key, "kind": c.kind, "nominal": c.nominal, "lsl": c.lsl, "usl": c.usl, "units": c.units,
            "requirement": _requirement_words(c), "result": _result_words(m, c),
            "value": m.value if m else None, "passed": m.passed if m else None,
            "in_spec": m.in_spec if m else None, "tooling": tooling,
            "gauge": {"code": gauge.code, "kind": gauge.kind,
                      "calibration_due": gauge.due.isoformat() if gauge.due else None} if gauge else None,
            "measured_by": m.recorded_by.username if m else None, "measured_at": _iso(m.recorded_at) if m else None,
            "operation_done": op.id in done,
            "disposition": hold.disposition if hold and not hold.open else None,
            "ncr": ", ".join(n.number for n in char_ncrs) or None,
            "ncr_dispositioned": any(n.status in ("dispositioned", "closed") for n in char_ncrs),
        })
    materials = []
    lines = {line.child_part_id: line for line in session.execute(
        select(BomLine).where(BomLine.parent_revision_id == prev.id)).scalars()}
    consumed = session.execute(select(Consumption).where(Consumption.unit_id == unit.id)
                               .order_by(Consumption.id)).scalars().all()
    for link in consumed:
        rec = by_record.get(link.operation_record_id)
        if link.material_lot is not None:
            ml = link.material_lot
            materials.append({"part": ml.part.number, "description": ml.part.description,
                              "revision": ml.part_revision.revision if ml.part_revision else None,
                              "specification": lines[ml.part_id].specification if ml.part_id in lines else None,
                              "identifier": ml.lot_number, "tracking": ml.part.tracking, "quantity": link.quantity,
                              "supplier": ml.supplier.code if ml.supplier else None,
                              "supplier_name": ml.supplier.name if ml.supplier else None,
                              "operation": rec.operation.sequence if rec else None,
                              "acceptance": f"incoming lot {ml.status}, received {ml.received_at:%Y-%m-%d}"})
        else:
            child = link.child_unit
            materials.append({"part": child.lot.program.part_revision.part.number,
                              "description": child.lot.program.part_revision.part.description,
                              "revision": child.lot.routing.part_revision.revision,
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
        if _is_test(op) and (fai.kind == "full" or any(r["operation"] == op.sequence for r in form3)):
            every = [latest.get(c.id) for c in op.characteristics]
            passed = sum(1 for m in every if m is not None and m.in_spec)
            tests.append({**row, "result": f"{passed} of {len(every)} results in spec" if rec else "not run"})
    form1 = {
        "fai_number": fai.number, "part_number": prev.part.number, "part_name": prev.part.description,
        "part_revision": prev.revision, "drawing_number": prev.part.number, "drawing_revision": prev.revision,
        "serial": unit.serial, "lot": lot.number, "program": lot.program.code, "phase": lot.phase,
        "manufacturing_process_reference": f"routing {routing.revision}", "configuration": _configuration(routing),
        "organization": fai.organization, "detail_or_assembly": "assembly" if lines else "detail",
        "subassemblies": _subassembly_index(session, consumed),
        "kind": fai.kind, "reason": fai.reason, "characteristics_in_scope": len(form3),
        "created_by": fai.created_by, "created_at": _iso(fai.created_at),
        "completed_by": fai.completed_by, "completed_at": _iso(fai.completed_at),
    }
    form2 = {"materials": materials, "processes": processes, "functional_tests": tests,
             "special_processes": _special_processes(session, lines, routing, consumed, done, fai.organization)}
    return {"form1": form1, "form2": form2, "form3": form3}


def _completion_verdict(fai: FirstArticle, forms: dict):
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


@command("fai.record")
def complete_fai(session: Session, actor: Actor, *, number: str) -> FaiOut:
    """Complete an FAI: every characteristic measured, every operation in scope complete, no out-of-spec
    result without its NCR disposition. Its forms are frozen as they are now."""
    fai = get_fai(session, number, lock=True)
    get_one(session, Unit, "unit", lock=True, id=fai.unit_id)
    forms = _forms(session, fai)
    _completion_verdict(fai, forms).raise_if_refused("fai_complete_refused")
    fai.status = rules.next_fai_status(fai.status, "complete")
    fai.completed_at, fai.completed_by = utcnow(), actor.username
    forms["form1"].update(completed_by=actor.username, completed_at=_iso(fai.completed_at))
    fai.content = forms
    fai.content_hash = signatures.content_hash(forms)
    audit.record(session, actor=actor, action="fai.completed", record_type="first_article", record_id=fai.number,
                 before={"status": FaiStatus.OPEN}, after={"status": fai.status, "content_hash": fai.content_hash,
                                                           "characteristics": len(forms["form3"])})
    return _record(session, fai)


@command("signature.sign")
def sign_fai(session: Session, actor: Actor, *, number: str, password: str, meaning: str,
             role: str | None = None) -> FaiSigned:
    """E-sign a completed FAI's frozen forms as the signed-in person. An 'approved' signature is the FAI's
    approval, given in the role the signed-decisions table asks for (quality), by someone other than the
    inspector who completed it; once it has every approval it needs, the FAI is approved."""
    fai = get_fai(session, number, lock=True)
    if fai.status == FaiStatus.OPEN:
        raise Refused("fai_sign_refused", f"{fai.number} is open; complete it first, so the signature binds the "
                                          "finished forms")
    where = dict(record_type="first_article", record_id=fai.number, content=fai.content, password=password,
                 role=role, author=fai.completed_by)
    if meaning == "approved":
        signature = signatures.sign_decision(session, actor, decision=FAI_APPROVAL, phase=fai.unit.lot.phase,
                                             record=fai.number, **where)
    else:
        signature = signatures.sign(session, actor, meaning=meaning, independent=True, **where)
    if meaning == "approved" and fai.status == FaiStatus.COMPLETE and signatures.standing_of(
            session, FAI_APPROVAL, fai.unit.lot.phase, record_type="first_article", record_id=fai.number,
            content=fai.content, author=fai.completed_by).complete:
        fai.status = rules.next_fai_status(fai.status, "approve")
        audit.record(session, actor=actor, action="fai.approved", record_type="first_article", record_id=fai.number,
                     before={"status": FaiStatus.COMPLETE}, after={"status": fai.status, "signature": signature.id})
    return FaiSigned(number=fai.number, status=fai.status, signed_by=actor.username, meaning=meaning,
                     role=signature.role, signed_at=signature.signed_at)


# ---------------------------------------------------------------- reading

def _summary(fai: FirstArticle) -> dict:
    unit, routing = fai.unit, fai.routing
    return dict(number=fai.number, serial=unit.serial, lot=unit.lot.number, program=unit.lot.program.code,
                part=routing.part_revision.part.number, part_revision=routing.part_revision.revision,
                routing=routing.revision, kind=fai.kind, reason=fai.reason, characteristics=fai.characteristics,
                status=fai.status, organization=fai.organization, created_at=fai.created_at,
                created_by=fai.created_by, completed_at=fai.completed_at, completed_by=fai.completed_by)


def _record(session: Session, fai: FirstArticle) -> FaiOut:
    forms = fai.content if fai.content is not None else _forms(session, fai)
    blocked = list(_completion_verdict(fai, forms).reasons) if fai.status == FaiStatus.OPEN else []
    return FaiOut(**_summary(fai), **forms, content_hash=fai.content_hash, blocked_by=blocked,
                  signatures=[FaiSignature(**s) for s in signatures.signatures_for(
                      session, "first_article", fai.number, fai.content)])


@query()
def fai_record(session: Session, actor: Actor, *, number: str) -> FaiOut:
    """The FAI with its forms (frozen once complete, else as the records stand), its signatures and,
    while it is open, every reason it cannot be completed yet."""
    return _record(session, get_fai(session, number))


def _list(session: Session, *, program_id: int | None = None, status: str | None = None) -> list[FaiListRow]:
    """First articles with their signature counts, in a few statements whatever their number."""
    found = select(FirstArticle).order_by(FirstArticle.id).options(
        selectinload(FirstArticle.unit).selectinload(Unit.lot).selectinload(Lot.program),
        selectinload(FirstArticle.routing).selectinload(Routing.part_revision).selectinload(PartRevision.part))
    if program_id is not None:
        found = found.join(Unit, FirstArticle.unit_id == Unit.id).join(Lot).where(Lot.program_id == program_id)
    if status:
        found = found.where(FirstArticle.status == status)
    signed = dict(session.execute(select(Signature.record_id, func.count(Signature.id)).where(
        Signature.record_type == "first_article").group_by(Signature.record_id)).all())
    return [FaiListRow(**_summary(fai), signatures=signed.get(fai.number, 0))
            for fai in session.execute(found).scalars()]


@query()
def list_fais(session: Session, actor: Actor, *, program: str | None = None,
              status: str | None = None) -> list[FaiListRow]:
    """First article inspections, by program and status."""
    return _list(session, program_id=get_program(session, program).id if program else None, status=status)


@query()
def fai_status(session: Session, actor: Actor, *, program: str) -> FaiStatusOut:
    """Is every first article inspection the program's policies ask for done and approved?
    `outstanding` says what is missing, in words, with the characteristics it covers."""
    prog = get_program(session, program)
    outstanding: list[Outstanding] = []
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
    for routing_id in first_unit_routings:
        routing = routings[routing_id]
        full = [f for f in fais if f.routing_id == routing_id and f.kind == "full"]
        if any(_approved(f) for f in full):
            continue
        first = session.execute(select(Unit).join(Lot).where(
            Lot.routing_id == routing_id, Lot.program_id == prog.id, Unit.status != UnitStatus.SCRAPPED,
            Lot.phase.in_(first_unit_phases)).order_by(Unit.id).limit(1)).scalar()
        fai = full[-1] if full else None
        state = (f"{fai.number} on {fai.unit.serial} is {fai.status}" + (", awaiting an approval signature"
                 if fai.status == FaiStatus.COMPLETE else "")) if fai else "no FAI yet"
        outstanding.append(Outstanding(
            reason=f"full FAI of the first unit of configuration {_configuration(routing)}: {state}", kind="full",
            configuration=_configuration(routing), serial=fai.unit.serial if fai else first.serial if first else None,
            fai=fai.number if fai else None, characteristics=[c.code for _, c in _routing_characteristics(routing)]))
    if policy_for(session, prog.id, prog.phase).first_article != "none":
        for req in session.execute(select(FaiRequirement).where(
                FaiRequirement.part_revision_id == prog.part_revision_id).order_by(FaiRequirement.id)).scalars():
            if _approved(req.first_article):
                continue
            fai = req.first_article
            first = None if fai else _first_reached(session, req, prog.id)
            state = f"{fai.number} on {fai.unit.serial} is {fai.status}" if fai else (
                f"no FAI yet ({first} is the first unit the change reaches)" if first else "no FAI yet")
            outstanding.append(Outstanding(
                reason=f"partial (delta) FAI after a change: {req.reason}: {state}", kind="partial",
                configuration=None, serial=fai.unit.serial if fai else first, fai=fai.number if fai else None,
                characteristics=list(req.characteristics), raised_at=req.raised_at, raised_by=req.raised_by))
    for routing_id, routing in routings.items():
        dates = session.execute(select(Unit.serial, Unit.created_at, Unit.completed_at, Unit.id).join(Lot).where(
            Lot.routing_id == routing_id).order_by(Unit.id)).all()
        ids = {serial: uid for serial, _, _, uid in dates}
        for serial, last in rules.production_lapse([(s, a, b) for s, a, b, _ in dates]):
            if any(_approved(f) and f.routing_id == routing_id and f.unit_id >= ids[serial] for f in fais):
                continue
            outstanding.append(Outstanding(
                reason=f"partial FAI: {serial} starts after two years without production of "
                       f"{_configuration(routing)} (last unit completed {last:%Y-%m-%d})",
                kind="partial", configuration=_configuration(routing), serial=serial, fai=None,
                characteristics=[c.code for _, c in _routing_characteristics(routing)]))
    return FaiStatusOut(program=prog.code, phase=prog.phase,
                        policy=policy_for(session, prog.id, prog.phase).first_article, complete=not outstanding,
                        records=_list(session, program_id=prog.id), outstanding=outstanding)
