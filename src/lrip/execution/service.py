"""Shop-floor use cases: units, operations, measurements and consumption (the measurement import is
lrip.execution.imports); and
the plain functions nonconformance calls to hold a unit and to release it by the MRB's disposition.

Every use case reads the unit's whole context in one statement (`unit_context`): the unit, its lot,
every operation record with who did it, its tools and the characteristics it has results for, every
consumption with what the material is, and the setup version, which says whether the routing and the
phase policy kept in memory (lrip.execution.setup) are still right. So starting an operation,
recording a result or completing one takes at most eight statements, the audit trail's three included.
Within one unit of work the context is read once and kept right by the floor's own use cases, until
anything else writes (lrip.execution.kept): a station's several actions on a unit cost one read.

A station may post in one submit the results of an operation (`record_results`), a kit of material
(`consume_materials`), or a whole operation done (`record_operation`: start, material, results,
completion), each step checked by the rules of its own action: fewer round trips and audit events for
the same records, which is how the demo builds its ramp.

A use case that changes a unit locks it before it reads it (`_lock`), so two operators acting on one
unit at the same moment are served one after the other and the second sees what the first did:
SQLite's BEGIN IMMEDIATE has serialised the writers already; on PostgreSQL a SELECT ... FOR UPDATE of
its own comes first, because a statement that waits for a row lock still reads the other rows as they
were when it began.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import (ColumnElement, String, and_, bindparam, cast, exists, func, insert, null, or_, select,
                        true)
from sqlalchemy.orm import Session, aliased

from lrip import audit, events
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import User
from lrip.auth.permissions import check as check_permission
from lrip.catalog.models import (Characteristic, Document, DocumentRevision, Operation, Part, PartRevision,
                                 Qualification, Routing, SetupVersion, Tool)
from lrip.catalog.rules import as_identifier
from lrip.db import get_one, is_postgres, utcnow
from lrip.errors import Invalid, NotFound, Verdict, verdict
from lrip.execution import rules
from lrip.execution.events import HoldPlaced, OutOfSpec
from lrip.execution.gauges import gauges
from lrip.execution.kept import KEEP_AT_MOST, floor_reads, floor_use_case, locked
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit, WorkInterval, operation_tool
from lrip.execution.rules import IntervalEnd, RecordStatus, UnitStatus, WorkClock
from lrip.execution.schemas import (Consumed, MaterialsConsumed, MeasurementRecorded, NextStep, OperationRecordOut,
                                    OperationRecordPage, OperationRecorded, ResultsRecorded, UnitPage, UnitRow,
                                    UnitsCreated)
from lrip.execution.setup import Setup, Spec, Step, policy_of, setup_of
from lrip.program import rules as program_rules
from lrip.program.models import Lot, Program
from lrip.program.service import get_lot, lrip_units, note_unit_created, policy_for
from lrip.supply.models import ApprovedSource, MaterialLot, Supplier


# ---------------------------------------------------------------- a unit's context

@dataclass(frozen=True)
class Material:
    """One consumption into the unit: at which operation record, how much, and what it was."""

    record_id: int
    quantity: float
    view: rules.MaterialView
    tracking: str | None  # the material lot's part: serial | lot; None for a child unit


@dataclass
class UnitContext:
    """Everything a shop-floor action or the traveler knows about a unit, from one statement."""

    unit: Unit
    lot: str
    phase: str
    program: str
    sample: dict | None  # the lot's FRP inspection sample (lrip.inspection decides it)
    configuration: dict | None  # the part revisions implemented changes pinned the lot to (program.models.Lot)
    setup: Setup
    policy: program_rules.Policy
    records: list[OperationRecord]  # every attempt, oldest first
    people: dict[int, str]  # who started or completed them: user id -> username
    tools: dict[int, list[str]]  # the tools each attempt was done with, by record id
    measured: dict[int, set[int]]  # the characteristics each attempt has results for, by record id
    material: list[Material]
    qualification: date | None = None  # the acting operator's, for the operation asked about, when asked: expiry
    qualified_from: date | None = None  # and the day it was granted

    def open_record(self, step: Step | None = None) -> OperationRecord | None:
        """The attempt in work (at `step`, when given)."""
        return next((r for r in self.records if r.status == RecordStatus.IN_WORK
                     and (step is None or r.operation_id == step.id)), None)

    def next_step(self) -> Step | None:
        """The first operation not yet complete."""
        done = {r.operation_id for r in self.records if r.status == RecordStatus.COMPLETE}
        return next((s for s in self.setup.steps if s.id not in done), None)

    def who_when(self, user_id: int | None, at: datetime | None) -> str:
        return f"{self.people.get(user_id, '?')} at {at:%Y-%m-%d %H:%M} UTC" if at else ""

    def required(self, step: Step) -> list[Spec]:
        """What the phase's inspection requires on this unit at this operation."""
        views = rules.required_characteristics(self.policy, [c.view for c in step.characteristics],
                                               (self.sample or {}).get(str(step.sequence)), self.unit.position)
        codes = {v.code for v in views}
        return [c for c in step.characteristics if c.code in codes]

    def consumed_at(self, step: Step) -> dict[str, float]:
        """What of each part the unit has consumed at this operation, over every attempt."""
        at_step = {r.id for r in self.records if r.operation_id == step.id}
        totals: dict[str, float] = {}
        for m in self.material:
            if m.record_id in at_step:
                totals[m.view.part_number] = totals.get(m.view.part_number, 0.0) + m.quantity
        return totals

    def missing(self, step: Step, record: OperationRecord) -> tuple[list[rules.CharacteristicView], dict[str, float]]:
        """The characteristics still without a result on this attempt, and the material still to consume."""
        consumed, measured = self.consumed_at(step), self.measured.get(record.id, set())
        material = {part: qty - consumed.get(part, 0.0) for part, qty in step.materials
                    if qty - consumed.get(part, 0.0) > 1e-9}
        return [c.view for c in self.required(step) if c.id not in measured], material

    def operator(self, actor: Actor, step: Step) -> rules.OperatorView:
        """The signed-in person as the rules see them (active: they signed in), with the qualification the
        context read for the step's skill (`qualified` or `measuring`)."""
        skill = step.required_skill
        return rules.OperatorView(actor.username, True, {skill: self.qualification} if skill and self.qualification else {},
                                  {skill: self.qualified_from} if skill and self.qualified_from else {})

    def builds_with(self, part: str) -> tuple[str | None, str | None]:
        """The revision of `part` this unit is built with, and why: the last step of its lot's pinned
        configuration that its serial reaches, else the part's released revision (None: none is released)."""
        reached = [step for step in (self.configuration or {}).get(part, ())
                   if step.get("from_serial") is None or self.unit.serial >= step["from_serial"]]
        if not reached:
            return self.setup.released.get(part), None
        step = reached[-1]
        if step.get("from_serial"):
            return step["revision"], f"{step['change']}, from {step['from_serial']} on"
        return step["revision"], f"lot {self.lot} keeps it under {step['change']}"

    def started(self, record: OperationRecord, actor: Actor, tools: list[str]) -> None:
        """A start wrote `record`: the context stays as a fresh read would give it (lrip.execution.kept)."""
        self.records.append(record)
        self.people[actor.id] = actor.username
        self.tools[record.id] = sorted(tools)
        self.measured[record.id] = set()

    def bad_material(self) -> list[str]:
        """Material already in the unit that the policy would not accept now (a lot rejected after use)."""
        return [p for p in (rules.material_problem(m.view, self.policy) for m in self.material) if p]


SETUP_VERSION = select(SetupVersion.version).where(SetupVersion.id == 1).scalar_subquery()


