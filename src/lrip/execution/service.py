"""Shop-floor use cases: units, operations, measurements, consumption, holds, the traveler.

Every function that changes a unit first locks it (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), then reads
the unit's state, so two operators acting at the same moment are served one
after the other and the second sees what the first did.
"""
from __future__ import annotations

import csv
import hashlib
import io
from operator import itemgetter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.models import User
from lrip.auth.service import get_user
from lrip.catalog.models import BomLine, Characteristic, Operation, Qualification, Routing, Tool
from lrip.db import get_one, insert_many, transactional, utcnow
from lrip.errors import Invalid, NotFound, Refused, Verdict, verdict
from lrip.execution import rules
from lrip.execution.models import Consumption, Hold, Measurement, OperationRecord, Unit
import lrip.nonconformance.models  # noqa: F401,E402  (Hold.ncr_id points at the ncr table)
from lrip.program import rules as program_rules
from lrip.program.models import Lot
from lrip.program.service import get_lot, lrip_units, policy_for
from lrip.catalog.models import Part
from lrip.supply.models import ApprovedSource, MaterialLot, Supplier
from lrip.supply.service import is_approved_source


# ---------------------------------------------------------------- loading

def get_unit(session: Session, serial: str, *, lock: bool = False) -> Unit:
    return get_one(session, Unit, "unit", lock=lock, serial=serial)


def _operations(unit: Unit) -> list[Operation]:
    return unit.lot.routing.operations


def find_operation(unit: Unit, operation: str | int) -> Operation:
    """An operation of the unit's routing by sequence number (30) or name (case-insensitive)."""
    ops = _operations(unit)
    text = str(operation).strip()
    for op in ops:
        if text.isdigit() and op.sequence == int(text) or op.name.lower() == text.lower():
            return op
    raise NotFound("operation_not_found", f"{unit.serial}'s routing has no operation {text}; it has "
                   + ", ".join(f"{o.sequence} {o.name}" for o in ops))


def _records(session: Session, unit: Unit) -> list[OperationRecord]:
    return list(session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit.id)
                                .order_by(OperationRecord.id)).scalars())


@dataclass
class Progress:
    open_record: OperationRecord | None
    next_operation: Operation | None  # the first operation not yet complete


def _progress(unit: Unit, records: list[OperationRecord]) -> Progress:
    done = {r.operation_id for r in records if r.status == "complete"}
    open_record = next((r for r in records if r.status == "in_work"), None)
    next_op = next((op for op in _operations(unit) if op.id not in done), None)
    return Progress(open_record, next_op)


def _step(op: Operation) -> rules.StepView:
    doc = op.document_revision
    return rules.StepView(sequence=op.sequence, name=op.name, instruction=doc.label if doc else None,
                          instruction_status=doc.status if doc else None,
                          required_tool_kinds=tuple(op.required_tool_kinds or ()), required_skill=op.required_skill)


def _characteristic_view(c: Characteristic) -> rules.CharacteristicView:
    return rules.CharacteristicView(code=c.code, name=c.name, kind=c.kind, lsl=c.lsl, usl=c.usl, units=c.units, key=c.key)


def _operator(session: Session, username: str) -> tuple[User, rules.OperatorView]:
    user = get_user(session, username)
    skills = {q.skill: q.expires_on for q in session.execute(select(Qualification).filter_by(user_id=user.id)).scalars()}
    return user, rules.OperatorView(username=user.username, active=user.active, skills=skills)


def _tools(session: Session, codes: list[str]) -> list[Tool]:
    found = {t.code: t for t in session.execute(select(Tool).where(Tool.code.in_(codes))).scalars()} if codes else {}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound("tool_not_found", [f"No tool with code {c}" for c in missing])
    return [found[c] for c in codes]


def _material_view(session: Session, lot: MaterialLot) -> rules.MaterialView:
    return rules.MaterialView(identifier=lot.lot_number, part_number=lot.part.number, status=lot.status,
                              on_hand=lot.quantity_on_hand, supplier=lot.supplier.code if lot.supplier else None,
                              supplier_status=lot.supplier.status if lot.supplier else None,
                              approved_source=is_approved_source(session, lot.part_id, lot.supplier_id))


def _child_view(child: Unit) -> rules.MaterialView:
    return rules.MaterialView(identifier=child.serial, part_number=child.lot.program.part_revision.part.number,
                              status=child.status, on_hand=1.0, child_unit=True)


