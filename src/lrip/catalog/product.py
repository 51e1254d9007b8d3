"""The product definition file, imported and exported: work centers, tools and gauges, work instructions,
parts with their BOMs and routings with their operations and characteristics, in one YAML (or JSON)
file a plant keeps in version control (lrip.catalog.productfile reads and writes it).

An import is checked whole before anything is written: the file's shape, every rule within it, every
reference (to the file or the database) and every state rule; a file with any error writes nothing and
the answer lists every error by its path and line. Then it is idempotent: what the database already
holds is left alone (the same file again: 0 changes). A draft changes in place. A released revision
never does: a changed one becomes the next revision (the file's revision is where it came from, so the
same file again finds it and changes nothing); releasing it outside change control is refused once a
program that builds on it is in LRIP or FRP, naming the change request that must carry it. The import
reads the database one query per kind of record, whatever the file's size.

Spreadsheets (a characteristic accountability list, a BOM exported from PLM) become the same entries
and go through the same import."""
from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.catalog import markdown, productfile, rules
from lrip.catalog.events import Succession
from lrip.catalog.models import (BomLine, Characteristic, Document, DocumentImage, DocumentRevision, Operation, Part,
                                 PartRevision, Routing, Tool, ToolCalibration, WorkCenter)
from lrip.catalog.productfile import Path, ProductFile, message, path_text
from lrip.catalog.rules import DocumentStatus, PartRevisionStatus, RoutingStatus, ToolCategory
from lrip.catalog.schemas import ImportChange, ImportReport, ProductExport
from lrip.catalog.service import (content_hash, current_revisions, get_part, get_part_revision, get_routing,
                                  in_use, new_calibration, newest_calibrations, setup_changed, store_images,
                                  succession_refusals)
from lrip.db import utcnow
from lrip.errors import Invalid, Refused

DOCUMENT_DRAFTS = (DocumentStatus.DRAFT, DocumentStatus.REDLINE)


@dataclass
class _Landing:
    """Where a file's revision lands: on `row` (None: a new revision named `revision`); `after` is the
    released revision it succeeds when it is the next one."""

    row: object | None
    revision: str
    after: object | None = None


def _landing(revs: list, named: str, same: Callable[[object], bool], drafts: tuple) -> _Landing:
    """The revision a file's entry lands on. The named one if it is new, a draft, or unchanged; if it is
    released and changed: a later revision with the file's content, else the later draft (changed in
    place), else the next revision."""
    found = next((r for r in revs if r.revision.lower() == named.lower()), None)
    if found is None:
        return _Landing(None, named)
    if found.status in drafts or same(found):
        return _Landing(found, found.revision)
    later = [r for r in revs if r.id > found.id]
    match = [r for r in later if same(r)]
    if match:
        return _Landing(match[-1], match[-1].revision, found)
    if later and later[-1].status in drafts:
        return _Landing(later[-1], later[-1].revision, found)
    taken, candidate = {r.revision.lower() for r in revs}, rules.next_revision(revs[-1].revision)
    while candidate.lower() in taken:
        candidate = rules.next_revision(candidate)
    return _Landing(None, candidate, found)


