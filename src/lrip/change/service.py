"""Change control: raise, submit (with the impact analysis), sign, approve, implement, reject or
cancel a change request; redlines; change traffic.

How work in progress follows a change is decided by where execution reads it: a unit builds on
its lot's routing, and an operation reads its instruction revision from the routing when it
starts (the operation record keeps the revision it started with). So a new instruction reaches
the units of an open lot by pointing that lot's routing at it, and reaches only the next lots by
a new routing revision; a new routing reaches a lot only before its first unit starts. An
instruction revision kept in effect for an open lot is superseded when that lot closes
(`supersede_freed`, run by the handler of program's LotClosed).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.auth.models import Signature
from lrip.auth import decisions
from lrip.auth.decisions import Given
from lrip.auth.signatures import content_hash, sign_decision, signatures_for
from lrip.catalog import service as catalog
from lrip.catalog.events import Succession
from lrip.catalog.models import BomLine, Document, DocumentRevision, Operation, Part, PartRevision, Routing, Tool
from lrip.change import rules
from lrip.change.models import ChangeItem, ChangeRequest, Redline
from lrip.change.rules import ChangeStatus, ItemSpec
from lrip.change.schemas import ChangeDetail, ChangeRow, ChangeSigned, Impact, RedlineOut, TrafficWeek
from lrip.db import get_one, utcnow
from lrip.errors import NotFound, verdict
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.execution.service import get_unit
from lrip.inspection.first_article import require_delta_fai
from lrip.nonconformance.models import NonConformance
from lrip.program.models import Lot, Program
from lrip.program.service import get_program, policy_for
from lrip.supply.models import MaterialLot

RECORD = "change_request"
CHANGE = decisions.Decision.CHANGE_APPROVAL
LIVE = ("planned", "in_work", "on_hold")  # units a change can still reach


# ---------------------------------------------------------------- loading

def get_change(session: Session, number: str, *, lock: bool = False) -> ChangeRequest:
    return get_one(session, ChangeRequest, "change request", lock=lock, number=number)


def _next_number(session: Session, model, prefix: str) -> str:
    last = session.execute(select(func.max(model.id))).scalar_one() or 0
    return f"{prefix}-{last + 1:04d}"


def _routing_label(r: Routing) -> str:
    return f"{r.part_revision.part.number}/{r.part_revision.revision} routing rev {r.revision}"


def _from_to(item: ItemSpec, revs: dict, drafts: tuple[str, ...]) -> tuple[dict, list[str]]:
    """The revision an item changes from (named, or the released one) and the draft it changes to."""
    found = {"from": revs.get(item.from_revision) if item.from_revision else next(
        (r for r in revs.values() if r.status == "released"), None), "to": revs.get(item.to_revision)}
    problems = []
    if item.from_revision and found["from"] is None:
        problems.append(f"{item.label}: {item.identifier} has no rev {item.from_revision}")
    if found["to"] is None:
        problems.append(f"{item.label}: {item.identifier} has no rev {item.to_revision}; prepare it as a draft first")
    elif found["to"].status not in drafts:
        problems.append(f"{item.label}: rev {item.to_revision} is {found['to'].status}, not a draft")
    return found, problems


def _resolve(session: Session, item: ItemSpec) -> tuple[dict, list[str]]:
    """The records an item names, and every reason it cannot be changed as asked."""
    found, problems = {}, []
    try:
        if item.kind == "document":
            doc = get_one(session, Document, "work instruction", number=item.identifier)
            revs = session.execute(select(DocumentRevision).filter_by(document_id=doc.id)).scalars()
            found, problems = _from_to(item, {r.revision: r for r in revs}, ("draft", "redline"))
        elif item.kind in ("part_revision", "bom"):
            part = catalog.get_part(session, item.identifier)
            revs = session.execute(select(PartRevision).filter_by(part_id=part.id)).scalars()
            found, problems = _from_to(item, {r.revision: r for r in revs}, ("draft",))
        elif item.kind == "routing":
            part, _, prev = item.identifier.partition("/")
            if not prev:
                problems.append(f"{item.label}: name the routing as PART/PART_REVISION, e.g. {part or 'EMA-200'}/A")
            else:
                prev_id = catalog.get_part_revision(session, part, prev).id
                revs = session.execute(select(Routing).filter_by(part_revision_id=prev_id)).scalars()
                found, problems = _from_to(item, {r.revision: r for r in revs}, ("draft",))
        elif item.kind == "tool":
            found["tool"] = get_one(session, Tool, "tool", code=item.identifier)
    except NotFound as exc:
        problems += [f"{item.label}: {r}" for r in exc.reasons]
    return found, problems


def _specs(change: ChangeRequest) -> list[ItemSpec]:
    return [ItemSpec(i.kind, i.identifier, i.from_revision, i.to_revision) for i in change.items]


def _content(change: ChangeRequest) -> dict:
    """What an approval signature signs: the request as submitted (not its impact, which moves)."""
    return {"number": change.number, "program": change.program.code, "title": change.title,
            "reason": change.reason, "description": change.description, "class": change.change_class,
            "urgency": change.urgency, "effectivity": change.effectivity,
            "effectivity_serial": change.effectivity_serial, "items": [s.label for s in _specs(change)],
            "attachments": change.attachments or []}


# ---------------------------------------------------------------- impact analysis

def _program_routings(session: Session, prog: Program) -> list[Routing]:
    """The routings the program's lots build on (any part revision) and those of its part revision."""
    ids = set(session.execute(select(Lot.routing_id).where(Lot.program_id == prog.id)).scalars())
    ids |= set(session.execute(select(Routing.id).where(Routing.part_revision_id == prog.part_revision_id)).scalars())
    return list(session.execute(select(Routing).where(Routing.id.in_(ids)).order_by(Routing.id)).scalars())


def _defs(routing: Routing) -> list[rules.OperationDef]:
    return [rules.OperationDef(
        op.sequence, op.name, op.work_center.code, op.standard_minutes,
        op.document_revision.label if op.document_revision else None, tuple(op.required_tool_kinds or ()),
        op.required_skill,
        tuple(rules.CharacteristicDef(op.sequence, c.code, c.name, c.kind, c.nominal, c.lsl, c.usl, c.units, c.key)
              for c in op.characteristics)) for op in routing.operations]


def _bom_sequences(session: Session, parent_rev_ids: list[int], child_part_id: int | None = None) -> set[int]:
    query = select(BomLine.operation_sequence).where(BomLine.parent_revision_id.in_(parent_rev_ids))
    if child_part_id is not None:
        query = query.where(BomLine.child_part_id == child_part_id)
    return set(session.execute(query).scalars())


