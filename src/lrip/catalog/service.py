"""Engineering data: parts, revisions, BOMs, work instructions, work centers, tools and gauges,
qualifications and routings.

The use cases (decorated) are what a manufacturing engineer does; the plain functions below them
(releasing and superseding revisions, copying a routing) are what change control does inside its own
use case when it implements an approved change. Every change to what the shop floor builds from (a
released routing, its operations, a BOM, a revision's status) calls `setup_changed`, so a process
that keeps released routings in memory reads them again.

A released revision never changes in place. Releasing the next one outside change control asks the
areas above (`ReleasedRevisionsSucceeded`): once a program that builds on it is in LRIP or FRP, a
change request must carry it."""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from lrip import audit, events
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import User
from lrip.auth.service import get_user
from lrip.catalog import markdown, rules
from lrip.catalog.events import ReleasedRevisionsSucceeded, Succession
from lrip.catalog.models import (BomLine, Characteristic, Document, DocumentImage, DocumentRevision, Operation, Part,
                                 PartRevision, Qualification, Routing, SetupVersion, Tool, ToolCalibration, WorkCenter)
from lrip.catalog.rules import (CODE_LENGTH, CharacteristicSpec, DocumentStatus, OperationSpec, PartRevisionStatus,
                                RoutingStatus, ToolCategory, Tracking, as_identifier, as_revision, one_of)
from lrip.catalog.schemas import (BomLineOut, BomNode, BomTree, CalibrationOut, CharacteristicOut, DocumentDetail,
                                  DocumentOut, DocumentRevisionDetail, DocumentRevisionOut, DocumentRow, ImageFile,
                                  ImageOut, OperationOut, PartDetail, PartOut, PartRevisionDetail, PartRevisionOut,
                                  PartRow, QualificationOut, RoutingOut, RoutingRow, SkillOut, ToolOut,
                                  WorkCenterOut)
from lrip.db import Base, get_one, utcnow
from lrip.errors import NotFound, verdict
from lrip.fields import identifier

EXPIRING_DAYS = 30
"""A qualification or a calibration due within this many days is shown as expiring."""


def _taken(session: Session, column, value: str, *where) -> bool:
    """Whether the identifier is used already, regardless of case."""
    return session.execute(select(column).where(func.lower(column) == value.lower(), *where)).first() is not None


def setup_changed(session: Session) -> None:
    """Bump the setup version (one row): what the shop floor builds from has changed."""
    if session.execute(update(SetupVersion).values(version=SetupVersion.version + 1)).rowcount == 0:
        session.add(SetupVersion(id=1, version=1))


def succession_refusals(session: Session, actor: Actor, successions: list[Succession]) -> list[list[str]]:
    """For each released revision about to be succeeded outside change control, every reason it may not
    be (the areas above answer: a program building on it is in LRIP or FRP; the change request to use)."""
    if not successions:
        return []
    answers = events.publish(session, actor, ReleasedRevisionsSucceeded(tuple(successions)))
    return [[reason for answer in answers for reason in answer[i]] for i in range(len(successions))]


def in_use(session: Session, model, ids: list[int], *, besides: tuple = ()) -> bool:
    """Whether any record of any area (but the `besides` models) refers to these rows: read from the
    tables' foreign keys, so a lower area need not know the higher ones. Such a row is never deleted."""
    if not ids:
        return False
    skip = {model.__table__, *(m.__table__ for m in besides)}
    for other in Base.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is model.__table__ and other not in skip:
                if session.execute(select(fk.parent).where(fk.parent.in_(ids)).limit(1)).first():
                    return True
    return False


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


@query()
def list_parts(session: Session, actor: Actor) -> list[PartRow]:
    """Every part with its revisions, by number."""
    revisions = defaultdict(list)
    for rev in session.execute(select(PartRevision).order_by(PartRevision.id)).scalars():
        revisions[rev.part_id].append(rev)
    return [PartRow(number=p.number, description=p.description, tracking=p.tracking,
                    revisions=[PartRevisionOut(part=p.number, revision=r.revision, status=r.status)
                               for r in revisions[p.id]])
            for p in session.execute(select(Part).order_by(Part.number)).scalars()]


def _routing_row(routing: Routing, part: str, part_revision: str, operations: int) -> RoutingRow:
    return RoutingRow(part=part, part_revision=part_revision, revision=routing.revision, status=routing.status,
                      operations=operations, created_at=routing.created_at)


@query()
def part_detail(session: Session, actor: Actor, *, number: str) -> PartDetail:
    """A part: its revisions with their BOMs and routings, and the assemblies it is used in."""
    part = get_part(session, number)
    revs = session.execute(select(PartRevision).where(PartRevision.part_id == part.id)
                           .order_by(PartRevision.id)).scalars().all()
    ids = [r.id for r in revs]
    lines = defaultdict(list)
    for line in session.execute(select(BomLine).options(joinedload(BomLine.child_part))
                                .where(BomLine.parent_revision_id.in_(ids)).order_by(BomLine.operation_sequence,
                                                                                    BomLine.id)).scalars():
        lines[line.parent_revision_id].append(line)
    routings = defaultdict(list)
    counts = dict(session.execute(select(Operation.routing_id, func.count()).join(Routing)
                                  .where(Routing.part_revision_id.in_(ids)).group_by(Operation.routing_id)).all())
    for r in session.execute(select(Routing).where(Routing.part_revision_id.in_(ids)).order_by(Routing.id)).scalars():
        routings[r.part_revision_id].append(r)
    parents = session.execute(select(Part.number, PartRevision.revision).join(PartRevision, PartRevision.part_id == Part.id)
                              .join(BomLine, BomLine.parent_revision_id == PartRevision.id)
                              .where(BomLine.child_part_id == part.id).order_by(Part.number, PartRevision.id)).all()
    return PartDetail(number=part.number, description=part.description, tracking=part.tracking, revisions=[
        PartRevisionDetail(revision=r.revision, status=r.status,
                           bom=[BomLineOut(parent=part.number, revision=r.revision, child=b.child_part.number,
                                           quantity=b.quantity, operation_sequence=b.operation_sequence)
                                for b in lines[r.id]],
                           routings=[_routing_row(x, part.number, r.revision, counts.get(x.id, 0))
                                     for x in routings[r.id]])
        for r in revs], used_in=[f"{n} rev {rev}" for n, rev in parents])