@dataclass
class _Import:
    """One import: the file, the database as it is (one query per kind), and the plan: the changes, the
    writes that make them, and every error."""

    session: Session
    actor: Actor
    product: ProductFile
    files: dict[str, bytes]
    items: list[ImportChange] = field(default_factory=list)
    steps: list[Callable[[], None]] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    successions: list[tuple[Path, Succession, bool]] = field(default_factory=list)
    unchanged: int = 0

    def __post_init__(self):
        s = self.session
        self.centers = {w.code.lower(): w for w in s.execute(select(WorkCenter)).scalars()}
        self.tools = {t.code.lower(): t for t in s.execute(select(Tool)).scalars()}
        self.certificates = defaultdict(set)
        for tool_id, certificate in s.execute(select(ToolCalibration.tool_id, ToolCalibration.certificate)):
            self.certificates[tool_id].add(certificate)
        self.documents = {d.number.lower(): d for d in s.execute(select(Document)).scalars()}
        self.doc_revs = defaultdict(list)
        for r in s.execute(select(DocumentRevision).order_by(DocumentRevision.id)).scalars():
            self.doc_revs[r.document_id].append(r)
        self.doc_rev_by_id = {r.id: r for revs in self.doc_revs.values() for r in revs}
        self.parts = {p.number.lower(): p for p in s.execute(select(Part)).scalars()}
        self.part_by_id = {p.id: p for p in self.parts.values()}
        self.part_revs = defaultdict(list)
        for r in s.execute(select(PartRevision).order_by(PartRevision.id)).scalars():
            self.part_revs[r.part_id].append(r)
        self.bom = defaultdict(dict)
        for line in s.execute(select(BomLine)).scalars():
            self.bom[line.parent_revision_id][line.child_part_id] = line
        named = {self.parts[r.part.lower()].id for r in self.product.routings if r.part.lower() in self.parts}
        rev_ids = [r.id for pid in named for r in self.part_revs[pid]]
        self.routings = defaultdict(list)
        for r in s.execute(select(Routing).where(Routing.part_revision_id.in_(rev_ids)).order_by(Routing.id)).scalars():
            self.routings[r.part_revision_id].append(r)
        self.operations = defaultdict(list)
        routing_ids = [r.id for revs in self.routings.values() for r in revs]
        for op in s.execute(select(Operation).where(Operation.routing_id.in_(routing_ids))
                            .order_by(Operation.sequence)).scalars():
            self.operations[op.routing_id].append(op)
        self.characteristics = defaultdict(list)
        op_ids = [op.id for ops in self.operations.values() for op in ops]
        for c in s.execute(select(Characteristic).where(Characteristic.operation_id.in_(op_ids))).scalars():
            self.characteristics[c.operation_id].append(c)
        self.images = defaultdict(dict)
        for rev_id, name, sha in s.execute(select(DocumentImage.document_revision_id, DocumentImage.name,
                                                  DocumentImage.sha256)):
            self.images[rev_id][name] = sha
        self.center_by_id = {w.id: w for w in self.centers.values()}
        self.doc_landing: dict[tuple[str, str], str] = {}  # (number, file revision) → the revision it lands on
        self.part_landing: dict[tuple[str, str], str] = {}
        self.made: dict[tuple, object] = {}  # records this import creates, by kind and name, as it writes

    # ---------------------------------------------------------------- helpers

    def change(self, kind: str, record: str, action: str, step: Callable[[], None], detail: str | None = None):
        self.items.append(ImportChange(kind=kind, record=record, action=action, detail=detail))
        self.steps.append(step)

    def record(self, action: str, record_type: str, record_id: str, before=None, after=None) -> None:
        audit.record(self.session, actor=self.actor, action=action, record_type=record_type, record_id=record_id,
                     before=before, after=after)

    def move(self, row, status: str, action: str, record_type: str, record_id: str) -> None:
        """A revision's status changed (released, superseded, obsolete), with its audit event."""
        before, row.status = row.status, status
        self.record(action, record_type, record_id, before={"status": before}, after={"status": status})

    def part(self, number: str) -> Part:
        return self.parts.get(number.lower()) or self.made[("part", number.lower())]

    def document(self, number: str) -> Document:
        return self.documents.get(number.lower()) or self.made[("document", number.lower())]

    def document_revision(self, number: str, revision: str) -> DocumentRevision:
        made = self.made.get(("document_revision", number.lower(), revision.lower()))
        if made is not None:
            return made
        doc = self.documents[number.lower()]
        return next(r for r in self.doc_revs[doc.id] if r.revision.lower() == revision.lower())

    def part_revision(self, number: str, revision: str) -> PartRevision:
        made = self.made.get(("part_revision", number.lower(), revision.lower()))
        if made is not None:
            return made
        return next(r for r in self.part_revs[self.parts[number.lower()].id]
                    if r.revision.lower() == revision.lower())

    # ---------------------------------------------------------------- references

    def check_references(self) -> None:
        p = self.product
        parts = set(self.parts) | {f.number.lower() for f in p.parts}
        part_revisions = {(pt.number.lower(), r.revision.lower()) for pt in self.parts.values()
                          for r in self.part_revs[pt.id]} | {(f.number.lower(), f.revision.lower())
                                                              for f in p.parts if f.revision}
        centers = set(self.centers) | {w.code.lower() for w in p.work_centers}
        doc_revisions = {(d.number.lower(), r.revision.lower()) for d in self.documents.values()
                         for r in self.doc_revs[d.id]} | {(d.number.lower(), d.revision.lower()) for d in p.documents}
        file_tools = {t.code.lower(): t for t in p.tools}
        kinds = {(t.kind, t.category) for code, t in self.tools.items() if code not in file_tools}
        kinds |= {(t.kind, t.category) for t in p.tools}
        tool_kinds, gauge_kinds = {k for k, _ in kinds}, {k for k, c in kinds if c == ToolCategory.GAUGE}
        for i, f in enumerate(p.parts):
            for j, b in enumerate(f.bom):
                if b.part.lower() not in parts:
                    self.errors.append((("parts", i, "bom", j, "part"), f"no part {b.part}: define it in the file"))
        for i, r in enumerate(p.routings):
            here = ("routings", i)
            if (r.part.lower(), r.part_revision.lower()) not in part_revisions:
                self.errors.append(((*here, "part_revision"), f"no part {r.part} rev {r.part_revision}: define it in "
                                                              "the file"))
            for j, o in enumerate(r.operations):
                at = (*here, "operations", j)
                if o.work_center.lower() not in centers:
                    self.errors.append(((*at, "work_center"), f"no work center {o.work_center}"))
                if o.instruction and (o.instruction.document.lower(), o.instruction.revision.lower()) not in doc_revisions:
                    self.errors.append(((*at, "instruction"), f"no document {o.instruction.document} rev "
                                                              f"{o.instruction.revision}"))
                self.errors += [((*at, "tool_kinds", k), f"no tool is of kind {kind}")
                                for k, kind in enumerate(o.tool_kinds) if kind not in tool_kinds]
                self.errors += [((*at, "characteristics", k, "gauge_kind"), f"no gauge is of kind {c.gauge_kind}")
                                for k, c in enumerate(o.characteristics)
                                if c.gauge_kind and c.gauge_kind not in gauge_kinds]

    # ---------------------------------------------------------------- work centers and tools

    def plan_work_centers(self) -> None:
        for w in self.product.work_centers:
            found = self.centers.get(w.code.lower())
            values = {"name": w.name, "hours_per_day": w.hours_per_day, "stations": w.stations,
                      "efficiency": w.efficiency}
            if found is None:
                def create(w=w, values=values):
                    self.centers[w.code.lower()] = WorkCenter(code=w.code, **values)
                    self.session.add(self.centers[w.code.lower()])
                    self.record("work_center.created", "work_center", w.code, after=values)
                self.change("work center", w.code, "created", create)
                continue
            before = {k: getattr(found, k) for k in values if getattr(found, k) != values[k]}
            if not before:
                self.unchanged += 1
                continue

            def update(found=found, values=values, before=before):
                for k in before:
                    setattr(found, k, values[k])
                self.record("work_center.updated", "work_center", found.code, before=before,
                            after={k: values[k] for k in before})
            self.change("work center", found.code, "updated", update, ", ".join(sorted(before)))

    def plan_tools(self) -> None:
        for i, t in enumerate(self.product.tools):
            found = self.tools.get(t.code.lower())
            values = {"kind": t.kind, "category": t.category.value, "description": t.description or ""}
            if found is None:
                def create(t=t, values=values):
                    tool = Tool(code=t.code, calibration_due=t.calibration_due, active=True, **values)
                    self.session.add(tool)
                    if t.certificate:
                        new_calibration(self.session, self.actor, tool, due=t.calibration_due,
                                        certificate=t.certificate, as_found=None, calibrated_on=date.today())
                    self.record("tool.created", "tool", t.code, after={**values, "calibration_due": t.calibration_due,
                                                                       "certificate": t.certificate})
                self.change("tool" if t.category != ToolCategory.GAUGE else "gauge", t.code, "created", create)
                continue
            before = {k: getattr(found, k) for k in values if getattr(found, k) != values[k]}
            if before:
                def update(found=found, values=values, before=before):
                    for k in before:
                        setattr(found, k, values[k])
                    self.record("tool.updated", "tool", found.code, before=before, after={k: values[k] for k in before})
                self.change("tool", found.code, "updated", update, ", ".join(sorted(before)))
            if t.calibration_due is None or t.certificate in self.certificates[found.id] or (
                    not t.certificate and (self.certificates[found.id] or t.calibration_due == found.calibration_due)):
                self.unchanged += 0 if before else 1  # a certificate already recorded, or the history says more
                continue
            if not t.certificate:
                self.errors.append((("tools", i, "certificate"), f"is missing: {found.code}'s calibration is due "
                                    f"{found.calibration_due}; a new due date comes with its certificate"))
                continue

            def calibrate(found=found, t=t):
                today = date.today()
                new_calibration(self.session, self.actor, found, due=t.calibration_due, certificate=t.certificate,
                                as_found=None, calibrated_on=today)
                before_due, found.calibration_due = found.calibration_due, t.calibration_due
                self.record("tool.calibrated", "tool", found.code, before={"calibration_due": before_due},
                            after={"calibration_due": t.calibration_due, "calibrated_on": today,
                                   "certificate": t.certificate, "as_found": None})
            self.change("tool", found.code, "calibrated", calibrate, f"due {t.calibration_due}, {t.certificate}")

    # ---------------------------------------------------------------- documents

    def plan_documents(self) -> None:
        seen = set()
        for i, d in enumerate(self.product.documents):
            key, here = d.number.lower(), ("documents", i)
            doc = self.documents.get(key)
            if doc is None and key not in seen:
                def create(d=d, key=key):
                    made = Document(number=d.number, title=d.title)
                    self.session.add(made)
                    self.made[("document", key)] = made
                    self.record("document.created", "document", d.number, after={"title": d.title})
                self.change("document", d.number, "created", create)
            elif doc is not None and doc.title != d.title and key not in seen:
                def retitle(doc=doc, title=d.title):
                    before, doc.title = doc.title, title
                    self.record("document.updated", "document", doc.number, before={"title": before},
                                after={"title": title})
                self.change("document", doc.number, "updated", retitle, "title")
            seen.add(key)
            images = {n: self.files[n] for n in dict.fromkeys(markdown.image_names(d.content))}
            digests = {n: hashlib.sha256(b).hexdigest() for n, b in images.items()}
            want = content_hash(d.content, digests)
            revs = self.doc_revs[doc.id] if doc else []
            land = _landing(revs, d.revision, lambda r: r.content_hash == want, DOCUMENT_DRAFTS)
            self.doc_landing[(key, d.revision.lower())] = land.revision
            label = f"{d.number} rev {land.revision}"
            if land.row is None:
                def create_revision(d=d, key=key, revision=land.revision, images=images, want=want):
                    made = DocumentRevision(document=self.document(d.number), revision=revision,
                                            status=DocumentStatus.DRAFT, content=d.content, content_hash=want)
                    self.session.add(made)
                    store_images(self.session, made, images)
                    self.made[("document_revision", key, revision.lower())] = made
                    self.record("document_revision.created", "document", f"{d.number}/{revision}",
                                after={"status": made.status, "content_hash": want, "images": sorted(images)})
                self.change("document", label, "new revision" if land.after else "created", create_revision,
                            f"the changes to released rev {land.after.revision}" if land.after else None)
            elif land.row.content_hash != want:
                def edit(rev=land.row, d=d, images=images, want=want):
                    before = rev.content_hash
                    rev.content, rev.content_hash = d.content, want
                    store_images(self.session, rev, images)
                    self.record("document_revision.edited", "document", f"{d.number}/{rev.revision}",
                                before={"content_hash": before}, after={"content_hash": want, "images": sorted(images)})
                self.change("document", label, "updated", edit, "content")
            draft = land.row is None or land.row.status in DOCUMENT_DRAFTS
            released = [r for r in revs if r.status == DocumentStatus.RELEASED
                        and r.revision.lower() != land.revision.lower()]
            if draft:
                self.successions += [((*here, "release"), Succession("document", d.number, old.revision,
                                                                     land.revision), d.release) for old in released]
            if draft and d.release:
                def release(d=d, revision=land.revision, olds=released):
                    rev = self.document_revision(d.number, revision)
                    for old in olds:
                        self.move(old, DocumentStatus.SUPERSEDED, "document_revision.superseded", "document",
                                  f"{d.number}/{old.revision}")
                    rev.released_at = utcnow()
                    self.move(rev, DocumentStatus.RELEASED, "document_revision.released", "document",
                              f"{d.number}/{revision}")
                self.change("document", label, "released", release)
            elif land.row is not None and land.row.content_hash == want and not (draft and d.release):
                self.unchanged += 1

    # ---------------------------------------------------------------- parts and BOMs

    def bom_of(self, rev: PartRevision) -> dict[str, tuple[float, int]]:
        return {self.part_by_id[c].number.lower(): (line.quantity, line.operation_sequence)
                for c, line in self.bom[rev.id].items()}

    def plan_parts(self) -> None:
        for i, f in enumerate(self.product.parts):
            part = self.parts.get(f.number.lower())
            if part is None:
                def create(f=f):
                    made = Part(number=f.number, description=f.description, tracking=f.tracking.value)
                    self.session.add(made)
                    self.made[("part", f.number.lower())] = made
                    self.record("part.created", "part", f.number, after={"description": f.description,
                                                                         "tracking": f.tracking.value})
                self.change("part", f.number, "created", create)
                continue
            values = {"description": f.description, "tracking": f.tracking.value}
            before = {k: getattr(part, k) for k in values if getattr(part, k) != values[k]}
            if "tracking" in before and any(r.status != PartRevisionStatus.DRAFT for r in self.part_revs[part.id]):
                self.errors.append((("parts", i, "tracking"), f"{part.number} is tracked by {part.tracking}; that "
                                    "does not change once a revision is released"))
            if before:
                def update(part=part, values=values, before=before):
                    for k in before:
                        setattr(part, k, values[k])
                    self.record("part.updated", "part", part.number, before=before,
                                after={k: values[k] for k in before})
                self.change("part", part.number, "updated", update, ", ".join(sorted(before)))
            elif f.revision is None:
                self.unchanged += 1
        for i, f in enumerate(self.product.parts):
            if f.revision is not None:
                self.plan_part_revision(i, f)

    def plan_part_revision(self, i: int, f) -> None:
        key, here = f.number.lower(), ("parts", i)
        part = self.parts.get(key)
        revs = self.part_revs[part.id] if part else []
        want = {b.part.lower(): (b.quantity, b.operation) for b in f.bom}
        land = _landing(revs, f.revision, lambda r: self.bom_of(r) == want, (PartRevisionStatus.DRAFT,))
        self.part_landing[(key, f.revision.lower())] = land.revision
        label = f"{f.number} rev {land.revision}"

        def set_bom(rev: PartRevision, f=f) -> None:
            if rev.id is not None:
                self.session.execute(delete(BomLine).where(BomLine.parent_revision_id == rev.id))
            for b in f.bom:
                self.session.add(BomLine(parent_revision=rev, child_part=self.part(b.part), quantity=b.quantity,
                                         operation_sequence=b.operation))

        bom_words = [{"child": b.part, "quantity": b.quantity, "operation": b.operation} for b in f.bom]
        if land.row is None:
            def create(f=f, key=key, revision=land.revision):
                made = PartRevision(part=self.part(f.number), revision=revision, status=PartRevisionStatus.DRAFT)
                self.session.add(made)
                set_bom(made)
                self.made[("part_revision", key, revision.lower())] = made
                self.record("part_revision.created", "part_revision", f"{f.number}/{revision}",
                            after={"status": made.status, "bom": bom_words})
            self.change("part", label, "new revision" if land.after else "created", create,
                        f"the changes to released rev {land.after.revision}" if land.after else None)
        elif self.bom_of(land.row) != want:
            def replace_bom(rev=land.row):
                before = [{"child": self.part_by_id[c].number, "quantity": line.quantity,
                           "operation": line.operation_sequence} for c, line in self.bom[rev.id].items()]
                set_bom(rev)
                self.record("part_revision.bom_changed", "part_revision", f"{f.number}/{rev.revision}",
                            before={"bom": before}, after={"bom": bom_words})
            self.change("part", label, "updated", replace_bom, "BOM")
        draft = land.row is None or land.row.status == PartRevisionStatus.DRAFT
        released = [r for r in revs if r.status == PartRevisionStatus.RELEASED
                    and r.revision.lower() != land.revision.lower()]
        if draft:
            self.successions += [((*here, "release"), Succession("bom", f.number, old.revision, land.revision),
                                  f.release) for old in released]
        if draft and f.release:
            def release(f=f, revision=land.revision, olds=released):
                for old in olds:
                    self.move(old, PartRevisionStatus.OBSOLETE, "part_revision.obsoleted", "part_revision",
                              f"{f.number}/{old.revision}")
                self.move(self.part_revision(f.number, revision), PartRevisionStatus.RELEASED,
                          "part_revision.released", "part_revision", f"{f.number}/{revision}")
            self.change("part", label, "released", release)
        elif land.row is not None and self.bom_of(land.row) == want and not (draft and f.release):
            self.unchanged += 1

    # ---------------------------------------------------------------- routings

    def routing_shape(self, routing: Routing) -> tuple:
        """A routing as comparable values (what a file entry of it would say)."""
        ops = []
        for op in self.operations[routing.id]:
            doc = self.doc_rev_by_id.get(op.document_revision_id)
            ops.append((op.sequence, op.name, self.center_by_id[op.work_center_id].code.lower(), op.standard_minutes,
                        (doc.document.number.lower(), doc.revision.lower()) if doc else None,
                        tuple(op.required_tool_kinds or ()), op.required_skill,
                        tuple(sorted((c.code.lower(), c.code, c.name, c.kind, c.nominal, c.lsl, c.usl, c.units, c.key,
                                      c.balloon, c.drawing_zone, c.gauge_kind)
                                     for c in self.characteristics[op.id]))))
        return tuple(sorted(ops))

    def file_shape(self, r) -> tuple:
        ops = []
        for o in r.operations:
            doc = None
            if o.instruction:
                key = (o.instruction.document.lower(), o.instruction.revision.lower())
                doc = (key[0], self.doc_landing.get(key, o.instruction.revision).lower())
            ops.append((o.sequence, o.name, o.work_center.lower(), o.standard_minutes, doc, tuple(o.tool_kinds),
                        o.skill, tuple(sorted((c.code.lower(), c.code, c.name, c.kind.value, c.nominal, c.lsl, c.usl,
                                               c.units, c.key, c.balloon, c.drawing_zone, c.gauge_kind)
                                              for c in o.characteristics))))
        return tuple(sorted(ops))

    def plan_routings(self) -> None:
        for i, r in enumerate(self.product.routings):
            here = ("routings", i)
            part_key = r.part.lower()
            prev_name = self.part_landing.get((part_key, r.part_revision.lower()), r.part_revision)
            part = self.parts.get(part_key)
            prev = next((x for x in self.part_revs[part.id] if x.revision.lower() == prev_name.lower()), None) \
                if part else None
            revs = self.routings[prev.id] if prev else []
            want = self.file_shape(r)
            land = _landing(revs, r.revision, lambda x: self.routing_shape(x) == want, (RoutingStatus.DRAFT,))
            number = part.number if part else r.part
            label = f"{number}/{prev_name} routing {land.revision}"
            if land.row is None:
                def create(r=r, prev_name=prev_name, revision=land.revision):
                    made = Routing(part_revision=self.part_revision(r.part, prev_name), revision=revision,
                                   status=RoutingStatus.DRAFT, created_at=utcnow())
                    self.session.add(made)
                    self.made[("routing", part_key, prev_name.lower(), revision.lower())] = made
                    for o in r.operations:
                        self.add_operation(made, o)
                    self.record("routing.created", "routing", f"{self.part(r.part).number}/{prev_name}/{revision}",
                                after={"status": made.status, "operations": [o.sequence for o in r.operations]})
                self.change("routing", label, "new revision" if land.after else "created", create,
                            f"the changes to released routing {land.after.revision}" if land.after else None)
            elif self.routing_shape(land.row) != want:
                self.plan_routing_edit(here, land.row, r, label)
            draft = land.row is None or land.row.status == RoutingStatus.DRAFT
            released = [x for x in revs if x.status == RoutingStatus.RELEASED
                        and x.revision.lower() != land.revision.lower()]
            if draft:
                self.successions += [((*here, "release"), Succession("routing", f"{number}/{prev_name}", old.revision,
                                                                     land.revision), r.release) for old in released]
            if draft and r.release:
                def release(key=(part_key, prev_name.lower(), land.revision.lower()), row=land.row, olds=released,
                            where=f"{number}/{prev_name}", revision=land.revision):
                    for old in olds:
                        self.move(old, RoutingStatus.SUPERSEDED, "routing.superseded", "routing",
                                  f"{where}/{old.revision}")
                    self.move(row or self.made[("routing", *key)], RoutingStatus.RELEASED, "routing.released",
                              "routing", f"{where}/{revision}")
                self.change("routing", label, "released", release)
            elif land.row is not None and self.routing_shape(land.row) == want and not (draft and r.release):
                self.unchanged += 1

    def instruction(self, o) -> DocumentRevision | None:
        if o.instruction is None:
            return None
        key = (o.instruction.document.lower(), o.instruction.revision.lower())
        return self.document_revision(o.instruction.document, self.doc_landing.get(key, o.instruction.revision))

    def operation_values(self, o) -> dict:
        return {"name": o.name, "work_center": self.center(o.work_center), "standard_minutes": o.standard_minutes,
                "document_revision": self.instruction(o), "required_tool_kinds": list(o.tool_kinds),
                "required_skill": o.skill}

    def center(self, code: str) -> WorkCenter:
        return self.centers[code.lower()]

    def add_operation(self, routing: Routing, o) -> None:
        op = Operation(routing=routing, sequence=o.sequence, **self.operation_values(o))
        self.session.add(op)
        op.characteristics.extend(Characteristic(**_characteristic_values(c)) for c in o.characteristics)

    def plan_routing_edit(self, here: Path, routing: Routing, r, label: str) -> None:
        """A draft routing changed in place: operations by sequence, characteristics by code; what was
        recorded against is never removed."""
        have = {op.sequence: op for op in self.operations[routing.id]}
        wanted = {o.sequence for o in r.operations}
        gone = [op for seq, op in have.items() if seq not in wanted]
        gone_chars = [c for o in r.operations if o.sequence in have
                      for c in self.characteristics[have[o.sequence].id]
                      if c.code.lower() not in {x.code.lower() for x in o.characteristics}]
        for op in gone:
            if in_use(self.session, Operation, [op.id], besides=(Characteristic,)) or in_use(
                    self.session, Characteristic, [c.id for c in self.characteristics[op.id]]):
                self.errors.append(((*here, "operations"), f"operation {op.sequence} of draft {label} has records "
                                                           "against it; it stays in the routing"))
        for c in gone_chars:
            if in_use(self.session, Characteristic, [c.id]):
                self.errors.append(((*here, "operations"), f"characteristic {c.code} of draft {label} has records "
                                                           "against it; it stays in the routing"))

        def edit(routing=routing, r=r):
            for op in gone:
                self.session.execute(delete(Characteristic).where(Characteristic.operation_id == op.id))
                self.session.execute(delete(Operation).where(Operation.id == op.id))
            for o in r.operations:
                op = have.get(o.sequence)
                if op is None:
                    self.add_operation(routing, o)
                    continue
                for k, v in self.operation_values(o).items():
                    setattr(op, k, v)
                chars = {c.code.lower(): c for c in self.characteristics[op.id]}
                for c in o.characteristics:
                    found = chars.pop(c.code.lower(), None)
                    if found is None:
                        self.session.add(Characteristic(operation_id=op.id, **_characteristic_values(c)))  # op has an id
                    else:
                        for k, v in _characteristic_values(c).items():
                            setattr(found, k, v)
                for c in chars.values():
                    self.session.delete(c)
            self.record("routing.updated", "routing", label.replace(" routing ", "/"),
                        before={"operations": sorted(have)}, after={"operations": [o.sequence for o in r.operations]})
        self.change("routing", label, "updated", edit, "operations")

    # ---------------------------------------------------------------- the whole

    def plan(self) -> None:
        """The changes and the writes that make them, and the errors only the database shows."""
        self.plan_work_centers()
        self.plan_tools()
        self.plan_documents()
        self.plan_parts()
        self.plan_routings()

    def apply(self) -> None:
        for step in self.steps:
            step()
        self.session.flush()
        if self.steps:
            setup_changed(self.session)
            self.session.expire_all()  # records loaded before (a routing's operations) are read again


