"""Traceability: where a unit's material came from (backward), where a lot went (forward),
and whether each unit's record is whole (completeness).

The genealogy is the consumption table: unit × operation × (material lot or child serial) ×
quantity. A trace walks it with one recursive query (a recursive CTE, the same SQL on SQLite
and PostgreSQL: lrip.execution.genealogy, which containment walks too). The walk is UNION, not UNION ALL: a consumption row enters the result once,
so even a cycle in bad data (A built into B built into A) ends the walk; the tree built from
the rows then stops at the cycle, names it, and stops at MAX_DEPTH levels.

A trace takes five statements and a completeness check about ten, however large the genealogy or
the lot: the units and lots a walk reached are read by their ids bound as one parameter.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from functools import cache

from sqlalchemy import JSON, Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from lrip.auth.actor import Actor, query
from lrip.catalog.models import BomLine, Operation, Part, PartRevision, Routing
from lrip.db import is_postgres
from lrip.errors import Invalid, NotFound
from lrip.execution.genealogy import walk_query
from lrip.execution.models import Consumption, Measurement, OperationRecord, Unit
from lrip.execution.rules import RecordStatus, UnitStatus
from lrip.execution.service import get_unit, required_characteristics
from lrip.program.models import Lot, Program
from lrip.program.rules import Policy
from lrip.program.service import get_lot, get_program, policy_for
from lrip.supply.models import MaterialLot, PurchaseOrder, PurchaseOrderLine, Receipt, Supplier
from lrip.trace.schemas import Trace, UnitCompleteness

DIRECTIONS = ("backward", "forward")
KINDS = ("unit", "material_lot")
MAX_DEPTH = 50  # levels of assembly; real products have a handful


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


# ---------------------------------------------------------------- the things a trace names

def _unit_side(name: str):
    """Aliases to read a unit with its lot, program and part in one join."""
    unit = aliased(Unit, name=f"{name}_unit")
    lot = aliased(Lot, name=f"{name}_lot")
    program = aliased(Program, name=f"{name}_program")
    routing = aliased(Routing, name=f"{name}_routing")
    revision = aliased(PartRevision, name=f"{name}_revision")
    part = aliased(Part, name=f"{name}_part")
    columns = (unit.id, unit.serial, unit.status, lot.number, program.code, part.number, revision.revision)
    joins = ((lot, lot.id == unit.lot_id), (program, program.id == lot.program_id),
             (routing, routing.id == lot.routing_id), (revision, revision.id == routing.part_revision_id),
             (part, part.id == revision.part_id))
    return unit, columns, joins


def _unit_node(unit_id, serial, status, lot, program, part, revision) -> dict:
    """A unit, with the part revision it is built to (its lot's routing's)."""
    return {"kind": "unit", "identifier": serial, "part": part, "revision": revision, "status": status, "lot": lot,
            "program": program}


def _lot_side(name: str):
    """Aliases to read a material lot with its part, supplier and receipt (PO line) in one join;
    a lot received before purchase orders were kept has no receipt."""
    lot = aliased(MaterialLot, name=f"{name}_mlot")
    part = aliased(Part, name=f"{name}_mpart")
    revision = aliased(PartRevision, name=f"{name}_mrevision")
    supplier = aliased(Supplier, name=f"{name}_supplier")
    receipt = aliased(Receipt, name=f"{name}_receipt")
    line = aliased(PurchaseOrderLine, name=f"{name}_poline")
    order = aliased(PurchaseOrder, name=f"{name}_po")
    columns = (lot.id, lot.lot_number, lot.status, lot.quantity_received, lot.received_at, part.number,
               supplier.code, supplier.name, supplier.status, order.number, line.line_number, receipt.received_on,
               line.promised_on, receipt.quantity, receipt.result, revision.revision)
    joins = ((part, part.id == lot.part_id), (revision, revision.id == lot.part_revision_id),
             (supplier, supplier.id == lot.supplier_id),
             (receipt, receipt.material_lot_id == lot.id), (line, line.id == receipt.line_id),
             (order, order.id == line.order_id))
    return lot, columns, joins


def _lot_node(lot_id, number, status, received, received_at, part, supplier, supplier_name, supplier_status,
              po, po_line, received_on, promised_on, receipt_quantity, inspection, revision) -> dict:
    receipt = None if po is None else {
        "po": po, "line": po_line, "received_on": received_on.isoformat(), "promised_on": promised_on.isoformat(),
        "quantity": receipt_quantity, "inspection": inspection}
    return {"kind": "material_lot", "identifier": number, "part": part, "revision": revision, "status": status,
            "quantity_received": received, "received_at": _iso(received_at), "supplier": supplier,
            "supplier_name": supplier_name, "supplier_status": supplier_status, "receipt": receipt}


def _by_ids(column, postgres: bool):
    """`column` is one of the ids bound as `ids`, a list: one parameter however many ids (an IN list
    of bound values would need a statement for every few thousand, SQLite's limit on parameters)."""
    if postgres:
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam("ids", type_=JSON))))


