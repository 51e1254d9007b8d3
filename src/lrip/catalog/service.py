"""Engineering data: parts, revisions, BOMs, work instructions, work centers, tools,
qualifications and routings.

The use cases (decorated) are what a manufacturing engineer does; the plain functions below them
(releasing and superseding revisions, copying a routing) are what change control does inside its own
use case when it implements an approved change. Every change to what the shop floor builds from (a
released routing, its operations, a BOM, a revision's status) calls `setup_changed`, so a process
that keeps released routings in memory reads them again."""
from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command
from lrip.auth.service import get_user
from lrip.catalog import rules
from lrip.catalog.models import (BomLine, Characteristic, Document, DocumentRevision, Operation, Part, PartRevision,
                                 Qualification, Routing, SetupVersion, Tool, WorkCenter)
from lrip.catalog.rules import (CODE_LENGTH, CharacteristicSpec, DocumentStatus, OperationSpec, PartRevisionStatus,
                                RoutingStatus, ToolCategory, Tracking, as_identifier, as_revision, one_of)
from lrip.catalog.schemas import (BomLineOut, CharacteristicOut, DocumentOut, DocumentRevisionOut, OperationOut,
                                  PartOut, PartRevisionOut, QualificationOut, RoutingOut, ToolOut, WorkCenterOut)
from lrip.db import get_one, utcnow
from lrip.errors import NotFound, verdict
from lrip.fields import identifier


def _taken(session: Session, column, value: str, *where) -> bool:
    """Whether the identifier is used already, regardless of case."""
    return session.execute(select(column).where(func.lower(column) == value.lower(), *where)).first() is not None


def setup_changed(session: Session) -> None:
    """Bump the setup version (one row): what the shop floor builds from has changed."""
    if session.execute(update(SetupVersion).values(version=SetupVersion.version + 1)).rowcount == 0:
        session.add(SetupVersion(id=1, version=1))


# ---------------------------------------------------------------- parts and BOMs

def _part_out(part: Part) -> PartOut:
    return PartOut(number=part.number, description=part.description, tracking=part.tracking)


def _revision_out(rev: PartRevision) -> PartRevisionOut:
    return PartRevisionOut(part=rev.part.number, revision=rev.revision, status=rev.status)


@command("catalog.manage")
def create_part(session: Session, actor: Actor, *, number: str, description: str, tracking: str) -> PartOut:
    number, bad_number = as_identifier(number, "a part number")
    reasons = one_of(tracking, Tracking, "tracking") + bad_number
    if not bad_number and _taken(session, Part.number, number):
        reasons.append(f"part {number} already exists")
    verdict(reasons).raise_if_refused("part_refused")
    part = Part(number=number, description=description, tracking=tracking)
    session.add(part)
    session.flush()
    audit.record(session, actor=actor, action="part.created", record_type="part", record_id=number,
                 after={"description": description, "tracking": tracking})
    return _part_out(part)


def get_part(session: Session, number: str) -> Part:
    return get_one(session, Part, "part", number=number)


def get_part_revision(session: Session, number: str, revision: str) -> PartRevision:
    part = get_part(session, number)
    return get_one(session, PartRevision, f"revision of {part.number}", revision=revision, part_id=part.id)


@command("catalog.manage")
def add_part_revision(session: Session, actor: Actor, *, number: str, revision: str,
                      release: bool = False) -> PartRevisionOut:
    part = get_part(session, number)
    revision, reasons = as_revision(revision)
    if not reasons and _taken(session, PartRevision.revision, revision, PartRevision.part_id == part.id):
        reasons.append(f"{part.number} rev {revision} already exists")
    verdict(reasons).raise_if_refused("revision_refused")
    rev = PartRevision(part_id=part.id, revision=revision,
                       status=PartRevisionStatus.RELEASED if release else PartRevisionStatus.DRAFT)
    session.add(rev)
    session.flush()
    audit.record(session, actor=actor, action="part_revision.created", record_type="part_revision",
                 record_id=f"{part.number}/{revision}", after={"status": rev.status})
    return _revision_out(rev)