def _qualification(by: str, column) -> ColumnElement:
    """`column` of the acting operator's qualification for the skill the operation asks (found as Setup.step
    finds it, by sequence or name, or as the operation measuring a characteristic), as a column of the
    unit's statement: the operator's check costs no statement of its own."""
    named = func.lower(Operation.name) == bindparam("operation_name")
    which = {"name": named, "sequence": or_(Operation.sequence == bindparam("operation_sequence"), named),
             "characteristic": Operation.id.in_(select(Characteristic.operation_id).where(
                 func.lower(Characteristic.code) == bindparam("characteristic_code")))}[by]
    return (select(column).join(Operation, Operation.required_skill == Qualification.skill)
            .where(Qualification.user_id == bindparam("actor_id"), Operation.routing_id == Lot.routing_id,
                   Qualification.revoked_on.is_(None),  # a revoked qualification is not held
                   which)
            .order_by(Operation.sequence).limit(1).scalar_subquery())


_RECORD_TOOLS = (select(func.aggregate_strings(Tool.code, ",")).join(operation_tool, operation_tool.c.tool_id == Tool.id)
                 .where(operation_tool.c.operation_record_id == OperationRecord.id).scalar_subquery())
_RECORD_RESULTS = (select(func.aggregate_strings(cast(Measurement.characteristic_id, String), ","))
                   .where(Measurement.operation_record_id == OperationRecord.id).scalar_subquery())


@functools.cache
def _context_statement(by_serial: bool, qualified: str | None):
    """The unit's context as one statement, built once per shape: a unit found by serial or by id, with
    the operator's qualification by operation sequence, by name, by characteristic, or none. (Tool codes
    are identifiers, without commas.)"""
    started, completed, child, child_lot = aliased(User), aliased(User), aliased(Unit), aliased(Lot)
    lot_part, lot_revision = aliased(Part), aliased(PartRevision)
    approved = exists().where(ApprovedSource.part_id == MaterialLot.part_id,
                              ApprovedSource.supplier_id == MaterialLot.supplier_id)

    def child_side(column):
        return (select(column).select_from(Part).join(PartRevision, PartRevision.part_id == Part.id)
                .join(Routing, Routing.part_revision_id == PartRevision.id)
                .where(Routing.id == child_lot.routing_id).scalar_subquery())

    return (select(Unit, Lot.number, Lot.phase, Lot.program_id, Lot.routing_id, Lot.inspection_sample,
                   Lot.configuration, Program.code, Program.created_at, Routing.status, Routing.created_at, SETUP_VERSION,
                   _qualification(qualified, Qualification.expires_on) if qualified else null(),
                   _qualification(qualified, Qualification.granted_on) if qualified else null(),
                   OperationRecord, started.username, completed.username, _RECORD_TOOLS, _RECORD_RESULTS,
                   Consumption.quantity, MaterialLot.lot_number, lot_part.number, lot_part.tracking,
                   MaterialLot.status, MaterialLot.quantity_on_hand, Supplier.code, Supplier.status, approved,
                   lot_revision.revision, lot_revision.status, MaterialLot.use_as_is_ncr,
                   child.serial, child.status, child_side(Part.number), child_side(PartRevision.revision))
            .join(Lot, Lot.id == Unit.lot_id).join(Program, Program.id == Lot.program_id)
            .join(Routing, Routing.id == Lot.routing_id)
            .outerjoin(OperationRecord, OperationRecord.unit_id == Unit.id)
            .outerjoin(started, started.id == OperationRecord.started_by_id)
            .outerjoin(completed, completed.id == OperationRecord.completed_by_id)
            .outerjoin(Consumption, Consumption.operation_record_id == OperationRecord.id)
            .outerjoin(MaterialLot, MaterialLot.id == Consumption.material_lot_id)
            .outerjoin(lot_part, lot_part.id == MaterialLot.part_id)
            .outerjoin(lot_revision, lot_revision.id == MaterialLot.part_revision_id)
            .outerjoin(Supplier, Supplier.id == MaterialLot.supplier_id)
            .outerjoin(child, child.id == Consumption.child_unit_id)
            .outerjoin(child_lot, child_lot.id == child.lot_id)
            .where(func.lower(Unit.serial) == bindparam("serial") if by_serial else Unit.id == bindparam("unit_id"))
            .order_by(OperationRecord.id, Consumption.id))


def _read_context(session: Session, *, serial: str | None, unit_id: int | None,
                  qualified: tuple[Actor, str | int] | None,
                  measuring: tuple[Actor, str] | None) -> UnitContext | None:
    """The unit's context from its one statement."""
    params = {"serial": serial.strip().lower()} if serial is not None else {"unit_id": unit_id}
    shape = None
    if measuring:
        who, code = measuring
        shape = "characteristic"
        params |= {"actor_id": who.id, "characteristic_code": code.strip().lower()}
    elif qualified:
        who, operation = qualified
        wanted = str(operation).strip()
        shape = "sequence" if wanted.isdigit() else "name"
        params |= {"actor_id": who.id, "operation_name": wanted.lower()}
        if wanted.isdigit():
            params["operation_sequence"] = int(wanted)
    rows = session.execute(_context_statement(serial is not None, shape), params).all()
    if not rows:
        return None
    (unit, lot, phase, program_id, routing_id, sample, configuration, program, program_created, routing_status,
     routing_created, version, qualification, qualified_from) = rows[0][:14]
    records, people, tools, measured, material = {}, {}, {}, {}, []
    for (record, started_by, completed_by, tool_codes, results, quantity, lot_number, part, tracking, lot_status,
         on_hand, supplier, supplier_status, is_approved, revision, revision_status, use_as_is, child_serial,
         child_status, child_part_number, child_revision) in (row[14:] for row in rows):
        if record is None:
            continue
        if record.id not in records:
            records[record.id] = record
            people[record.started_by_id] = started_by
            if record.completed_by_id is not None:
                people[record.completed_by_id] = completed_by
            tools[record.id] = sorted(tool_codes.split(",")) if tool_codes else []
            measured[record.id] = {int(c) for c in results.split(",")} if results else set()
        if lot_number is not None:
            material.append(Material(record.id, quantity, rules.MaterialView(
                lot_number, part, lot_status, on_hand, supplier, supplier_status, bool(is_approved),
                revision=revision, revision_status=revision_status, use_as_is=use_as_is), tracking))
        elif child_serial is not None:
            material.append(Material(record.id, quantity, rules.MaterialView(
                child_serial, child_part_number, child_status, 1.0, child_unit=True, revision=child_revision), None))
    version = version or 0
    return UnitContext(
        unit=unit, lot=lot, phase=phase, program=program, sample=sample, configuration=configuration,
        setup=setup_of(session, routing_id, status=routing_status, created_at=routing_created, version=version),
        policy=policy_of(session, program_id, phase, program_created_at=program_created, version=version),
        records=list(records.values()), people=people, tools=tools, measured=measured, material=material,
        qualification=qualification, qualified_from=qualified_from)


def _skill_asked(ctx: UnitContext, qualified: tuple[Actor, str | int] | None,
                 measuring: tuple[Actor, str] | None) -> tuple[Actor, str] | None:
    """Whose qualification for which skill the caller asked for (as the statement's column finds it)."""
    try:
        if measuring:
            who, step = measuring[0], ctx.setup.characteristic(measuring[1], ctx.unit.serial)[0]
        elif qualified:
            who, step = qualified[0], ctx.setup.step(qualified[1], ctx.unit.serial)
        else:
            return None
    except NotFound:
        return None
    return (who, step.required_skill) if step.required_skill else None


