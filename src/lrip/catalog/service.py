"""Engineering data: parts, revisions, BOMs, work instructions, work centers, tools,
qualifications and routings. Each function is one audited transaction."""
import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.service import get_user
from lrip.catalog.models import (BomLine, Characteristic, Document, DocumentRevision, Operation, Part,
                                 PartRevision, Qualification, Routing, Tool, WorkCenter)
from lrip.db import get_one, transactional, utcnow
from lrip.errors import NotFound, verdict


def _taken(session: Session, column, value) -> bool:
    return session.execute(select(column).where(column == value)).first() is not None


@transactional
def create_part(session: Session, *, number: str, description: str, tracking: str, actor: str) -> Part:
    reasons = []
    if tracking not in ("serial", "lot", "none"):
        reasons.append(f"tracking is serial, lot or none, not '{tracking}'")
    if not number.strip():
        reasons.append("a part needs a number")
    if _taken(session, Part.number, number):
        reasons.append(f"part {number} already exists")
    verdict(reasons).raise_if_refused("part_refused")
    part = Part(number=number, description=description, tracking=tracking)
    session.add(part)
    session.flush()
    audit.record(session, actor=actor, action="part.created", record_type="part", record_id=number,
                 after={"description": description, "tracking": tracking})
    return part


def get_part(session: Session, number: str) -> Part:
    return get_one(session, Part, "part", number=number)


def get_part_revision(session: Session, number: str, revision: str) -> PartRevision:
    part = get_part(session, number)
    return get_one(session, PartRevision, f"revision of {number}", revision=revision, part_id=part.id)


@transactional
def add_part_revision(session: Session, *, number: str, revision: str, actor: str, release: bool = False) -> PartRevision:
    part = get_part(session, number)
    if session.execute(select(PartRevision.id).filter_by(part_id=part.id, revision=revision)).first():
        verdict([f"{number} rev {revision} already exists"]).raise_if_refused("revision_refused")
    rev = PartRevision(part_id=part.id, revision=revision, status="released" if release else "draft")
    session.add(rev)
    session.flush()
    audit.record(session, actor=actor, action="part_revision.created", record_type="part_revision",
                 record_id=f"{number}/{revision}", after={"status": rev.status})
    return rev


@transactional
def add_bom_line(session: Session, *, parent: str, revision: str, child: str, quantity: float,
                 operation_sequence: int, actor: str) -> BomLine:
    parent_rev = get_part_revision(session, parent, revision)
    child_part = get_part(session, child)
    reasons = []
    if not (quantity > 0 and math.isfinite(quantity)):
        reasons.append(f"a BOM quantity is positive, not {quantity}")
    if child_part.tracking == "serial" and quantity != int(quantity):
        reasons.append(f"{child} is serialized; its quantity is a whole number")
    if child_part.id == parent_rev.part_id:
        reasons.append(f"{parent} cannot contain itself")
    if session.execute(select(BomLine.id).filter_by(parent_revision_id=parent_rev.id, child_part_id=child_part.id)).first():
        reasons.append(f"{child} is already on the BOM of {parent} rev {revision}")
    verdict(reasons).raise_if_refused("bom_refused")
    line = BomLine(parent_revision_id=parent_rev.id, child_part_id=child_part.id, quantity=quantity,
                   operation_sequence=operation_sequence)
    session.add(line)
    session.flush()
    audit.record(session, actor=actor, action="bom_line.added", record_type="part_revision",
                 record_id=f"{parent}/{revision}", after={"child": child, "quantity": quantity,
                                                           "operation": operation_sequence})
    return line


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transactional
def create_document(session: Session, *, number: str, title: str, actor: str) -> Document:
    if _taken(session, Document.number, number):
        verdict([f"document {number} already exists"]).raise_if_refused("document_refused")
    doc = Document(number=number, title=title)
    session.add(doc)
    session.flush()
    audit.record(session, actor=actor, action="document.created", record_type="document", record_id=number,
                 after={"title": title})
    return doc


def get_document_revision(session: Session, number: str, revision: str) -> DocumentRevision:
    doc = get_one(session, Document, "document", number=number)
    return get_one(session, DocumentRevision, f"revision of {number}", revision=revision, document_id=doc.id)