def current_revisions(session: Session) -> dict[int, PartRevision]:
    """Each part's current revision: its newest released one, else its newest (one query)."""
    current: dict[int, PartRevision] = {}
    for rev in session.execute(select(PartRevision).order_by(PartRevision.id)).scalars():
        held = current.get(rev.part_id)
        if held is None or rev.status == PartRevisionStatus.RELEASED or held.status != PartRevisionStatus.RELEASED:
            current[rev.part_id] = rev
    return current


@query()
def bom_tree(session: Session, actor: Actor, *, number: str, revision: str) -> BomTree:
    """A part revision's BOM, every level down (each child at its current revision), in three queries."""
    top = get_part_revision(session, number, revision)
    parts = {p.id: p for p in session.execute(select(Part)).scalars()}
    current = current_revisions(session)
    lines = defaultdict(list)
    for line in session.execute(select(BomLine).order_by(BomLine.operation_sequence, BomLine.id)).scalars():
        lines[line.parent_revision_id].append(line)

    def nodes(revision_id: int, seen: frozenset[int]) -> list[BomNode]:
        out = []
        for line in lines[revision_id]:
            child, rev = parts[line.child_part_id], current.get(line.child_part_id)
            below = nodes(rev.id, seen | {rev.id}) if rev is not None and rev.id not in seen else []
            out.append(BomNode(part=child.number, description=child.description, tracking=child.tracking,
                               revision=rev.revision if rev else None, quantity=line.quantity,
                               operation_sequence=line.operation_sequence, children=below))
        return out

    return BomTree(part=top.part.number, revision=top.revision, status=top.status, description=top.part.description,
                   lines=nodes(top.id, frozenset({top.id})))


@command("catalog.manage")
def add_part_revision(session: Session, actor: Actor, *, number: str, revision: str,
                      release: bool = False) -> PartRevisionOut:
    part = get_part(session, number)
    revision, reasons = as_revision(revision)
    if not reasons and _taken(session, PartRevision.revision, revision, PartRevision.part_id == part.id):
        reasons.append(f"{part.number} rev {revision} already exists")
    if release:
        reasons += _succession_reasons(session, actor, "bom", part.number, revision, [
            r.revision for r in _released(session, PartRevision, part_id=part.id)])
    verdict(reasons).raise_if_refused("revision_refused")
    rev = PartRevision(part_id=part.id, revision=revision,
                       status=PartRevisionStatus.RELEASED if release else PartRevisionStatus.DRAFT)
    session.add(rev)
    session.flush()
    if release:
        _obsolete_others(session, actor, rev, None)
        setup_changed(session)
    audit.record(session, actor=actor, action="part_revision.created", record_type="part_revision",
                 record_id=f"{part.number}/{revision}", after={"status": rev.status})
    return _revision_out(rev)


def _released(session: Session, model, **by) -> list:
    return session.execute(select(model).filter_by(status="released", **by)).scalars().all()


def _succession_reasons(session: Session, actor: Actor, kind: str, identifier_: str, to_revision: str,
                        released: list[str]) -> list[str]:
    """Every reason the released revisions may not be succeeded by `to_revision` outside change control."""
    return [r for reasons in succession_refusals(session, actor, [Succession(kind, identifier_, old, to_revision)
                                                                  for old in released]) for r in reasons]


@command("catalog.manage")
def release_part(session: Session, actor: Actor, *, number: str, revision: str,
                 reason: str | None = None) -> PartRevisionOut:
    """Release a draft part revision; the one released before it becomes obsolete (in LRIP and FRP a
    change request carries that instead)."""
    rev = get_part_revision(session, number, revision)
    reasons = list(rules.PART_REVISION.next(rev.status, "release", f"{rev.part.number} rev {rev.revision}")[1].reasons)
    reasons += _succession_reasons(session, actor, "bom", rev.part.number, rev.revision,
                                   [r.revision for r in _released(session, PartRevision, part_id=rev.part_id)])
    verdict(reasons).raise_if_refused("revision_refused")
    return _revision_out(release_part_revision(session, actor, number=number, revision=revision, reason=reason))


@command("catalog.manage")
def obsolete_part(session: Session, actor: Actor, *, number: str, revision: str, reason: str) -> PartRevisionOut:
    """Make a released part revision obsolete: nothing new is built to it."""
    rev = get_part_revision(session, number, revision)
    status, decision = rules.PART_REVISION.next(rev.status, "obsolete", f"{rev.part.number} rev {rev.revision}")
    decision.raise_if_refused("revision_refused")
    before, rev.status = rev.status, status
    setup_changed(session)
    audit.record(session, actor=actor, action="part_revision.obsoleted", record_type="part_revision",
                 record_id=f"{rev.part.number}/{rev.revision}", before={"status": before}, after={"status": status},
                 reason=reason)
    return _revision_out(rev)


@command("catalog.manage")
def add_bom_line(session: Session, actor: Actor, *, parent: str, revision: str, child: str, quantity: float,
                 operation_sequence: int, specification: str | None = None, special_process: str | None = None,
                 process_specification: str | None = None) -> BomLineOut:
    """A child part on a revision's BOM; `specification` it is bought to, and a `special_process` its supplier
    performs to `process_specification` (the first article's Form 2 shows both)."""
    parent_rev = get_part_revision(session, parent, revision)
    child_part = get_part(session, child)
    reasons = []
    if parent_rev.status == PartRevisionStatus.OBSOLETE:
        reasons.append(f"{parent_rev.part.number} rev {parent_rev.revision} is obsolete; its BOM does not change")
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
                   operation_sequence=operation_sequence, specification=specification,
                   special_process=special_process, process_specification=process_specification)
    session.add(line)
    session.flush()
    setup_changed(session)
    audit.record(session, actor=actor, action="bom_line.added", record_type="part_revision",
                 record_id=f"{parent_rev.part.number}/{parent_rev.revision}",
                 after={"child": child_part.number, "quantity": quantity, "operation": operation_sequence,
                        **{k: v for k, v in (("specification", specification), ("special_process", special_process),
                                             ("process_specification", process_specification)) if v}})
    return BomLineOut(parent=parent_rev.part.number, revision=parent_rev.revision, child=child_part.number,
                      quantity=quantity, operation_sequence=operation_sequence)