def _bad_material(session: Session, unit: Unit, policy: program_rules.Policy) -> list[str]:
    """Material already in the unit that this policy would not accept now (a lot rejected after use).
    One query: it runs before every operation starts."""
    approved = select(ApprovedSource.id).where(ApprovedSource.part_id == MaterialLot.part_id,
                                               ApprovedSource.supplier_id == MaterialLot.supplier_id).exists()
    lots = session.execute(
        select(MaterialLot.lot_number, Part.number, MaterialLot.status, MaterialLot.quantity_on_hand,
               Supplier.code, Supplier.status, approved)
        .join(Consumption, Consumption.material_lot_id == MaterialLot.id).join(Part, Part.id == MaterialLot.part_id)
        .outerjoin(Supplier, Supplier.id == MaterialLot.supplier_id).where(Consumption.unit_id == unit.id)).all()
    views = [rules.MaterialView(*row) for row in lots]
    children = session.execute(select(Unit.serial, Unit.status).join(Consumption, Consumption.child_unit_id == Unit.id)
                               .where(Consumption.unit_id == unit.id)).all()
    views += [rules.MaterialView(serial, "", status, 1.0, child_unit=True) for serial, status in children]
    return [p for p in (rules.material_problem(v, policy) for v in views) if p]


def _policy(session: Session, unit: Unit) -> program_rules.Policy:
    return policy_for(session, unit.lot.program_id, unit.lot.phase)


def _bom_at(session: Session, unit: Unit, op: Operation) -> dict[str, float]:
    lines = session.execute(select(BomLine).where(
        BomLine.parent_revision_id == unit.lot.routing.part_revision_id,
        BomLine.operation_sequence == op.sequence)).scalars()
    return {line.child_part.number: line.quantity for line in lines}


def _consumed_at(session: Session, unit: Unit, op: Operation) -> dict[str, float]:
    """What of each part this unit has consumed at this operation, over every attempt."""
    totals: dict[str, float] = {}
    rows = session.execute(select(Consumption).join(OperationRecord).where(
        Consumption.unit_id == unit.id, OperationRecord.operation_id == op.id)).scalars()
    for c in rows:
        part = c.material_lot.part.number if c.material_lot else c.child_unit.lot.program.part_revision.part.number
        totals[part] = totals.get(part, 0.0) + c.quantity
    return totals


def _who_when(user: User | None, at: datetime | None) -> str:
    return f"{user.username if user else '?'} at {at:%Y-%m-%d %H:%M} UTC" if at else ""


# ---------------------------------------------------------------- units

@transactional
def create_unit(session: Session, *, lot: str, serial: str, actor: str) -> Unit:
    """A unit is created within the lot's planned quantity and, in LRIP, the approved LRIP quantity."""
    lot_row = get_lot(session, lot, lock=True)
    program = lot_row.program
    policy = policy_for(session, program.id, lot_row.phase)
    in_lot = session.execute(select(func.count(Unit.id)).where(Unit.lot_id == lot_row.id)).scalar_one()
    program_rules.check_unit_creation(
        serial=serial, serial_taken=session.execute(select(Unit.id).filter_by(serial=serial)).first() is not None,
        lot_number=lot, lot_status=lot_row.status, lot_planned=lot_row.planned_quantity, lot_units=in_lot,
        phase=lot_row.phase, lrip_quantity=program.lrip_quantity, lrip_units=lrip_units(session, program.id),
        quantity_control=policy.quantity_control,
    ).raise_if_refused("unit_refused")
    unit = Unit(serial=serial, lot_id=lot_row.id, status="planned")
    session.add(unit)
    session.flush()
    audit.record(session, actor=actor, action="unit.created", record_type="unit", record_id=serial,
                 after={"lot": lot, "status": "planned"})
    return unit


# ---------------------------------------------------------------- operations

def _start_verdict(session: Session, unit: Unit, op: Operation, progress: Progress, *,
                   operator: rules.OperatorView | None, tools: list[Tool] | None, today) -> Verdict:
    policy = _policy(session, unit)
    rec = progress.open_record
    open_seq = rec.operation.sequence if rec else None
    return rules.check_start(
        serial=unit.serial, unit_status=unit.status, policy=policy, step=_step(op),
        next_sequence=progress.next_operation.sequence if progress.next_operation else None,
        open_sequence=open_seq, operator=operator,
        tools=None if tools is None else [rules.ToolView(t.code, t.kind, t.category, t.calibration_due, t.active)
                                          for t in tools],
        bad_material=_bad_material(session, unit, policy), today=today,
        open_by=_who_when(rec.started_by, rec.started_at) if rec else None)