_QUALIFICATION = select(Qualification.expires_on, Qualification.granted_on).where(
    Qualification.user_id == bindparam("actor_id"), Qualification.skill == bindparam("skill"),
    Qualification.revoked_on.is_(None))


def _load_context(session: Session, *, serial: str | None = None, unit_id: int | None = None,
                  qualified: tuple[Actor, str | int] | None = None,
                  measuring: tuple[Actor, str] | None = None) -> UnitContext | None:
    """The unit's context: read by its statement, or kept from earlier in this transaction (lrip.execution.kept),
    with the qualification asked for (kept too, or one statement)."""
    kept = floor_reads(session)
    ctx = kept["units"].get(serial.strip().lower() if serial is not None else unit_id)
    if ctx is None:
        ctx = _read_context(session, serial=serial, unit_id=unit_id, qualified=qualified, measuring=measuring)
        if ctx is None:
            return None
        if len(kept["units"]) >= KEEP_AT_MOST:
            kept["units"].clear()
        kept["units"][ctx.unit.serial.lower()] = kept["units"][ctx.unit.id] = replace(
            ctx, qualification=None, qualified_from=None)
        asked = _skill_asked(ctx, qualified, measuring)
        if asked:
            kept["qualified"][(asked[0].id, asked[1])] = (ctx.qualification, ctx.qualified_from)
        return ctx
    asked = _skill_asked(ctx, qualified, measuring)
    if asked is None:
        return ctx
    key = (asked[0].id, asked[1])
    if key not in kept["qualified"]:
        kept["qualified"][key] = session.execute(_QUALIFICATION, {"actor_id": key[0], "skill": key[1]}).first() \
            or (None, None)
    expires, granted = kept["qualified"][key]
    return replace(ctx, qualification=expires, qualified_from=granted)


def unit_context(session: Session, serial: str, *, qualified: tuple[Actor, str | int] | None = None,
                 measuring: tuple[Actor, str] | None = None) -> UnitContext:
    """The unit (found regardless of case) and everything the floor knows about it, in one statement
    (none when this unit of work read it already and only the floor wrote since: lrip.execution.kept);
    `qualified=(actor, operation)` also reads the actor's qualification for that operation's skill, and
    `measuring=(actor, characteristic)` for the skill of the operation measuring it. A use case that
    changes the unit locks it first (`_lock`)."""
    found = _load_context(session, serial=serial, qualified=qualified, measuring=measuring)
    if found is None:
        raise NotFound("unit_not_found", f"No unit with serial {serial.strip()}")
    return found


_LOCK_BY_SERIAL = select(Unit.id).where(func.lower(Unit.serial) == bindparam("serial")).with_for_update()
_LOCK_BY_ID = select(Unit.id).where(Unit.id == bindparam("unit_id")).with_for_update()
_TOOLS = select(Tool).where(func.lower(Tool.code).in_(bindparam("codes", expanding=True)))
_TOOLS_LOCKING = (select(Tool).join(Unit, true()).where(func.lower(Unit.serial) == bindparam("serial"),
                                                      func.lower(Tool.code).in_(bindparam("codes", expanding=True)))
                  .with_for_update(of=Unit))


def _lock(session: Session, *, serial: str | None = None, unit_id: int | None = None,
          tools: list[str] = ()) -> dict[str, Tool]:
    """Lock the unit before its context is read; with it, read the tools scanned (by lower-case code).
    On PostgreSQL the lock takes a statement of its own (and the tools come with it), once a transaction;
    SQLite's BEGIN IMMEDIATE has already serialised the writers, so there only the tools are read, if
    any and not read already in this transaction (lrip.execution.kept)."""
    kept, held = floor_reads(session), locked(session)
    codes = [c.strip().lower() for c in tools]
    wanted = [c for c in dict.fromkeys(codes) if c not in kept["tools"]]
    key = serial.strip().lower() if serial is not None else unit_id
    lock = is_postgres(session) and key not in held
    found = []
    if lock and wanted and serial is not None:
        found, lock = session.execute(_TOOLS_LOCKING, {"serial": key, "codes": wanted}).scalars().all(), False
    elif wanted:
        found = session.execute(_TOOLS, {"codes": wanted}).scalars().all()
    if lock:
        session.execute(*((_LOCK_BY_SERIAL, {"serial": key}) if serial is not None
                          else (_LOCK_BY_ID, {"unit_id": unit_id})))
    held.add(key)
    kept["tools"].update({t.code.lower(): t for t in found})
    return {code: kept["tools"][code] for code in codes if code in kept["tools"]}


def get_unit(session: Session, serial: str, *, lock: bool = False) -> Unit:
    return get_one(session, Unit, "unit", lock=lock, serial=serial.strip())


def required_characteristics(unit: Unit, op: Operation, policy: program_rules.Policy) -> list[rules.CharacteristicView]:
    """The characteristics the phase's inspection requires on this unit at this operation (under sampling,
    the lot's stored sample picks the unit or not): what completing it asks for, and what a complete
    record has. The one answer to the question; the floor's own path asks it of its frozen setup."""
    sample = (unit.lot.inspection_sample or {}).get(str(op.sequence))
    views = [rules.CharacteristicView(code=c.code, name=c.name, kind=c.kind, lsl=c.lsl, usl=c.usl, units=c.units,
                                      key=c.key) for c in op.characteristics]
    return rules.required_characteristics(policy, views, sample, unit.position)


def _moved(lifecycle, current: str, action: str, what: str):
    status, decision = lifecycle.next(current, action, what)
    decision.raise_if_refused("status_refused")
    return status


def _start_verdict(ctx: UnitContext, step: Step, *, operator: rules.OperatorView | None,
                   tools: list[Tool] | None, today: date) -> Verdict:
    open_record = ctx.open_record()
    following = ctx.next_step()
    return rules.check_start(
        serial=ctx.unit.serial, unit_status=ctx.unit.status, policy=ctx.policy, step=step.view,
        next_sequence=following.sequence if following else None,
        open_sequence=ctx.setup.by_id(open_record.operation_id).sequence if open_record else None,
        operator=operator,
        tools=None if tools is None else [rules.ToolView(t.code, t.kind, t.category, t.calibration_due, t.active)
                                          for t in tools],
        bad_material=ctx.bad_material(), today=today,
        open_by=ctx.who_when(open_record.started_by_id, open_record.started_at) if open_record else None)


def next_step(ctx: UnitContext, today: date) -> NextStep | None:
    """The next thing to do on the unit and every reason it cannot be done now."""
    open_record = ctx.open_record()
    if open_record is not None:
        step = ctx.setup.by_id(open_record.operation_id)
        chars, material = ctx.missing(step, open_record)
        decision = rules.check_complete(serial=ctx.unit.serial, unit_status=ctx.unit.status, step=step.view,
                                        record_open=True, missing_characteristics=chars, missing_material=material)
        return NextStep(action="complete", sequence=step.sequence, name=step.name, blocked_by=list(decision.reasons))
    step = ctx.next_step()
    if step is None or ctx.unit.status == UnitStatus.SCRAPPED:
        return None
    decision = _start_verdict(ctx, step, operator=None, tools=None, today=today)
    return NextStep(action="start", sequence=step.sequence, name=step.name, blocked_by=list(decision.reasons))


def instruction_of(session: Session, step: Step, document_revision_id: int | None) -> str | None:
    """The instruction an attempt was done to ('WI-10 rev A'): the operation's own, unless it changed since."""
    if document_revision_id is None or document_revision_id == step.document_revision_id:
        return step.instruction if document_revision_id is not None else None
    return session.get(DocumentRevision, document_revision_id).label