@command("catalog.manage")
def add_bom_line(session: Session, actor: Actor, *, parent: str, revision: str, child: str, quantity: float,
                 operation_sequence: int) -> BomLineOut:
    parent_rev = get_part_revision(session, parent, revision)
    child_part = get_part(session, child)
    reasons = []
    if not (quantity > 0 and math.isfinite(quantity)):
        reasons.append(f"a BOM quantity is positive, not {quantity}")
    if child_part.tracking == Tracking.SERIAL and quantity != int(quantity):
        reasons.append(f"{child_part.number} is serialized; its quantity is a whole number")
    if child_part.id == parent_rev.part_id:
        reasons.append(f"{child_part.number} cannot contain itself")
    if session.execute(select(BomLine.id).filter_by(parent_revision_id=parent_rev.id,
                                                    child_part_id=child_part.id)).first():
        reasons.append(f"{child_part.number} is already on the BOM of {parent_rev.part.number} rev {parent_rev.revision}")
    verdict(reasons).raise_if_refused("bom_refused")
    line = BomLine(parent_revision_id=parent_rev.id, child_part_id=child_part.id, quantity=quantity,
                   operation_sequence=operation_sequence)
    session.add(line)
    session.flush()
    setup_changed(session)
    audit.record(session, actor=actor, action="bom_line.added", record_type="part_revision",
                 record_id=f"{parent_rev.part.number}/{parent_rev.revision}",
                 after={"child": child_part.number, "quantity": quantity, "operation": operation_sequence})
    return BomLineOut(parent=parent_rev.part.number, revision=parent_rev.revision, child=child_part.number,
                      quantity=quantity, operation_sequence=operation_sequence)


# ---------------------------------------------------------------- work instructions

def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _document_revision_out(rev: DocumentRevision) -> DocumentRevisionOut:
    return DocumentRevisionOut(document=rev.document.number, revision=rev.revision, status=rev.status,
                               content_hash=rev.content_hash, released_at=rev.released_at)


@command("catalog.manage")
def create_document(session: Session, actor: Actor, *, number: str, title: str) -> DocumentOut:
    number, reasons = as_identifier(number, "a document number")
    if not reasons and _taken(session, Document.number, number):
        reasons.append(f"document {number} already exists")
    verdict(reasons).raise_if_refused("document_refused")
    doc = Document(number=number, title=title)
    session.add(doc)
    session.flush()
    audit.record(session, actor=actor, action="document.created", record_type="document", record_id=number,
                 after={"title": title})
    return DocumentOut(number=doc.number, title=doc.title)


def get_document_revision(session: Session, number: str, revision: str) -> DocumentRevision:
    doc = get_one(session, Document, "document", number=number)
    return get_one(session, DocumentRevision, f"revision of {doc.number}", revision=revision, document_id=doc.id)


@command("catalog.manage")
def add_document_revision(session: Session, actor: Actor, *, number: str, revision: str, content: str,
                          status: str = DocumentStatus.DRAFT) -> DocumentRevisionOut:
    doc = get_one(session, Document, "document", number=number)
    revision, reasons = as_revision(revision)
    if status not in rules.NEW_DOCUMENT_STATUSES:
        reasons.append(f"a new revision starts as draft or redline, not {status}; release it afterwards")
    if _taken(session, DocumentRevision.revision, revision, DocumentRevision.document_id == doc.id):
        reasons.append(f"{doc.number} rev {revision} already exists")
    if not content.strip():
        reasons.append("a work instruction has text")
    verdict(reasons).raise_if_refused("document_refused")
    rev = DocumentRevision(document_id=doc.id, revision=revision, status=status, content=content,
                           content_hash=content_hash(content))
    session.add(rev)
    session.flush()
    audit.record(session, actor=actor, action="document_revision.created", record_type="document",
                 record_id=f"{doc.number}/{revision}", after={"status": status, "content_hash": rev.content_hash})
    return _document_revision_out(rev)


@command("catalog.manage")
def release_document_revision(session: Session, actor: Actor, *, number: str, revision: str) -> DocumentRevisionOut:
    """Release a draft or redline; the revision released before it is superseded."""
    return _document_revision_out(release_document(session, actor, number=number, revision=revision))


def release_document(session: Session, actor: Actor, *, number: str, revision: str,
                     supersede: bool = True, reason: str | None = None) -> DocumentRevision:
    """Release one revision; the one released before it is superseded, unless `supersede` is
    False (change control keeps it in effect for the open lots that still build on it)."""
    rev = get_document_revision(session, number, revision)
    label = f"{rev.document.number} rev {rev.revision}"
    status, decision = rules.DOCUMENT.next(rev.status, "release", label)
    decision.raise_if_refused("document_refused")
    olds = session.execute(select(DocumentRevision).filter_by(document_id=rev.document_id,
                                                              status=DocumentStatus.RELEASED)).scalars().all()
    for old in olds if supersede else ():
        _supersede(session, actor, old, reason)
    before = rev.status
    rev.status, rev.released_at = status, utcnow()
    setup_changed(session)
    audit.record(session, actor=actor, action="document_revision.released", record_type="document",
                 record_id=f"{rev.document.number}/{rev.revision}", before={"status": before},
                 after={"status": status}, reason=reason)
    return rev


