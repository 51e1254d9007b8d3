"""What the floor builds from, as plain frozen data: a lot's routing with its operations, their
characteristics, tools, skills, instructions (not their text: the traveler reads that when it shows
it) and the BOM lines consumed at each, and the phase policy the lot is built under.

A routing that is no longer a draft, and every policy, are kept per process and read again when
catalog's setup version moves (every change to a released routing, a BOM, a revision's status or a
phase policy bumps it). The version is read in the same statement as the unit, so on the shop floor's
path the routing and the policy cost no statement at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip.catalog.models import (BomLine, Characteristic, Document, DocumentRevision, Operation, Part, PartRevision,
                                 Routing, WorkCenter)
from lrip.catalog.rules import PartRevisionStatus, RoutingStatus
from lrip.errors import NotFound
from lrip.execution import rules
from lrip.program.rules import Policy
from lrip.program.service import policy_for


@dataclass(frozen=True)
class Spec:
    """A characteristic of an operation."""

    id: int
    code: str
    name: str
    kind: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    gauge_kind: str | None = None

    @cached_property
    def view(self) -> rules.CharacteristicView:
        return rules.CharacteristicView(code=self.code, name=self.name, kind=self.kind, lsl=self.lsl, usl=self.usl,
                                        units=self.units, key=self.key, gauge_kind=self.gauge_kind)


@dataclass(frozen=True)
class Step:
    """An operation of the routing."""

    id: int
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    document_revision_id: int | None
    instruction: str | None  # "WI-104 rev C"
    instruction_status: str | None
    required_tool_kinds: tuple[str, ...]
    required_skill: str | None
    characteristics: tuple[Spec, ...]
    materials: tuple[tuple[str, float], ...]  # (part number, quantity per unit) consumed at this operation

    @cached_property
    def view(self) -> rules.StepView:
        return rules.StepView(sequence=self.sequence, name=self.name, instruction=self.instruction,
                              instruction_status=self.instruction_status,
                              required_tool_kinds=self.required_tool_kinds, required_skill=self.required_skill)

    @cached_property
    def bom(self) -> dict[str, float]:
        return dict(self.materials)

    def label(self) -> str:
        return f"{self.sequence} {self.name}"


@dataclass(frozen=True)
class Setup:
    """A routing as the floor reads it. `released` is the released revision (the newest, if several) of each
    part its BOM lines consume: what a unit is built with unless an implemented change pinned its lot to
    another (lrip.program.models.Lot.configuration)."""

    routing_id: int
    revision: str
    part: str
    part_revision: str
    steps: tuple[Step, ...]
    released: dict[str, str] = field(default_factory=dict)

    def step(self, operation: str | int, serial: str) -> Step:
        """An operation by its sequence number (30) or its name, regardless of case (as catalog.find_operation)."""
        wanted = str(operation).strip()
        for step in self.steps:
            if wanted.isdigit() and step.sequence == int(wanted) or step.name.casefold() == wanted.casefold():
                return step
        raise NotFound("operation_not_found", f"{serial}'s routing has no operation {wanted}; it has "
                       + ", ".join(s.label() for s in self.steps))

    def characteristic(self, code: str, serial: str) -> tuple[Step, Spec]:
        wanted = code.strip().casefold()
        for step in self.steps:
            for spec in step.characteristics:
                if spec.code.casefold() == wanted:
                    return step, spec
        raise NotFound("characteristic_not_found", f"{serial}'s routing has no characteristic {code.strip()}")

    def by_id(self, operation_id: int) -> Step:
        return next(s for s in self.steps if s.id == operation_id)


def _load(session: Session, routing_id: int) -> Setup:
    """Four statements: the routing, its operations, their characteristics, the BOM lines."""
    revision, part, part_revision, part_revision_id = session.execute(
        select(Routing.revision, Part.number, PartRevision.revision, PartRevision.id)
        .join(PartRevision, PartRevision.id == Routing.part_revision_id).join(Part, Part.id == PartRevision.part_id)
        .where(Routing.id == routing_id)).one()
    operations = session.execute(
        select(Operation.id, Operation.sequence, Operation.name, WorkCenter.code, Operation.standard_minutes,
               Operation.document_revision_id, Document.number, DocumentRevision.revision, DocumentRevision.status,
               Operation.required_tool_kinds, Operation.required_skill)
        .join(WorkCenter, WorkCenter.id == Operation.work_center_id)
        .outerjoin(DocumentRevision, DocumentRevision.id == Operation.document_revision_id)
        .outerjoin(Document, Document.id == DocumentRevision.document_id)
        .where(Operation.routing_id == routing_id).order_by(Operation.sequence)).all()
    specs: dict[int, list[Spec]] = {}
    for operation_id, *values in session.execute(
            select(Characteristic.operation_id, Characteristic.id, Characteristic.code, Characteristic.name,
                   Characteristic.kind, Characteristic.nominal, Characteristic.lsl, Characteristic.usl,
                   Characteristic.units, Characteristic.key, Characteristic.gauge_kind)
            .join(Operation, Operation.id == Characteristic.operation_id)
            .where(Operation.routing_id == routing_id).order_by(Characteristic.code)):
        specs.setdefault(operation_id, []).append(Spec(*values))
    materials: dict[int, list[tuple[str, float]]] = {}
    released: dict[str, str] = {}
    newest_released = (select(PartRevision.revision).where(PartRevision.part_id == BomLine.child_part_id,
                                                           PartRevision.status == PartRevisionStatus.RELEASED)
                       .order_by(PartRevision.id.desc()).limit(1).scalar_subquery())
    for sequence, number, quantity, child_revision in session.execute(  # not `revision`: the routing's
            select(BomLine.operation_sequence, Part.number, BomLine.quantity, newest_released)
            .join(Part, Part.id == BomLine.child_part_id)
            .where(BomLine.parent_revision_id == part_revision_id).order_by(Part.number)):
        materials.setdefault(sequence, []).append((number, quantity))
        if child_revision is not None:
            released[number] = child_revision
    steps = tuple(Step(id=op_id, sequence=seq, name=name, work_center=center, standard_minutes=minutes,
                       document_revision_id=doc_id, instruction=f"{doc} rev {doc_rev}" if doc_id else None,
                       instruction_status=doc_status, required_tool_kinds=tuple(kinds or ()), required_skill=skill,
                       characteristics=tuple(specs.get(op_id, ())), materials=tuple(materials.get(seq, ())))
                  for op_id, seq, name, center, minutes, doc_id, doc, doc_rev, doc_status, kinds, skill in operations)
    return Setup(routing_id=routing_id, revision=revision, part=part, part_revision=part_revision,
                 steps=steps, released=released)


_KEPT: dict[tuple, tuple[int, object]] = {}
_KEEP_AT_MOST = 512


def _kept(key: tuple, version: int, read: Callable[[], object]) -> object:
    """What `read` returns, kept under `key` while the setup version is `version`. The key carries the
    database and the row's creation time, so a database emptied and filled again (tests) reads afresh.
    Stored under the version read before `read` ran: a change meanwhile moves the version, and the next
    call reads again."""
    found = _KEPT.get(key)
    if found is not None and found[0] == version:
        return found[1]
    value = read()
    if len(_KEPT) >= _KEEP_AT_MOST:
        _KEPT.clear()
    _KEPT[key] = (version, value)
    return value


def setup_of(session: Session, routing_id: int, *, status: str, created_at: datetime, version: int) -> Setup:
    """The routing as frozen data; kept unless it is a draft (a draft's edits do not move the version)."""
    if status == RoutingStatus.DRAFT:
        return _load(session, routing_id)
    key = ("routing", str(session.get_bind().url), routing_id, created_at)
    return _kept(key, version, lambda: _load(session, routing_id))


def policy_of(session: Session, program_id: int, phase: str, *, program_created_at: datetime, version: int) -> Policy:
    """The phase policy a lot is built under, kept like the routings."""
    key = ("policy", str(session.get_bind().url), program_id, program_created_at, phase)
    return _kept(key, version, lambda: policy_for(session, program_id, phase))