def _unit_row(unit: Unit, lot: str, operation: str | None) -> UnitRow:
    return UnitRow(serial=unit.serial, lot=lot, position=unit.position, status=unit.status, operation=operation,
                   created_at=unit.created_at, completed_at=unit.completed_at)


# ---------------------------------------------------------------- units

def chunks(items: list, size: int = 900):
    """`items` in slices small enough for an IN list or one executemany."""
    for i in range(0, len(items), size):
        yield items[i:i + size]



def _create_units(session: Session, actor: Actor, lot: str, serials: list[str],
                  at: datetime | None) -> tuple[Lot, list[Unit]]:
    """Create these units in the lot, all of them or none: each serial an identifier (lrip.fields) unique
    regardless of case, within the lot's planned quantity and, in LRIP, the approved LRIP quantity."""
    lot_row = get_lot(session, lot, lock=True)
    program = lot_row.program
    checked = [as_identifier(serial, "a serial") for serial in serials]
    serials = [serial for serial, _ in checked]
    lowered = [serial.lower() for serial in serials]
    taken = [serial for chunk in chunks(lowered) for serial in session.execute(
        select(Unit.serial).where(func.lower(Unit.serial).in_(chunk))).scalars()]
    verdict([r for _, bad in checked for r in bad] + list(program_rules.check_unit_creation(
        serials=serials, taken=taken, lot_number=lot_row.number, lot_status=lot_row.status,
        lot_planned=lot_row.planned_quantity, lot_units=lot_row.units_created,
        lrip_quantity=program.lrip_quantity, lrip_units=lrip_units(session, program.id),
        quantity_control=policy_for(session, program.id, lot_row.phase).quantity_control,
    ).reasons)).raise_if_refused("unit_refused")
    at = at or utcnow()
    units = [Unit(serial=serial, lot_id=lot_row.id, position=lot_row.units_created + i, status=UnitStatus.PLANNED,
                  created_at=at) for i, serial in enumerate(serials, start=1)]
    session.add_all(units)
    note_unit_created(session, lot_row.id, len(units))
    for unit in units:
        audit.record(session, actor=actor, action="unit.created", record_type="unit", record_id=unit.serial,
                     after={"lot": lot_row.number, "position": unit.position, "status": UnitStatus.PLANNED})
    return lot_row, units


@command("unit.create")
def create_unit(session: Session, actor: Actor, *, lot: str, serial: str, at: datetime | None = None) -> UnitRow:
    """A unit is created within the lot's planned quantity and, in LRIP, the approved LRIP quantity;
    its serial is an identifier (lrip.fields), unique regardless of case."""
    lot_row, [unit] = _create_units(session, actor, lot, [serial], at)
    return _unit_row(unit, lot_row.number, None)


@command("unit.create")
def create_units(session: Session, actor: Actor, *, lot: str, serials: list[str],
                 at: datetime | None = None) -> UnitsCreated:
    """Many units at once (a serial range, or a count with a serial pattern: execution.rules.serial_series),
    all or none, under the same rules as one."""
    lot_row, units = _create_units(session, actor, lot, serials, at)
    return UnitsCreated(lot=lot_row.number, count=len(units), serials=[u.serial for u in units],
                        positions=(units[0].position, units[-1].position))


# ---------------------------------------------------------------- operations

def _scanned(tools: list[str], found: dict[str, Tool]) -> list[Tool]:
    """The tools scanned, as the register has them; NotFound names every code it has not."""
    missing = [code for code in tools if code.strip().lower() not in found]
    if missing:
        raise NotFound("tool_not_found", [f"No tool with code {code}" for code in missing])
    return [found[code.strip().lower()] for code in tools]


def _start(session: Session, actor: Actor, ctx: UnitContext, step: Step, tools: list[Tool],
           at: datetime) -> tuple[OperationRecord, str, dict]:
    """Start `step` on the unit (refused with every reason): its new attempt in work, the unit's status
    before, and what the audit event says of the start."""
    unit = ctx.unit
    _start_verdict(ctx, step, operator=ctx.operator(actor, step), tools=tools,
                   today=at.date()).raise_if_refused("start_refused")
    attempt = 1 + max((r.attempt for r in ctx.records if r.operation_id == step.id), default=0)
    record = OperationRecord(unit_id=unit.id, operation_id=step.id, attempt=attempt, status=RecordStatus.IN_WORK,
                             started_at=at, started_by_id=actor.id, document_revision_id=step.document_revision_id,
                             worked_by_id=actor.id, clock=WorkClock.WORKING, clock_since=at, worked_minutes=0.0)
    session.add(record)
    session.flush()  # the attempt's id, for its tools and what is written on it
    if tools:  # the links as rows: written through the relationship, every later flush of the attempt processed it
        session.connection().execute(insert(operation_tool), [{"operation_record_id": record.id, "tool_id": t.id}
                                                               for t in tools])
    before = unit.status
    unit.status = _moved(rules.UNIT, unit.status, "start", unit.serial)
    return record, before, {"status": unit.status, "operation": step.sequence, "attempt": attempt,
                            "tools": [t.code for t in tools], "instruction": step.instruction}


def _record_out(session: Session, ctx: UnitContext, step: Step, record: OperationRecord,
                **clock) -> OperationRecordOut:
    """The attempt as the context has it (its tools in code order, as a fresh read gives them); `clock`: the
    work clock's fields, for an answer about the clock."""
    return OperationRecordOut(
        serial=ctx.unit.serial, operation=step.sequence, name=step.name, unit_status=ctx.unit.status,
        attempt=record.attempt, status=record.status, started_at=record.started_at,
        started_by=ctx.people[record.started_by_id], completed_at=record.completed_at,
        completed_by=ctx.people.get(record.completed_by_id), cycle_minutes=record.cycle_minutes,
        tools=ctx.tools.get(record.id, []), instruction=instruction_of(session, step, record.document_revision_id),
        **clock)


@command("operation.start")
@floor_use_case
def start_operation(session: Session, actor: Actor, *, serial: str, operation: str | int,
                    tools: list[str] = (), at: datetime | None = None) -> OperationRecordOut:
    """Start an operation as the signed-in operator, with the tools scanned."""
    scanned = _lock(session, serial=serial, tools=list(tools))
    ctx = unit_context(session, serial, qualified=(actor, operation))
    step = ctx.setup.step(operation, ctx.unit.serial)
    tool_rows = _scanned(list(tools), scanned)
    record, before, said = _start(session, actor, ctx, step, tool_rows, at or utcnow())
    audit.record(session, actor=actor, action="operation.started", record_type="unit", record_id=ctx.unit.serial,
                 before={"status": before}, after=said)
    ctx.started(record, actor, said["tools"])
    return _record_out(session, ctx, step, record)


def _complete(session: Session, actor: Actor, ctx: UnitContext, step: Step, at: datetime) -> tuple[OperationRecord, str]:
    """Complete `step`'s attempt in work (refused with every result and material still missing): the record,
    and the unit's status before."""
    unit = ctx.unit
    record = ctx.open_record(step)
    missing_chars, missing_material = ctx.missing(step, record) if record else ([], {})
    done = [r for r in ctx.records if r.operation_id == step.id and r.status == RecordStatus.COMPLETE]
    rules.check_complete(serial=unit.serial, unit_status=unit.status, step=step.view, record_open=record is not None,
                         missing_characteristics=missing_chars, missing_material=missing_material,
                         ends_before_start=record is not None and at < (record.clock_since or record.started_at),
                         completed_by=ctx.who_when(done[-1].completed_by_id, done[-1].completed_at)
                         if done and not record else None).raise_if_refused("complete_refused")
    record.status = _moved(rules.RECORD, record.status, "complete", f"operation {step.sequence} on {unit.serial}")
    record.completed_at, record.completed_by_id = at, actor.id
    if record.clock == WorkClock.WORKING:
        _close_interval(session, record, at, IntervalEnd.COMPLETED)
    record.cycle_minutes, record.clock, record.clock_since = record.worked_minutes, None, None
    before = unit.status
    if ctx.next_step() is None:
        unit.status, unit.completed_at = _moved(rules.UNIT, unit.status, "finish", unit.serial), at
    ctx.people[actor.id] = actor.username
    return record, before


