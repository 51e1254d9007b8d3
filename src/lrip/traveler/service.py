"""The traveler: a unit's as-built record (every attempt at every operation, with its results and the
material built in), its holds and their NCRs, what each operation inspects on this unit and why, and
what blocks its next step. A read model over execution, nonconformance and inspection, in a handful of
statements whatever the routing's length: the unit's context is one (lrip.execution.service.unit_context),
its results, its holds and its worked intervals one each."""
from __future__ import annotations

from sqlalchemy import literal, null, select, union_all
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, query
from lrip.auth.models import User
from lrip.catalog.models import Characteristic, Document, DocumentRevision
from lrip.db import utcnow
from lrip.execution.models import Measurement, OperationRecord, WorkInterval
from lrip.execution.rules import RecordStatus, WorkClock
from lrip.execution.service import Material, UnitContext, instruction_of, next_step, unit_context
from lrip.execution.setup import Step
from lrip.inspection.plans import requirements
from lrip.nonconformance.ncr import holds_of
from lrip.traveler.schemas import (Attempt, ConsumedRow, Instruction, Limit, MaterialNeed, MeasurementRow, Traveler,
                                   TravelerOperation, WorkedInterval)


def _consumed(m: Material) -> ConsumedRow:
    kind = "unit" if m.view.child_unit else "serial" if m.tracking == "serial" else "lot"
    return ConsumedRow(kind=kind, identifier=m.view.identifier, part=m.view.part_number, revision=m.view.revision,
                       quantity=m.quantity, supplier=m.view.supplier, use_as_is=m.view.use_as_is)


def _results(session: Session, ctx: UnitContext) -> dict[int, list[MeasurementRow]]:
    """Every result on the unit, by operation record, oldest first."""
    by_record: dict[int, list[MeasurementRow]] = {}
    for m, c, who in session.execute(
            select(Measurement, Characteristic, User.username)
            .join(Characteristic, Characteristic.id == Measurement.characteristic_id)
            .join(User, User.id == Measurement.recorded_by_id)
            .where(Measurement.unit_id == ctx.unit.id).order_by(Measurement.id)):
        by_record.setdefault(m.operation_record_id, []).append(MeasurementRow(
            id=m.id, characteristic=c.code, name=c.name, kind=c.kind, value=m.value, passed=m.passed, lsl=c.lsl, usl=c.usl,
            units=c.units, key=c.key, in_spec=m.in_spec, gauge=m.gauge, recorded_by=who, recorded_at=m.recorded_at,
            source=m.source))
    return by_record


def _intervals(session: Session, ctx: UnitContext) -> tuple[dict[int, list[WorkedInterval]], dict[int, str]]:
    """Every worked interval on the unit by operation record, oldest first (the attempt in work's open one
    last, while it is being worked), and who works each attempt in work now: one statement."""
    closed = (select(WorkInterval.id, WorkInterval.operation_record_id, User.username, WorkInterval.started_at,
                     WorkInterval.ended_at, WorkInterval.ended, WorkInterval.reason)
              .join(User, User.id == WorkInterval.worked_by_id)
              .join(OperationRecord, OperationRecord.id == WorkInterval.operation_record_id)
              .where(OperationRecord.unit_id == ctx.unit.id))
    current = (select(literal(None).label("id"), OperationRecord.id, User.username, OperationRecord.clock_since, null(),
                      OperationRecord.clock, null())
               .join(User, User.id == OperationRecord.worked_by_id)
               .where(OperationRecord.unit_id == ctx.unit.id, OperationRecord.status == RecordStatus.IN_WORK))
    by_record: dict[int, list[WorkedInterval]] = {}
    workers: dict[int, str] = {}
    for interval_id, record_id, who, started, ended_at, ended, reason in session.execute(union_all(closed, current)):
        if interval_id is None:
            workers[record_id] = who
            if ended != WorkClock.WORKING:
                continue
            ended = None  # the open interval
        by_record.setdefault(record_id, []).append(WorkedInterval(worked_by=who, started_at=started, ended_at=ended_at,
                                                                  ended=ended, reason=reason))
    for rows in by_record.values():
        rows.sort(key=lambda i: (i.ended_at is None, i.started_at))
    return by_record, workers