def supersede_document_revision(session: Session, actor: Actor, *, number: str, revision: str,
                                reason: str | None = None) -> DocumentRevision:
    """Supersede a released revision that no open lot builds on any more (change control)."""
    rev = get_document_revision(session, number, revision)
    _supersede(session, actor, rev, reason)
    return rev


def _supersede(session: Session, actor: Actor, rev: DocumentRevision, reason: str | None) -> None:
    status, decision = rules.DOCUMENT.next(rev.status, "supersede", f"{rev.document.number} rev {rev.revision}")
    decision.raise_if_refused("document_refused")
    before, rev.status = rev.status, status
    setup_changed(session)
    audit.record(session, actor=actor, action="document_revision.superseded", record_type="document",
                 record_id=f"{rev.document.number}/{rev.revision}", before={"status": before},
                 after={"status": status}, reason=reason)


# ---------------------------------------------------------------- work centers, tools, qualifications

def _tool_out(tool: Tool) -> ToolOut:
    return ToolOut(code=tool.code, kind=tool.kind, description=tool.description, category=tool.category,
                   calibration_due=tool.calibration_due, active=tool.active)


@command("catalog.manage")
def create_work_center(session: Session, actor: Actor, *, code: str, name: str, hours_per_day: float,
                       stations: int = 1, efficiency: float = 1.0) -> WorkCenterOut:
    code, reasons = as_identifier(code, "a work center code", CODE_LENGTH)
    if not reasons and _taken(session, WorkCenter.code, code):
        reasons.append(f"work center {code} already exists")
    if not 0 < hours_per_day <= 24:
        reasons.append(f"hours per day are between 0 and 24, not {hours_per_day}")
    if stations < 1:
        reasons.append(f"a work center has at least 1 station, not {stations}")
    if not 0 < efficiency <= 1:
        reasons.append(f"efficiency is above 0 and at most 1, not {efficiency}")
    verdict(reasons).raise_if_refused("work_center_refused")
    wc = WorkCenter(code=code, name=name, hours_per_day=hours_per_day, stations=stations, efficiency=efficiency)
    session.add(wc)
    session.flush()
    audit.record(session, actor=actor, action="work_center.created", record_type="work_center", record_id=code,
                 after={"name": name, "hours_per_day": hours_per_day, "stations": stations, "efficiency": efficiency})
    return WorkCenterOut(code=code, name=name, hours_per_day=hours_per_day, stations=stations, efficiency=efficiency)


@command("catalog.manage")
def create_tool(session: Session, actor: Actor, *, code: str, kind: str, description: str, category: str,
                calibration_due: date | None) -> ToolOut:
    code, reasons = as_identifier(code, "a tool code", CODE_LENGTH)
    if not reasons and _taken(session, Tool.code, code):
        reasons.append(f"tool {code} already exists")
    reasons += one_of(category, ToolCategory, "a tool")
    verdict(reasons).raise_if_refused("tool_refused")
    tool = Tool(code=code, kind=kind, description=description, category=category, calibration_due=calibration_due,
                active=True)
    session.add(tool)
    session.flush()
    audit.record(session, actor=actor, action="tool.created", record_type="tool", record_id=code,
                 after={"kind": kind, "category": category, "calibration_due": calibration_due})
    return _tool_out(tool)


@command("catalog.manage")
def calibrate_tool(session: Session, actor: Actor, *, code: str, due: date) -> ToolOut:
    tool = get_one(session, Tool, "tool", code=code)
    before = tool.calibration_due
    tool.calibration_due = due
    audit.record(session, actor=actor, action="tool.calibrated", record_type="tool", record_id=tool.code,
                 before={"calibration_due": before}, after={"calibration_due": due})
    return _tool_out(tool)


@command("qualification.manage")
def grant_qualification(session: Session, actor: Actor, *, username: str, skill: str, granted_on: date,
                        expires_on: date) -> QualificationOut:
    """Grant a skill to an operator, or renew it in place."""
    user = get_user(session, username)
    if expires_on <= granted_on:
        verdict([f"a qualification expires after it is granted ({granted_on} .. {expires_on})"]
                ).raise_if_refused("qualification_refused")
    qual = session.execute(select(Qualification).filter_by(user_id=user.id, skill=skill)).scalar_one_or_none()
    before = {"expires_on": qual.expires_on} if qual else None
    if qual is None:
        qual = Qualification(user_id=user.id, skill=skill, granted_on=granted_on, expires_on=expires_on)
        session.add(qual)
    else:
        qual.granted_on, qual.expires_on = granted_on, expires_on
    audit.record(session, actor=actor, action="qualification.granted", record_type="user", record_id=user.username,
                 before=before, after={"skill": skill, "expires_on": expires_on})
    return QualificationOut(username=user.username, skill=skill, granted_on=granted_on, expires_on=expires_on)