@command("operation.complete")
@floor_use_case
def complete_operation(session: Session, actor: Actor, *, serial: str, operation: str | int,
                       at: datetime | None = None) -> OperationRecordOut:
    """Complete the operation in work; refused with every result and material still missing."""
    _lock(session, serial=serial)
    ctx = unit_context(session, serial)
    step = ctx.setup.step(operation, ctx.unit.serial)
    record, before = _complete(session, actor, ctx, step, at or utcnow())
    audit.record(session, actor=actor, action="operation.completed", record_type="unit", record_id=ctx.unit.serial,
                 before={"status": before},
                 after={"operation": step.sequence, "attempt": record.attempt, "cycle_minutes": record.cycle_minutes,
                        "status": ctx.unit.status})
    return _record_out(session, ctx, step, record)


# ---------------------------------------------------------------- the work clock: pause, resume, hand over

def _close_interval(session: Session, record: OperationRecord, at: datetime, ended: IntervalEnd,
                    reason: str | None = None) -> None:
    """The record's open worked interval ends at `at`: one WorkInterval, its minutes added to the record's."""
    session.add(WorkInterval(operation_record_id=record.id, worked_by_id=record.worked_by_id, started_at=record.clock_since,
                             ended_at=at, ended=ended, reason=reason))
    record.worked_minutes = rules.worked_minutes(record.worked_minutes, record.clock_since, at)


def _username(session: Session, ctx: UnitContext, user_id: int | None) -> str | None:
    if user_id is None or user_id in ctx.people:
        return ctx.people.get(user_id)
    return session.get(User, user_id).username


@floor_use_case
def _clock(session: Session, actor: Actor, action: str, *, serial: str, operation: str | int,
           at: datetime | None, reason: str | None = None) -> OperationRecordOut:
    """Pause, resume or take over the operation in work (rules.CLOCK), closing the worked interval it ends."""
    _lock(session, serial=serial)
    ctx = unit_context(session, serial, qualified=(actor, operation) if action == "hand_over" else None)
    unit = ctx.unit
    step = ctx.setup.step(operation, unit.serial)
    record = ctx.open_record(step)
    at = at or utcnow()
    holder = _username(session, ctx, record.worked_by_id) if record else None
    operator_reasons = []
    if action == "hand_over":
        operator_reasons = rules.operator_problems(ctx.operator(actor, step), step.required_skill, ctx.policy,
                                                   at.date())
    rules.check_clock(action, serial=unit.serial, unit_status=unit.status, step=step.view,
                      record_open=record is not None, clock=record.clock if record else None, holder=holder,
                      actor=actor.username, since=record.clock_since if record else None, at=at, reason=reason,
                      operator_reasons=operator_reasons).raise_if_refused(f"{action.replace('_', '')}_refused")
    before = {"clock": record.clock, "worked_by": holder}
    if record.clock == WorkClock.WORKING:
        _close_interval(session, record, at, IntervalEnd.PAUSED if action == "pause" else IntervalEnd.HANDED_OVER,
                        reason)
    record.clock, record.clock_since = _moved(rules.CLOCK, record.clock, action, unit.serial), at
    if action == "hand_over":
        record.worked_by_id = actor.id
    worker = actor.username if action == "hand_over" else holder
    audit.record(session, actor=actor, action=f"operation.{rules.CLOCK_WORDS[action].replace(' ', '_')}",
                 record_type="unit", record_id=unit.serial, before=before,
                 after={"operation": step.sequence, "attempt": record.attempt, "clock": record.clock,
                        "worked_by": worker, "worked_minutes": record.worked_minutes}, reason=reason)
    ctx.people[actor.id] = actor.username
    return _record_out(session, ctx, step, record, worked_by=worker, clock=record.clock, clock_since=at,
                       worked_minutes=record.worked_minutes)


@command("operation.pause")
def pause_operation(session: Session, actor: Actor, *, serial: str, operation: str | int, reason: str,
                    at: datetime | None = None) -> OperationRecordOut:
    """Pause the operation you are working (a break, waiting for parts, the end of a shift): its
    worked minutes stop until it is resumed or taken over."""
    return _clock(session, actor, "pause", serial=serial, operation=operation, at=at, reason=reason)


@command("operation.pause")
def resume_operation(session: Session, actor: Actor, *, serial: str, operation: str | int,
                     at: datetime | None = None) -> OperationRecordOut:
    """Resume the operation you paused (or whose unit's hold was released): its worked minutes run again."""
    return _clock(session, actor, "resume", serial=serial, operation=operation, at=at)


@command("operation.handover")
def hand_over_operation(session: Session, actor: Actor, *, serial: str, operation: str | int,
                        reason: str | None = None, at: datetime | None = None) -> OperationRecordOut:
    """Take over an operation in work at a shift change, as the signed-in operator (qualified for it as
    a start asks): the last operator's worked interval ends, yours begins."""
    return _clock(session, actor, "hand_over", serial=serial, operation=operation, at=at, reason=reason)


# ---------------------------------------------------------------- measurements

def out_of_spec(session: Session, actor: Actor, *, unit: Unit, record_id: int, measurement: Measurement,
                 spec: Spec, reason: str) -> HoldPlaced:
    """Nonconformance raises the NCR and the hold (lrip.nonconformance.handlers) and answers with them."""
    replies = events.publish(session, actor, OutOfSpec(
        unit_id=unit.id, serial=unit.serial, operation_record_id=record_id, measurement_id=measurement.id,
        characteristic=spec.code, key=spec.key, reason=reason, at=measurement.recorded_at))
    return next(r for r in replies if isinstance(r, HoldPlaced))


@dataclass(frozen=True)
class _Taken:
    """A result written: its characteristic, the row, and why it is out of spec (None: in spec)."""

    spec: Spec
    row: Measurement
    problem: str | None

    def said(self) -> dict:
        m = self.row
        return {"characteristic": self.spec.code, "value": m.value, "passed": m.passed, "in_spec": m.in_spec,
                "gauge": m.gauge}