@cache
def unit_query(by: str, postgres: bool = False):
    """Units with their lot, program and part, by serial regardless of case (bound as `serial`) or by
    ids (`ids`). Statements are built once: building one costs more than running it."""
    unit, columns, joins = _unit_side("u")
    query = select(*columns)
    for target, on in joins:
        query = query.join(target, on)
    return query.where(func.lower(unit.serial) == func.lower(bindparam("serial")) if by == "serial"
                       else _by_ids(unit.id, postgres))


@cache
def lot_query(by: str, postgres: bool = False):
    """Material lots with part, supplier and receipt, by lot number regardless of case (`lot_number`)
    or by ids (`ids`)."""
    lot, columns, joins = _lot_side("m")
    query = select(*columns).select_from(lot)
    for target, on in joins:
        query = query.outerjoin(target, on)
    return query.where(func.lower(lot.lot_number) == func.lower(bindparam("lot_number")) if by == "lot_number"
                       else _by_ids(lot.id, postgres))


def _resolve(session: Session, identifier: str, kind: str | None) -> tuple[str, int, dict, str | None]:
    """The unit or material lot the identifier names. A serial that is also a lot number is
    read as the serial, as `consume` reads it when it is scanned; `kind` chooses the other."""
    identifier = identifier.strip()
    if kind is not None and kind not in KINDS:
        raise Invalid("trace_invalid", f"kind is unit or material_lot, not '{kind}'")
    unit = session.execute(unit_query("serial"), {"serial": identifier}).first() if kind != "material_lot" else None
    lot = session.execute(lot_query("lot_number"), {"lot_number": identifier}).first() if kind != "unit" else None
    if unit:
        note = (f"{unit[1]} is both a unit serial and a material lot number; traced the unit, as consumption "
                "reads a scanned identifier (ask for kind material_lot to trace the lot)") if lot else None
        return "unit", unit[0], _unit_node(*unit), note
    if lot:
        return "material_lot", lot[0], _lot_node(*lot), None
    what = {"unit": "unit with serial", "material_lot": "material lot with number"}.get(kind, "unit serial or "
                                                                                           "material lot number")
    reasons = [f"No {what} {identifier}"]
    if session.execute(select(Lot.id).where(func.lower(Lot.number) == identifier.lower())).first():
        reasons.append(f"{identifier} is a production lot; `lrip trace check {identifier}` checks its units' records")
    raise NotFound("trace_not_found", reasons)


# ---------------------------------------------------------------- the walk

def _details(session: Session, query, ids: set[int], node) -> dict[int, dict]:
    """The units or lots with these ids, in one statement (none when there are none)."""
    if not ids:
        return {}
    return {row[0]: node(*row) for row in session.execute(query, {"ids": sorted(ids)})}


@query("read")
def trace(session: Session, actor: Actor, *, identifier: str, direction: str = "backward",
          kind: str | None = None) -> Trace:
    """Backward: everything built into a unit (or a lot itself), down every level, each material lot
    with its supplier and receipt. Forward: every unit that contains a lot or serial, at any depth,
    with its status and lot — the recall question. `root` is the tree; `units` and
    `material_lots` list the same things flat."""
    if direction not in DIRECTIONS:
        raise Invalid("trace_invalid", f"direction is backward or forward, not '{direction}'")
    root_kind, root_id, root, note = _resolve(session, identifier, kind)
    rows = [] if direction == "backward" and root_kind == "material_lot" else session.execute(
        walk_query(direction, root_kind), {"root": root_id}).all()
    edges: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in rows:
        link = {"quantity": r.quantity, "operation": r.sequence, "operation_name": r.name,
                "consumed_at": _iso(r.consumed_at)}
        child = ("unit", r.child_unit_id) if r.child_unit_id is not None else ("material_lot", r.material_lot_id)
        if direction == "backward":
            edges[("unit", r.unit_id)].append({**link, "end": child})
        else:
            edges[child].append({**link, "end": ("unit", r.unit_id)})
    ends = {e["end"] for links in edges.values() for e in links}
    unit_ids = {i for k, i in ends if k == "unit"} - ({root_id} if root_kind == "unit" else set())
    lot_ids = {i for k, i in ends if k == "material_lot"}
    postgres = is_postgres(session)
    nodes = {"unit": _details(session, unit_query("ids", postgres), unit_ids, _unit_node),
             "material_lot": _details(session, lot_query("ids", postgres), lot_ids, _lot_node)}
    nodes[root_kind][root_id] = root
    tree = _tree(nodes, edges, (root_kind, root_id), "into" if direction == "backward" else "contains")
    flat_units = [n for n in tree["flat"] if n["kind"] == "unit"]
    return Trace.model_validate({
        "identifier": root["identifier"], "kind": root_kind, "direction": direction, "note": note,
        "root": tree["root"], "depth": tree["depth"], "cycles": tree["cycles"], "truncated": tree["truncated"],
        "units": flat_units, "units_by_status": dict(sorted(Counter(u["status"] for u in flat_units).items())),
        "material_lots": _flat_lots(tree["flat"]),
        "suppliers": sorted({n["supplier"] for n in tree["flat"] if n["kind"] == "material_lot" and n["supplier"]}),
    })