@command("catalog.manage")
def remove_bom_line(session: Session, actor: Actor, *, parent: str, revision: str, child: str) -> PartRevisionDetail:
    """Take a child part off a draft revision's BOM (a released BOM changes by a new revision)."""
    parent_rev = get_part_revision(session, parent, revision)
    child_part = get_part(session, child)
    label = f"{parent_rev.part.number} rev {parent_rev.revision}"
    line = session.execute(select(BomLine).filter_by(parent_revision_id=parent_rev.id,
                                                     child_part_id=child_part.id)).scalar_one_or_none()
    reasons = []
    if parent_rev.status != PartRevisionStatus.DRAFT:
        reasons.append(f"{label} is {parent_rev.status}; its BOM changes by a new revision")
    if line is None:
        reasons.append(f"{child_part.number} is not on the BOM of {label}")
    verdict(reasons).raise_if_refused("bom_refused")
    session.delete(line)
    session.flush()
    audit.record(session, actor=actor, action="bom_line.removed", record_type="part_revision",
                 record_id=f"{parent_rev.part.number}/{parent_rev.revision}",
                 before={"child": child_part.number, "quantity": line.quantity,
                         "operation": line.operation_sequence})
    return next(r for r in part_detail(session, actor, number=parent_rev.part.number).revisions
                if r.revision == parent_rev.revision)


# ---------------------------------------------------------------- work instructions

def content_hash(text: str, images: dict[str, str] | None = None) -> str:
    """SHA-256 of an instruction's text, and of its images (name → SHA-256) when it has any."""
    digest = hashlib.sha256(text.encode())
    for name in sorted(images or {}):
        digest.update(f"\0{name}\0{images[name]}".encode())
    return digest.hexdigest()


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


def _with_images(session: Session, document_id: int, content: str, images: dict[str, bytes] | None) -> dict[str, bytes]:
    """The images the Markdown shows: those given, and any it names but was not given, carried over from the
    document's newest revision that has one of that name (so a new revision need not send them again)."""
    names = markdown.image_names(content)
    found = {n: b for n, b in (images or {}).items() if n in names}
    missing = [n for n in names if n not in found]
    if missing:
        for name, data in session.execute(
                select(DocumentImage.name, DocumentImage.data).join(DocumentRevision)
                .where(DocumentRevision.document_id == document_id, DocumentImage.name.in_(missing))
                .order_by(DocumentImage.document_revision_id)):
            found[name] = data
    return found


def store_images(session: Session, rev: DocumentRevision, images: dict[str, bytes]) -> dict[str, str]:
    """Keep the revision's images (replacing any it had); their names → SHA-256."""
    if rev.id is not None:
        session.execute(delete(DocumentImage).where(DocumentImage.document_revision_id == rev.id))
    digests = {}
    for name, data in sorted(images.items()):
        digests[name] = hashlib.sha256(data).hexdigest()
        session.add(DocumentImage(document_revision=rev, name=name, content_type=markdown.content_type(data),
                                  sha256=digests[name], size=len(data), data=data))
    return digests


@command("catalog.manage")
def add_document_revision(session: Session, actor: Actor, *, number: str, revision: str, content: str,
                          status: str = DocumentStatus.DRAFT,
                          images: dict[str, bytes] | None = None) -> DocumentRevisionOut:
    """A new revision of an instruction, as a draft (or a redline), with the images its Markdown shows."""
    doc = get_one(session, Document, "document", number=number)
    revision, reasons = as_revision(revision)
    if status not in rules.NEW_DOCUMENT_STATUSES:
        reasons.append(f"a new revision starts as draft or redline, not {status}; release it afterwards")
    if _taken(session, DocumentRevision.revision, revision, DocumentRevision.document_id == doc.id):
        reasons.append(f"{doc.number} rev {revision} already exists")
    if not content.strip():
        reasons.append("a work instruction has text")
    images = _with_images(session, doc.id, content, images)
    reasons += markdown.image_problems(content, images)
    verdict(reasons).raise_if_refused("document_refused")
    rev = DocumentRevision(document_id=doc.id, revision=revision, status=status, content=content, content_hash="")
    session.add(rev)
    session.flush()
    rev.content_hash = content_hash(content, store_images(session, rev, images))
    audit.record(session, actor=actor, action="document_revision.created", record_type="document",
                 record_id=f"{doc.number}/{revision}", after={"status": status, "content_hash": rev.content_hash,
                                                              "images": sorted(images)})
    return _document_revision_out(rev)


@command("catalog.manage")
def edit_document_revision(session: Session, actor: Actor, *, number: str, revision: str, content: str,
                           images: dict[str, bytes] | None = None) -> DocumentRevisionOut:
    """Change a draft's text and images in place (a released revision never changes: draft the next)."""
    rev = get_document_revision(session, number, revision)
    reasons = []
    if rev.status not in rules.NEW_DOCUMENT_STATUSES:
        reasons.append(f"{rev.label} is {rev.status}; it does not change: draft the next revision")
    if not content.strip():
        reasons.append("a work instruction has text")
    images = _with_images(session, rev.document_id, content, images)
    reasons += markdown.image_problems(content, images)
    verdict(reasons).raise_if_refused("document_refused")
    before = rev.content_hash
    rev.content = content
    rev.content_hash = content_hash(content, store_images(session, rev, images))
    audit.record(session, actor=actor, action="document_revision.edited", record_type="document",
                 record_id=f"{rev.document.number}/{rev.revision}", before={"content_hash": before},
                 after={"content_hash": rev.content_hash, "images": sorted(images)})
    return _document_revision_out(rev)


@command("catalog.manage")
def release_document_revision(session: Session, actor: Actor, *, number: str, revision: str) -> DocumentRevisionOut:
    """Release a draft or redline; the revision released before it is superseded. Once a program that builds
    on it is in LRIP or FRP this is refused, naming the change request that must carry it: the change
    request asks the signatures the phase policy names (lrip.auth.decisions), so a release asks none of
    its own. A first revision changes nothing on the floor until a routing uses it, which is a change too."""
    rev = get_document_revision(session, number, revision)
    reasons = list(rules.DOCUMENT.next(rev.status, "release", rev.label)[1].reasons)
    reasons += _succession_reasons(session, actor, "document", rev.document.number, rev.revision,
                                   [r.revision for r in _released(session, DocumentRevision,
                                                                  document_id=rev.document_id)])
    verdict(reasons).raise_if_refused("document_refused")
    return _document_revision_out(release_document(session, actor, number=number, revision=revision))