@transactional
def start_operation(session: Session, *, serial: str, operation: str | int, operator: str,
                    tools: list[str] = (), at: datetime | None = None) -> OperationRecord:
    unit = get_unit(session, serial, lock=True)
    op = find_operation(unit, operation)
    user, operator_view = _operator(session, operator)
    tool_rows = _tools(session, list(tools))
    at = at or utcnow()
    progress = _progress(unit, _records(session, unit))
    _start_verdict(session, unit, op, progress, operator=operator_view, tools=tool_rows,
                   today=at.date()).raise_if_refused("start_refused")
    attempt = 1 + (session.execute(select(func.max(OperationRecord.attempt)).filter_by(
        unit_id=unit.id, operation_id=op.id)).scalar_one() or 0)
    record = OperationRecord(unit_id=unit.id, operation_id=op.id, attempt=attempt, status="in_work", started_at=at,
                             started_by_id=user.id, document_revision_id=op.document_revision_id, tools=tool_rows)
    session.add(record)
    before = unit.status
    unit.status = "in_work"
    session.flush()
    audit.record(session, actor=operator, action="operation.started", record_type="unit", record_id=serial,
                 before={"status": before},
                 after={"operation": op.sequence, "attempt": attempt, "tools": list(tools),
                        "instruction": op.document_revision.label if op.document_revision else None})
    return record


def _sampled(session: Session, unit: Unit, op: Operation, policy: program_rules.Policy) -> frozenset[str]:
    """Under a sampling policy (FRP), the characteristics besides key ones the inspection plan picks
    for this unit (lrip.inspection decides; imported here to keep the areas' imports one way)."""
    if policy.inspection == "all":
        return frozenset()
    from lrip.inspection.service import sampled_characteristics

    return sampled_characteristics(session, unit, op)


def _inspection(session: Session, unit: Unit, op: Operation) -> list:
    """For the traveler: each characteristic of the operation, required on this unit or not, and why."""
    from lrip.inspection.service import requirements

    return requirements(session, unit, op)


def required_characteristics(session: Session, unit: Unit, op: Operation,
                             policy: program_rules.Policy) -> list[rules.CharacteristicView]:
    """The characteristics the phase's inspection requires on this unit at this operation (under sampling,
    the inspection plan picks the unit or not): what completing it asks for, and what a complete record has."""
    return rules.required_characteristics(policy, [_characteristic_view(c) for c in op.characteristics],
                                          _sampled(session, unit, op, policy))


def _missing(session: Session, unit: Unit, op: Operation, record: OperationRecord | None):
    """The characteristics still without a result, and the material still to consume, at this operation."""
    required = required_characteristics(session, unit, op, _policy(session, unit))
    have = set()
    if record is not None:
        have = set(session.execute(select(Characteristic.code).join(Measurement).where(
            Measurement.operation_record_id == record.id)).scalars())
    consumed = _consumed_at(session, unit, op)
    material = {part: qty - consumed.get(part, 0.0) for part, qty in _bom_at(session, unit, op).items()
                if qty - consumed.get(part, 0.0) > 1e-9}
    return [c for c in required if c.code not in have], material


@transactional
def complete_operation(session: Session, *, serial: str, operation: str | int, operator: str,
                       at: datetime | None = None) -> OperationRecord:
    unit = get_unit(session, serial, lock=True)
    op = find_operation(unit, operation)
    user, _ = _operator(session, operator)
    records = _records(session, unit)
    record = next((r for r in records if r.operation_id == op.id and r.status == "in_work"), None)
    missing_chars, missing_material = _missing(session, unit, op, record)
    at = at or utcnow()
    done = [r for r in records if r.operation_id == op.id and r.status == "complete"]
    rules.check_complete(serial=serial, unit_status=unit.status, step=_step(op), record_open=record is not None,
                         missing_characteristics=missing_chars if record else [],
                         missing_material=missing_material if record else {},
                         ends_before_start=record is not None and at < record.started_at,
                         completed_by=_who_when(done[-1].completed_by, done[-1].completed_at) if done and not record
                         else None).raise_if_refused("complete_refused")
    record.status, record.completed_at, record.completed_by_id = "complete", at, user.id
    record.cycle_minutes = round((at - record.started_at).total_seconds() / 60.0, 3)
    session.flush()
    before = unit.status
    if _progress(unit, records).next_operation is None:
        unit.status, unit.completed_at = "complete", at
    audit.record(session, actor=operator, action="operation.completed", record_type="unit", record_id=serial,
                 before={"status": before},
                 after={"operation": op.sequence, "attempt": record.attempt, "cycle_minutes": record.cycle_minutes,
                        "status": unit.status})
    return record


# ---------------------------------------------------------------- measurements

def find_characteristic(unit: Unit, code: str) -> tuple[Operation, Characteristic]:
    for op in _operations(unit):
        for c in op.characteristics:
            if c.code.lower() == code.strip().lower():
                return op, c
    raise NotFound("characteristic_not_found", f"{unit.serial}'s routing has no characteristic {code}")