def _bom_diff(session: Session, old: PartRevision | None, new: PartRevision) -> set[int]:
    """Operation sequences where the BOM of `new` differs from `old` (part added, removed, quantity)."""
    def lines(rev):
        if rev is None:
            return {}
        return {(b.child_part_id): (b.quantity, b.operation_sequence)
                for b in session.execute(select(BomLine).filter_by(parent_revision_id=rev.id)).scalars()}
    a, b = lines(old), lines(new)
    return {v[1] for k in set(a) | set(b) if a.get(k) != b.get(k) for v in (a.get(k), b.get(k)) if v}


def _analyse(session: Session, change: ChangeRequest) -> tuple[dict, dict]:
    """The impact analysis (JSON) and what implementing needs (records by item)."""
    prog = change.program
    routings = _program_routings(session, prog)
    resolved, touched_ops, char_changes, superseded = [], {}, {}, []
    routing_diffs, reach, changed_parts = [], {}, {}

    def touch(ops, why, doing):
        """The operations an item touches, why (the item), and what a lot does there, in words."""
        for op in ops:
            touched_ops.setdefault(op.id, (op, []))[1].append(why)
            reach.setdefault(op.id, []).append(doing(op))

    for spec in _specs(change):
        found, _ = _resolve(session, spec)
        resolved.append((spec, found))
        if spec.kind == "document" and found.get("from") is not None:
            old = found["from"]
            touch([op for r in routings for op in r.operations if op.document_revision_id == old.id], spec.label,
                  lambda op: f"uses {old.label} at operation {op.sequence}")
            if old.status == "released":
                superseded.append(f"{old.label} (work instruction)")
        elif spec.kind == "routing" and found.get("from") is not None and found.get("to") is not None:
            diff = rules.routing_diff(_defs(found["from"]), _defs(found["to"]))
            routing_diffs.append({"item": spec.label, **diff})
            changed = {o["sequence"] for o in diff["operations"]}
            touch([op for op in found["from"].operations if op.sequence in changed], spec.label,
                  lambda op: f"builds on {_routing_label(op.routing)}, whose operation {op.sequence} changes")
            for c in diff["characteristics"]:
                char_changes[c["code"]] = {**c, "item": spec.label}
            if found["from"].status == "released":
                superseded.append(f"{_routing_label(found['from'])}")
        elif spec.kind == "tool" and found.get("tool") is not None:
            kind = found["tool"].kind
            touch([op for r in routings for op in r.operations if kind in (op.required_tool_kinds or ())], spec.label,
                  lambda op: f"uses a {kind} ({found['tool'].code} is one) at operation {op.sequence}")
        elif spec.kind in ("part_revision", "bom") and found.get("to") is not None:
            old, new = found.get("from"), found["to"]
            if spec.kind == "bom":
                seqs = _bom_diff(session, old, new)
                parent_ids = [old.id] if old is not None else []
            else:
                parent_ids = list({r.part_revision_id for r in routings})
                seqs = _bom_sequences(session, parent_ids, new.part_id)
                changed_parts[new.part_id] = new.part.number
            part = new.part.number
            touch([op for r in routings if r.part_revision_id in parent_ids for op in r.operations
                   if op.sequence in seqs], spec.label,
                  lambda op: f"consumes {part} at operation {op.sequence}" if spec.kind == "part_revision"
                  else f"consumes what the BOM of {part} changes at operation {op.sequence}")
            if old is not None and old.status == "released":
                superseded.append(f"{old.part.number} rev {old.revision} (part revision, becomes obsolete)")

    op_ids = set(touched_ops)
    routing_ids = {op.routing_id for op, _ in touched_ops.values()}
    routing_ids |= {f["from"].id for s, f in resolved if s.kind == "routing" and f.get("from") is not None}
    # characteristics measured at the operations touched, and those whose definition a routing changes
    chars = {}
    for op, why in touched_ops.values():
        for c in op.characteristics:
            chars.setdefault(c.code, {"code": c.code, "name": c.name, "operation": op.sequence, "key": c.key,
                                      "change": "process changed", "details": [], "ids": set()})["ids"].add(c.id)
    for code, c in char_changes.items():
        chars.setdefault(code, {"code": code, "name": code, "operation": c["operation"], "key": False, "ids": set()})
        chars[code].update(change=c["change"], details=c["details"])
    lots = list(session.execute(select(Lot).where(Lot.program_id == prog.id, Lot.status == "open",
                                                  Lot.routing_id.in_(routing_ids)).order_by(Lot.id)).scalars())
    doc_or_routing_routings = {op.routing_id for op, why in touched_ops.values()
                               if any(w.startswith(("work instruction", "routing")) for w in why)}
    doc_or_routing_routings |= {f["from"].id for s, f in resolved if s.kind == "routing" and f.get("from") is not None}
    units = _units_reached(session, lots, op_ids, changed_parts)
    char_ids = {i for c in chars.values() for i in c["ids"]}
    part_ids = {f["to"].part_id for s, f in resolved if s.kind == "part_revision" and f.get("to") is not None}
    ncrs = []
    if op_ids or char_ids or part_ids:
        cites = [NonConformance.operation_id.in_(op_ids), NonConformance.characteristic_id.in_(char_ids)]
        if part_ids:
            cites.append(NonConformance.material_lot_id.in_(select(MaterialLot.id).where(MaterialLot.part_id.in_(part_ids))))
        for n in session.execute(select(NonConformance).where(NonConformance.status != "closed", or_(*cites))
                                 .order_by(NonConformance.id)).scalars():
            ncrs.append({"number": n.number, "status": n.status, "severity": n.severity,
                         "serial": n.unit.serial if n.unit else None,
                         "operation": n.operation.sequence if n.operation else None,
                         "characteristic": n.characteristic.code if n.characteristic else None,
                         "description": n.description})
    policy = policy_for(session, prog.id, prog.phase)
    codes = sorted(code for code, c in chars.items() if c["change"] != "removed")
    fai_needed = bool(codes) and policy.first_article != "none"
    if not codes:
        fai_note = "no characteristic is touched: no delta first article inspection"
    elif not fai_needed:
        fai_note = f"{prog.phase.upper()} asks for no first article inspection"
    elif change.effectivity == "next_lot":
        fai_note = "the first unit of the next lot to build on the change needs a delta FAI"
    elif change.effectivity == "from_serial":
        fai_note = f"{change.effectivity_serial} (the first unit built to the change) needs a delta FAI"
    else:
        fai_note = "the first unit of each open lot to reach a changed operation needs a delta FAI"
    first_units = []
    if fai_needed and change.effectivity == "immediate":
        first_units = [next(u["serial"] for u in units if u["lot"] == lot.number and u["operations_ahead"])
                       for lot in lots if any(u["lot"] == lot.number and u["operations_ahead"] for u in units)]
    elif fai_needed and change.effectivity == "from_serial":
        first_units = [change.effectivity_serial]
    in_use = [lot.number for lot in lots if lot.routing_id in doc_or_routing_routings]
    impact = {
        "computed_at": utcnow().isoformat(), "as_of": "now", "phase": prog.phase,
        "open_lots": [{"lot": lot.number, "routing": _routing_label(lot.routing), "phase": lot.phase,
                       "uses_changed_routing_or_instruction": lot.number in in_use,
                       "reaches": sorted({words for op in lot.routing.operations for words in reach.get(op.id, ())})}
                      for lot in lots],
        "units": units,
        "superseded": superseded,
        "operations": [{"routing": _routing_label(op.routing), "sequence": op.sequence, "name": op.name,
                        "because": sorted(set(why))} for op, why in touched_ops.values()],
        "routing_changes": routing_diffs,
        "characteristics": [{k: v for k, v in c.items() if k != "ids"} for _, c in sorted(chars.items())],
        "delta_fai": {"required": fai_needed, "characteristics": codes if fai_needed else [], "first_units": first_units,
                      "note": fai_note},
        "open_ncrs": ncrs,
    }
    return impact, {"resolved": resolved, "lots": lots, "in_use": in_use, "routings": routings}


