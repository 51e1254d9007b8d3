"""The genealogy walked: the consumption table (unit × operation × material lot or child serial) read as a
graph with one recursive query, the same SQL on SQLite and PostgreSQL. It lives with the table it walks,
below both of its readers: trace (the as-built tree, the recall question) and nonconformance
(containment: every unit built from a material lot found bad).

The walk is UNION, not UNION ALL: a consumption row enters the result once, so even a cycle in bad data
(A built into B built into A) ends the walk.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lrip.catalog.models import Operation
from lrip.execution.models import Consumption, OperationRecord, Unit
from lrip.execution.rules import UnitStatus


@cache
def walk(direction: str, kind: str):
    """The recursive CTE of every consumption link reachable from the root (bound as `root`): backward
    from a unit (what is built into it), forward from a material lot or a unit (what it is built into),
    each link with the operation that consumed it."""
    c = Consumption.__table__
    record, operation = OperationRecord.__table__, Operation.__table__

    def step(*, joins_walk=None):
        query = (select(c.c.id, c.c.unit_id, c.c.child_unit_id, c.c.material_lot_id, c.c.quantity, c.c.consumed_at,
                        operation.c.sequence, operation.c.name)
                 .join(record, record.c.id == c.c.operation_record_id)
                 .join(operation, operation.c.id == record.c.operation_id))
        return query if joins_walk is None else query.join(*joins_walk)

    if direction == "backward":
        cte = step().where(c.c.unit_id == bindparam("root")).cte("walk", recursive=True)
        return cte.union(step(joins_walk=(cte, c.c.unit_id == cte.c.child_unit_id)))
    start = c.c.material_lot_id if kind == "material_lot" else c.c.child_unit_id
    cte = step().where(start == bindparam("root")).cte("walk", recursive=True)
    return cte.union(step(joins_walk=(cte, c.c.child_unit_id == cte.c.unit_id)))


@cache
def walk_query(direction: str, kind: str):
    """Every link of the walk, in the order they were made: one recursive statement. What the links join
    (units, lots) is read after it by id: PostgreSQL cannot know how few rows a recursive walk returns,
    and joined to its result it would scan the unit table instead of looking up the few units by key."""
    links = walk(direction, kind)
    return select(links).order_by(links.c.id)


@cache
def _built_from(lock: bool):
    links = walk("forward", "material_lot")
    found = (select(Unit).where(Unit.id.in_(select(links.c.unit_id)), Unit.status != UnitStatus.SCRAPPED)
             .order_by(Unit.id))
    return found.with_for_update(of=Unit) if lock else found


def units_built_from(session: Session, material_lot_id: int, *, lock: bool = False) -> list[Unit]:
    """Every unit the material lot is built into, at any depth (a sub-assembly that contains it, and what
    that is built into), not scrapped, oldest first: one statement; `lock` locks them for a change."""
    return list(session.execute(_built_from(lock), {"root": material_lot_id}).scalars())