@command("catalog.manage")
def supersede_document(session: Session, actor: Actor, *, number: str, revision: str,
                       reason: str) -> DocumentRevisionOut:
    """Withdraw a released revision: the shop floor may not start an operation on it any more."""
    return _document_revision_out(supersede_document_revision(session, actor, number=number, revision=revision,
                                                              reason=reason))


def _used_by(session: Session, revision_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(select(Operation.document_revision_id, Part.number, PartRevision.revision, Routing.revision,
                                  Routing.status, Operation.sequence)
                           .join(Routing, Routing.id == Operation.routing_id)
                           .join(PartRevision, PartRevision.id == Routing.part_revision_id)
                           .join(Part, Part.id == PartRevision.part_id)
                           .where(Operation.document_revision_id.in_(revision_ids))
                           .order_by(Part.number, Routing.id, Operation.sequence)).all()
    used = defaultdict(list)
    for rev_id, part, part_rev, routing, status, seq in rows:
        used[rev_id].append(f"{part}/{part_rev} routing {routing} ({status}), operation {seq}")
    return used


@query()
def list_documents(session: Session, actor: Actor) -> list[DocumentRow]:
    """Every work instruction with its revisions, by number."""
    revs = defaultdict(list)
    for rev in session.execute(select(DocumentRevision).options(joinedload(DocumentRevision.document))
                               .order_by(DocumentRevision.id)).scalars():
        revs[rev.document_id].append(_document_revision_out(rev))
    return [DocumentRow(number=d.number, title=d.title, revisions=revs[d.id])
            for d in session.execute(select(Document).order_by(Document.number)).scalars()]


@query()
def document_detail(session: Session, actor: Actor, *, number: str) -> DocumentDetail:
    """A work instruction: every revision with its Markdown, its images and the operations that use it."""
    doc = get_one(session, Document, "document", number=number)
    revs = session.execute(select(DocumentRevision).where(DocumentRevision.document_id == doc.id)
                           .order_by(DocumentRevision.id)).scalars().all()
    ids = [r.id for r in revs]
    images = defaultdict(list)
    for row in session.execute(select(DocumentImage.document_revision_id, DocumentImage.name,
                                      DocumentImage.content_type, DocumentImage.size, DocumentImage.sha256)
                               .where(DocumentImage.document_revision_id.in_(ids)).order_by(DocumentImage.name)):
        images[row[0]].append(ImageOut(name=row[1], content_type=row[2], size=row[3], sha256=row[4]))
    used = _used_by(session, ids)
    return DocumentDetail(number=doc.number, title=doc.title, revisions=[
        DocumentRevisionDetail(document=doc.number, revision=r.revision, status=r.status, content_hash=r.content_hash,
                               released_at=r.released_at, content=r.content, images=images[r.id], used_by=used[r.id])
        for r in revs])


@query()
def document_image(session: Session, actor: Actor, *, number: str, revision: str, name: str) -> ImageFile:
    """An image of an instruction revision, as attached."""
    rev = get_document_revision(session, number, revision)
    image = session.execute(select(DocumentImage).filter_by(document_revision_id=rev.id, name=name)
                            ).scalar_one_or_none()
    if image is None:
        raise NotFound("image_not_found", f"{rev.label} has no image {name}")
    return ImageFile(name=image.name, content_type=image.content_type, data=image.data)


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


# ---------------------------------------------------------------- work centers

def _work_center_out(wc: WorkCenter) -> WorkCenterOut:
    return WorkCenterOut(code=wc.code, name=wc.name, hours_per_day=wc.hours_per_day, stations=wc.stations,
                         efficiency=wc.efficiency)


def work_center_problems(hours_per_day: float, stations: int, efficiency: float) -> dict[str, str]:
    """What is wrong with a work center's figures, by field."""
    problems = {}
    if not 0 < hours_per_day <= 24:
        problems["hours_per_day"] = f"hours per day are between 0 and 24, not {hours_per_day}"
    if stations < 1:
        problems["stations"] = f"a work center has at least 1 station, not {stations}"
    if not 0 < efficiency <= 1:
        problems["efficiency"] = f"efficiency is above 0 and at most 1, not {efficiency}"
    return problems


@command("catalog.manage")
def create_work_center(session: Session, actor: Actor, *, code: str, name: str, hours_per_day: float,
                       stations: int = 1, efficiency: float = 1.0) -> WorkCenterOut:
    code, reasons = as_identifier(code, "a work center code", CODE_LENGTH)
    if not reasons and _taken(session, WorkCenter.code, code):
        reasons.append(f"work center {code} already exists")
    reasons += work_center_problems(hours_per_day, stations, efficiency).values()
    verdict(reasons).raise_if_refused("work_center_refused")
    wc = WorkCenter(code=code, name=name, hours_per_day=hours_per_day, stations=stations, efficiency=efficiency)
    session.add(wc)
    session.flush()
    audit.record(session, actor=actor, action="work_center.created", record_type="work_center", record_id=code,
                 after={"name": name, "hours_per_day": hours_per_day, "stations": stations, "efficiency": efficiency})
    return _work_center_out(wc)


@query()
def list_work_centers(session: Session, actor: Actor) -> list[WorkCenterOut]:
    return [_work_center_out(wc) for wc in session.execute(select(WorkCenter).order_by(WorkCenter.code)).scalars()]


# ---------------------------------------------------------------- tools, gauges and their calibrations

def _tool_out(tool: Tool, last: ToolCalibration | None = None) -> ToolOut:
    return ToolOut(code=tool.code, kind=tool.kind, description=tool.description, category=tool.category,
                   calibration_due=tool.calibration_due, active=tool.active,
                   certificate=last.certificate if last else None, calibrated_on=last.calibrated_on if last else None,
                   as_found=last.as_found if last else None)


def newest_calibrations(session: Session, tool_ids: list[int] | None = None) -> dict[int, ToolCalibration]:
    """Each tool's newest calibration record (one query)."""
    query_ = select(ToolCalibration).order_by(ToolCalibration.calibrated_on, ToolCalibration.id)
    if tool_ids is not None:
        query_ = query_.where(ToolCalibration.tool_id.in_(tool_ids))
    return {c.tool_id: c for c in session.execute(query_).scalars()}


def new_calibration(session: Session, actor: Actor, tool: Tool, *, due: date, certificate: str,
                    as_found: str | None, calibrated_on: date) -> ToolCalibration:
    """A calibration record of the tool (it needs no id yet); the caller audits it."""
    record = ToolCalibration(tool=tool, calibrated_on=calibrated_on, due=due, certificate=certificate,
                             as_found=as_found, recorded_at=utcnow(), recorded_by=actor.username)
    session.add(record)
    return record


@command("catalog.manage")
def create_tool(session: Session, actor: Actor, *, code: str, kind: str, description: str, category: str,
                calibration_due: date | None, certificate: str | None = None,
                calibrated_on: date | None = None) -> ToolOut:
    """A tool or gauge; with a certificate, its calibration (due on `calibration_due`) is recorded too."""
    code, reasons = as_identifier(code, "a tool code", CODE_LENGTH)
    if not reasons and _taken(session, Tool.code, code):
        reasons.append(f"tool {code} already exists")
    reasons += one_of(category, ToolCategory, "a tool")
    calibrated_on = calibrated_on or date.today()
    if certificate and calibration_due is None:
        reasons.append("a calibration certificate goes with the date the next calibration is due")
    elif certificate:
        reasons += rules.calibration_problems(calibrated_on=calibrated_on, due=calibration_due)
    verdict(reasons).raise_if_refused("tool_refused")
    tool = Tool(code=code, kind=kind, description=description, category=category, calibration_due=calibration_due,
                active=True)
    session.add(tool)
    session.flush()
    last = new_calibration(session, actor, tool, due=calibration_due, certificate=certificate, as_found=None,
                        calibrated_on=calibrated_on) if certificate else None
    audit.record(session, actor=actor, action="tool.created", record_type="tool", record_id=code,
                 after={"kind": kind, "category": category, "calibration_due": calibration_due,
                        "certificate": certificate})
    return _tool_out(tool, last)


@command("catalog.manage")
def calibrate_tool(session: Session, actor: Actor, *, code: str, due: date, certificate: str,
                   as_found: str | None = None, calibrated_on: date | None = None) -> ToolOut:
    """Record a calibration with its certificate; the newest sets the tool's due date. As found 'out'
    (out of tolerance) is kept: what the gauge measured since the calibration before is suspect."""
    tool = get_one(session, Tool, "tool", code=code)
    calibrated_on = calibrated_on or date.today()
    reasons = rules.calibration_problems(calibrated_on=calibrated_on, due=due)
    if as_found is not None:
        reasons += one_of(as_found, rules.AsFound, "as found")
    if not (certificate or "").strip():
        reasons.append("a calibration names its certificate")
    verdict(reasons).raise_if_refused("calibration_refused")
    new_calibration(session, actor, tool, due=due, certificate=certificate, as_found=as_found,
                 calibrated_on=calibrated_on)
    session.flush()
    newest = newest_calibrations(session, [tool.id])[tool.id]
    before, tool.calibration_due = tool.calibration_due, newest.due
    audit.record(session, actor=actor, action="tool.calibrated", record_type="tool", record_id=tool.code,
                 before={"calibration_due": before},
                 after={"calibration_due": tool.calibration_due, "calibrated_on": calibrated_on,
                        "certificate": certificate, "as_found": as_found})
    return _tool_out(tool, newest)


def calibrations(session: Session, code: str) -> list[CalibrationOut]:
    """A tool's or gauge's calibration records, oldest first: what measurement-time checks and a gauge
    recall read (an 'out' as found marks the interval before it as suspect)."""
    tool = get_one(session, Tool, "tool", code=code)
    rows = session.execute(select(ToolCalibration).where(ToolCalibration.tool_id == tool.id)
                           .order_by(ToolCalibration.calibrated_on, ToolCalibration.id)).scalars()
    return [CalibrationOut(tool=tool.code, calibrated_on=c.calibrated_on, due=c.due, certificate=c.certificate,
                           as_found=c.as_found, recorded_at=c.recorded_at, recorded_by=c.recorded_by) for c in rows]


@query()
def tool_calibrations(session: Session, actor: Actor, *, code: str) -> list[CalibrationOut]:
    """A tool's calibration history, oldest first."""
    return calibrations(session, code)


@query()
def list_tools(session: Session, actor: Actor, *, category: str | None = None,
               due_within: int | None = None) -> list[ToolOut]:
    """Tools and gauges by code; `due_within` days keeps those whose calibration is due by then (or past)."""
    query_ = select(Tool).order_by(Tool.code)
    if category:
        query_ = query_.where(Tool.category == category)
    if due_within is not None:
        query_ = query_.where(Tool.calibration_due <= date.today() + timedelta(days=due_within))
    tools = session.execute(query_).scalars().all()
    last = newest_calibrations(session)
    return [_tool_out(t, last.get(t.id)) for t in tools]


def gauges_in_calibration(session: Session, kinds: set[str], on: date) -> dict[str, list[str]]:
    """For each gauge kind, the active gauges of that kind whose calibration is current on `on`."""
    rows = session.execute(select(Tool.kind, Tool.code).where(
        Tool.category == ToolCategory.GAUGE, Tool.active.is_(True), Tool.kind.in_(sorted(kinds)),
        Tool.calibration_due >= on).order_by(Tool.code)).all()
    found = {kind: [] for kind in kinds}
    for kind, code in rows:
        found[kind].append(code)
    return found


# ---------------------------------------------------------------- qualifications

def _qualification_out(q: Qualification, username: str, today: date) -> QualificationOut:
    if q.revoked_on is not None:
        status = "revoked"
    elif q.expires_on < today:
        status = "expired"
    elif q.expires_on <= today + timedelta(days=EXPIRING_DAYS):
        status = "expiring"
    else:
        status = "current"
    return QualificationOut(username=username, skill=q.skill, granted_on=q.granted_on, expires_on=q.expires_on,
                            training=q.training, revoked_on=q.revoked_on, status=status)


@command("qualification.manage")
def grant_qualification(session: Session, actor: Actor, *, username: str, skill: str, granted_on: date,
                        expires_on: date, training: str | None = None) -> QualificationOut:
    """Grant a skill to an operator, or renew (or restore a revoked) one in place, with the training record."""
    user = get_user(session, username)
    verdict(rules.qualification_problems(granted_on=granted_on, expires_on=expires_on)
            ).raise_if_refused("qualification_refused")
    qual = session.execute(select(Qualification).filter_by(user_id=user.id, skill=skill)).scalar_one_or_none()
    before = {"expires_on": qual.expires_on} if qual else None
    if qual is None:
        qual = Qualification(user_id=user.id, skill=skill, granted_on=granted_on, expires_on=expires_on,
                             training=training)
        session.add(qual)
    else:
        if qual.revoked_on is not None:
            before["revoked_on"] = qual.revoked_on
        qual.granted_on, qual.expires_on, qual.revoked_on = granted_on, expires_on, None
        qual.training = training or qual.training
    after = {"skill": skill, "expires_on": expires_on} | ({"training": training} if training else {})
    audit.record(session, actor=actor, action="qualification.granted", record_type="user", record_id=user.username,
                 before=before, after=after)
    return _qualification_out(qual, user.username, date.today())


@command("qualification.manage")
def revoke_qualification(session: Session, actor: Actor, *, username: str, skill: str,
                         reason: str) -> QualificationOut:
    """Withdraw a qualification today (kept, marked revoked): the operator may not do that work any more."""
    user = get_user(session, username)
    qual = session.execute(select(Qualification).where(Qualification.user_id == user.id, func.lower(
        Qualification.skill) == skill.strip().lower())).scalar_one_or_none()
    reasons = []
    if qual is None:
        reasons.append(f"{user.username} does not hold {skill}")
    elif qual.revoked_on is not None:
        reasons.append(f"{user.username}'s {qual.skill} qualification was revoked on {qual.revoked_on}")
    verdict(reasons).raise_if_refused("qualification_refused")
    qual.revoked_on = date.today()
    audit.record(session, actor=actor, action="qualification.revoked", record_type="user", record_id=user.username,
                 before={"skill": qual.skill, "expires_on": qual.expires_on},
                 after={"skill": qual.skill, "revoked_on": qual.revoked_on}, reason=reason)
    return _qualification_out(qual, user.username, date.today())


@query()
def list_qualifications(session: Session, actor: Actor, *, username: str | None = None, skill: str | None = None,
                        expiring_within: int | None = None) -> list[QualificationOut]:
    """Qualifications by operator and skill; `expiring_within` days keeps the held ones that lapse by then
    (or have lapsed)."""
    today = date.today()
    query_ = select(Qualification, User.username).join(User, User.id == Qualification.user_id)
    if username:
        query_ = query_.where(func.lower(User.username) == username.strip().lower())
    if skill:
        query_ = query_.where(func.lower(Qualification.skill) == skill.strip().lower())
    if expiring_within is not None:
        query_ = query_.where(Qualification.revoked_on.is_(None),
                              Qualification.expires_on <= today + timedelta(days=expiring_within))
    rows = session.execute(query_.order_by(Qualification.expires_on, User.username, Qualification.skill)).all()
    return [_qualification_out(q, name, today) for q, name in rows]


def qualified_holders(session: Session, skills: set[str], on: date) -> dict[str, list[str]]:
    """For each skill, the active operators who hold it, unrevoked and in date, on `on`."""
    rows = session.execute(select(Qualification.skill, User.username).join(User, User.id == Qualification.user_id)
                           .where(Qualification.skill.in_(sorted(skills)),
                                  or_(Qualification.revoked_on.is_(None), Qualification.revoked_on > on),
                                  Qualification.granted_on <= on, Qualification.expires_on >= on,
                                  User.active.is_(True)).order_by(User.username)).all()
    found = {skill: [] for skill in skills}
    for skill, username in rows:
        found[skill].append(username)
    return found


@query()
def list_skills(session: Session, actor: Actor) -> list[SkillOut]:
    """Every skill an operation asks or an operator holds: who holds it today, which operations need it."""
    needed = defaultdict(list)
    for skill, part, part_rev, routing, seq in session.execute(
            select(Operation.required_skill, Part.number, PartRevision.revision, Routing.revision, Operation.sequence)
            .join(Routing, Routing.id == Operation.routing_id)
            .join(PartRevision, PartRevision.id == Routing.part_revision_id).join(Part, Part.id == PartRevision.part_id)
            .where(Operation.required_skill.is_not(None), Routing.status != RoutingStatus.SUPERSEDED)
            .order_by(Part.number, Routing.id, Operation.sequence)):
        needed[skill].append(f"{part}/{part_rev} routing {routing}, operation {seq}")
    held = set(session.execute(select(Qualification.skill).distinct()).scalars())
    holders = qualified_holders(session, set(needed) | held, date.today())
    return [SkillOut(skill=s, holders=holders[s], operations=needed.get(s, [])) for s in sorted(set(needed) | held)]


# ---------------------------------------------------------------- routings

def _characteristic_out(c: Characteristic) -> CharacteristicOut:
    return CharacteristicOut.model_validate(c)


def routing_out(routing: Routing) -> RoutingOut:
    """A routing with its operations and characteristics, as the answer every entry point gives."""
    prev = routing.part_revision
    return RoutingOut(part=prev.part.number, part_revision=prev.revision, revision=routing.revision,
                      status=routing.status, operations=[
                          OperationOut(sequence=op.sequence, name=op.name, work_center=op.work_center.code,
                                       standard_minutes=op.standard_minutes,
                                       instruction=op.document_revision.label if op.document_revision else None,
                                       tool_kinds=list(op.required_tool_kinds or ()), skill=op.required_skill,
                                       characteristics=[_characteristic_out(c) for c in op.characteristics])
                          for op in routing.operations])


def known_kinds(session: Session) -> tuple[set[str], set[str]]:
    """The kinds some tool has, and the kinds some gauge has (retired ones too: a kind stays known)."""
    rows = session.execute(select(Tool.kind, Tool.category).distinct()).all()
    return {k for k, _ in rows}, {k for k, c in rows if c == ToolCategory.GAUGE}


def _reference_problems(session: Session, operations: list[OperationSpec]) -> tuple[list[str], dict, dict]:
    """Every work center, instruction, tool kind and gauge kind the operations name that does not exist;
    with the work centers and instruction revisions found."""
    reasons = []
    centers = {wc.code.lower(): wc for wc in session.execute(select(WorkCenter)).scalars()}
    tool_kinds, gauge_kinds = known_kinds(session)
    docs = {}
    for o in operations:
        if o.work_center.lower() not in centers:
            reasons.append(f"operation {o.sequence}: no work center {o.work_center}")
        if o.instruction:
            try:
                docs[o.instruction] = get_document_revision(session, *o.instruction)
            except NotFound as exc:
                reasons.append(f"operation {o.sequence}: {exc}")
        reasons += [f"operation {o.sequence}: no tool is of kind {k}" for k in o.tool_kinds if k not in tool_kinds]
        reasons += [f"{c.code}: no gauge is of kind {c.gauge_kind}" for c in o.characteristics
                    if c.gauge_kind and c.gauge_kind not in gauge_kinds]
    return reasons, centers, docs


@command("catalog.manage")
def create_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                   operations: list[OperationSpec] = (), release: bool = False) -> RoutingOut:
    """A routing of a part revision: an empty draft to add operations to one by one, or whole with its
    operations and their characteristics (released at once when `release`)."""
    return routing_out(_new_routing(session, actor, part=part, part_revision=part_revision, revision=revision,
                                    operations=operations, release=release))