def _units_reached(session: Session, lots: list[Lot], op_ids: set[int], parts: dict[int, str]) -> list[dict]:
    """Every unit of the open lots (scrapped ones aside) that the change reaches or that is built on what it
    changes: the touched operations still ahead of it, those it has done, and the lots of a changed part
    built into it (with their revisions). Three statements for every lot at once."""
    lot_ids = [lot.id for lot in lots]
    if not lot_ids:
        return []
    touched = {lot.id: {op.id: op.sequence for op in lot.routing.operations if op.id in op_ids} for lot in lots}
    done: dict[int, set[int]] = defaultdict(set)
    for unit_id, operation_id in session.execute(
            select(OperationRecord.unit_id, OperationRecord.operation_id).join(Unit, Unit.id == OperationRecord.unit_id)
            .where(Unit.lot_id.in_(lot_ids), OperationRecord.status == "complete",
                   OperationRecord.operation_id.in_(op_ids))):
        done[unit_id].add(operation_id)
    contains: dict[int, list[str]] = defaultdict(list)
    if parts:
        for unit_id, lot_number, part, revision in session.execute(
                select(Consumption.unit_id, MaterialLot.lot_number, Part.number, PartRevision.revision)
                .join(Unit, Unit.id == Consumption.unit_id).join(MaterialLot, MaterialLot.id == Consumption.material_lot_id)
                .join(Part, Part.id == MaterialLot.part_id)
                .outerjoin(PartRevision, PartRevision.id == MaterialLot.part_revision_id)
                .where(Unit.lot_id.in_(lot_ids), MaterialLot.part_id.in_(list(parts))).order_by(Consumption.id)):
            contains[unit_id].append(f"{part} rev {revision or '?'} ({lot_number})")
    numbers = {lot.id: lot.number for lot in lots}
    units = []
    for unit_id, serial, status, lot_id in session.execute(
            select(Unit.id, Unit.serial, Unit.status, Unit.lot_id)
            .where(Unit.lot_id.in_(lot_ids), Unit.status != "scrapped").order_by(Unit.serial)):
        ops = touched[lot_id]
        ahead = sorted(seq for oid, seq in ops.items() if oid not in done[unit_id]) if status in LIVE else []
        did = sorted(seq for oid, seq in ops.items() if oid in done[unit_id])
        if ahead or did or contains[unit_id]:
            units.append({"serial": serial, "lot": numbers[lot_id], "status": status, "operations_ahead": ahead,
                          "operations_done": did, "contains": contains[unit_id]})
    return units


def _open_lot_verdict(session: Session, change: ChangeRequest, plan: dict):
    prog = change.program
    policy = policy_for(session, prog.id, prog.phase)
    return rules.check_open_lot_rule(open_lot_changes=policy.open_lot_changes, phase=prog.phase,
                                     effectivity=change.effectivity, urgency=change.urgency, lots_in_use=plan["in_use"])


@query("read")
def impact(session: Session, actor: Actor, *, number: str) -> Impact:
    """The impact analysis computed now from live records (the stored one is the snapshot at submission)."""
    return Impact.model_validate(_analyse(session, get_change(session, number))[0])


# ---------------------------------------------------------------- the request's life

def _audit(session: Session, change: ChangeRequest, *, actor: Actor, action: str, before: str | None,
           after: dict | None = None, reason: str | None = None) -> None:
    audit.record(session, actor=actor, action=f"change.{action}", record_type=RECORD, record_id=change.number,
                 before={"status": before} if before else None, after={"status": change.status, **(after or {})},
                 reason=reason)


def _move(change: ChangeRequest, action: str, reasons: list[str] = ()) -> str:
    """Put the change request in the status after `action`, or refuse with every reason (the
    lifecycle's and `reasons`); the status it was in."""
    after, decision = rules.CHANGE.next(change.status, action, change.number)
    verdict([*decision.reasons, *reasons]).raise_if_refused("change_refused")
    before, change.status = change.status, after
    return before