def _characteristic_values(c) -> dict:
    return {"code": c.code, "name": c.name, "kind": c.kind.value, "nominal": c.nominal, "lsl": c.lsl, "usl": c.usl,
            "units": c.units, "key": c.key, "balloon": c.balloon, "drawing_zone": c.drawing_zone,
            "gauge_kind": c.gauge_kind}


def _in_order(reasons: list[str]) -> list[str]:
    """Errors in the order of the file's lines (or the sheet's rows)."""
    def place(reason: str) -> int:
        found = re.match(r"(?:line|row) (\d+)", reason)
        return int(found.group(1)) if found else 0
    return sorted(reasons, key=place)


def _run(session: Session, actor: Actor, data: dict, files: dict[str, bytes], dry_run: bool,
         where: Callable[[Path, str], str]) -> ImportReport:
    """Check the data whole, plan, refuse with every reason or write; `where(path, reason)` words an error."""
    product, errors = productfile.validate(data, files)
    if product is not None:
        job = _Import(session, actor, product, files)
        job.check_references()
        errors += job.errors
    if errors:
        raise Invalid("product_file_invalid", _in_order([where(path, reason) for path, reason in errors]))
    job.plan()
    if job.errors:
        raise Invalid("product_file_invalid", _in_order([where(path, reason) for path, reason in job.errors]))
    answers = succession_refusals(session, actor, [s for _, s, _ in job.successions])
    refusals = [where(path, reason) for (path, _, release), reasons in zip(job.successions, answers) if release
                for reason in reasons]
    notes = [reason for (_, _, release), reasons in zip(job.successions, answers) if not release
             for reason in reasons]
    if refusals:
        raise Refused("product_refused", refusals)
    if not dry_run:
        job.apply()
    return ImportReport(dry_run=dry_run, changes=len(job.items), unchanged=job.unchanged, items=job.items,
                        notes=list(dict.fromkeys(notes)))