def _add_operation(session: Session, routing_id: int, o: OperationSpec, centers: dict, docs: dict) -> Operation:
    op = Operation(routing_id=routing_id, sequence=o.sequence, name=o.name,
                   work_center_id=centers[o.work_center.lower()].id, standard_minutes=o.standard_minutes,
                   document_revision_id=docs[o.instruction].id if o.instruction else None,
                   required_tool_kinds=list(o.tool_kinds), required_skill=o.skill,
                   special_process=o.special_process, process_specification=o.process_specification)
    session.add(op)
    session.flush()
    for c in o.characteristics:
        session.add(_characteristic(op.id, c))
    return op


def _characteristic(operation_id: int, c: CharacteristicSpec) -> Characteristic:
    return Characteristic(operation_id=operation_id, code=identifier(c.code), name=c.name, kind=c.kind,
                          nominal=c.nominal, lsl=c.lsl, usl=c.usl, units=c.units, key=c.key, balloon=c.balloon,
                          drawing_zone=c.drawing_zone, gauge_kind=c.gauge_kind)


def _new_routing(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                 operations: list[OperationSpec], release: bool = False) -> Routing:
    prev = get_part_revision(session, part, part_revision)
    part, part_revision = prev.part.number, prev.revision
    revision, reasons = as_revision(revision)
    revision_ok = not reasons
    if operations or release:  # a draft may start empty and take its operations one by one
        reasons += rules.routing_problems(list(operations))
    if revision_ok and _taken(session, Routing.revision, revision, Routing.part_revision_id == prev.id):
        reasons.append(f"routing rev {revision} of {part} rev {part_revision} already exists")
    if prev.status == PartRevisionStatus.OBSOLETE:
        reasons.append(f"{part} rev {part_revision} is obsolete")
    problems, centers, docs = _reference_problems(session, operations)
    verdict(reasons + problems).raise_if_refused("routing_refused")
    routing = Routing(part_revision_id=prev.id, revision=revision,
                      status=RoutingStatus.RELEASED if release else RoutingStatus.DRAFT)
    session.add(routing)
    session.flush()
    for o in operations:
        _add_operation(session, routing.id, o, centers, docs)
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