@transactional
def add_document_revision(session: Session, *, number: str, revision: str, content: str, actor: str,
                          status: str = "draft") -> DocumentRevision:
    doc = get_one(session, Document, "document", number=number)
    reasons = []
    if status not in ("draft", "redline"):
        reasons.append(f"a new revision starts as draft or redline, not {status}; release it afterwards")
    if session.execute(select(DocumentRevision.id).filter_by(document_id=doc.id, revision=revision)).first():
        reasons.append(f"{number} rev {revision} already exists")
    if not content.strip():
        reasons.append("a work instruction has text")
    verdict(reasons).raise_if_refused("document_refused")
    rev = DocumentRevision(document_id=doc.id, revision=revision, status=status, content=content,
                           content_hash=content_hash(content))
    session.add(rev)
    session.flush()
    audit.record(session, actor=actor, action="document_revision.created", record_type="document",
                 record_id=f"{number}/{revision}", after={"status": status, "content_hash": rev.content_hash})
    return rev


@transactional
def release_document_revision(session: Session, *, number: str, revision: str, actor: str,
                              supersede: bool = True) -> DocumentRevision:
    """Release one revision; the one released before it is superseded, unless `supersede` is
    False (change control keeps it in effect for the open lots that still build on it)."""
    rev = get_document_revision(session, number, revision)
    if rev.status not in ("draft", "redline"):
        verdict([f"{number} rev {revision} is {rev.status}; only a draft or redline is released"]
                ).raise_if_refused("document_refused")
    olds = session.execute(select(DocumentRevision).filter_by(document_id=rev.document_id, status="released")).scalars()
    for old in olds if supersede else ():
        old.status = "superseded"
        audit.record(session, actor=actor, action="document_revision.superseded", record_type="document",
                     record_id=f"{number}/{old.revision}", before={"status": "released"}, after={"status": "superseded"})
    before = rev.status
    rev.status, rev.released_at = "released", utcnow()
    audit.record(session, actor=actor, action="document_revision.released", record_type="document",
                 record_id=f"{number}/{revision}", before={"status": before}, after={"status": "released"})
    return rev


@transactional
def create_work_center(session: Session, *, code: str, name: str, hours_per_day: float, stations: int = 1,
                       efficiency: float = 1.0, actor: str) -> WorkCenter:
    reasons = []
    if _taken(session, WorkCenter.code, code):
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
    return wc


@transactional
def create_tool(session: Session, *, code: str, kind: str, description: str, category: str,
                calibration_due: date | None, actor: str) -> Tool:
    reasons = []
    if _taken(session, Tool.code, code):
        reasons.append(f"tool {code} already exists")
    if category not in ("production", "temporary"):
        reasons.append(f"a tool is production or temporary, not '{category}'")
    verdict(reasons).raise_if_refused("tool_refused")
    tool = Tool(code=code, kind=kind, description=description, category=category, calibration_due=calibration_due)
    session.add(tool)
    session.flush()
    audit.record(session, actor=actor, action="tool.created", record_type="tool", record_id=code,
                 after={"kind": kind, "category": category, "calibration_due": calibration_due})
    return tool


@transactional
def calibrate_tool(session: Session, *, code: str, due: date, actor: str) -> Tool:
    tool = get_one(session, Tool, "tool", code=code)
    before = tool.calibration_due
    tool.calibration_due = due
    audit.record(session, actor=actor, action="tool.calibrated", record_type="tool", record_id=code,
                 before={"calibration_due": before}, after={"calibration_due": due})
    return tool


@transactional
def grant_qualification(session: Session, *, username: str, skill: str, granted_on: date, expires_on: date,
                        actor: str) -> Qualification:
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
    audit.record(session, actor=actor, action="qualification.granted", record_type="user", record_id=username,
                 before=before, after={"skill": skill, "expires_on": expires_on})
    return qual


@dataclass(frozen=True)
class CharacteristicSpec:
    code: str
    name: str
    kind: str = "variable"
    nominal: float | None = None
    lsl: float | None = None
    usl: float | None = None
    units: str | None = None
    key: bool = False