@command("change.request")
def create_change(session: Session, actor: Actor, *, program: str, title: str, reason: str, description: str,
                  change_class: str, urgency: str = "normal", effectivity: str = "next_lot",
                  effectivity_serial: str | None = None, items: list[ItemSpec] | list[str],
                  attachments: list[tuple[str, str]] = (), redlines: list[str] = (),
                  at: datetime | None = None) -> ChangeDetail:
    """Raise a change request (a draft): every problem with what it says is named at once."""
    prog = get_program(session, program)
    specs, problems = [], []
    for item in items:
        try:
            specs.append(item if isinstance(item, ItemSpec) else rules.parse_item(item))
        except ValueError as exc:
            problems.append(str(exc))
    for spec in specs:
        if spec.kind in rules.KINDS:
            problems += _resolve(session, spec)[1]
    attached = []
    for doc, rev in attachments:
        try:
            r = catalog.get_document_revision(session, doc, rev)
            attached.append({"document": r.document.number, "revision": r.revision, "content_hash": r.content_hash})
        except NotFound as exc:
            problems += [f"attachment: {x}" for x in exc.reasons]
    linked = []
    for number in redlines:
        row = session.execute(select(Redline).where(func.lower(Redline.number) == number.lower())).scalar_one_or_none()
        if row is None:
            problems.append(f"no redline {number}")
        elif row.change_id is not None:
            problems.append(f"redline {row.number} is already carried by {row.change.number}")
        else:
            linked.append(row)
    rules.check_request(title=title, reason=reason, description=description, change_class=change_class,
                        urgency=urgency, effectivity=effectivity, effectivity_serial=effectivity_serial,
                        items=specs, item_problems=problems).raise_if_refused("change_refused")
    serial = (effectivity_serial or "").strip() or None if effectivity == rules.Effectivity.FROM_SERIAL else None
    change = ChangeRequest(number=_next_number(session, ChangeRequest, "CR"), program_id=prog.id, title=title.strip(),
                           reason=reason.strip(), description=description.strip(), change_class=change_class,
                           urgency=urgency, effectivity=effectivity, effectivity_serial=serial,
                           status=ChangeStatus.DRAFT, attachments=attached, raised_at=at or utcnow(),
                           raised_by_id=actor.id)
    session.add(change)
    session.flush()
    for spec in specs:
        session.add(ChangeItem(change_id=change.id, kind=spec.kind, identifier=spec.identifier,
                               from_revision=spec.from_revision, to_revision=spec.to_revision))
    for row in linked:
        row.change_id = change.id
    session.flush()
    session.refresh(change, ["items"])
    _audit(session, change, actor=actor, action="created", before=None,
           after={"program": prog.code, "title": change.title, "class": change_class, "urgency": urgency,
                  "effectivity": effectivity, "items": [s.label for s in specs],
                  "redlines": [r.number for r in linked]})
    return _detail(session, change)


@command("change.request")
def submit_change(session: Session, actor: Actor, *, number: str, at: datetime | None = None) -> ChangeDetail:
    """Submit for approval: the impact analysis is computed and kept with the request as its snapshot."""
    change = get_change(session, number, lock=True)
    result, plan = _analyse(session, change)
    reasons = list(_open_lot_verdict(session, change, plan).reasons)
    for spec in _specs(change):
        reasons += _resolve(session, spec)[1]
    before = _move(change, "submit", reasons)
    change.submitted_at, change.impact = at or utcnow(), {**result, "as_of": "submission"}
    _audit(session, change, actor=actor, action="submitted", before=before,
           after={"open_lots": [x["lot"] for x in result["open_lots"]], "units": len(result["units"]),
                  "characteristics": [c["code"] for c in result["characteristics"]]})
    return _detail(session, change)


def _signed_in(session: Session, change: ChangeRequest) -> tuple[str, tuple[str, ...]]:
    """The phase the change is approved in — the program's now while the request waits for its
    signatures, the one it was submitted in once decided — and what that phase's policy adds to the
    signed-decisions table (lrip.auth.decisions)."""
    prog = change.program
    waiting = change.status in (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED)
    phase = prog.phase if waiting else (change.impact or {}).get("phase", prog.phase)
    return phase, tuple(policy_for(session, prog.id, phase).change_signatures)


def required_signatures(session: Session, change: ChangeRequest) -> tuple[str, ...]:
    """The signature roles the change's approval needs."""
    phase, also = _signed_in(session, change)
    return decisions.required(CHANGE, phase, also=also)


def _signature_state(session: Session, change: ChangeRequest) -> tuple[list[dict], list[str]]:
    sigs = signatures_for(session, RECORD, change.number, _content(change))
    return sigs, _missing(session, change, sigs)


def _missing(session: Session, change: ChangeRequest, signatures: list[dict]) -> list[str]:
    """The signatures still missing, in words, given the change's (each with who, role, meaning, validity):
    its author's never counts as an approval."""
    phase, also = _signed_in(session, change)
    given = [Given(s["username"], s["role"]) for s in signatures if s["valid"] and s["meaning"] == "approved"]
    return list(decisions.standing(CHANGE, phase, given, author=change.raised_by.username, also=also).reasons)


@command("signature.sign")
def sign_change(session: Session, actor: Actor, *, number: str, password: str, role: str | None = None
                ) -> ChangeSigned:
    """The signed-in person's approval e-signature (password asked again) in a role the signed-decisions table
    asks for; the person who raised the change cannot approve it."""
    change = get_change(session, number)
    rules.CHANGE.next(change.status, "sign", change.number)[1].raise_if_refused("change_refused")
    phase, also = _signed_in(session, change)
    sign_decision(session, actor, decision=CHANGE, phase=phase, record_type=RECORD, record_id=change.number,
                  content=_content(change), password=password, role=role, author=change.raised_by.username,
                  also=also, record=change.number)
    sigs, missing = _signature_state(session, change)
    return ChangeSigned(number=change.number, signatures=sigs, missing=missing)


@command("change.approve")
def approve_change(session: Session, actor: Actor, *, number: str, at: datetime | None = None) -> ChangeDetail:
    """Approved once every signature the program's phase asks for is there and still matches."""
    change = get_change(session, number, lock=True)
    reasons = []
    if change.status == ChangeStatus.SUBMITTED:
        _, missing = _signature_state(session, change)
        reasons += rules.check_approval(number=change.number, required=required_signatures(session, change),
                                        missing=missing, phase=change.program.phase).reasons
    before = _move(change, "approve", reasons)
    change.approved_at = at or utcnow()
    _audit(session, change, actor=actor, action="approved", before=before,
           after={"signatures": [f"{s['username']} ({s['role']})" for s in _signature_state(session, change)[0]]})
    return _detail(session, change)


@command("change.approve")
def reject_change(session: Session, actor: Actor, *, number: str, reason: str) -> ChangeDetail:
    """Turn down a submitted or approved change request, saying why."""
    return _close(session, actor, number, reason, "reject")


@command("change.request")
def cancel_change(session: Session, actor: Actor, *, number: str, reason: str) -> ChangeDetail:
    """Withdraw a draft or submitted change request, saying why."""
    return _close(session, actor, number, reason, "cancel")