def _measure(session: Session, actor: Actor, ctx: UnitContext, step: Step,
             entries: list[rules.ResultEntry]) -> list[_Taken]:
    """Check every result against the unit as it stands (each as one result is checked; a reason about the
    unit or the operator said once) and write them all, or none."""
    unit = ctx.unit
    record = ctx.open_record(step)
    now = utcnow()
    reasons = list(rules.check_measure(serial=unit.serial, unit_status=unit.status, step=step.view,
                                       record_open=record is not None).reasons)
    named = gauges(session, {e.gauge for e in entries if e.gauge})
    operator = ctx.operator(actor, step) if record is not None else None
    invalid, checked = [], []
    for e in entries:
        measured_at, spec = ctx.setup.characteristic(e.characteristic, unit.serial)
        if measured_at.id != step.id:
            reasons.append(f"{spec.code} is measured at operation {measured_at.sequence} ({measured_at.name}), not "
                           f"at {step.sequence} ({step.name})")
            continue
        at = e.at or now
        gauge = named.get(e.gauge.strip().lower()) if e.gauge else None
        if record is not None:
            reasons += rules.result_problems(serial=unit.serial, step=step.view, c=spec.view, policy=ctx.policy,
                                             started_at=record.started_at, at=at, now=now, operator=operator,
                                             gauge_named=e.gauge, gauge=gauge.at(at.date()) if gauge else None)
        try:
            value, passed = rules.parse_result(spec.view, str(e.value))
        except ValueError as exc:  # unreadable input is invalid (422), not a rule's refusal
            invalid.append(str(exc))
            continue
        checked.append((spec, value, passed, gauge.code if gauge else None, at))
    reasons = list(dict.fromkeys(reasons))
    if invalid:
        raise Invalid("measurement_invalid", reasons + invalid)
    verdict(reasons).raise_if_refused("measurement_refused")
    taken = []
    for spec, value, passed, gauge, at in checked:
        problem = rules.evaluate(spec.view, value, passed)
        taken.append(_Taken(spec, Measurement(
            unit_id=unit.id, characteristic_id=spec.id, operation_record_id=record.id, value=value, passed=passed,
            in_spec=problem is None, gauge=gauge, recorded_at=at, recorded_by_id=actor.id, source="manual"), problem))
    session.add_all([t.row for t in taken])
    ctx.measured.setdefault(record.id, set()).update(t.spec.id for t in taken)
    return taken


def _held(session: Session, actor: Actor, ctx: UnitContext, step: Step,
          taken: list[_Taken]) -> list[MeasurementRecorded]:
    """Once the results are written and audited: an NCR and a hold for each one out of spec or failed, and
    every result's answer."""
    unit = ctx.unit
    holds = [out_of_spec(session, actor, unit=unit, record_id=t.row.operation_record_id, measurement=t.row,
                          spec=t.spec, reason=t.problem) if t.problem else None for t in taken]
    return [MeasurementRecorded(
        serial=unit.serial, characteristic=t.spec.code, operation=step.sequence, value=t.row.value,
        passed=t.row.passed, in_spec=t.row.in_spec, gauge=t.row.gauge, recorded_at=t.row.recorded_at,
        unit_status=unit.status, on_hold=unit.status == UnitStatus.ON_HOLD, hold_reason=t.problem,
        ncr=h.ncr if h else None, hold_id=h.hold_id if h else None) for t, h in zip(taken, holds)]


@command("measurement.record")
@floor_use_case
def record_measurement(session: Session, actor: Actor, *, serial: str, characteristic: str, result: str,
                       gauge: str | None = None, at: datetime | None = None) -> MeasurementRecorded:
    """Record a value or pass/fail; out of spec or failed puts the unit on hold under an NCR. A unit on
    hold takes no result until the MRB's disposition releases it. The result must be possible: taken
    while its operation is in work, by someone qualified for the operation then, with a gauge of the
    register of the characteristic's gauge kind, in calibration then (rules.result_problems)."""
    _lock(session, serial=serial)
    ctx = unit_context(session, serial, measuring=(actor, characteristic))
    step, _ = ctx.setup.characteristic(characteristic, ctx.unit.serial)
    [taken] = _measure(session, actor, ctx, step, [rules.ResultEntry(characteristic, str(result), gauge, at)])
    audit.record(session, actor=actor, action="measurement.recorded", record_type="unit", record_id=ctx.unit.serial,
                 after=taken.said())
    [answer] = _held(session, actor, ctx, step, [taken])
    return answer


@command("measurement.record")
@floor_use_case
def record_results(session: Session, actor: Actor, *, serial: str, operation: str | int,
                   results: list[rules.ResultEntry]) -> ResultsRecorded:
    """The results of an operation in one submit, as a station posts what it measured: each is checked as
    one result would be, against the unit as it stood before the submit; all are recorded or none; each
    out of spec or failed raises its NCR and puts the unit on hold."""
    if not results:
        raise Invalid("measurement_invalid", "a submit of results holds at least one result")
    _lock(session, serial=serial)
    ctx = unit_context(session, serial, qualified=(actor, operation))
    step = ctx.setup.step(operation, ctx.unit.serial)
    taken = _measure(session, actor, ctx, step, list(results))
    audit.record(session, actor=actor, action="measurements.recorded", record_type="unit", record_id=ctx.unit.serial,
                 after={"operation": step.sequence, "results": [t.said() for t in taken]})
    recorded = _held(session, actor, ctx, step, taken)
    return ResultsRecorded(serial=ctx.unit.serial, operation=step.sequence, name=step.name, results=recorded,
                           unit_status=ctx.unit.status, on_hold=ctx.unit.status == UnitStatus.ON_HOLD,
                           ncrs=[r.ncr for r in recorded if r.ncr])


# ---------------------------------------------------------------- consumption

_APPROVED = exists().where(ApprovedSource.part_id == MaterialLot.part_id,
                           ApprovedSource.supplier_id == MaterialLot.supplier_id)
_LOTS = (select(MaterialLot, Part.number, Part.tracking, Supplier.code, Supplier.status, _APPROVED,
                PartRevision.revision, PartRevision.status)
         .join(Part, Part.id == MaterialLot.part_id).outerjoin(Supplier, Supplier.id == MaterialLot.supplier_id)
         .outerjoin(PartRevision, PartRevision.id == MaterialLot.part_revision_id)
         .where(func.lower(MaterialLot.lot_number).in_(bindparam("wanted", expanding=True)))
         .order_by(MaterialLot.id).with_for_update(of=MaterialLot))
_parent = aliased(Unit)
_CHILDREN = (select(Unit.id, Unit.serial, Unit.status, Part.number, PartRevision.revision,
                    select(_parent.serial).join(Consumption, Consumption.unit_id == _parent.id)
                    .where(Consumption.child_unit_id == Unit.id).limit(1).scalar_subquery())
             .join(Lot, Lot.id == Unit.lot_id).join(Routing, Routing.id == Lot.routing_id)
             .join(PartRevision, PartRevision.id == Routing.part_revision_id).join(Part, Part.id == PartRevision.part_id)
             .where(func.lower(Unit.serial).in_(bindparam("wanted", expanding=True))))


@dataclass(frozen=True)
class _Found:
    """A material as consumption finds it: its view, the lot (locked), or the child unit and what it is
    built into; the lot's part tracking (serial | lot)."""

    view: rules.MaterialView
    lot: MaterialLot | None = None
    child_id: int | None = None
    built_into: str | None = None
    tracking: str | None = None


def _materials(session: Session, identifiers: list[str]) -> dict[str, _Found]:
    """Material lots (locked: their quantity on hand changes) or, failing that, child units, by lower-case
    identifier, found regardless of case: a statement for the lots, one more for child units if any is not
    a lot. NotFound names every identifier that is neither."""
    wanted = list(dict.fromkeys(i.strip().lower() for i in identifiers))
    found: dict[str, _Found] = {}
    for lot, part, tracking, supplier, supplier_status, approved, revision, revision_status in session.execute(
            _LOTS, {"wanted": wanted}):
        found[lot.lot_number.lower()] = _Found(rules.MaterialView(
            lot.lot_number, part, lot.status, lot.quantity_on_hand, supplier, supplier_status, bool(approved),
            revision=revision, revision_status=revision_status, use_as_is=lot.use_as_is_ncr), lot, tracking=tracking)
    rest = [w for w in wanted if w not in found]
    if rest:
        for child_id, serial, status, part, revision, built_into in session.execute(_CHILDREN, {"wanted": rest}):
            found[serial.lower()] = _Found(rules.MaterialView(serial, part, status, 1.0, child_unit=True,
                                                              revision=revision), child_id=child_id,
                                           built_into=built_into)
    missing = list(dict.fromkeys(i.strip() for i in identifiers if i.strip().lower() not in found))
    if missing:
        raise NotFound("material_not_found", [f"No material lot or serial {m}" for m in missing])
    return found