def hold_unit(session: Session, unit: Unit, *, reason: str, actor_id: int, actor: str,
              record: OperationRecord | None = None, measurement_id: int | None = None, ncr=None,
              at: datetime | None = None) -> Hold:
    """Put the unit on hold with its NCR: the one raised by hand (`ncr`), or, for an out-of-spec
    value or failed test, one raised here. Only the NCR's disposition releases the hold."""
    from lrip.nonconformance import service as nonconformance  # it builds on this module

    at = at or utcnow()
    if ncr is None:
        ncr = nonconformance.raise_for_hold(session, unit=unit, reason=reason, actor_id=actor_id, actor=actor,
                                            record=record, measurement_id=measurement_id, at=at)
    hold = Hold(unit_id=unit.id, operation_record_id=record.id if record else None, measurement_id=measurement_id,
                reason=reason, opened_at=at, opened_by_id=actor_id, ncr_id=ncr.id)
    session.add(hold)
    before = unit.status
    unit.status = "on_hold"
    session.flush()
    audit.record(session, actor=actor, action="unit.held", record_type="unit", record_id=unit.serial,
                 before={"status": before}, after={"status": "on_hold", "hold": hold.id}, reason=reason)
    return hold


@dataclass
class MeasurementResult:
    measurement: Measurement
    hold: Hold | None


@transactional
def record_measurement(session: Session, *, serial: str, characteristic: str, result: str, operator: str,
                       gauge: str | None = None, at: datetime | None = None) -> MeasurementResult:
    """Record a value or pass/fail; out of spec or failed puts the unit on hold with the reason."""
    unit = get_unit(session, serial, lock=True)
    op, char = find_characteristic(unit, characteristic)
    user, _ = _operator(session, operator)
    view = _characteristic_view(char)
    record = next((r for r in _records(session, unit) if r.operation_id == op.id and r.status == "in_work"), None)
    reasons = list(rules.check_measure(serial=serial, unit_status=unit.status, step=_step(op),
                                       record_open=record is not None).reasons)
    try:
        value, passed = rules.parse_result(view, str(result))
    except ValueError as exc:  # unreadable input is invalid (422), not a rule's refusal
        raise Invalid("measurement_invalid", reasons + [str(exc)]) from None
    verdict(reasons).raise_if_refused("measurement_refused")
    problem = rules.evaluate(view, value, passed)
    m = Measurement(unit_id=unit.id, characteristic_id=char.id, operation_record_id=record.id, value=value,
                    passed=passed, in_spec=problem is None, gauge=gauge, recorded_at=at or utcnow(),
                    recorded_by_id=user.id, source="manual")
    session.add(m)
    session.flush()
    audit.record(session, actor=operator, action="measurement.recorded", record_type="unit", record_id=serial,
                 after={"characteristic": char.code, "value": value, "passed": passed, "in_spec": problem is None,
                        "gauge": gauge})
    hold = None
    if problem:
        hold = hold_unit(session, unit, reason=problem, actor_id=user.id, actor=operator, record=record,
                         measurement_id=m.id, at=m.recorded_at)
    return MeasurementResult(m, hold)


# ---------------------------------------------------------------- consumption

def _find_material(session: Session, identifier: str, *, lock: bool) -> MaterialLot | Unit:
    child = session.execute(select(Unit).filter_by(serial=identifier)).scalar_one_or_none()
    if child is not None:
        return child
    query = select(MaterialLot).filter_by(lot_number=identifier)
    lot = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if lot is None:
        raise NotFound("material_not_found", f"No material lot or serial {identifier}")
    return lot


@transactional
def consume(session: Session, *, serial: str, operation: str | int, identifier: str, quantity: float | None = None,
            operator: str | None = None, at: datetime | None = None) -> Consumption:
    """Build a lot's quantity or a child serial into the unit: one genealogy link."""
    unit = get_unit(session, serial, lock=True)
    op = find_operation(unit, operation)
    record = next((r for r in _records(session, unit) if r.operation_id == op.id and r.status == "in_work"), None)
    material = _find_material(session, identifier, lock=True)
    is_child = isinstance(material, Unit)
    view = _child_view(material) if is_child else _material_view(session, material)
    bom = _bom_at(session, unit, op)
    already = _consumed_at(session, unit, op).get(view.part_number, 0.0)
    if quantity is None:
        quantity = 1.0 if is_child else max(bom.get(view.part_number, 0.0) - already, 0.0) or 1.0
    used_in = None
    if is_child:
        link = session.execute(select(Consumption).filter_by(child_unit_id=material.id)).scalars().first()
        used_in = link.operation_record.unit.serial if link else None
    rules.check_consume(serial=serial, unit_status=unit.status, step=_step(op), record_open=record is not None,
                        material=view, quantity=float(quantity), bom=bom, already=already, policy=_policy(session, unit),
                        child_already_used_in=used_in).raise_if_refused("consume_refused")
    username = operator or record.started_by.username
    user = get_user(session, username)
    link = Consumption(unit_id=unit.id, operation_record_id=record.id, quantity=float(quantity),
                       material_lot_id=None if is_child else material.id, child_unit_id=material.id if is_child else None,
                       consumed_at=at or utcnow(), consumed_by_id=user.id)
    session.add(link)
    if not is_child:
        material.quantity_on_hand -= float(quantity)
    session.flush()
    audit.record(session, actor=username, action="material.consumed", record_type="unit", record_id=serial,
                 after={"operation": op.sequence, "material": identifier, "quantity": float(quantity),
                        "on_hand_after": None if is_child else material.quantity_on_hand})
    return link