def _routing_key(routing: Routing) -> str:
    prev = routing.part_revision
    return f"{prev.part.number}/{prev.revision}/{routing.revision}"


def _draft(routing: Routing) -> list[str]:
    """A released routing never changes in place."""
    if routing.status == RoutingStatus.DRAFT:
        return []
    prev = routing.part_revision
    return [f"routing {routing.revision} of {prev.part.number} rev {prev.revision} is {routing.status}; "
            "it does not change: draft the next revision"]


@query()
def list_routings(session: Session, actor: Actor, *, part: str | None = None) -> list[RoutingRow]:
    """Routings by part, part revision and revision, with how many operations each has."""
    query_ = (select(Routing, Part.number, PartRevision.revision)
              .join(PartRevision, PartRevision.id == Routing.part_revision_id).join(Part, Part.id == PartRevision.part_id))
    if part:
        query_ = query_.where(func.lower(Part.number) == part.strip().lower())
    counts = dict(session.execute(select(Operation.routing_id, func.count()).group_by(Operation.routing_id)).all())
    return [_routing_row(r, number, rev, counts.get(r.id, 0))
            for r, number, rev in session.execute(query_.order_by(Part.number, PartRevision.id, Routing.id)).all()]


def _loaded_routing(session: Session, part: str, part_revision: str, revision: str) -> Routing:
    routing = get_routing(session, part, part_revision, revision)
    return session.execute(select(Routing).where(Routing.id == routing.id).options(
        selectinload(Routing.operations).selectinload(Operation.characteristics),
        selectinload(Routing.operations).joinedload(Operation.work_center),
        selectinload(Routing.operations).joinedload(Operation.document_revision).joinedload(
            DocumentRevision.document))).scalar_one()