@command("catalog.manage")
def import_product(session: Session, actor: Actor, data: dict, files: dict[str, bytes] | None = None, *,
                   dry_run: bool = False, lines: dict[Path, int] | None = None) -> ImportReport:
    """Import a product definition (the file's data, as productfile.read gives it, and the images its
    instructions show, by name). `lines` (path → line) puts the line in every error."""
    return _run(session, actor, data, files or {}, dry_run, lambda path, reason: message(path, reason, lines or {}))


# ---------------------------------------------------------------- export

def _document_entry(rev: DocumentRevision) -> dict:
    return productfile.plain(productfile.DocumentIn(number=rev.document.number, title=rev.document.title,
                                                    revision=rev.revision, content=rev.content,
                                                    release=rev.status not in DOCUMENT_DRAFTS))


def _routing_entry(routing: Routing) -> dict:
    prev = routing.part_revision
    return productfile.plain(productfile.RoutingIn(
        part=prev.part.number, part_revision=prev.revision, revision=routing.revision,
        release=routing.status != RoutingStatus.DRAFT, operations=[productfile.OperationIn(
            sequence=op.sequence, name=op.name, work_center=op.work_center.code,
            standard_minutes=op.standard_minutes,
            instruction={"document": op.document_revision.document.number, "revision": op.document_revision.revision}
            if op.document_revision else None,
            skill=op.required_skill, tool_kinds=list(op.required_tool_kinds or ()),
            characteristics=[productfile.CharacteristicIn(
                code=c.code, name=c.name, kind=c.kind, nominal=c.nominal, lsl=c.lsl, usl=c.usl, units=c.units,
                key=c.key, balloon=c.balloon, drawing_zone=c.drawing_zone, gauge_kind=c.gauge_kind)
                for c in op.characteristics]) for op in routing.operations]))