def _close(session: Session, actor: Actor, number: str, reason: str, action: str) -> ChangeDetail:
    change = get_change(session, number, lock=True)
    missing = [] if (reason or "").strip() else [f"say why the change request is {rules.VERBS[action]}"]
    before = _move(change, action, missing)
    change.closed_at, change.decision_note = utcnow(), reason.strip()
    _audit(session, change, actor=actor, action=rules.VERBS[action], before=before, reason=reason.strip())
    return _detail(session, change)


# ---------------------------------------------------------------- implementation

def _next_revision(taken: set[str], current: str) -> str:
    if current.isdigit():
        n = int(current) + 1
        while str(n) in taken:
            n += 1
        return str(n)
    candidate = current
    while candidate in taken:
        candidate = candidate[:-1] + chr(ord(candidate[-1]) + 1) if candidate[-1] not in "zZ9" else candidate + "A"
    return candidate


def _switching(change: ChangeRequest, lots: list[Lot], session: Session) -> set[int]:
    """The open lots that follow the change now (the others keep what they build on until they close)."""
    if change.effectivity == "immediate":
        return {lot.id for lot in lots}
    if change.effectivity == "from_serial":
        serial = change.effectivity_serial
        return {lot.id for lot in lots if session.execute(select(Unit.id).where(
            Unit.lot_id == lot.id, Unit.serial >= serial).limit(1)).first() is not None}
    return set()


def _started(session: Session, lot: Lot) -> list[str]:
    return list(session.execute(select(Unit.serial).where(Unit.lot_id == lot.id, Unit.id.in_(
        select(OperationRecord.unit_id))).order_by(Unit.serial)).scalars())


def _plan(session: Session, change: ChangeRequest, plan: dict) -> tuple[list[str], list[dict]]:
    """What implementing does, step by step, and every reason it cannot (checked before anything is written)."""
    reasons, steps = [], []
    lots_by_routing: dict[int, list[Lot]] = {}
    for lot in session.execute(select(Lot).where(Lot.program_id == change.program_id, Lot.status == "open")
                               .order_by(Lot.id)).scalars():
        lots_by_routing.setdefault(lot.routing_id, []).append(lot)
    switching = _switching(change, [lot for ls in lots_by_routing.values() for lot in ls], session)
    replaced = set()
    for spec, found in plan["resolved"]:
        if spec.kind in ("part_revision", "bom"):
            steps.append({"do": "release_part", "spec": spec})
            old, new = found.get("from"), found.get("to")
            open_lots = [lot for ls in lots_by_routing.values() for lot in ls]
            using = _lots_consuming(session, open_lots, new.part_id) if spec.kind == "part_revision" and old else []
            if using:
                steps.append({"do": "pin_lots", "lots": using, "part": new.part.number, "old": old.revision,
                              "new": new.revision, "change": change.number, "effectivity": change.effectivity,
                              "serial": change.effectivity_serial})
        elif spec.kind == "routing":
            old, new = found["from"], found["to"]
            steps.append({"do": "release_routing", "spec": spec, "routing": new})
            if old is not None:
                replaced.add(old.id)
                for lot in lots_by_routing.get(old.id, []):
                    if lot.id not in switching:
                        steps.append({"do": "keep_lot", "lot": lot, "routing": old})
                        continue
                    started = _started(session, lot)
                    if started:
                        reasons.append(f"lot {lot.number} has {len(started)} units started on routing rev "
                                       f"{old.revision} ({', '.join(started[:5])}{'…' if len(started) > 5 else ''}); "
                                       "a lot builds on one routing, so a new routing reaches a lot only before its "
                                       "first unit starts: make the change effective from the next lot")
                    else:
                        steps.append({"do": "switch_lot", "lot": lot, "routing": new})
        elif spec.kind == "tool":
            steps.append({"do": "note", "text": f"{spec.label}: no revision to release; the routings that use a "
                                                f"{found['tool'].kind} are listed in the impact analysis"})
    new_routings = {f["to"].id for s, f in plan["resolved"] if s.kind == "routing"}
    for spec, found in plan["resolved"]:
        if spec.kind != "document":
            continue
        old, new = found.get("from"), found["to"]
        steps.append({"do": "release_document", "spec": spec, "revision": new})
        if old is None:
            continue
        routings = [r for r in session.execute(select(Routing).where(Routing.id.in_(
            select(Operation.routing_id).where(Operation.document_revision_id == old.id)))).scalars()]
        kept_by = []
        for r in routings:
            lots = lots_by_routing.get(r.id, [])
            if r.id in replaced:  # its lots either move to the new routing or keep this one as it is
                kept_by += [lot.number for lot in lots if lot.id not in switching]
                continue
            follow = [lot for lot in lots if lot.id in switching]
            keep = [lot for lot in lots if lot.id not in switching]
            if follow and keep:
                reasons.append(f"lots {', '.join(lot.number for lot in lots)} share routing rev {r.revision}: "
                               f"{', '.join(lot.number for lot in follow)} would follow {spec.label} now and "
                               f"{', '.join(lot.number for lot in keep)} would not; make it effective from the next lot")
                continue
            if change.effectivity == "from_serial":
                for lot in follow:
                    seqs = {op.sequence for op in r.operations if op.document_revision_id == old.id}
                    early = [u["serial"] for u in _lot_units(plan, lot.number)
                             if u["serial"] < change.effectivity_serial and set(u["operations_ahead"]) & seqs]
                    if early:
                        reasons.append(f"{', '.join(early)} in lot {lot.number} come before "
                                       f"{change.effectivity_serial} and still have the changed operation ahead; "
                                       "units of one lot share its routing: make the change effective from the "
                                       "next lot, or from the first of them")
            kept_by += [lot.number for lot in keep]
            if keep and r.status == "released" and r.id not in new_routings:
                steps.append({"do": "new_routing", "routing": r, "old": old, "new": new})
            elif not keep and (follow or r.status == "released" or r.id in new_routings):
                steps.append({"do": "repoint", "routing": r, "old": old, "new": new,
                              "lots": [lot.number for lot in follow]})
        steps.append({"do": "supersede_document", "revision": old, "kept_by": sorted(set(kept_by))})
    return reasons, steps


def _lots_consuming(session: Session, lots: list[Lot], part_id: int) -> list[Lot]:
    """The lots (of those given) whose routing's BOM consumes the part."""
    parents = set(session.execute(select(BomLine.parent_revision_id).where(BomLine.child_part_id == part_id)).scalars())
    return sorted((lot for lot in lots if lot.routing.part_revision_id in parents), key=lambda lot: lot.id)