@query()
def routing_detail(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str) -> RoutingOut:
    """A routing with its operations and characteristics."""
    return routing_out(_loaded_routing(session, part, part_revision, revision))


@command("catalog.manage")
def add_operation(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                  operation: OperationSpec) -> RoutingOut:
    """Add an operation (with any characteristics) to a draft routing."""
    routing = _loaded_routing(session, part, part_revision, revision)
    specs = routing_specs(routing)
    reasons = _draft(routing) + rules.routing_problems([*specs, operation])
    problems, centers, docs = _reference_problems(session, [operation])
    verdict(reasons + problems).raise_if_refused("routing_refused")
    _add_operation(session, routing.id, operation, centers, docs)
    session.flush()
    audit.record(session, actor=actor, action="routing.operation_added", record_type="routing",
                 record_id=_routing_key(routing),
                 after={"operation": operation.sequence, "name": operation.name, "work_center": operation.work_center,
                        "characteristics": [c.code for c in operation.characteristics]})
    session.expire(routing)
    return routing_detail(session, actor, part=part, part_revision=part_revision, revision=revision)


@command("catalog.manage")
def remove_operation(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                     sequence: int) -> RoutingOut:
    """Take an operation off a draft routing, unless something was recorded against it."""
    routing = _loaded_routing(session, part, part_revision, revision)
    op = find_operation(routing, sequence)
    reasons = _draft(routing)
    char_ids = [c.id for c in op.characteristics]
    if in_use(session, Operation, [op.id], besides=(Characteristic,)) or in_use(session, Characteristic, char_ids):
        reasons.append(f"operation {op.sequence} has records against it; it stays")
    verdict(reasons).raise_if_refused("routing_refused")
    session.execute(delete(Characteristic).where(Characteristic.operation_id == op.id))
    session.execute(delete(Operation).where(Operation.id == op.id))
    audit.record(session, actor=actor, action="routing.operation_removed", record_type="routing",
                 record_id=_routing_key(routing), before={"operation": op.sequence, "name": op.name})
    session.expire_all()
    return routing_detail(session, actor, part=part, part_revision=part_revision, revision=revision)