@query()
def export_product(session: Session, actor: Actor, *, part: str, revision: str | None = None) -> ProductExport:
    """A part revision (its current one unless named) as a product file: it, every part below it in its
    BOM at its current revision, their routings (draft and released), the instruction revisions, work
    centers, tools and gauges those use, and the images; importing it again changes nothing."""
    top = get_part_revision(session, part, revision) if revision else current_revisions(session).get(
        get_part(session, part).id)
    if top is None:
        raise Invalid("product_export_invalid", [f"{get_part(session, part).number} has no revision to export"])
    current = current_revisions(session)
    lines = defaultdict(list)
    for line in session.execute(select(BomLine).order_by(BomLine.operation_sequence, BomLine.id)).scalars():
        lines[line.parent_revision_id].append(line)
    parts = {p.id: p for p in session.execute(select(Part)).scalars()}
    chosen, queue = {top.part_id: top}, [top]
    order = [top.part_id]
    while queue:
        rev = queue.pop(0)
        for line in lines[rev.id]:
            if line.child_part_id not in chosen:
                chosen[line.child_part_id] = current.get(line.child_part_id)
                order.append(line.child_part_id)
                if chosen[line.child_part_id] is not None:
                    queue.append(chosen[line.child_part_id])
    rev_ids = [r.id for r in chosen.values() if r is not None]
    routings = session.execute(select(Routing).where(Routing.part_revision_id.in_(rev_ids),
                                                     Routing.status != RoutingStatus.SUPERSEDED)
                               .order_by(Routing.id)).scalars().all()
    operations = [op for r in routings for op in r.operations]
    doc_revs = list({op.document_revision_id: op.document_revision for op in operations if op.document_revision}
                    .values())
    centers = {op.work_center.code: op.work_center for op in operations}
    kinds = {k for op in operations for k in op.required_tool_kinds or ()}
    gauges = {c.gauge_kind for op in operations for c in op.characteristics if c.gauge_kind}
    tools = session.execute(select(Tool).where(Tool.kind.in_(sorted(kinds | gauges))).order_by(Tool.code)
                            ).scalars().all()
    last = newest_calibrations(session, [t.id for t in tools])
    images, owners, labels = {}, {}, {r.id: r.label for r in doc_revs}
    for image in session.execute(select(DocumentImage).where(DocumentImage.document_revision_id.in_(
            list(labels))).order_by(DocumentImage.name)).scalars():
        if image.name in images and images[image.name] != image.data:
            raise Refused("product_export_refused", [
                f"{owners[image.name]} and {labels[image.document_revision_id]} attach different images named "
                f"{image.name}; beside one file they need different names"])
        images[image.name], owners[image.name] = image.data, labels[image.document_revision_id]
    data = {
        "work_centers": [productfile.plain(productfile.WorkCenterIn(
            code=w.code, name=w.name, hours_per_day=w.hours_per_day, stations=w.stations, efficiency=w.efficiency))
            for w in sorted(centers.values(), key=lambda w: w.code)],
        "tools": [productfile.plain(productfile.ToolIn(
            code=t.code, kind=t.kind, category=t.category, description=t.description or None,
            calibration_due=t.calibration_due, certificate=last[t.id].certificate if t.id in last else None))
            for t in tools],
        "documents": [_document_entry(r) for r in sorted(doc_revs, key=lambda r: (r.document.number, r.id))],
        "parts": [productfile.plain(productfile.PartIn(
            number=parts[pid].number, description=parts[pid].description, tracking=parts[pid].tracking,
            revision=chosen[pid].revision if chosen[pid] else None,
            release=chosen[pid] is not None and chosen[pid].status != PartRevisionStatus.DRAFT,
            bom=[{"part": parts[b.child_part_id].number, "quantity": b.quantity, "operation": b.operation_sequence}
                 for b in lines[chosen[pid].id]] if chosen[pid] else []))
            for pid in order],
        "routings": [_routing_entry(r) for r in routings],
    }
    return ProductExport(part=top.part.number, revision=top.revision, data={k: v for k, v in data.items() if v},
                         images={name: base64.b64encode(data).decode() for name, data in images.items()})