def _tree(nodes: dict, edges: dict, root_key: tuple[str, int], parent_word: str) -> dict:
    """The nested tree from the flat links. A node reached twice is expanded once (the second
    time it says `repeated`); a node already on its own path is a cycle and is not expanded.
    Each node below the root names its tree parent under `parent_word` (into / contains)."""
    cycles, expanded, flat = [], set(), []
    state = {"depth": 0, "truncated": False}

    def grow(key, node, path, depth):
        state["depth"] = max(state["depth"], depth)
        if depth >= MAX_DEPTH:
            state["truncated"] = state["truncated"] or bool(edges.get(key))
            node["links"] = []
            return node
        expanded.add(key)
        children = []
        for e in edges.get(key, []):
            end = e["end"]
            child = {**nodes[end[0]][end[1]], **{k: v for k, v in e.items() if k != "end"}, "depth": depth + 1,
                     parent_word: node["identifier"]}
            flat.append(child)
            if end in path:
                child["cycle"], child["links"] = True, []
                cycles.append(" → ".join([nodes[k][i]["identifier"] for k, i in path[path.index(end):]]
                                         + [child["identifier"]]))
            elif end in expanded:
                child["repeated"] = True
                child["links"] = []
            else:
                grow(end, child, path + [end], depth + 1)
            children.append(child)
        node["links"] = children
        return node

    root = grow(root_key, {**nodes[root_key[0]][root_key[1]], "depth": 0}, [root_key], 0)
    flat = [{k: v for k, v in n.items() if k != "links"} for n in flat]
    return {"root": root, "flat": flat, "cycles": cycles, "depth": state["depth"], "truncated": state["truncated"]}


def _flat_lots(flat: list[dict]) -> list[dict]:
    """Each material lot once, with the quantity consumed in this genealogy and where it went."""
    lots: dict[str, dict] = {}
    for n in flat:
        if n["kind"] != "material_lot":
            continue
        row = lots.setdefault(n["identifier"], {k: v for k, v in n.items() if k not in (
            "into", "depth", "quantity", "operation", "operation_name", "consumed_at", "repeated", "cycle")}
            | {"quantity": 0.0, "depth": n["depth"], "into": []})
        row["quantity"] += n["quantity"]
        row["into"].append(n["into"])
    return list(lots.values())


# ---------------------------------------------------------------- completeness

@query("read")
def completeness(session: Session, actor: Actor, *, serial: str | None = None, lot: str | None = None,
                 program: str | None = None) -> list[UnitCompleteness]:
    """Per unit of one serial, lot or program: is its record whole? Every routing operation
    completed; on each completed operation, every characteristic the phase's inspection requires
    has a result on the attempt that completed it, and every BOM line at it was consumed in full
    from traced lots or serials. `gaps` says what is missing in words; a scrapped unit is listed
    but not checked (it will not be delivered)."""
    given = [name for name, value in (("serial", serial), ("lot", lot), ("program", program)) if value]
    if len(given) != 1:
        raise Invalid("completeness_invalid", "name one serial, one lot or one program to check")
    if serial:
        scope = Unit.id == get_unit(session, serial).id
    elif lot:
        scope = Unit.lot_id == get_lot(session, lot).id
    else:
        scope = Unit.lot_id.in_(select(Lot.id).where(Lot.program_id == get_program(session, program).id))
    units = session.execute(select(Unit).where(scope).options(joinedload(Unit.lot)).order_by(Unit.id)).scalars().all()
    records = defaultdict(list)  # (unit id, operation id) -> records by attempt
    for r in session.execute(select(OperationRecord.id, OperationRecord.unit_id, OperationRecord.operation_id,
                                    OperationRecord.status).join(Unit).where(scope)
                             .order_by(OperationRecord.attempt)):
        records[(r.unit_id, r.operation_id)].append(r)
    measured = defaultdict(set)  # record id -> characteristic ids with a result
    for record_id, char_id in session.execute(select(Measurement.operation_record_id, Measurement.characteristic_id)
                                              .join(Unit, Unit.id == Measurement.unit_id).where(scope)):
        measured[record_id].add(char_id)
    consumed = _consumed(session, scope)
    steps = _steps(session, select(Unit.lot_id).where(scope))
    rows = []
    for unit in units:
        gaps = []
        if unit.status != UnitStatus.SCRAPPED:
            policy = policy_for(session, unit.lot.program_id, unit.lot.phase)
            gaps = _gaps(unit, policy, steps[unit.lot.routing_id], records, measured, consumed)
        rows.append(UnitCompleteness(serial=unit.serial, lot=unit.lot.number, status=unit.status, gaps=gaps,
                                     complete=not gaps))
    return rows