# ---------------------------------------------------------------- routings

def routing_out(routing: Routing) -> RoutingOut:
    """A routing with its operations and characteristics, as the answer every entry point gives."""
    prev = routing.part_revision
    return RoutingOut(part=prev.part.number, part_revision=prev.revision, revision=routing.revision,
                      status=routing.status, operations=[
                          OperationOut(sequence=op.sequence, name=op.name, work_center=op.work_center.code,
                                       standard_minutes=op.standard_minutes,
                                       instruction=op.document_revision.label if op.document_revision else None,
                                       tool_kinds=list(op.required_tool_kinds or ()), skill=op.required_skill,
                                       characteristics=[CharacteristicOut.model_validate(c)
                                                        for c in op.characteristics])
                          for op in routing.operations])


@command("catalog.manage")
def create_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                   operations: list[OperationSpec], release: bool = False) -> RoutingOut:
    """A routing of a part revision, with its operations and their characteristics."""
    return routing_out(_new_routing(session, actor, part=part, part_revision=part_revision, revision=revision,
                                    operations=operations, release=release))


def _new_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                 operations: list[OperationSpec], release: bool = False) -> Routing:
    prev = get_part_revision(session, part, part_revision)
    part, part_revision = prev.part.number, prev.revision
    revision, reasons = as_revision(revision)
    reasons += rules.routing_problems(operations)
    if _taken(session, Routing.revision, revision, Routing.part_revision_id == prev.id):
        reasons.append(f"routing rev {revision} of {part} rev {part_revision} already exists")
    centers = {wc.code.lower(): wc for wc in session.execute(select(WorkCenter)).scalars()}
    docs = {}
    for o in operations:
        if o.work_center.lower() not in centers:
            reasons.append(f"operation {o.sequence}: no work center {o.work_center}")
        if o.instruction:
            try:
                docs[o.instruction] = get_document_revision(session, *o.instruction)
            except NotFound as exc:
                reasons.append(f"operation {o.sequence}: {exc}")
    verdict(reasons).raise_if_refused("routing_refused")
    routing = Routing(part_revision_id=prev.id, revision=revision,
                      status=RoutingStatus.RELEASED if release else RoutingStatus.DRAFT)
    session.add(routing)
    session.flush()
    for o in operations:
        op = Operation(routing_id=routing.id, sequence=o.sequence, name=o.name,
                       work_center_id=centers[o.work_center.lower()].id, standard_minutes=o.standard_minutes,
                       document_revision_id=docs[o.instruction].id if o.instruction else None,
                       required_tool_kinds=list(o.tool_kinds), required_skill=o.skill)
        session.add(op)
        session.flush()
        for c in o.characteristics:
            session.add(Characteristic(operation_id=op.id, code=identifier(c.code), name=c.name, kind=c.kind,
                                       nominal=c.nominal, lsl=c.lsl, usl=c.usl, units=c.units, key=c.key))
    session.flush()
    if release:
        setup_changed(session)
    audit.record(session, actor=actor, action="routing.created", record_type="routing",
                 record_id=f"{part}/{part_revision}/{revision}",
                 after={"status": routing.status, "operations": [o.sequence for o in operations]})
    return routing


def get_routing(session: Session, part: str, part_revision: str, revision: str) -> Routing:
    prev = get_part_revision(session, part, part_revision)
    return get_one(session, Routing, f"routing of {prev.part.number} rev {prev.revision}", revision=revision,
                   part_revision_id=prev.id)


def find_operation(routing: Routing, operation: str | int) -> Operation:
    """An operation of the routing by its sequence number (30) or its name, regardless of case;
    NotFound naming the operations the routing has."""
    wanted = str(operation).strip()
    for op in routing.operations:
        if wanted.isdigit() and op.sequence == int(wanted) or op.name.casefold() == wanted.casefold():
            return op
    prev = routing.part_revision
    raise NotFound("operation_not_found",
                   f"routing {routing.revision} of {prev.part.number} rev {prev.revision} has no operation {wanted}; "
                   "it has " + ", ".join(f"{o.sequence} {o.name}" for o in routing.operations))


