"""What one transaction of the floor has read, kept until something else writes.

A station's submits, a script building a unit, the demo: one unit of work often acts on one unit several
times (start, material, results, complete). Each use case would read the unit's context again, though
nothing but the floor's own use cases changed it, and they know what they changed. So what the floor
reads (units' contexts, gauges, tools, qualifications) is kept for the transaction, and dropped the
moment any statement writes that the floor did not account for: every statement but a SELECT on the
connection is counted (a write from any area, the ORM or raw SQL alike; a savepoint rolled back too). A
floor use case (`floor_use_case`) checks the count once as it begins, keeps what it reads and what it
writes right as it goes, and when it ends says the count is accounted for; if it fails, everything kept
is dropped. On PostgreSQL the unit's row stays locked to the end of the transaction, so no other
transaction changes what is kept of it; rows read without a lock (a supplier's status) are as of the
first read in the transaction.
"""
from __future__ import annotations

import functools

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from lrip.db import transaction_cache

_WRITES = "lrip_writes"
KEEP_AT_MOST = 64  # units' contexts (by serial and by id) a transaction keeps: a report walking every unit keeps few


@event.listens_for(Engine, "before_cursor_execute")
def _count_writes(conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    """Every statement but a SELECT moves the connection's write count (one that does not begin with
    SELECT as SQLAlchemy writes it counts as a write: at worst a read is taken again)."""
    if not statement.startswith("SELECT"):
        conn.info[_WRITES] = conn.info.get(_WRITES, 0) + 1


def _writes(session: Session) -> int:
    return session.connection().info.get(_WRITES, 0)


def floor_reads(session: Session) -> dict:
    """This transaction's kept reads: {"units": {serial or id: context}, "gauges": {code: gauge or None},
    "tools": {code: tool}, "qualified": {(user id, skill): (expires, granted)}}. Inside a floor use case,
    as it stood when the use case began; outside one, empty again if anything wrote since the floor last
    accounted for its writes (changes not yet flushed are flushed first, so they count)."""
    cache = transaction_cache(session)
    kept = cache.get("floor")
    if cache.get("floor_busy") and kept is not None:
        return kept
    session.flush()
    writes = _writes(session)
    if kept is None or kept["writes"] != writes:
        kept = cache["floor"] = {"writes": writes, "units": {}, "gauges": {}, "tools": {}, "qualified": {}}
    return kept


def floor_use_case(fn):
    """A floor use case keeps what it reads right through its own writes: when it ends they are accounted
    for; when it fails, nothing kept is trusted again."""
    @functools.wraps(fn)
    def keeping(session: Session, *args, **kwargs):
        cache = transaction_cache(session)
        if cache.get("floor_busy"):
            return fn(session, *args, **kwargs)
        kept = floor_reads(session)
        cache["floor_busy"] = True
        try:
            answer = fn(session, *args, **kwargs)
            session.flush()
            kept["writes"] = _writes(session)
            return answer
        except BaseException:
            cache.pop("floor", None)
            raise
        finally:
            cache.pop("floor_busy", None)

    return keeping


def locked(session: Session) -> set:
    """The units this transaction has locked (lower-case serials and ids): a row lock lasts to its end."""
    return transaction_cache(session).setdefault("floor_locked", set())