# ---------------------------------------------------------------- holds

@transactional
def disposition_hold(session: Session, *, serial: str, action: str, actor: str, reason: str,
                     rework_to: str | int | None = None, ncr=None) -> Unit:
    """Release a unit's hold by its NCR's disposition: use as is, repair, rework back to an
    operation, or scrap.

    Called without `ncr` (the `lrip disposition` command, the unit's disposition endpoint),
    it dispositions the NCR holding the unit through MRB (lrip.nonconformance.service.disposition,
    which asks for the phase policy's signatures). Called by that service with `ncr`, after its
    checks, it does the release: that NCR's holds, and the unit's status if nothing else holds it."""
    if ncr is None:
        from lrip.nonconformance import service as nonconformance

        unit = get_unit(session, serial, lock=True)
        numbers = nonconformance.open_ncr_for_unit(session, serial)
        if not numbers:
            raise Refused("disposition_refused", f"{serial} is not on hold")
        if len(numbers) > 1:
            raise Refused("disposition_refused", f"{serial} is held by {len(numbers)} NCRs ({', '.join(numbers)}); "
                                                 "disposition each one (lrip ncr disposition NUMBER)")
        nonconformance.disposition(session, number=numbers[0], actor=actor, action=action, reason=reason,
                                   rework_to=rework_to)
        return unit
    unit = get_unit(session, serial, lock=True)
    user = get_user(session, actor)
    records = _records(session, unit)
    rework_op = find_operation(unit, rework_to) if action == "rework" and rework_to is not None else None
    now = utcnow()
    open_holds = session.execute(select(Hold).filter_by(unit_id=unit.id, released_at=None)).scalars().all()
    for hold in open_holds:
        if hold.ncr_id == ncr.id or action == "scrap":
            hold.released_at, hold.released_by_id, hold.disposition, hold.disposition_note = now, user.id, action, reason
    still_held = any(h.released_at is None for h in open_holds)
    before = unit.status
    if action == "scrap":
        new_status = "scrapped"
        for r in records:
            if r.status == "in_work":
                r.status = "stopped"
    else:
        if rework_op is not None:
            for r in records:
                if r.operation.sequence >= rework_op.sequence and r.status in ("complete", "in_work"):
                    r.status = "reworked"
            unit.completed_at = None
        if still_held:
            new_status = "on_hold"
        elif records and _progress(unit, records).next_operation is None and rework_op is None:
            new_status = "complete"
        else:
            new_status = "in_work" if records else "planned"
    unit.status = new_status
    audit.record(session, actor=actor, action="unit.dispositioned", record_type="unit", record_id=serial,
                 before={"status": before},
                 after={"status": new_status, "disposition": action,
                        "rework_to": rework_op.sequence if rework_op else None}, reason=reason)
    return unit


# ---------------------------------------------------------------- reading