def _operation(session: Session, ctx: UnitContext, step: Step, results, inspection, intervals) -> TravelerOperation:
    attempts = [Attempt(
        attempt=r.attempt, status=r.status, started_at=r.started_at, started_by=ctx.people[r.started_by_id],
        completed_at=r.completed_at, completed_by=ctx.people.get(r.completed_by_id), cycle_minutes=r.cycle_minutes,
        tools=ctx.tools.get(r.id, []), instruction=instruction_of(session, step, r.document_revision_id),
        measurements=results.get(r.id, []), consumed=[_consumed(m) for m in ctx.material if m.record_id == r.id],
        intervals=intervals[0].get(r.id, []), worked_by=intervals[1].get(r.id), clock=r.clock,
        clock_since=r.clock_since, worked_minutes=r.worked_minutes)
        for r in ctx.records if r.operation_id == step.id]
    statuses = {a.status for a in attempts}
    needs = {n.code: n for n in inspection}
    return TravelerOperation(
        sequence=step.sequence, name=step.name, work_center=step.work_center, standard_minutes=step.standard_minutes,
        instruction=step.instruction, instruction_status=step.instruction_status,
        required_tool_kinds=list(step.required_tool_kinds), required_skill=step.required_skill,
        characteristics=[Limit(code=c.code, name=c.name, kind=c.kind, nominal=c.nominal, lsl=c.lsl, usl=c.usl,
                               units=c.units, key=c.key, required=needs[c.code].required, inspection=needs[c.code].why)
                         for c in step.characteristics],
        materials=[MaterialNeed(part=p, quantity=q) for p, q in step.materials],
        status=RecordStatus.IN_WORK if RecordStatus.IN_WORK in statuses
        else RecordStatus.COMPLETE if RecordStatus.COMPLETE in statuses else "pending",
        attempts=attempts)


@query()
def traveler(session: Session, actor: Actor, *, serial: str) -> Traveler:
    """The unit's as-built record, and what blocks its next step; a record read here that differs from its
    last state in the audit trail (the unit, an attempt, a result, a hold) is named unverified."""
    ctx = unit_context(session, serial)
    unit, setup = ctx.unit, ctx.setup
    results, inspection, intervals = _results(session, ctx), requirements(session, ctx), _intervals(session, ctx)
    holds = holds_of(session, unit.id)
    unverified = audit.unverified_records(session, {
        "unit": [unit.id], "operation_record": [r.id for r in ctx.records], "hold": [h.id for h in holds],
        "measurement": [m.id for rows in results.values() for m in rows]})
    changed = {u.id for u in unverified if u.record_type == "measurement"}
    for m in (m for rows in results.values() for m in rows if m.id in changed):
        m.verified = False
    return Traveler(
        serial=unit.serial, status=unit.status, lot=ctx.lot, position=unit.position, phase=ctx.phase,
        program=ctx.program, part=setup.part, part_revision=setup.part_revision, routing_revision=setup.revision,
        created_at=unit.created_at, completed_at=unit.completed_at, holds=holds,
        operations=[_operation(session, ctx, s, results, inspection[s.sequence], intervals) for s in setup.steps],
        next=next_step(ctx, utcnow().date()), unverified=[u.words for u in unverified])


@query()
def instruction(session: Session, actor: Actor, *, serial: str, operation: int) -> Instruction | None:
    """The text of the work instruction an operation of the unit's routing is done to (None: it has none)."""
    ctx = unit_context(session, serial)
    step = ctx.setup.step(operation, ctx.unit.serial)
    if step.document_revision_id is None:
        return None
    title, content = session.execute(select(Document.title, DocumentRevision.content)
                                     .join(Document, Document.id == DocumentRevision.document_id)
                                     .where(DocumentRevision.id == step.document_revision_id)).one()
    return Instruction(label=step.instruction, status=step.instruction_status, title=title, content=content)