@dataclass(frozen=True)
class OperationSpec:
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: tuple[str, str] | None = None  # (document number, revision)
    tool_kinds: tuple[str, ...] = ()
    skill: str | None = None
    characteristics: tuple[CharacteristicSpec, ...] = field(default_factory=tuple)


def _routing_reasons(operations: list[OperationSpec]) -> list[str]:
    reasons = []
    seqs = [o.sequence for o in operations]
    if not operations:
        reasons.append("a routing has at least one operation")
    if len(set(seqs)) != len(seqs):
        reasons.append("operation sequence numbers are unique in a routing")
    codes = [c.code for o in operations for c in o.characteristics]
    for dup in sorted({c for c in codes if codes.count(c) > 1}):
        reasons.append(f"characteristic {dup} appears twice; codes are unique in a routing")
    for o in operations:
        if not (o.standard_minutes > 0 and math.isfinite(o.standard_minutes)):
            reasons.append(f"operation {o.sequence} needs positive standard minutes")
        for c in o.characteristics:
            limits = [x for x in (c.nominal, c.lsl, c.usl) if x is not None]
            if not all(math.isfinite(x) for x in limits):
                reasons.append(f"{c.code} has a nominal or limit that is not a finite number")
                continue
            if c.kind not in ("variable", "attribute"):
                reasons.append(f"{c.code} is variable or attribute, not '{c.kind}'")
            elif c.kind == "variable" and c.lsl is None and c.usl is None:
                reasons.append(f"{c.code} is variable and needs a lower or upper limit")
            elif c.lsl is not None and c.usl is not None and c.lsl >= c.usl:
                reasons.append(f"{c.code} lower limit {c.lsl} is not below upper limit {c.usl}")
    return reasons


@transactional
def create_routing(session: Session, *, part: str, part_revision: str, revision: str,
                   operations: list[OperationSpec], actor: str, release: bool = False) -> Routing:
    prev = get_part_revision(session, part, part_revision)
    reasons = _routing_reasons(operations)
    if session.execute(select(Routing.id).filter_by(part_revision_id=prev.id, revision=revision)).first():
        reasons.append(f"routing rev {revision} of {part} rev {part_revision} already exists")
    centers = {wc.code: wc for wc in session.execute(select(WorkCenter)).scalars()}
    docs = {}
    for o in operations:
        if o.work_center not in centers:
            reasons.append(f"operation {o.sequence}: no work center {o.work_center}")
        if o.instruction:
            try:
                docs[o.instruction] = get_document_revision(session, *o.instruction)
            except NotFound as exc:
                reasons.append(f"operation {o.sequence}: {exc}")
    verdict(reasons).raise_if_refused("routing_refused")
    routing = Routing(part_revision_id=prev.id, revision=revision, status="released" if release else "draft")
    session.add(routing)
    session.flush()
    for o in operations:
        op = Operation(routing_id=routing.id, sequence=o.sequence, name=o.name,
                       work_center_id=centers[o.work_center].id, standard_minutes=o.standard_minutes,
                       document_revision_id=docs[o.instruction].id if o.instruction else None,
                       required_tool_kinds=list(o.tool_kinds), required_skill=o.skill)
        session.add(op)
        session.flush()
        for c in o.characteristics:
            session.add(Characteristic(operation_id=op.id, code=c.code, name=c.name, kind=c.kind, nominal=c.nominal,
                                       lsl=c.lsl, usl=c.usl, units=c.units, key=c.key))
    session.flush()
    audit.record(session, actor=actor, action="routing.created", record_type="routing",
                 record_id=f"{part}/{part_revision}/{revision}",
                 after={"status": routing.status, "operations": [o.sequence for o in operations]})
    return routing


def get_routing(session: Session, part: str, part_revision: str, revision: str) -> Routing:
    prev = get_part_revision(session, part, part_revision)
    return get_one(session, Routing, f"routing of {part} rev {part_revision}", revision=revision,
                   part_revision_id=prev.id)


# ---------------------------------------------------------------- revisions under change control