def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def traveler(session: Session, serial: str) -> dict:
    """The unit's as-built record, and what blocks its next step, as plain data."""
    unit = get_unit(session, serial)
    lot = unit.lot
    records = _records(session, unit)
    progress = _progress(unit, records)
    ids = [r.id for r in records]
    measurements = session.execute(select(Measurement).where(Measurement.operation_record_id.in_(ids))
                                   .order_by(Measurement.id)).scalars().all() if ids else []
    links = session.execute(select(Consumption).where(Consumption.operation_record_id.in_(ids))
                            .order_by(Consumption.id)).scalars().all() if ids else []
    operations = []
    for op in _operations(unit):
        attempts = []
        for r in (r for r in records if r.operation_id == op.id):
            attempts.append({
                "attempt": r.attempt, "status": r.status,
                "started_at": _iso(r.started_at), "started_by": r.started_by.username,
                "completed_at": _iso(r.completed_at), "completed_by": r.completed_by.username if r.completed_by else None,
                "cycle_minutes": r.cycle_minutes, "tools": [t.code for t in r.tools],
                "instruction": r.document_revision.label if r.document_revision else None,
                "measurements": [_measurement_row(m) for m in measurements if m.operation_record_id == r.id],
                "consumed": [_consumption_row(c) for c in links if c.operation_record_id == r.id],
            })
        done = any(a["status"] == "complete" for a in attempts)
        in_work = progress.open_record is not None and progress.open_record.operation_id == op.id
        operations.append({
            "sequence": op.sequence, "name": op.name, "work_center": op.work_center.code,
            "standard_minutes": op.standard_minutes,
            "instruction": op.document_revision.label if op.document_revision else None,
            "instruction_status": op.document_revision.status if op.document_revision else None,
            "required_tool_kinds": list(op.required_tool_kinds or []), "required_skill": op.required_skill,
            "characteristics": [{"code": c.code, "name": c.name, "kind": c.kind, "nominal": c.nominal, "lsl": c.lsl,
                                 "usl": c.usl, "units": c.units, "key": c.key, "required": need.required,
                                 "inspection": need.why}
                                for c, need in zip(op.characteristics, _inspection(session, unit, op))],
            "materials": [{"part": p, "quantity": q} for p, q in sorted(_bom_at(session, unit, op).items())],
            "status": "in_work" if in_work else "complete" if done else "pending",
            "attempts": attempts,
        })
    holds = session.execute(select(Hold).filter_by(unit_id=unit.id).order_by(Hold.id)).scalars().all()
    return {
        "serial": unit.serial, "status": unit.status, "lot": lot.number, "phase": lot.phase,
        "program": lot.program.code, "part": lot.routing.part_revision.part.number,
        "part_revision": lot.routing.part_revision.revision, "routing_revision": lot.routing.revision,
        "created_at": _iso(unit.created_at), "completed_at": _iso(unit.completed_at),
        "holds": [{"id": h.id, "reason": h.reason, "opened_at": _iso(h.opened_at), "open": h.released_at is None,
                   "ncr_id": h.ncr_id, "disposition": h.disposition, "disposition_note": h.disposition_note,
                   "released_at": _iso(h.released_at)} for h in holds],
        "operations": operations,
        "next": _next_step(session, unit, progress),
    }


def _measurement_row(m: Measurement) -> dict:
    c = m.characteristic
    return {"characteristic": c.code, "name": c.name, "kind": c.kind, "value": m.value, "passed": m.passed,
            "lsl": c.lsl, "usl": c.usl, "units": c.units, "key": c.key, "in_spec": m.in_spec, "gauge": m.gauge,
            "recorded_by": m.recorded_by.username, "recorded_at": _iso(m.recorded_at), "source": m.source}


def _consumption_row(c: Consumption) -> dict:
    if c.material_lot is not None:
        lot = c.material_lot
        return {"kind": "serial" if lot.part.tracking == "serial" else "lot", "identifier": lot.lot_number,
                "part": lot.part.number, "quantity": c.quantity, "supplier": lot.supplier.code if lot.supplier else None}
    child = c.child_unit
    return {"kind": "unit", "identifier": child.serial, "part": child.lot.program.part_revision.part.number,
            "quantity": c.quantity, "supplier": None}


def _next_step(session: Session, unit: Unit, progress: Progress) -> dict | None:
    """The next thing to do on the unit and every reason it cannot be done now, if any."""
    if progress.open_record is not None:
        op = progress.open_record.operation
        missing_chars, missing_material = _missing(session, unit, op, progress.open_record)
        decision = rules.check_complete(serial=unit.serial, unit_status=unit.status, step=_step(op), record_open=True,
                                        missing_characteristics=missing_chars, missing_material=missing_material)
        return {"action": "complete", "sequence": op.sequence, "name": op.name, "blocked_by": list(decision.reasons)}
    if progress.next_operation is None or unit.status == "scrapped":
        return None
    op = progress.next_operation
    decision = _start_verdict(session, unit, op, progress, operator=None, tools=None, today=utcnow().date())
    return {"action": "start", "sequence": op.sequence, "name": op.name, "blocked_by": list(decision.reasons)}


def list_units(session: Session, lot: str, *, status: str | None = None) -> list[dict]:
    lot_row = get_lot(session, lot)
    query = select(Unit).where(Unit.lot_id == lot_row.id).order_by(Unit.id)
    if status:
        query = query.where(Unit.status == status)
    units = session.execute(query).scalars().all()
    at = _current_operations(session, [u.id for u in units])
    holds = dict(session.execute(select(Hold.unit_id, Hold.reason).where(
        Hold.unit_id.in_([u.id for u in units]), Hold.released_at.is_(None))).all()) if units else {}
    return [{"serial": u.serial, "status": u.status, "operation": at.get(u.id), "hold_reason": holds.get(u.id),
             "created_at": _iso(u.created_at), "completed_at": _iso(u.completed_at)} for u in units]