@command("catalog.manage")
def add_characteristic(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                       sequence: int, characteristic: CharacteristicSpec) -> RoutingOut:
    """Add a characteristic to an operation of a draft routing."""
    routing = _loaded_routing(session, part, part_revision, revision)
    op = find_operation(routing, sequence)
    specs = routing_specs(routing)
    specs = [replace(s, characteristics=(*s.characteristics, characteristic)) if s.sequence == op.sequence else s
             for s in specs]
    c = characteristic
    reasons = _draft(routing) + rules.routing_problems(specs)
    reasons += [f"{c.code} {field}: {why}" for field, why in rules.limit_problems(c.kind, c.nominal, c.lsl, c.usl).items()
                if field == "nominal" or c.kind == rules.CharacteristicKind.ATTRIBUTE]
    if c.gauge_kind and c.gauge_kind not in known_kinds(session)[1]:
        reasons.append(f"{c.code}: no gauge is of kind {c.gauge_kind}")
    verdict(reasons).raise_if_refused("routing_refused")
    session.add(_characteristic(op.id, characteristic))
    session.flush()
    audit.record(session, actor=actor, action="routing.characteristic_added", record_type="routing",
                 record_id=_routing_key(routing),
                 after={"operation": op.sequence, "code": characteristic.code, "kind": characteristic.kind,
                        "nominal": characteristic.nominal, "lsl": characteristic.lsl, "usl": characteristic.usl,
                        "key": characteristic.key, "balloon": characteristic.balloon})
    session.expire_all()
    return routing_detail(session, actor, part=part, part_revision=part_revision, revision=revision)


@command("catalog.manage")
def remove_characteristic(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                          code: str) -> RoutingOut:
    """Take a characteristic off a draft routing, unless something was recorded against it."""
    routing = _loaded_routing(session, part, part_revision, revision)
    found = [c for op in routing.operations for c in op.characteristics if c.code.lower() == code.strip().lower()]
    reasons = _draft(routing)
    if not found:
        reasons.append(f"routing {routing.revision} has no characteristic {code}")
    elif in_use(session, Characteristic, [found[0].id]):
        reasons.append(f"{found[0].code} has records against it; it stays")
    verdict(reasons).raise_if_refused("routing_refused")
    session.execute(delete(Characteristic).where(Characteristic.id == found[0].id))
    audit.record(session, actor=actor, action="routing.characteristic_removed", record_type="routing",
                 record_id=_routing_key(routing), before={"code": found[0].code})
    session.expire_all()
    return routing_detail(session, actor, part=part, part_revision=part_revision, revision=revision)


@command("catalog.manage")
def release_routing_revision(session: Session, actor: Actor, *, part: str, part_revision: str, revision: str,
                             reason: str | None = None) -> RoutingOut:
    """Release a complete draft routing; the one released before it is superseded (in LRIP and FRP a
    change request carries that instead)."""
    routing = _loaded_routing(session, part, part_revision, revision)
    prev = routing.part_revision
    specs = routing_specs(routing)
    reasons = list(rules.ROUTING.next(routing.status, "release",
                                      f"routing rev {routing.revision} of {prev.part.number} rev {prev.revision}"
                                      )[1].reasons)
    reasons += rules.routing_problems(specs) + _reference_problems(session, specs)[0]
    if prev.status == PartRevisionStatus.OBSOLETE:
        reasons.append(f"{prev.part.number} rev {prev.revision} is obsolete")
    reasons += _succession_reasons(session, actor, "routing", f"{prev.part.number}/{prev.revision}", routing.revision,
                                   [r.revision for r in _released(session, Routing, part_revision_id=prev.id)])
    verdict(reasons).raise_if_refused("routing_refused")
    release_routing(session, actor, part=part, part_revision=part_revision, revision=revision, reason=reason)
    return routing_out(routing)


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
                   "it has " + (", ".join(f"{o.sequence} {o.name}" for o in routing.operations) or "none yet"))


# ---------------------------------------------------------------- revisions under change control

def _obsolete_others(session: Session, actor: Actor, rev: PartRevision, reason: str | None) -> None:
    for old in session.execute(select(PartRevision).where(PartRevision.part_id == rev.part_id,
                                                          PartRevision.id != rev.id,
                                                          PartRevision.status == PartRevisionStatus.RELEASED)
                               ).scalars().all():
        old.status = PartRevisionStatus.OBSOLETE
        audit.record(session, actor=actor, action="part_revision.obsoleted", record_type="part_revision",
                     record_id=f"{rev.part.number}/{old.revision}", before={"status": PartRevisionStatus.RELEASED},
                     after={"status": old.status}, reason=reason)


def release_part_revision(session: Session, actor: Actor, *, number: str, revision: str,
                          reason: str | None = None) -> PartRevision:
    """Release a draft part revision; the revisions released before it become obsolete."""
    rev = get_part_revision(session, number, revision)
    status, decision = rules.PART_REVISION.next(rev.status, "release", f"{rev.part.number} rev {rev.revision}")
    decision.raise_if_refused("revision_refused")
    _obsolete_others(session, actor, rev, reason)
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


def characteristic_spec(c: Characteristic) -> CharacteristicSpec:
    return CharacteristicSpec(c.code, c.name, c.kind, c.nominal, c.lsl, c.usl, c.units, c.key, c.balloon,
                              c.drawing_zone, c.gauge_kind)


def routing_specs(routing: Routing) -> list[OperationSpec]:
    """A routing as the specs that would create it again."""
    return [OperationSpec(op.sequence, op.name, op.work_center.code, op.standard_minutes,
                          (op.document_revision.document.number, op.document_revision.revision)
                          if op.document_revision else None,
                          tuple(op.required_tool_kinds or ()), op.required_skill,
                          tuple(characteristic_spec(c) for c in op.characteristics))
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