@transactional
def supersede_document_revision(session: Session, *, number: str, revision: str, actor: str,
                                reason: str | None = None) -> DocumentRevision:
    """Supersede a released revision that no open lot builds on any more."""
    rev = get_document_revision(session, number, revision)
    if rev.status != "released":
        verdict([f"{number} rev {revision} is {rev.status}; only a released revision is superseded"]
                ).raise_if_refused("document_refused")
    rev.status = "superseded"
    audit.record(session, actor=actor, action="document_revision.superseded", record_type="document",
                 record_id=f"{number}/{revision}", before={"status": "released"}, after={"status": "superseded"},
                 reason=reason)
    return rev


@transactional
def release_part_revision(session: Session, *, number: str, revision: str, actor: str,
                          reason: str | None = None) -> PartRevision:
    """Release a draft part revision; the revisions released before it become obsolete."""
    rev = get_part_revision(session, number, revision)
    if rev.status != "draft":
        verdict([f"{number} rev {revision} is {rev.status}; only a draft revision is released"]
                ).raise_if_refused("revision_refused")
    for old in session.execute(select(PartRevision).filter_by(part_id=rev.part_id, status="released")).scalars():
        old.status = "obsolete"
        audit.record(session, actor=actor, action="part_revision.obsoleted", record_type="part_revision",
                     record_id=f"{number}/{old.revision}", before={"status": "released"}, after={"status": "obsolete"},
                     reason=reason)
    rev.status = "released"
    audit.record(session, actor=actor, action="part_revision.released", record_type="part_revision",
                 record_id=f"{number}/{revision}", before={"status": "draft"}, after={"status": "released"},
                 reason=reason)
    return rev


@transactional
def release_routing(session: Session, *, part: str, part_revision: str, revision: str, actor: str,
                    reason: str | None = None) -> Routing:
    """Release a draft routing; the routing released before it for the same part revision is
    superseded (lots already open on it keep building on it: a lot builds on one routing)."""
    routing = get_routing(session, part, part_revision, revision)
    if routing.status != "draft":
        verdict([f"routing rev {revision} of {part} rev {part_revision} is {routing.status}; only a draft is released"]
                ).raise_if_refused("routing_refused")
    for old in session.execute(select(Routing).filter_by(part_revision_id=routing.part_revision_id,
                                                         status="released")).scalars():
        old.status = "superseded"
        audit.record(session, actor=actor, action="routing.superseded", record_type="routing",
                     record_id=f"{part}/{part_revision}/{old.revision}", before={"status": "released"},
                     after={"status": "superseded"}, reason=reason)
    routing.status = "released"
    audit.record(session, actor=actor, action="routing.released", record_type="routing",
                 record_id=f"{part}/{part_revision}/{revision}", before={"status": "draft"},
                 after={"status": "released"}, reason=reason)
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


@transactional
def copy_routing(session: Session, *, part: str, part_revision: str, revision: str, new_revision: str,
                 instructions: dict[int, tuple[str, str]], actor: str) -> Routing:
    """A draft copy of a routing under a new revision, with some operations' instructions replaced
    (sequence -> (document, revision)): how a new instruction reaches the next lot only."""
    specs = routing_specs(get_routing(session, part, part_revision, revision))
    specs = [replace(s, instruction=instructions.get(s.sequence, s.instruction)) for s in specs]
    return create_routing(session, part=part, part_revision=part_revision, revision=new_revision, operations=specs,
                          actor=actor)


@transactional
def set_operation_instruction(session: Session, *, routing: Routing, sequence: int, document: str, revision: str,
                              actor: str, reason: str | None = None) -> Operation:
    """Point one operation of a routing at another instruction revision; operations already started
    keep the revision they were started with (the operation record holds it)."""
    op = next((o for o in routing.operations if o.sequence == sequence), None)
    if op is None:
        raise NotFound("operation_not_found", f"routing rev {routing.revision} has no operation {sequence}")
    new = get_document_revision(session, document, revision)
    before = op.document_revision.label if op.document_revision else None
    op.document_revision_id = new.id
    session.flush()
    session.refresh(op, ["document_revision"])
    prev = routing.part_revision
    audit.record(session, actor=actor, action="routing.instruction_changed", record_type="routing",
                 record_id=f"{prev.part.number}/{prev.revision}/{routing.revision}",
                 before={"operation": sequence, "instruction": before},
                 after={"operation": sequence, "instruction": new.label}, reason=reason)
    return op