def _consumed(session: Session, scope) -> dict[tuple[int, int, int], float]:
    """(unit id, operation sequence, part id) -> quantity consumed, over every attempt."""
    child, child_lot, child_program, child_revision = aliased(Unit), aliased(Lot), aliased(Program), aliased(PartRevision)
    query = (select(Consumption.unit_id, Operation.sequence, MaterialLot.part_id, child_revision.part_id,
                    Consumption.quantity)
             .join(Unit, Unit.id == Consumption.unit_id)
             .join(OperationRecord, OperationRecord.id == Consumption.operation_record_id)
             .join(Operation, Operation.id == OperationRecord.operation_id)
             .outerjoin(MaterialLot, MaterialLot.id == Consumption.material_lot_id)
             .outerjoin(child, child.id == Consumption.child_unit_id)
             .outerjoin(child_lot, child_lot.id == child.lot_id)
             .outerjoin(child_program, child_program.id == child_lot.program_id)
             .outerjoin(child_revision, child_revision.id == child_program.part_revision_id)
             .where(scope))
    totals: dict[tuple[int, int, int], float] = defaultdict(float)
    for unit_id, sequence, lot_part, child_part, quantity in session.execute(query):
        totals[(unit_id, sequence, lot_part if lot_part is not None else child_part)] += quantity
    return totals


def _steps(session: Session, lot_ids) -> dict[int, list[tuple[Operation, list[tuple[int, str, float]]]]]:
    """Per routing the lots build on: each operation, with its characteristics, and the BOM lines
    consumed at it (child part id, number, quantity). Four statements for every routing at once."""
    routings = session.execute(select(Routing).where(Routing.id.in_(select(Lot.routing_id).where(Lot.id.in_(lot_ids))))
                               .options(selectinload(Routing.operations).selectinload(Operation.characteristics))
                               ).scalars().all()
    bom = defaultdict(list)  # (part revision id, operation sequence) -> lines
    for revision_id, sequence, part_id, number, quantity in session.execute(
            select(BomLine.parent_revision_id, BomLine.operation_sequence, BomLine.child_part_id, Part.number,
                   BomLine.quantity).join(Part, Part.id == BomLine.child_part_id)
            .where(BomLine.parent_revision_id.in_([r.part_revision_id for r in routings])).order_by(BomLine.id)):
        bom[(revision_id, sequence)].append((part_id, number, quantity))
    return {r.id: [(op, bom.get((r.part_revision_id, op.sequence), [])) for op in r.operations] for r in routings}


def _gaps(unit: Unit, policy: Policy, steps: list, records: dict, measured: dict,
          consumed: dict) -> list[str]:
    gaps = []
    for op, bom in steps:
        name = f"operation {op.sequence} ({op.name})"
        attempts = records.get((unit.id, op.id), [])
        done = [r for r in attempts if r.status == RecordStatus.COMPLETE]
        if not done:
            last = attempts[-1].status if attempts else None
            gaps.append(f"{name} is " + {None: "not started", RecordStatus.IN_WORK: "in work, not completed",
                                         RecordStatus.REWORKED: "sent back for rework and not completed again",
                                         RecordStatus.STOPPED: "stopped, not completed"
                                         }.get(last, f"{last}, not completed"))
            continue
        have = measured.get(done[-1].id, set())
        required = {c.code for c in required_characteristics(unit, op, policy)}
        gaps += [f"{name}: no result for {c.code} {c.name}" for c in op.characteristics
                 if c.code in required and c.id not in have]
        for part_id, number, quantity in bom:
            got = consumed.get((unit.id, op.sequence, part_id), 0.0)
            if got + 1e-9 < quantity:
                gaps.append(f"{name}: {got:g} of {quantity:g} {number} consumed from a traced lot or serial")
    return gaps