def _lot_units(plan: dict, lot: str) -> list[dict]:
    return [u for u in plan.get("units", []) if u["lot"] == lot]


@command("change.approve")
def implement_change(session: Session, actor: Actor, *, number: str, at: datetime | None = None) -> ChangeDetail:
    """Release the new revisions, supersede the old ones, move work in progress as the effectivity
    says, and ask for a delta FAI where characteristics changed. All of it, or nothing."""
    change = get_change(session, number, lock=True)
    rules.CHANGE.next(change.status, "implement", change.number)[1].raise_if_refused("change_refused")
    result, plan = _analyse(session, change)
    plan["units"] = result["units"]
    reasons = list(_open_lot_verdict(session, change, plan).reasons)
    for spec in _specs(change):
        reasons += _resolve(session, spec)[1]
    more, steps = _plan(session, change, plan)
    verdict(reasons + more).raise_if_refused("change_refused")
    why = f"{change.number}: {change.title}"
    done = {"released": [], "superseded": [], "pending_supersession": [], "lots_switched": [], "lots_kept": [],
            "configurations": [], "routings_created": [], "instructions_repointed": [], "notes": [],
            "delta_fai": None}
    for step in steps:
        _STEPS[step["do"]](session, actor, step, done, why)
    fai = result["delta_fai"]
    if fai["required"]:
        prev = change.program.part_revision
        last_lot = session.execute(select(func.max(Lot.id)).where(Lot.program_id == change.program_id)).scalar()
        require_delta_fai(session, actor, part=prev.part.number, part_revision=prev.revision,
                          characteristics=fai["characteristics"], reason=why, effectivity=change.effectivity,
                          after_lot_id=last_lot, from_serial=change.effectivity_serial)
        done["delta_fai"] = {"characteristics": fai["characteristics"], "note": fai["note"]}
    before = _move(change, "implement")
    change.implemented_at, change.implementation = at or utcnow(), {**done, "impact": {**result,
                                                                                        "as_of": "implementation"}}
    _audit(session, change, actor=actor, action="implemented", before=before,
           after={k: v for k, v in done.items() if v})
    return _detail(session, change)