# ---------------------------------------------------------------- spreadsheets

def _row_where(origin: dict[tuple, int], prefix: tuple) -> Callable[[Path, str], str]:
    """Words an import error by the spreadsheet row it came from, where it came from one."""
    def where(path: Path, reason: str) -> str:
        for size in range(len(path), len(prefix) - 1, -1):
            row = origin.get(path[:size])
            if row is not None:
                rest = ".".join(str(p) for p in path[size:])
                return f"row {row}: {rest + ': ' if rest else ''}{reason}"
        return f"{path_text(path)}: {reason}"
    return where


@command("catalog.manage")
def import_characteristics(session: Session, actor: Actor, *, part: str, revision: str, routing: str,
                           filename: str, data: bytes, dry_run: bool = False) -> ImportReport:
    """A characteristic accountability list (balloon, code, name, nominal, tolerances or limits, units,
    key, operation) into a routing: each row's characteristic added, or changed by its code, at its
    operation; then imported as the product file is."""
    rows, errors = productfile.characteristic_rows(productfile.read_sheet(filename, data))
    found = get_routing(session, part, revision, routing)
    entry = _routing_entry(found)
    by_sequence = {op["sequence"]: j for j, op in enumerate(entry.get("operations", []))}
    origin = {}
    for number, sequence, char in rows:
        if sequence is None:
            continue
        if sequence not in by_sequence:
            errors.append(f"row {number}: operation: routing {found.revision} of {found.part_revision.part.number} rev "
                          f"{found.part_revision.revision} has no operation {sequence}; it has "
                          + ", ".join(str(s) for s in by_sequence))
            continue
        j = by_sequence[sequence]
        chars = entry["operations"][j].setdefault("characteristics", [])
        k = next((k for k, c in enumerate(chars) if str(c.get("code", "")).lower() == str(char.get("code", "")).lower()),
                 None)
        if k is None:
            chars.append(char)
            k = len(chars) - 1
        else:
            chars[k] = char
        origin[("routings", 0, "operations", j, "characteristics", k)] = number
    if errors:
        raise Invalid("sheet_invalid", errors)
    return _run(session, actor, {"routings": [entry]}, {}, dry_run, _row_where(origin, ("routings", 0)))


