"""Engine, sessions and the transaction rule shared by every service.

SQLite is the embedded default: WAL, foreign keys on, and writers take the
write lock when their transaction begins (BEGIN IMMEDIATE), so two operators
acting on one unit at the same moment are serialised instead of both reading
the old state. PostgreSQL gets the same guarantee from row locks
(SELECT ... FOR UPDATE) taken by the services.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import DateTime, Engine, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from lrip.config import database_url
from lrip.errors import NotFound


class Base(DeclarativeBase):
    pass


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
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    return engine_for(database_url(url))


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def read_session(url: str | None = None) -> Iterator[Session]:
    """A session for reading only: on SQLite it does not take the write lock."""
    engine = get_engine(url).execution_options(lrip_readonly=True)
    with Session(engine, expire_on_commit=False) as session:
        yield session


def transactional(fn):
    """Make a service function one transaction: it commits when it began the
    transaction, or joins the caller's when one is already open (the demo
    builds a whole unit in one). Any error rolls back everything."""

    @functools.wraps(fn)
    def wrapper(session: Session, *args, **kwargs):
        if session.in_transaction():
            return fn(session, *args, **kwargs)
        with session.begin():
            return fn(session, *args, **kwargs)

    return wrapper


def transaction_cache(session: Session) -> dict:
    """A dict that lives as long as the session's current transaction, for rows that no one
    else can change while we hold our locks (the audit chain's head, phase policies). It is
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
    """The one row matching `by`, or NotFound in words: 'No unit with serial SN-9'."""
    query = select(model).filter_by(**by)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        field, value = next(iter(by.items()))
        raise NotFound(f"{model.__tablename__}_not_found", f"No {label} with {field.replace('_', ' ')} {value}")
    return row


def load_models() -> None:
    """Import every area's tables so Base.metadata is whole (Alembic, tests)."""
    import lrip.api.models  # noqa: F401
    import lrip.audit  # noqa: F401
    import lrip.change.models  # noqa: F401
    import lrip.execution.models  # noqa: F401
    import lrip.inspection.models  # noqa: F401
    import lrip.nonconformance.models  # noqa: F401
    import lrip.readiness.models  # noqa: F401
    import lrip.supply.models  # noqa: F401


def insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany at the driver, in the session's transaction. Each column's own bind
    processing (UTC datetimes, booleans) is looked up once instead of per row: a bulk
    import otherwise spends half its time in per-row parameter handling."""
    conn = session.connection()
    dialect = conn.dialect
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    if any(processors):
        rows = [tuple([v if p is None else p(v) for p, v in zip(processors, row)]) for row in rows]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    conn.exec_driver_sql(sql, rows)