def _release_part(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    spec = step["spec"]
    catalog.release_part_revision(session, actor, number=spec.identifier, revision=spec.to_revision, reason=why)
    done["released"].append(f"{spec.identifier} rev {spec.to_revision}")
    if spec.from_revision:
        done["superseded"].append(f"{spec.identifier} rev {spec.from_revision} (obsolete)")


def _pin_lots(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    """Record on each open lot that consumes the changed part which revision its units are built with, as
    the effectivity says: from the next lot, the lot keeps the old one; from a serial, the old one before
    it and the new one from it; immediately, the new one (where an earlier change had pinned the lot)."""
    part, old, new, number = step["part"], step["old"], step["new"], step["change"]
    for lot in step["lots"]:
        steps = list((lot.configuration or {}).get(part) or [])
        kept = steps or [{"revision": old, "change": number}]
        if step["effectivity"] == "next_lot":
            steps, words = kept, f"{lot.number} keeps building with {part} rev {kept[-1]['revision']}"
        elif step["effectivity"] == "from_serial":
            steps = kept + [{"revision": new, "from_serial": step["serial"], "change": number}]
            words = f"{lot.number} builds with {part} rev {new} from {step['serial']} on"
        elif steps:
            steps, words = steps + [{"revision": new, "change": number}], f"{lot.number} builds with {part} rev {new}"
        else:
            continue  # nothing pinned it: it builds with the released revision, the new one
        before = lot.configuration
        lot.configuration = {**(lot.configuration or {}), part: steps}
        audit.record(session, actor=actor, action="lot.configuration_changed", record_type="lot", record_id=lot.number,
                     before={"configuration": before}, after={"configuration": lot.configuration}, reason=why)
        done["configurations"].append(words)


def _release_routing(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    part, _, prev = step["spec"].identifier.partition("/")
    catalog.release_routing(session, actor, part=part, part_revision=prev, revision=step["routing"].revision,
                            reason=why)
    done["released"].append(_routing_label(step["routing"]))


def _switch_lot(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    lot, routing = step["lot"], step["routing"]
    before = lot.routing.revision
    lot.routing_id = routing.id
    session.flush()
    session.refresh(lot, ["routing"])
    audit.record(session, actor=actor, action="lot.routing_changed", record_type="lot", record_id=lot.number,
                 before={"routing": before}, after={"routing": routing.revision}, reason=why)
    done["lots_switched"].append({"lot": lot.number, "routing": routing.revision})


def _keep_lot(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    done["lots_kept"].append({"lot": step["lot"].number, "routing": step["routing"].revision})


def _release_document(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    spec = step["spec"]
    catalog.release_document(session, actor, number=spec.identifier, revision=spec.to_revision, supersede=False,
                             reason=why)
    done["released"].append(step["revision"].label)


def _repoint(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    r, old, new = step["routing"], step["old"], step["new"]
    for op in r.operations:
        if op.document_revision_id == old.id:
            catalog.set_operation_instruction(session, actor, routing=r, sequence=op.sequence,
                                              document=new.document.number, revision=new.revision, reason=why)
            done["instructions_repointed"].append({"routing": _routing_label(r), "operation": op.sequence,
                                                   "instruction": new.label, "lots": step["lots"]})


def _new_routing(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    r, old, new = step["routing"], step["old"], step["new"]
    prev = r.part_revision
    taken = set(session.execute(select(Routing.revision).filter_by(part_revision_id=prev.id)).scalars())
    revision = _next_revision(taken, r.revision)
    seqs = {op.sequence: (new.document.number, new.revision) for op in r.operations
            if op.document_revision_id == old.id}
    catalog.copy_routing(session, actor, part=prev.part.number, part_revision=prev.revision, revision=r.revision,
                         new_revision=revision, instructions=seqs)
    catalog.release_routing(session, actor, part=prev.part.number, part_revision=prev.revision, revision=revision,
                            reason=why)
    done["routings_created"].append(f"{prev.part.number}/{prev.revision} routing rev {revision} "
                                    f"(from rev {r.revision}, with {new.label}), released for the next lot")


def _supersede_document(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    old = step["revision"]
    if step["kept_by"]:
        done["pending_supersession"].append({"document": old.document.number, "revision": old.revision,
                                             "until_lots_close": step["kept_by"]})
    elif old.status == "released":
        catalog.supersede_document_revision(session, actor, number=old.document.number, revision=old.revision,
                                            reason=why)
        done["superseded"].append(old.label)


def _note(session: Session, actor: Actor, step: dict, done: dict, why: str) -> None:
    done["notes"].append(step["text"])


_STEPS = {"release_part": _release_part, "pin_lots": _pin_lots, "release_routing": _release_routing,
          "switch_lot": _switch_lot,
          "keep_lot": _keep_lot, "release_document": _release_document, "repoint": _repoint,
          "new_routing": _new_routing, "supersede_document": _supersede_document, "note": _note}
"""What each step of an implementation plan does (`_plan` lists the steps, checked before any is done)."""


def supersede_freed(session: Session, actor: Actor) -> list[str]:
    """Supersede the instruction revisions implemented changes kept in effect for open lots, once no
    open lot builds on them any more (the handler of program's LotClosed calls it)."""
    freed = []
    for change in session.execute(select(ChangeRequest).where(ChangeRequest.status == ChangeStatus.IMPLEMENTED)
                                  .order_by(ChangeRequest.id)).scalars():
        pending = (change.implementation or {}).get("pending_supersession") or []
        left = []
        for p in pending:
            rev = catalog.get_document_revision(session, p["document"], p["revision"])
            in_use = session.execute(select(Lot.number).join(Operation, Operation.routing_id == Lot.routing_id).where(
                Lot.status == "open", Operation.document_revision_id == rev.id)).first()
            if in_use is not None:
                left.append(p)
            elif rev.status == "released":
                catalog.supersede_document_revision(session, actor, number=p["document"], revision=p["revision"],
                                                    reason=f"{change.number}: no open lot builds on it any more")
                freed.append(rev.label)
        if len(left) != len(pending):
            change.implementation = {**change.implementation, "pending_supersession": left,
                                     "superseded": [*change.implementation.get("superseded", []),
                                                    *[f"{p['document']} rev {p['revision']}" for p in pending
                                                      if p not in left]]}
    return freed


# ---------------------------------------------------------------- released revisions outside change control

OPEN = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.APPROVED)
CONTROLLED = ("lrip", "frp")  # the phases in which a released revision changes only by a change request


def _succession_label(s: Succession) -> str:
    if s.kind == "routing":
        part, _, prev = s.identifier.partition("/")
        return f"routing {s.from_revision} of {part} rev {prev}"
    return {"document": f"{s.identifier} rev {s.from_revision}",
            "bom": f"the BOM of {s.identifier} rev {s.from_revision}"}.get(s.kind, f"{s.identifier} rev {s.from_revision}")


def _programs_using(session: Session, s: Succession, programs: list[Program]) -> list[Program]:
    """The programs (of those given) that build on the succession's released revision."""
    using = []
    for prog in programs:
        routings = _program_routings(session, prog)
        if s.kind == "document":
            used = any(op.document_revision is not None and op.document_revision.document.number.lower()
                       == s.identifier.lower() and op.document_revision.revision == s.from_revision
                       for r in routings for op in r.operations)
        elif s.kind == "routing":
            used = any(f"{r.part_revision.part.number}/{r.part_revision.revision}".lower() == s.identifier.lower()
                       and r.revision == s.from_revision for r in routings)
        else:  # the program's part revisions and every part below them in their BOMs
            seen, rev_ids = set(), {r.part_revision_id for r in routings} | {prog.part_revision_id}
            while rev_ids - seen:
                seen |= rev_ids
                children = select(BomLine.child_part_id).where(BomLine.parent_revision_id.in_(rev_ids))
                rev_ids = seen | set(session.execute(select(PartRevision.id).where(PartRevision.part_id.in_(children))
                                                     ).scalars())
            used = session.execute(select(PartRevision.id).join(Part, Part.id == PartRevision.part_id).where(
                PartRevision.id.in_(seen), func.lower(Part.number) == s.identifier.lower(),
                PartRevision.revision == s.from_revision).limit(1)).first() is not None
        if used:
            using.append(prog)
    return using


def succession_refusals(session: Session, successions: tuple[Succession, ...]) -> list[list[str]]:
    """For each released revision about to be succeeded outside change control, every program in LRIP
    or FRP that builds on it, each naming the change request that must carry the change (the open one
    that does, or the item to raise one with)."""
    programs = session.execute(select(Program).where(Program.phase.in_(CONTROLLED)).order_by(Program.code)
                               ).scalars().all()
    if not programs:
        return [[] for _ in successions]
    open_items = session.execute(select(ChangeItem, ChangeRequest).join(ChangeRequest)
                                 .where(ChangeRequest.status.in_(OPEN)).order_by(ChangeRequest.id)).all()
    answers = []
    for s in successions:
        reasons = []
        kinds = ("bom", "part_revision") if s.kind in ("bom", "part_revision") else (s.kind,)
        for prog in _programs_using(session, s, programs):
            carrying = [c for item, c in open_items if c.program_id == prog.id and item.kind in kinds
                        and item.identifier.lower() == s.identifier.lower()
                        and item.from_revision in (None, s.from_revision) and item.to_revision in (None, s.to_revision)]
            where = f"{_succession_label(s)} is released and program {prog.code} builds on it in {prog.phase.upper()}"
            if carrying:
                reasons.append(f"{where}: change request {carrying[0].number} ({carrying[0].status}) carries rev "
                               f"{s.to_revision}; it is released when {carrying[0].number} is implemented")
            else:
                reasons.append(f"{where}: a change request must carry rev {s.to_revision} — keep it a draft and "
                               f"raise one for {prog.code} with the item {s.kind}:{s.identifier}:{s.from_revision}:"
                               f"{s.to_revision}")
        answers.append(reasons)
    return answers


# ---------------------------------------------------------------- reading

def _row_values(session: Session, change: ChangeRequest, signatures: list[dict]) -> dict:
    return {"number": change.number, "program": change.program.code, "title": change.title,
            "class": change.change_class, "urgency": change.urgency, "effectivity": change.effectivity,
            "effectivity_serial": change.effectivity_serial, "status": change.status,
            "items": [s.label for s in _specs(change)], "raised_by": change.raised_by.username,
            "raised_at": change.raised_at, "submitted_at": change.submitted_at, "approved_at": change.approved_at,
            "implemented_at": change.implemented_at, "closed_at": change.closed_at,
            "signatures": sum(1 for s in signatures if s["valid"]),
            "required_signatures": list(required_signatures(session, change)),
            "missing_signatures": (_missing(session, change, signatures)
                                   if change.status == ChangeStatus.SUBMITTED else [])}


def _signatures_of(session: Session, changes: list[ChangeRequest]) -> dict[str, list[dict]]:
    """Each change's signatures (role, meaning, whether they still match), read in one statement for a list."""
    digests = {c.number: content_hash(_content(c)) for c in changes}
    found: dict[str, list[dict]] = defaultdict(list)
    for number, username, role, meaning, digest in session.execute(
            select(Signature.record_id, Signature.username, Signature.role, Signature.meaning, Signature.content_hash)
            .where(Signature.record_type == RECORD, Signature.record_id.in_(digests)).order_by(Signature.id)):
        found[number].append({"username": username, "role": role, "meaning": meaning,
                              "valid": digest == digests[number]})
    return found


def _detail(session: Session, change: ChangeRequest) -> ChangeDetail:
    sigs = signatures_for(session, RECORD, change.number, _content(change))
    redlines = session.execute(select(Redline.number).filter_by(change_id=change.id).order_by(Redline.id)).scalars()
    history = [{"at": e.at, "actor": e.actor, "action": e.action, "reason": e.reason}
               for e in reversed(audit.history(session, RECORD, change.number))]
    return ChangeDetail.model_validate({
        **_row_values(session, change, sigs), "reason": change.reason, "description": change.description,
        "decision_note": change.decision_note, "attachments": change.attachments or [],
        "item_details": [{"kind": i.kind, "identifier": i.identifier, "from_revision": i.from_revision,
                          "to_revision": i.to_revision} for i in change.items],
        "redlines": list(redlines),
        "impact": _impact_shown(session, change),
        "signature_list": sigs, "history": history,
        "implementation": {k: v for k, v in change.implementation.items() if k != "impact"}
        if change.implementation is not None else None})


def _impact_shown(session: Session, change: ChangeRequest) -> dict:
    """While a change waits (draft, submitted, approved), its impact as of now: the lots and units it reaches
    move as the floor works. Once implemented, the analysis it was implemented on; rejected or cancelled,
    the snapshot taken at submission."""
    if change.status in rules.OPEN_STATUSES or change.impact is None:
        return _analyse(session, change)[0]
    return (change.implementation or {}).get("impact") or {"as_of": "submission", **change.impact}


@query("read")
def list_changes(session: Session, actor: Actor, *, program: str | None = None, status: str | None = None
                 ) -> list[ChangeRow]:
    """Change requests, oldest first."""
    query_ = select(ChangeRequest).options(selectinload(ChangeRequest.items), joinedload(ChangeRequest.program),
                                           joinedload(ChangeRequest.raised_by)).order_by(ChangeRequest.id)
    if program:
        query_ = query_.where(ChangeRequest.program_id == get_program(session, program).id)
    if status:
        query_ = query_.where(ChangeRequest.status == status)
    changes = list(session.execute(query_).scalars())
    signatures = _signatures_of(session, changes)
    return [ChangeRow.model_validate(_row_values(session, c, signatures[c.number])) for c in changes]


@query("read")
def change_detail(session: Session, actor: Actor, *, number: str) -> ChangeDetail:
    """Everything about one change request: the request, its items, the impact snapshot (or, before
    submission, the impact as of now), signatures, what implementing did, and its history."""
    return _detail(session, get_change(session, number))


@query("read")
def change_traffic(session: Session, actor: Actor, *, program: str, weeks: int) -> list[TrafficWeek]:
    """Change requests per week, by class, over the last `weeks` weeks (oldest first): each counts in the week
    of its latest step, submitted, approved or implemented, so a change implemented today counts today
    however long ago it was submitted."""
    prog = get_program(session, program)
    rows = session.execute(select(ChangeRequest.submitted_at, ChangeRequest.approved_at, ChangeRequest.implemented_at,
                                  ChangeRequest.change_class).where(
        ChangeRequest.program_id == prog.id, ChangeRequest.submitted_at.is_not(None))).all()
    return [TrafficWeek.model_validate(w) for w in rules.traffic(
        [(max(at for at in (submitted, approved, implemented) if at is not None), cls)
         for submitted, approved, implemented, cls in rows], weeks=weeks, today=utcnow().date())]


# ---------------------------------------------------------------- redlines

@command("change.request")
def record_redline(session: Session, actor: Actor, *, serial: str, operation: str | int, markup: str,
                   at: datetime | None = None) -> RedlineOut:
    """A markup on the instruction of a unit's operation: prototype and pilot only."""
    unit = get_unit(session, serial, lock=True)
    op = catalog.find_operation(unit.lot.routing, operation)
    policy = policy_for(session, unit.lot.program_id, unit.lot.phase)
    rules.check_redline(serial=unit.serial, phase=unit.lot.phase, released_instruction=policy.released_instruction,
                        markup=markup, unit_status=unit.status).raise_if_refused("redline_refused")
    redline = Redline(number=_next_number(session, Redline, "RL"), unit_id=unit.id, operation_id=op.id,
                      document_revision_id=op.document_revision_id, markup=markup.strip(),
                      recorded_at=at or utcnow(), recorded_by_id=actor.id)
    session.add(redline)
    session.flush()
    audit.record(session, actor=actor, action="redline.recorded", record_type="unit", record_id=unit.serial,
                 after={"redline": redline.number, "operation": op.sequence,
                        "instruction": op.document_revision.label if op.document_revision else None,
                        "markup": redline.markup})
    return _redline_out(redline)


def _redline_out(r: Redline) -> RedlineOut:
    return RedlineOut(number=r.number, serial=r.unit.serial, lot=r.unit.lot.number, phase=r.unit.lot.phase,
                      operation=r.operation.sequence,
                      instruction=r.document_revision.label if r.document_revision else None, markup=r.markup,
                      recorded_by=r.recorded_by.username, recorded_at=r.recorded_at,
                      change=r.change.number if r.change else None,
                      incorporated=r.change is not None and r.change.status == ChangeStatus.IMPLEMENTED)


@query("read")
def list_redlines(session: Session, actor: Actor, *, program: str) -> list[RedlineOut]:
    """A program's redlines and the change requests that carry them."""
    prog = get_program(session, program)
    rows = session.execute(select(Redline).join(Unit).join(Lot).where(Lot.program_id == prog.id).options(
        joinedload(Redline.unit).joinedload(Unit.lot), joinedload(Redline.operation), joinedload(Redline.recorded_by),
        joinedload(Redline.document_revision).joinedload(DocumentRevision.document), joinedload(Redline.change))
        .order_by(Redline.id)).scalars()
    return [_redline_out(r) for r in rows]