def _take(session: Session, actor: Actor, ctx: UnitContext, step: Step, entries: list[rules.MaterialEntry],
          at: datetime) -> list[Consumed]:
    """Check every material in turn (each counts against the BOM and its lot after those before it) and
    build them all in, or none."""
    unit = ctx.unit
    record = ctx.open_record(step)
    found = _materials(session, [e.identifier for e in entries])
    consumed = ctx.consumed_at(step)
    on_hand: dict[int, float] = {}
    used: dict[int, str] = {}
    reasons, taking = [], []
    for e in entries:
        f = found[e.identifier.strip().lower()]
        view = replace(f.view, on_hand=on_hand[f.lot.id]) if f.lot is not None and f.lot.id in on_hand else f.view
        already = consumed.get(view.part_number, 0.0)
        quantity = e.quantity
        if quantity is None:
            quantity = 1.0 if view.child_unit else max(step.bom.get(view.part_number, 0.0) - already, 0.0) or 1.0
        quantity = float(quantity)
        builds_with, why = ctx.builds_with(view.part_number)
        reasons += rules.check_consume(
            serial=unit.serial, unit_status=unit.status, step=step.view, record_open=record is not None,
            material=view, quantity=quantity, bom=step.bom, already=already, policy=ctx.policy,
            child_already_used_in=f.built_into or used.get(f.child_id), builds_with=builds_with,
            builds_with_why=why).reasons
        consumed[view.part_number] = already + quantity
        if f.lot is not None:
            on_hand[f.lot.id] = view.on_hand - quantity
        if f.child_id is not None:
            used[f.child_id] = unit.serial
        taking.append((f, quantity))
    verdict(list(dict.fromkeys(reasons))).raise_if_refused("consume_refused")
    answers = []
    for f, quantity in taking:
        session.add(Consumption(unit_id=unit.id, operation_record_id=record.id, quantity=quantity,
                                material_lot_id=f.lot.id if f.lot else None, child_unit_id=f.child_id,
                                consumed_at=at, consumed_by_id=actor.id))
        if f.lot is not None:
            f.lot.quantity_on_hand -= quantity
        answers.append(Consumed(serial=unit.serial, operation=step.sequence, material=f.view.identifier,
                                part=f.view.part_number, revision=f.view.revision, quantity=quantity,
                                on_hand_after=f.lot.quantity_on_hand if f.lot else None, use_as_is=f.view.use_as_is))
    _keep_material(ctx, record, taking)
    return answers


def _keep_material(ctx: UnitContext, record: OperationRecord, taking: list[tuple[_Found, float]]) -> None:
    """The context after a consumption, as a fresh read would give it (lrip.execution.kept): the new links,
    and the lots' quantity on hand now on every link to them."""
    lots = {f.lot.lot_number.lower(): f.lot.quantity_on_hand for f, _ in taking if f.lot is not None}
    ctx.material[:] = [replace(m, view=replace(m.view, on_hand=lots[m.view.identifier.lower()]))
                       if not m.view.child_unit and m.view.identifier.lower() in lots else m for m in ctx.material]
    ctx.material.extend(Material(record.id, quantity, replace(f.view, on_hand=f.lot.quantity_on_hand)
                                 if f.lot is not None else f.view, f.tracking) for f, quantity in taking)


def _consumed_said(c: Consumed) -> dict:
    return {"material": c.material, "revision": c.revision, "quantity": c.quantity, "on_hand_after": c.on_hand_after,
            "use_as_is": c.use_as_is}


@command("material.consume")
@floor_use_case
def consume(session: Session, actor: Actor, *, serial: str, operation: str | int, identifier: str,
            quantity: float | None = None, at: datetime | None = None) -> Consumed:
    """Build a lot's quantity or a child serial into the unit: one genealogy link."""
    _lock(session, serial=serial)
    ctx = unit_context(session, serial)
    step = ctx.setup.step(operation, ctx.unit.serial)
    [answer] = _take(session, actor, ctx, step, [rules.MaterialEntry(identifier, quantity)], at or utcnow())
    audit.record(session, actor=actor, action="material.consumed", record_type="unit", record_id=ctx.unit.serial,
                 after={"operation": step.sequence, **_consumed_said(answer)})
    return answer


@command("material.consume")
@floor_use_case
def consume_materials(session: Session, actor: Actor, *, serial: str, operation: str | int,
                      materials: list[rules.MaterialEntry], at: datetime | None = None) -> MaterialsConsumed:
    """Several materials built in at one operation in one submit (a kit scanned at the station): each is
    checked as one consumption would be, after those before it; all are built in or none."""
    if not materials:
        raise Invalid("consume_invalid", "a submit of materials holds at least one material")
    _lock(session, serial=serial)
    ctx = unit_context(session, serial)
    step = ctx.setup.step(operation, ctx.unit.serial)
    consumed = _take(session, actor, ctx, step, list(materials), at or utcnow())
    audit.record(session, actor=actor, action="materials.consumed", record_type="unit", record_id=ctx.unit.serial,
                 after={"operation": step.sequence, "materials": [_consumed_said(c) for c in consumed]})
    return MaterialsConsumed(serial=ctx.unit.serial, operation=step.sequence, name=step.name, consumed=consumed)


# ---------------------------------------------------------------- an operation in one submit

@command("operation.complete")
@floor_use_case
def record_operation(session: Session, actor: Actor, *, serial: str, operation: str | int, tools: list[str] = (),
                     materials: list[rules.MaterialEntry] = (), results: list[rules.ResultEntry] = (),
                     started_at: datetime | None = None, completed_at: datetime | None = None) -> OperationRecorded:
    """An operation done, in one submit: a test stand posting its run, or a paper traveler's operation
    entered after the fact. It is started with the tools scanned, the material is built in (at the start),
    the results are taken and it is completed, each step checked by the rules its own action follows, in
    that order, and needing its permission. A result out of spec or failed raises its NCR and puts the
    unit on hold: the operation then stays in work, held, for the MRB. One audit event; a refusal at any
    step refuses the submit (its unit of work is rolled back by the entry point)."""
    for permission in ("operation.start", "material.consume", "measurement.record"):
        check_permission(actor, permission)
    scanned = _lock(session, serial=serial, tools=list(tools))
    ctx = unit_context(session, serial, qualified=(actor, operation))
    step = ctx.setup.step(operation, ctx.unit.serial)
    now = utcnow()
    started_at, completed_at = started_at or now, completed_at or now
    verdict(rules.entered_time_problems(started_at=started_at, completed_at=completed_at,
                                        now=now)).raise_if_refused("start_refused")
    record, before, said = _start(session, actor, ctx, step, _scanned(list(tools), scanned), started_at)
    ctx.started(record, actor, said["tools"])
    consumed = _take(session, actor, ctx, step, list(materials), started_at) if materials else []
    taken = _measure(session, actor, ctx, step, list(results)) if results else []
    held = any(t.problem for t in taken)
    if not held:
        _complete(session, actor, ctx, step, completed_at)
    audit.record(session, actor=actor, action="operation.recorded", record_type="unit", record_id=ctx.unit.serial,
                 before={"status": before},
                 after={**said, "status": ctx.unit.status, "materials": [_consumed_said(c) for c in consumed],
                        "results": [t.said() for t in taken], "completed": not held,
                        "cycle_minutes": record.cycle_minutes})
    recorded = _held(session, actor, ctx, step, taken)
    return OperationRecorded(**_record_out(session, ctx, step, record).model_dump(), consumed=consumed,
                             results=recorded, ncrs=[r.ncr for r in recorded if r.ncr])