# ---------------------------------------------------------------- revisions under change control

def release_part_revision(session: Session, actor: Actor, *, number: str, revision: str,
                          reason: str | None = None) -> PartRevision:
    """Release a draft part revision; the revisions released before it become obsolete."""
    rev = get_part_revision(session, number, revision)
    status, decision = rules.PART_REVISION.next(rev.status, "release", f"{rev.part.number} rev {rev.revision}")
    decision.raise_if_refused("revision_refused")
    for old in session.execute(select(PartRevision).filter_by(part_id=rev.part_id,
                                                              status=PartRevisionStatus.RELEASED)).scalars().all():
        old.status = PartRevisionStatus.OBSOLETE
        audit.record(session, actor=actor, action="part_revision.obsoleted", record_type="part_revision",
                     record_id=f"{rev.part.number}/{old.revision}", before={"status": PartRevisionStatus.RELEASED},
                     after={"status": old.status}, reason=reason)
    before, rev.status = rev.status, status
    setup_changed(session)
    audit.record(session, actor=actor, action="part_revision.released", record_type="part_revision",
                 record_id=f"{rev.part.number}/{rev.revision}", before={"status": before}, after={"status": status},
                 reason=reason)
    return rev


def release_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                    reason: str | None = None) -> Routing:
    """Release a draft routing; the routing released before it for the same part revision is
    superseded (lots already open on it keep building on it: a lot builds on one routing)."""
    routing = get_routing(session, part, part_revision, revision)
    prev = routing.part_revision
    key = f"{prev.part.number}/{prev.revision}"
    status, decision = rules.ROUTING.next(routing.status, "release",
                                          f"routing rev {routing.revision} of {prev.part.number} rev {prev.revision}")
    decision.raise_if_refused("routing_refused")
    for old in session.execute(select(Routing).filter_by(part_revision_id=routing.part_revision_id,
                                                         status=RoutingStatus.RELEASED)).scalars().all():
        old.status = RoutingStatus.SUPERSEDED
        audit.record(session, actor=actor, action="routing.superseded", record_type="routing",
                     record_id=f"{key}/{old.revision}", before={"status": RoutingStatus.RELEASED},
                     after={"status": old.status}, reason=reason)
    before, routing.status = routing.status, status
    setup_changed(session)
    audit.record(session, actor=actor, action="routing.released", record_type="routing",
                 record_id=f"{key}/{routing.revision}", before={"status": before}, after={"status": status},
                 reason=reason)
    return routing


def routing_specs(routing: Routing) -> list[OperationSpec]:
    """A routing as the specs that would create it again."""
    return [OperationSpec(op.sequence, op.name, op.work_center.code, op.standard_minutes,
                          (op.document_revision.document.number, op.document_revision.revision)
                          if op.document_revision else None,
                          tuple(op.required_tool_kinds or ()), op.required_skill,
                          tuple(CharacteristicSpec(c.code, c.name, c.kind, c.nominal, c.lsl, c.usl, c.units, c.key)
                                for c in op.characteristics))
            for op in routing.operations]


def copy_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str, new_revision: str,
                 instructions: dict[int, tuple[str, str]]) -> Routing:
    """A draft copy of a routing under a new revision, with some operations' instructions replaced
    (sequence -> (document, revision)): how a new instruction reaches the next lot only."""
    specs = routing_specs(get_routing(session, part, part_revision, revision))
    specs = [replace(s, instruction=instructions.get(s.sequence, s.instruction)) for s in specs]
    return _new_routing(session, actor, part=part, part_revision=part_revision, revision=new_revision,
                        operations=specs)


def set_operation_instruction(session: Session, actor: Actor, *, routing: Routing, sequence: int, document: str,
                              revision: str, reason: str | None = None) -> Operation:
    """Point one operation of a routing at another instruction revision; operations already started
    keep the revision they were started with (the operation record holds it)."""
    op = find_operation(routing, sequence)
    new = get_document_revision(session, document, revision)
    before = op.document_revision.label if op.document_revision else None
    op.document_revision_id = new.id
    session.flush()
    session.refresh(op, ["document_revision"])
    setup_changed(session)
    prev = routing.part_revision
    audit.record(session, actor=actor, action="routing.instruction_changed", record_type="routing",
                 record_id=f"{prev.part.number}/{prev.revision}/{routing.revision}",
                 before={"operation": sequence, "instruction": before},
                 after={"operation": sequence, "instruction": new.label}, reason=reason)
    return op
