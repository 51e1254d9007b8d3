"""Engine, the unit of work and the lookups shared by every service.

The entry point of an action (a CLI command, an API route, a page handler) opens
one unit of work, read-only or read-write; the services it calls run inside it
and never begin, commit or roll back (`require_unit_of_work`).

SQLite is the embedded default: WAL, foreign keys on, and writers take the
write lock when their transaction begins (BEGIN IMMEDIATE), so two operators
acting on one unit at the same moment are serialised instead of both reading
the old state; readers begin a plain BEGIN and never wait for it. PostgreSQL
gets the same guarantee from row locks (SELECT ... FOR UPDATE) taken by the services.
"""
from __future__ import annotations

import functools
import json
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import Boolean, DateTime, Engine, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from lrip.config import database_url
from lrip.errors import NotFound


class Base(DeclarativeBase):
    pass


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as it is: how lrip writes every JSON column, so that the audit trail
    can hash what is stored without parsing it again (lrip.audit)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on SQLite (which has no time zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: lrip stores timezone-aware UTC only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        readonly = conn.get_execution_options().get("lrip_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@functools.lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    """One engine per URL per process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, json_serializer=canonical_json)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=canonical_json)


def get_engine(url: str | None = None) -> Engine:
    return engine_for(database_url(url))


class UnitOfWorkMissing(RuntimeError):
    """A use case was called on a session no entry point opened as a unit of work: a programming error."""


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
WRITER_WAIT = 30  # seconds, as SQLite's busy_timeout


def _writers(engine: Engine) -> threading.Lock | None:
    """SQLite has one writer at a time. This process's writers queue on a lock, each starting the moment
    the one before commits, instead of polling SQLite's busy handler, which sleeps up to 100 ms between
    tries (a queue of writers would spend most of its time asleep). Other processes still wait in the
    busy handler; a writer that waited WRITER_WAIT goes on and lets SQLite decide."""
    if engine.dialect.name != "sqlite":
        return None
    return _SQLITE_WRITERS.setdefault(str(engine.url), threading.Lock())


@contextmanager
def unit_of_work(url: str | None = None, *, write: bool = True) -> Iterator[Session]:
    """The one transaction of an action, opened by its entry point (a CLI command, an API route, a
    page handler, a test): it commits when the block ends and rolls back everything on any error.
    Services run inside it and never begin, commit or roll back.

    A read-only unit of work refuses to flush changes, and on SQLite begins with a plain BEGIN,
    so it never takes the write lock (an authenticated GET never waits behind a writer). On PostgreSQL
    it is REPEATABLE READ: every statement sees the same moment, as on SQLite (a report, or `lrip audit
    verify` comparing records with the chain, never mixes two moments)."""
    engine = get_engine(url)
    if not write:
        engine = engine.execution_options(lrip_readonly=True)
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
    writers = _writers(engine) if write else None
    queued = writers.acquire(timeout=WRITER_WAIT) if writers else False
    try:
        with Session(engine, expire_on_commit=False, info={"uow": "write" if write else "read"}) as session:
            with session.begin():
                yield session
    finally:
        if queued:
            writers.release()


def require_unit_of_work(session: Session, *, write: bool) -> None:
    """Called by every use case first: outside a unit of work its changes would never be committed."""
    kind = session.info.get("uow")
    if kind is None:
        raise UnitOfWorkMissing("this use case runs inside a unit of work opened by its entry point "
                                "(lrip.db.unit_of_work); none is open on this session")
    if write and kind != "write":
        raise UnitOfWorkMissing("this use case changes records; it was called in a read-only unit of work")


@event.listens_for(Session, "before_flush")
def _read_only_guard(session: Session, _context, _instances) -> None:
    if session.info.get("uow") == "read" and (session.new or session.dirty or session.deleted):
        raise UnitOfWorkMissing("a read-only unit of work cannot write")


def transaction_cache(session: Session) -> dict:
    """A dict that lives as long as the session's current transaction, for rows that no one
    else can change while we hold our locks (the audit chain's head). It is
    dropped when the transaction ends, so a later transaction reads them afresh."""
    transaction = session.get_transaction()
    held = session.info.get("transaction_cache")
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info["transaction_cache"] = held
    return held[1]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def get_one(session: Session, model, label: str, *, lock: bool = False, **by):
    """The one row matching `by`, or NotFound in words: 'No unit with serial SN-9'.
    Text is matched regardless of case (identifiers are unique regardless of case)."""
    query = select(model)
    for name, value in by.items():
        column = getattr(model, name)
        query = query.where(func.lower(column) == value.lower() if isinstance(value, str) else column == value)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        field, value = next(iter(by.items()))
        raise NotFound(f"{model.__tablename__}_not_found", f"No {label} with {field.replace('_', ' ')} {value}")
    return row


BULK_INSERT_HOOKS: list[Callable[[Session, Any, tuple[str, ...], list], None]] = []
"""Told (session, table, columns, values) after `insert_many` wrote rows, `values` holding one sequence per column,
as given (the key column first when insert_many numbered the rows): the audit trail digests the rows from them."""


def _new_keys(conn, table, count: int) -> list[int]:
    """The keys the database would give `count` new rows: on SQLite the next ones after the highest (the writer holds
    the write lock), on PostgreSQL drawn from the key column's sequence."""
    key = table.autoincrement_column
    if conn.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, key.name)
        return list(conn.execute(select(func.nextval(sequence)).select_from(func.generate_series(1, count))).scalars())
    highest = conn.execute(select(func.coalesce(func.max(key), 0))).scalar_one()
    return list(range(highest + 1, highest + count + 1))


def _bound(process, values, alike: bool):
    """A column's values as the driver takes them; where equal values bind alike, each distinct one bound once."""
    if process is None:
        return values
    if alike:
        params = {v: process(v) for v in set(values)}
        return map(params.__getitem__, values)
    return map(process, values)


def insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany at the driver, in the session's transaction. Rows without their key are numbered here, so that
    those told (BULK_INSERT_HOOKS) know each row without reading it back. Bind processing (UTC datetimes, booleans)
    runs column by column, once for each distinct time or boolean: row by row, parameter handling costs more than
    the insert."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    values = list(zip(*rows))
    key = table.autoincrement_column
    if key is not None and key.name not in columns:
        columns = (key.name, *columns)
        values.insert(0, _new_keys(conn, table, len(rows)))
    types = [table.c[c].type for c in columns]
    bound = [_bound(t.dialect_impl(dialect).bind_processor(dialect), column, isinstance(t, (UTCDateTime, Boolean)))
             for t, column in zip(types, values)]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    conn.exec_driver_sql(sql, list(zip(*bound)))
    for hook in BULK_INSERT_HOOKS:
        hook(session, table, columns, values)