# ---------------------------------------------------------------- holds (nonconformance's, on the unit)

def put_on_hold(session: Session, actor: Actor, *, unit_id: int, reason: str, at: datetime | None = None) -> None:
    """The unit stops: nonconformance opened a hold on it (an out-of-spec result, an NCR raised by hand)
    at `at`, and the operation being worked on it stops its clock. The caller holds the unit's lock."""
    unit = session.get(Unit, unit_id)
    record = session.execute(select(OperationRecord).where(OperationRecord.unit_id == unit_id,
                                                           OperationRecord.status == RecordStatus.IN_WORK)).scalar()
    if record is not None and record.clock == WorkClock.WORKING:
        at = max(at or utcnow(), record.clock_since)
        _close_interval(session, record, at, IntervalEnd.HELD, reason)
        record.clock, record.clock_since = _moved(rules.CLOCK, record.clock, "hold", unit.serial), at
    before = unit.status
    unit.status = _moved(rules.UNIT, unit.status, "hold", unit.serial)
    audit.record(session, actor=actor, action="unit.held", record_type="unit", record_id=unit.serial,
                 before={"status": before}, after={"status": unit.status}, reason=reason)


def release_from_hold(session: Session, actor: Actor, *, unit_id: int, disposition: str, reason: str,
                      rework_to: int | None, still_held: bool, at: datetime) -> str:
    """What the MRB's disposition does to the unit and its operation records, once nonconformance has
    decided it and released its hold: scrap stops the attempt in work; rework sends every attempt from
    operation `rework_to` (a sequence number) on back, to be done and measured again; use as is and
    repair leave the records as they are, the one in work paused, to be resumed. `still_held`: another NCR still holds the unit. Returns the
    unit's new status."""
    _lock(session, unit_id=unit_id)
    ctx = _load_context(session, unit_id=unit_id)
    unit = ctx.unit
    for r in ctx.records:
        sequence = ctx.setup.by_id(r.operation_id).sequence
        if disposition == "scrap" and r.status == RecordStatus.IN_WORK:
            r.status = _moved(rules.RECORD, r.status, "stop", unit.serial)
        elif (disposition == "rework" and rework_to is not None and sequence >= rework_to
              and r.status in (RecordStatus.COMPLETE, RecordStatus.IN_WORK)):
            r.status = _moved(rules.RECORD, r.status, "rework", unit.serial)
        elif r.status == RecordStatus.IN_WORK and r.clock == WorkClock.HELD and not still_held:
            r.clock, r.clock_since = _moved(rules.CLOCK, r.clock, "release", unit.serial), at
    if disposition == "rework":
        unit.completed_at = None
    before = unit.status
    unit.status = rules.unit_after_release(disposition=disposition, still_held=still_held, started=bool(ctx.records),
                                           all_done=ctx.next_step() is None)
    audit.record(session, actor=actor, action="unit.dispositioned", record_type="unit", record_id=unit.serial,
                 before={"status": before},
                 after={"status": unit.status, "disposition": disposition, "rework_to": rework_to}, reason=reason)
    return unit.status


# ---------------------------------------------------------------- lists

def _operation(sequence: int | None, name: str | None) -> str | None:
    return None if sequence is None else f"{sequence} {name}"


@query()
def search_units(session: Session, actor: Actor, *, lot: str | None = None, status: str | None = None,
                 operation: int | None = None, since: datetime | None = None, until: datetime | None = None,
                 limit: int = 50, offset: int = 0) -> UnitPage:
    """Units filtered by lot, status, operation in work and creation time; a page and the total, in two
    statements, each unit with the operation it has in work (at most one: found by its unit's index)."""
    in_work = and_(OperationRecord.unit_id == Unit.id, OperationRecord.status == RecordStatus.IN_WORK)
    wanted = []
    if lot:
        wanted.append(func.lower(Lot.number) == lot.lower())
    if status:
        wanted.append(Unit.status == status)
    if operation is not None:
        wanted.append(Operation.sequence == operation)
    if since:
        wanted.append(Unit.created_at >= since)
    if until:
        wanted.append(Unit.created_at < until)
    counted = select(func.count(Unit.id)).join(Lot, Lot.id == Unit.lot_id)
    if operation is not None:
        counted = counted.join(OperationRecord, in_work).join(Operation, Operation.id == OperationRecord.operation_id)
    total = session.execute(counted.where(*wanted)).scalar_one()
    rows = session.execute(
        select(Unit, Lot.number, Operation.sequence, Operation.name).join(Lot, Lot.id == Unit.lot_id)
        .outerjoin(OperationRecord, in_work).outerjoin(Operation, Operation.id == OperationRecord.operation_id)
        .where(*wanted).order_by(Unit.id).limit(limit).offset(offset)).all()
    return UnitPage(items=[_unit_row(u, number, _operation(seq, name)) for u, number, seq, name in rows],
                    total=total, limit=limit, offset=offset)


@query()
def search_operation_records(session: Session, actor: Actor, *, lot: str | None = None,
                             operation: int | None = None, serial: str | None = None,
                             since: datetime | None = None, until: datetime | None = None,
                             limit: int = 50, offset: int = 0) -> OperationRecordPage:
    """Operation records (who did what, when, how long) filtered by lot, operation, unit and start time;
    three statements, whatever the page."""
    started, completed = aliased(User), aliased(User)
    query_ = (select(OperationRecord, Unit.serial, Unit.status, Operation.sequence, Operation.name, started.username,
                     completed.username, Document.number, DocumentRevision.revision)
              .join(Unit, Unit.id == OperationRecord.unit_id).join(Lot, Lot.id == Unit.lot_id)
              .join(Operation, Operation.id == OperationRecord.operation_id)
              .join(started, started.id == OperationRecord.started_by_id)
              .outerjoin(completed, completed.id == OperationRecord.completed_by_id)
              .outerjoin(DocumentRevision, DocumentRevision.id == OperationRecord.document_revision_id)
              .outerjoin(Document, Document.id == DocumentRevision.document_id))
    if lot:
        query_ = query_.where(func.lower(Lot.number) == lot.lower())
    if operation is not None:
        query_ = query_.where(Operation.sequence == operation)
    if serial:
        query_ = query_.where(func.lower(Unit.serial) == serial.lower())
    if since:
        query_ = query_.where(OperationRecord.started_at >= since)
    if until:
        query_ = query_.where(OperationRecord.started_at < until)
    total = session.execute(select(func.count()).select_from(query_.subquery())).scalar_one()
    rows = session.execute(query_.order_by(OperationRecord.id).limit(limit).offset(offset)).all()
    tools: dict[int, list[str]] = {}
    for record_id, code in session.execute(
            select(operation_tool.c.operation_record_id, Tool.code).join(Tool, Tool.id == operation_tool.c.tool_id)
            .where(operation_tool.c.operation_record_id.in_([r[0].id for r in rows])).order_by(Tool.code)):
        tools.setdefault(record_id, []).append(code)
    items = [OperationRecordOut(
        serial=unit_serial, operation=sequence, name=name, unit_status=unit_status, attempt=r.attempt,
        status=r.status, started_at=r.started_at, started_by=started_by, completed_at=r.completed_at,
        completed_by=completed_by, cycle_minutes=r.cycle_minutes, tools=tools.get(r.id, []),
        instruction=f"{doc} rev {doc_revision}" if doc else None)
        for r, unit_serial, unit_status, sequence, name, started_by, completed_by, doc, doc_revision in rows]
    return OperationRecordPage(items=items, total=total, limit=limit, offset=offset)