@command("catalog.manage")
def import_bom(session: Session, actor: Actor, *, part: str, revision: str, filename: str, data: bytes,
               dry_run: bool = False) -> ImportReport:
    """A BOM exported from PLM (part, quantity, operation; a description and tracking create a part not
    yet known) as the whole BOM of a part revision; then imported as the product file is."""
    rows, errors = productfile.bom_rows(productfile.read_sheet(filename, data))
    if errors:
        raise Invalid("sheet_invalid", errors)
    rev = get_part_revision(session, part, revision)
    owner = {"number": rev.part.number, "description": rev.part.description, "tracking": rev.part.tracking,
             "revision": rev.revision, "release": rev.status != PartRevisionStatus.DRAFT}
    known = {p.lower() for p in session.execute(select(Part.number)).scalars()}
    new_parts, origin = [], {}
    for k, (number, line, made) in enumerate(rows):
        origin[("parts", 0, "bom", k)] = number
        child = str(line.get("part", "")).lower()
        if made and child and child not in known and child not in {p["number"].lower() for p in new_parts}:
            origin[("parts", len(new_parts) + 1)] = number
            new_parts.append({"number": line["part"], **made})
    payload = {"parts": [{**owner, "bom": [line for _, line, _ in rows]}, *new_parts]}
    return _run(session, actor, payload, {}, dry_run, _row_where(origin, ("parts",)))