def _current_operations(session: Session, unit_ids: list[int]) -> dict[int, str]:
    """Each unit's operation in work, in one query."""
    if not unit_ids:
        return {}
    rows = session.execute(select(OperationRecord.unit_id, Operation.sequence, Operation.name).join(Operation).where(
        OperationRecord.unit_id.in_(unit_ids), OperationRecord.status == "in_work")).all()
    return {unit_id: f"{seq} {name}" for unit_id, seq, name in rows}


# ---------------------------------------------------------------- bulk import

IMPORT_COLUMNS = ("serial", "operation", "characteristic", "value", "recorded_at", "operator", "gauge")
MEASUREMENT_COLUMNS = ("unit_id", "characteristic_id", "operation_record_id", "value", "passed", "in_spec", "gauge",
                       "recorded_at", "recorded_by_id", "source")


def _chunks(items: list, size: int = 900):
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class ImportResult:
    rows: int
    units: int
    out_of_spec: int
    holds: list[dict]
    sha256: str


@transactional
def import_measurements(session: Session, *, text: str, actor: str, source: str = "measurements.csv") -> ImportResult:
    """Import test-station results. One transaction: any bad row and nothing is written;
    the refusal lists every bad row by its line number and why."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise Invalid("import_invalid", f"{source}: the header lacks column(s) {', '.join(missing)}; "
                      f"expected {', '.join(IMPORT_COLUMNS)}")
    col = {name: header.index(name) for name in IMPORT_COLUMNS}
    pick = itemgetter(*(col[name] for name in IMPORT_COLUMNS))
    lines = [(n, row) for n, row in enumerate(reader, start=2) if any(row)]
    if not lines:
        raise Invalid("import_invalid", f"{source} has no rows")

    # Everything the rows refer to is read once, as plain tuples: the loop below runs per row.
    serials = sorted({row[col["serial"]].strip() for _, row in lines if len(row) == len(header)})
    units: dict[str, tuple[int, str, int]] = {}  # serial -> (unit id, status, routing id)
    for chunk in _chunks(serials):
        query = select(Unit.serial, Unit.id, Unit.status, Lot.routing_id).join(Lot).where(Unit.serial.in_(chunk))
        for serial, unit_id, status, routing_id in session.execute(query.with_for_update(of=Unit)):
            units[serial] = (unit_id, status, routing_id)
    chars = {}  # (routing id, code) -> (characteristic id, its view, operation id, sequence, name)
    for routing_id in {u[2] for u in units.values()}:
        for op in session.get(Routing, routing_id).operations:
            for c in op.characteristics:
                chars[(routing_id, c.code.lower())] = (c.id, _characteristic_view(c), op.id, op.sequence, op.name)
    open_records = {}
    for chunk in _chunks([u[0] for u in units.values()]):
        for rec_id, unit_id, op_id in session.execute(select(
                OperationRecord.id, OperationRecord.unit_id, OperationRecord.operation_id).where(
                OperationRecord.unit_id.in_(chunk), OperationRecord.status == "in_work")):
            open_records[(unit_id, op_id)] = rec_id
    users = {name: (uid, active) for uid, name, active in session.execute(select(User.id, User.username, User.active))}
    now = utcnow()

    errors, good, bad_spec = [], [], []
    width = len(header)
    for line, row in lines:
        if len(row) != width:
            errors.append(f"line {line}: {len(row)} fields, the header has {width}")
            continue
        reasons = []
        serial, opname, code, raw, when, who, gauge = [cell.strip() for cell in pick(row)]
        unit = units.get(serial)
        found = value = passed = record_id = None
        if unit is None:
            reasons.append(f"no unit with serial '{serial}'")
        elif unit[1] in ("scrapped", "complete"):
            reasons.append(f"{serial} {rules.BLOCKED_STATUSES[unit[1]]}")
        else:
            found = chars.get((unit[2], code.lower()))
            if found is None:
                reasons.append(f"{serial}'s routing has no characteristic '{code}'")
        if found:
            char_id, view, op_id, sequence, op_name = found
            record_id = open_records.get((unit[0], op_id))
            if opname != str(sequence) and opname.lower() != op_name.lower():
                reasons.append(f"{view.code} is measured at operation {sequence} ({op_name}), not '{opname}'")
            elif record_id is None:
                reasons.append(f"operation {sequence} ({op_name}) is not in work on {serial}")
            try:
                value, passed = rules.parse_result(view, raw)
            except ValueError as exc:
                reasons.append(str(exc))
        try:
            at = datetime.fromisoformat(when)
            if at.tzinfo is None:
                reasons.append(f"recorded_at '{when}' has no time zone; write it like 2026-03-01T14:05:00Z")
            elif at > now:
                reasons.append(f"recorded_at '{when}' is in the future")
        except ValueError:
            reasons.append(f"recorded_at '{when}' is not an ISO 8601 date and time")
        user = users.get(who)
        if user is None:
            reasons.append(f"no user '{who}'")
        elif not user[1]:
            reasons.append(f"user '{who}' is disabled")
        if reasons:
            errors.append(f"line {line}: " + "; ".join(reasons))
            continue
        problem = rules.evaluate(view, value, passed)
        values = (unit[0], char_id, record_id, value, passed, problem is None, gauge or None, at, user[0], "import")
        if problem:
            bad_spec.append((values, problem, serial, who, line))
        else:
            good.append(values)
    if errors:
        raise Invalid("import_refused", [f"{source}: {len(errors)} bad row(s) of {len(lines)}; nothing was imported"]
                      + errors)

    for chunk in _chunks(good, 5000):
        insert_many(session, Measurement.__table__, MEASUREMENT_COLUMNS, chunk)
    holds = []
    for values, problem, serial, who, line in bad_spec:
        m = Measurement(**dict(zip(MEASUREMENT_COLUMNS, values)))
        session.add(m)
        session.flush()
        hold = hold_unit(session, get_unit(session, serial), reason=problem, actor_id=m.recorded_by_id,
                         actor=who, record=session.get(OperationRecord, m.operation_record_id), measurement_id=m.id)
        holds.append({"serial": serial, "line": line, "reason": problem, "hold": hold.id})
    digest = hashlib.sha256(text.encode()).hexdigest()
    unit_count = len({v[0] for v in good} | {b[0][0] for b in bad_spec})
    audit.record(session, actor=actor, action="measurements.imported", record_type="import", record_id=digest[:16],
                 after={"file": source, "sha256": digest, "rows": len(lines), "out_of_spec": len(bad_spec),
                        "units": unit_count})
    return ImportResult(rows=len(lines), units=unit_count, out_of_spec=len(bad_spec), holds=holds, sha256=digest)


def search_units(session: Session, *, lot: str | None = None, status: str | None = None,
                 operation: int | None = None, since: datetime | None = None, until: datetime | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Units filtered by lot, status, operation in work and creation time; a page and the total."""
    query = select(Unit).join(Lot)
    if lot:
        query = query.where(Lot.number == lot)
    if status:
        query = query.where(Unit.status == status)
    if operation is not None:
        query = query.where(Unit.id.in_(select(OperationRecord.unit_id).join(Operation).where(
            OperationRecord.status == "in_work", Operation.sequence == operation)))
    if since:
        query = query.where(Unit.created_at >= since)
    if until:
        query = query.where(Unit.created_at < until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    units = session.execute(query.order_by(Unit.id).limit(limit).offset(offset)).scalars().all()
    at = _current_operations(session, [u.id for u in units])
    return [{"serial": u.serial, "lot": u.lot.number, "status": u.status, "operation": at.get(u.id),
             "created_at": _iso(u.created_at), "completed_at": _iso(u.completed_at)} for u in units], total


def search_operation_records(session: Session, *, lot: str | None = None, operation: int | None = None,
                             serial: str | None = None, since: datetime | None = None, until: datetime | None = None,
                             limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Operation records (who did what, when, how long) filtered by lot, operation, unit and start time."""
    query = select(OperationRecord).join(Unit).join(Lot).join(Operation, OperationRecord.operation_id == Operation.id)
    if lot:
        query = query.where(Lot.number == lot)
    if operation is not None:
        query = query.where(Operation.sequence == operation)
    if serial:
        query = query.where(Unit.serial == serial)
    if since:
        query = query.where(OperationRecord.started_at >= since)
    if until:
        query = query.where(OperationRecord.started_at < until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    records = session.execute(query.order_by(OperationRecord.id).limit(limit).offset(offset)).scalars().all()
    return [record_row(r) for r in records], total


def record_row(r: OperationRecord) -> dict:
    return {"serial": r.unit.serial, "operation": r.operation.sequence, "name": r.operation.name,
            "attempt": r.attempt, "status": r.status, "started_at": _iso(r.started_at),
            "started_by": r.started_by.username, "completed_at": _iso(r.completed_at),
            "completed_by": r.completed_by.username if r.completed_by else None, "cycle_minutes": r.cycle_minutes,
            "tools": [t.code for t in r.tools],
            "instruction": r.document_revision.label if r.document_revision else None}
