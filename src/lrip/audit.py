"""The audit trail: one hash-chained event per state change, in the same transaction; the state of
every audited record in the chain; checkpoints signed with the installation key.

Each event carries the SHA-256 of the previous one, so changing, removing or reordering a stored
event breaks the chain at that point. A one-row head table holds the last sequence number and hash;
writers lock it, so events are chained in commit order on PostgreSQL as on SQLite.

Whoever can write the database can also recompute SHA-256, so the chain alone proves nothing
against them. Two things do:

- **Checkpoints.** `checkpoint()` signs the head (sequence number and hash) with the installation
  key (lrip.keys, outside the database) and keeps the signed checkpoint in `audit_checkpoint` and,
  once the transaction commits, in `checkpoints.jsonl` beside the key. `verify()` checks the chain
  against every checkpoint it can read: events removed from the end, a chain recomputed before a
  checkpoint, a rewritten or deleted head, a forged or deleted checkpoint are each named. Events
  appended after the last checkpoint are as good as the database: checkpoint often (every readiness
  decision and evidence package, `lrip audit checkpoint`, hourly while serving).
- **Record states.** Each event carries, in `records`, a digest of every audited row (RECORDS) the
  transaction wrote since its previous event: `{table: [column set, {id: digest or null}]}`.
  `verify()` compares every audited row with the last state the chain gives it and names each record
  changed, added or deleted behind the chain's back. No service does anything for this: record()
  flushes the session and takes what the ORM wrote (an `after_flush` hook), the bulk UPDATE/DELETE
  statements run through the session (a `do_orm_execute` hook reads the ids they touch) and
  `db.insert_many` (a hook digests the rows from the values it wrote); rows written after a transaction's last
  event go in one more event, `records.written`, when it commits. `audit_state` (kept by a trigger
  from `records`) indexes the last state of each row, so `unverified()` can check a page's records in
  two statements; only `verify()`, which walks the chain itself, is proof.

A row's digest is over its columns as they are at the time (the column set is named by a short hash,
its column names kept in `audit_columns` by `after_upgrade`), so a migration that adds a column
does not make old rows differ.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric, String, Text, event,
                        func, insert, inspect, select, update)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from lrip import db, keys
from lrip.db import Base, UTCDateTime, canonical_json, transaction_cache, utcnow

GENESIS = "0" * 64
CHECKPOINT_FORMAT = "lrip-checkpoint-1"

RECORDS: dict[str, tuple[str, str | None]] = {
    "unit": ("unit", "serial"),
    "operation_record": ("operation record", None),
    "measurement": ("measurement", None),
    "consumption": ("material built in", None),
    "hold": ("hold", None),
    "ncr": ("NCR", "number"),
    "ncr_disposition": ("disposition", None),
    "capa": ("CAPA", "number"),
    "capa_action": ("CAPA action", None),
    "signature": ("signature", None),
    "first_article": ("first article", "number"),
    "readiness_assessment": ("readiness assessment", None),
    "readiness_waiver": ("readiness waiver", None),
    "readiness_attestation": ("readiness attestation", None),
    "readiness_target_change": ("readiness target change", None),
    "lrip_quantity_approval": ("LRIP quantity approval", None),
    "change_request": ("change request", "number"),
    "material_lot": ("material lot", "lot_number"),
    "receipt": ("receipt", None),
    "lot": ("lot", "number"),
    "program": ("program", "code"),
    "phase_policy": ("phase policy", None),
}
"""The audited tables (those that exist; another area's table joins by name): what people call a row,
and the column that names it, if any."""


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    records: Mapped[Any] = mapped_column(JSON, nullable=True)


class AuditHead(Base):
    """The chain's end, one row, locked by every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditCheckpoint(Base):
    """A signed checkpoint: the head at a moment, signed by the installation key (append-only)."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    database: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class AuditState(Base):
    """Index: each audited row's last state in the chain, kept by a trigger on audit_event. A shortcut for
    `unverified()`; `verify()` reads the chain itself."""

    __tablename__ = "audit_state"

    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    colset: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AuditColumns(Base):
    """The column names of each column set a row digest was taken over (append-only)."""

    __tablename__ = "audit_columns"

    colset: Mapped[str] = mapped_column(String(12), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    columns: Mapped[Any] = mapped_column(JSON)


APPEND_ONLY = ("audit_event", "audit_checkpoint", "audit_columns", "signature")
"""Tables the application only ever inserts into: on PostgreSQL a trigger refuses UPDATE and DELETE, and
the application's role is granted INSERT and SELECT only (lrip.migrate)."""


# ---------------------------------------------------------------- hashing

def _plain(value: Any) -> Any:
    """Make before/after values JSON: dates as ISO 8601, decimals as floats."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, record_type: str, record_id: str,
               before: Any, after: Any, reason: str | None, records: Any = None) -> str:
    """SHA-256 of the event's canonical JSON; `records` joins the list only when there are any, so events
    written before records were kept hash as they did."""
    fields_ = [prev_hash, seq, at.isoformat(), actor, action, record_type, record_id, before, after, reason]
    if records is not None:
        fields_.append(records)
    return hashlib.sha256(canonical_json(fields_).encode()).hexdigest()


_quoted = json.encoder.encode_basestring  # a str as canonical_json writes it (C)


def _json_float(value: float) -> str:
    return float.__repr__(value) if value - value == 0 else json.dumps(value)  # NaN, ±Infinity as json writes them


def _kind(column):
    return column.type.impl if isinstance(column.type, TypeDecorator) else column.type


def _boolean(v) -> str:
    return "null" if v is None else "true" if v else "false"


def _float(v) -> str:
    return "null" if v is None else _json_float(float(v))


def _integer(v) -> str:
    return "null" if v is None else int.__repr__(int(v))


def _time(v) -> str:
    return "null" if v is None else f'"{(v.astimezone(timezone.utc) if v.tzinfo else v).isoformat()}"'


def _date(v) -> str:
    return "null" if v is None else f'"{date.isoformat(v)}"'


def _binary(v) -> str:
    return "null" if v is None else f'"{hashlib.sha256(v).hexdigest()}"'


def _text(v) -> str:
    return "null" if v is None else _quoted(str(v))


_ENCODERS = ((Boolean, _boolean), ((Float, Numeric), _float), (Integer, _integer), (DateTime, _time), (Date, _date),
             (LargeBinary, _binary), ((String, Text), _text))


def _encoder(column):
    """How one column's value enters a row digest, as JSON text: the same from an ORM object as from the row
    read back. A row's digest is the SHA-256 of the canonical JSON list of its values so made plain (booleans,
    floats, integers, times as ISO 8601 in UTC, dates, binary as its SHA-256, text), written here column by
    column instead of through json.dumps, which costs more than the hash. JSON and anything else: as it is."""
    kind = _kind(column)
    return next((encode for kinds, encode in _ENCODERS if isinstance(kind, kinds)), canonical_json)


_ALIKE = {_boolean, _float, _integer, _time}
"""The encoders that write equal values alike (floats but zeros: -0.0 == 0.0), so that a column's values are encoded
once each; not so text (1 == True), dates (a datetime is one) or JSON."""


def _encoded(encode, values: Sequence) -> Iterable[str]:
    if encode in _ALIKE:
        texts = {v: encode(v) for v in set(values)}
        if not (encode is _float and 0 in texts):
            return map(texts.__getitem__, values)
    return map(encode, values)


@dataclass(frozen=True)
class _Shape:
    """How to take the digest of an audited table's rows."""

    table: Any
    colset: str
    columns: tuple[str, ...]          # sorted
    keys: tuple[str, ...]             # the ORM attribute of each column, when mapped
    encoders: tuple

    def digests(self, rows: Iterable[Sequence]) -> list[str]:
        """The digest of each row (its values in `columns` order)."""
        return self.digests_of_columns(zip(*rows))

    def digests_of_columns(self, columns: Iterable[Sequence]) -> list[str]:
        """The digest of each row of these columns (one sequence of values each, in `columns` order), taken
        column by column: a few calls a value, none of them per row but the hash."""
        sha256 = hashlib.sha256
        texts = [_encoded(encode, values) for encode, values in zip(self.encoders, columns)]
        return [sha256(f"[{','.join(row)}]".encode()).hexdigest()[:32] for row in zip(*texts)]

    def digest(self, values: Iterable) -> str:
        return self.digests([tuple(values)])[0]

    def of_object(self, obj) -> str:
        return self.digest(getattr(obj, k) for k in self.keys)

    def select(self, names: tuple[str, ...] | None = None):
        names = names or self.columns
        return select(*(self.table.c[n] for n in names))


def colset_of(table_name: str, columns: Iterable[str]) -> str:
    return hashlib.sha256(f"{table_name}:{','.join(sorted(columns))}".encode()).hexdigest()[:12]


_SHAPES: dict[str, _Shape] = {}


def shapes() -> dict[str, _Shape]:
    """The audited tables that exist, built once every area's models are loaded."""
    if not _SHAPES:
        mapped = {m.local_table.name: m for m in Base.registry.mappers}
        for name in RECORDS:
            table = Base.metadata.tables.get(name)
            if table is None:
                continue
            columns = tuple(sorted(c.name for c in table.columns))
            mapper = mapped.get(name)
            keys_ = tuple(mapper.get_property_by_column(table.c[c]).key if mapper else c for c in columns)
            _SHAPES[name] = _Shape(table, colset_of(name, columns), columns, keys_,
                                   tuple(_encoder(table.c[c]) for c in columns))
    return _SHAPES


def _shape_of(table_name: str, names: tuple[str, ...]) -> _Shape:
    """The shape of an older column set of a table (columns since added are left out)."""
    current = shapes()[table_name]
    return _Shape(current.table, colset_of(table_name, names), names, names,
                  tuple(_encoder(current.table.c[n]) for n in names))


# ---------------------------------------------------------------- what a transaction wrote

_READ = "read back"   # written outside the ORM: its digest is taken from the row as stored
_GONE = "deleted"


def _tracked(session: Session) -> dict:
    return transaction_cache(session).setdefault("audit_rows", {})


def _audited(obj) -> str | None:
    name = inspect(obj).mapper.local_table.name
    return name if name in RECORDS else None


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """Note every audited row the ORM just inserted, updated or deleted; record() takes their digests."""
    if session.info.get("uow") != "write":
        return
    dirty, deleted = session.dirty, session.deleted
    rows = None
    for obj in (*session.new, *dirty, *deleted):
        table = _audited(obj)
        if table is None or (obj in dirty and not session.is_modified(obj, include_collections=False)):
            continue
        rows = _tracked(session) if rows is None else rows
        state = inspect(obj)
        key = state.identity[0] if state.identity else getattr(obj, state.mapper.primary_key[0].key)
        rows[(table, key)] = _GONE if obj in deleted else obj


@event.listens_for(Session, "do_orm_execute")
def _bulk(execute) -> None:
    """An UPDATE or DELETE statement run through the session: note the audited rows it is about to touch."""
    if not (execute.is_update or execute.is_delete) or execute.session.info.get("uow") != "write":
        return
    table = execute.statement.table
    name = getattr(table, "name", None)
    if name not in RECORDS or name not in shapes():
        return
    table = shapes()[name].table
    query = select(table.c.id)
    if execute.statement.whereclause is not None:
        query = query.where(execute.statement.whereclause)
    rows = _tracked(execute.session)
    for key in execute.session.execute(query).scalars():
        rows[(name, key)] = _GONE if execute.is_delete else _READ


def _inserted(session: Session, table, columns: tuple[str, ...], values: list) -> None:
    """db.insert_many wrote these rows: their digests are taken from the values written, as the ORM's are from
    its objects (a column left out is NULL; one the database fills with its default has the rows read back)."""
    name = table.name
    if name not in RECORDS or session.info.get("uow") != "write":
        return
    shape = shapes()[name]
    given = dict(zip(columns, values))
    keys = given["id"]
    tracked = _tracked(session)
    if any(table.c[c].server_default is not None for c in shape.columns if c not in given):
        tracked.update(dict.fromkeys([(name, key) for key in keys], _READ))
        return
    for key in keys if tracked else ():  # an earlier state of a reused id (a row deleted) is not theirs
        tracked.pop((name, key), None)
    if session.get_bind().dialect.name == "sqlite":
        given.update({c: list(map(_kept_by_sqlite, v)) for c, v in given.items()
                      if isinstance(_kind(table.c[c]), (Float, Numeric))})
    missing = (None,) * len(keys)
    digests = shape.digests_of_columns([given.get(c, missing) for c in shape.columns])
    inserted = transaction_cache(session).setdefault("audit_inserted", {})
    inserted.setdefault(name, {}).update(zip(map(str, keys), digests))


def _kept_by_sqlite(number):
    """A number as SQLite stores it in a REAL column: without the sign of a negative zero, NaN as NULL."""
    return None if number != number else 0.0 if number == 0 else number


db.BULK_INSERT_HOOKS.append(_inserted)


def _states(session: Session) -> dict | None:
    """The digests of the audited rows written since the last event, as an event's `records`."""
    cache = transaction_cache(session)
    rows, inserted = cache.pop("audit_rows", None), cache.pop("audit_inserted", None)
    if not rows and not inserted:
        return None
    by_table: dict[str, dict[str, str | None]] = inserted or {}  # what the ORM or a statement did later overrides
    read_back: dict[str, list[int]] = {}
    for (table, key), obj in (rows or {}).items():
        if obj is _GONE:
            by_table.setdefault(table, {})[str(key)] = None
        elif obj is _READ:
            read_back.setdefault(table, []).append(key)
        else:
            by_table.setdefault(table, {})[str(key)] = shapes()[table].of_object(obj)
    connection = session.connection()
    for table, ids in read_back.items():
        shape = shapes()[table]
        found = by_table.setdefault(table, {})
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            found.update(dict.fromkeys(map(str, chunk)))  # not found: deleted since
            found.update(_digested(shape, connection.execute(shape.select().where(shape.table.c.id.in_(chunk)))))
    return {t: [shapes()[t].colset, r] for t, r in by_table.items() if r}


def _digested(shape: _Shape, result) -> dict[str, str]:
    """{id: digest} of the rows read, digested together."""
    rows = result.all()
    at = shape.columns.index("id")
    return dict(zip([str(row[at]) for row in rows], shape.digests(rows)))


# ---------------------------------------------------------------- appending

def _lock_head(session: Session, actor: str = "lrip") -> list:
    """Lock the head once per transaction; after that this transaction owns it: [seq, hash]. A missing
    head is rebuilt from the last event and the rebuilding recorded, so writing goes on (verify names a
    head that is missing, and lists the rebuildings)."""
    cache = transaction_cache(session)
    head = cache.get("audit_head")
    if head is None:
        connection = session.connection()
        row = connection.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
                                 .with_for_update()).first()
        last = None
        if row is None:
            last = connection.execute(select(AuditEvent.seq, AuditEvent.hash)
                                      .order_by(AuditEvent.seq.desc()).limit(1)).first()
            row = tuple(last) if last else (0, GENESIS)
            connection.execute(insert(AuditHead).values(id=1, seq=row[0], hash=row[1]))
        head = cache["audit_head"] = list(row)
        if last is not None:
            _append(session, actor, "audit.head_restored", "audit", "head", None, {"seq": last.seq},
                    f"the chain's head was missing; rebuilt from event {last.seq}", None)
    return head


def _append(session: Session, actor: str, action: str, record_type: str, record_id: str, before: Any, after: Any,
            reason: str | None, records: dict | None) -> None:
    head = _lock_head(session, actor)
    at = utcnow()
    seq = head[0] + 1
    digest = event_hash(head[1], seq, at, actor, action, record_type, record_id, before, after, reason, records)
    row = dict(seq=seq, at=at, actor=actor, action=action, record_type=record_type, record_id=record_id,
               before=before, after=after, reason=reason, prev_hash=head[1], hash=digest)
    if records is not None:  # left out, the column is SQL NULL
        row["records"] = records
    connection = session.connection()
    connection.execute(_INSERT_EVENT, row)  # statements built once, values as parameters: compiled once
    connection.execute(_MOVE_HEAD, {"seq": seq, "hash": digest})
    head[0], head[1] = seq, digest


_INSERT_EVENT = insert(AuditEvent)
_MOVE_HEAD = update(AuditHead).where(AuditHead.id == 1)


def record(session: Session, *, actor, action: str, record_type: str, record_id: str | int,
           before: Any = None, after: Any = None, reason: str | None = None) -> None:
    """Append one event to the chain inside the caller's transaction. `actor` is the acting person
    (anything with a username), or a name where there is none (a refused sign-in's). The session is
    flushed first, so the event carries the state of every audited row written so far. Written with plain
    INSERT and UPDATE on the session's connection: an event is never read back as an object, and the
    ORM's flush would cost more than the two statements."""
    actor = getattr(actor, "username", actor)
    session.flush()
    transaction_cache(session)["audit_actor"] = actor
    _append(session, actor, action, record_type, str(record_id), _plain(before), _plain(after), reason,
            _states(session))


@event.listens_for(Session, "before_commit")
def _rows_after_the_last_event(session: Session) -> None:
    """Audited rows written after a transaction's last event (or in one with no event) go in one more."""
    if session.info.get("uow") != "write":
        return
    session.flush()
    records = _states(session)
    if records:
        actor = transaction_cache(session).get("audit_actor", "lrip")
        _append(session, actor, "records.written", "records", ",".join(records), None, None, None, records)


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the chain's end as this transaction sees it."""
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


# ---------------------------------------------------------------- checkpoints

def database_identity(session_or_url) -> str:
    """Which database a checkpoint in the file belongs to: a SQLite file's real path, or PostgreSQL's host,
    port and database (not the role: the owner and the application see one database)."""
    url = session_or_url.get_bind().url if isinstance(session_or_url, Session) else session_or_url
    if url.get_backend_name() == "sqlite":
        return "sqlite:" + os.path.realpath(url.database or ":memory:")
    return f"postgresql://{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _signed_bytes(database: str, seq: int, hash_: str, at: str, reason: str) -> bytes:
    return canonical_json({"format": CHECKPOINT_FORMAT, "database": database, "seq": seq, "hash": hash_,
                           "at": at, "reason": reason}).encode()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime
    reason: str
    database: str
    key: str
    signature: str

    def line(self) -> str:
        return canonical_json({"database": self.database, "seq": self.seq, "hash": self.hash,
                               "at": self.at.isoformat(), "reason": self.reason, "key": self.key,
                               "signature": self.signature}) + "\n"

    def signed_by(self, public_key) -> bool:
        return keys.verify(public_key, bytes.fromhex(self.signature),
                           _signed_bytes(self.database, self.seq, self.hash, self.at.isoformat(), self.reason))


def checkpoint(session: Session, *, reason: str, directory: Path | str | None = None) -> Checkpoint:
    """Sign the chain's head as this transaction leaves it (its own events included) with the installation
    key: kept in `audit_checkpoint` now, and appended to the key's checkpoints file once the transaction
    commits (a rolled-back checkpoint is nowhere). Called by every readiness decision and evidence
    package, `lrip audit checkpoint` and the server's hourly task. NoKey when there is no key."""
    db.require_unit_of_work(session, write=True)
    private = keys.load(directory)
    session.flush()
    if _states_pending(session):
        _rows_after_the_last_event(session)
    seq, digest = _lock_head(session)
    at, database = utcnow(), database_identity(session)
    reason = reason[:200]
    signature = private.sign(_signed_bytes(database, seq, digest, at.isoformat(), reason)).hex()
    made = Checkpoint(seq, digest, at, reason, database, keys.fingerprint(private.public_key()), signature)
    session.connection().execute(insert(AuditCheckpoint).values(
        seq=seq, hash=digest, at=at, reason=reason, database=database, key=made.key, signature=signature))
    session.info.setdefault("audit_checkpoint_lines", []).append((keys.checkpoints_file(directory), made.line()))
    return made


def _states_pending(session: Session) -> bool:
    cache = transaction_cache(session)
    return bool(cache.get("audit_rows") or cache.get("audit_above"))


@event.listens_for(Session, "after_commit")
def _write_checkpoint_lines(session: Session) -> None:
    for path, line in session.info.pop("audit_checkpoint_lines", []):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())  # one write of one line: appends from two processes never interleave
            os.fsync(fd)
        finally:
            os.close(fd)


@event.listens_for(Session, "after_rollback")
def _forget_checkpoint_lines(session: Session) -> None:
    session.info.pop("audit_checkpoint_lines", None)


def last_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar_one_or_none()


def file_checkpoints(path: Path, database: str) -> list[Checkpoint]:
    """This database's checkpoints in the file, since the last one of an empty chain (`lrip init` of a new
    database at the same place starts the file's story of it again)."""
    found: list[Checkpoint] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            c = json.loads(line)
            if c["database"] != database:
                continue
            item = Checkpoint(int(c["seq"]), c["hash"], datetime.fromisoformat(c["at"]), c["reason"], c["database"],
                              c["key"], c["signature"])
        except (ValueError, KeyError, TypeError):
            continue
        if item.seq == 0:
            found = []
        found.append(item)
    return found


# ---------------------------------------------------------------- verifying

@dataclass(frozen=True)
class Finding:
    """One thing verify found wrong: `kind` is stable, `message` says it in words."""

    kind: str
    message: str
    seq: int | None = None
    record_type: str | None = None
    record_id: str | None = None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None
    key: str | None = None
    records: int = 0
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Walk:
    """What one pass over the chain leaves: its end, the hash at each checkpointed seq, each row's last state."""

    count: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    broken: Finding | None = None
    at_seq: dict[int, str] = field(default_factory=dict)
    states: dict[str, dict[int, tuple[str, str | None, int]]] = field(default_factory=dict)
    restored: list[int] = field(default_factory=list)


_WALK = ("SELECT seq, at, actor, action, record_type, record_id, before, after, reason, prev_hash, hash, records "
         "FROM audit_event ORDER BY id")
_WALK_PG = ("SELECT seq, at, actor, action, record_type, record_id, before::text, after::text, reason, prev_hash, "
            "hash, records::text FROM audit_event ORDER BY id")
_parsed = json.JSONDecoder().scan_once  # one JSON value from text, without json.loads' wrapping (C)


def _walk(session: Session, wanted: set[int]) -> _Walk:
    """One pass over the events in order, on the driver's own cursor (a million events are read here).
    Each event's hash is taken over its stored JSON text as it is (lrip stores canonical JSON), falling back
    to parsing it again for events written before that was so; SQLite's stored time is turned into ISO 8601
    as text."""
    walk = _Walk()
    sqlite = session.get_bind().dialect.name == "sqlite"
    raw = session.connection().connection.driver_connection
    if sqlite:
        cursor = raw.execute(_WALK)
    else:
        cursor = raw.cursor(name="lrip_audit_walk")  # a server-side cursor: the events are not all held at once
        cursor.itersize = 5000
        cursor.execute(_WALK_PG)
    prev, expected = GENESIS, 1
    sha256, states = hashlib.sha256, walk.states
    for seq, at, actor, action, rtype, rid, before, after, reason, prev_hash, digest, records in cursor:
        walk.count += 1
        if records == "null":
            records = None
        if walk.broken is None:
            if sqlite:
                at_iso = f"{at[:10]}T{at[11:-7] if at.endswith('.000000') else at[11:]}+00:00"
            else:
                at_iso = at.astimezone(timezone.utc).isoformat()
            body = (f"[{_quoted(prev_hash)},{seq},{_quoted(at_iso)},{_quoted(actor)},{_quoted(action)},"
                    f"{_quoted(rtype)},{_quoted(rid)},{before or 'null'},{after or 'null'},"
                    f"{'null' if reason is None else _quoted(reason)}{'' if records is None else ',' + records}]")
            if seq != expected:
                walk.broken = Finding("removed", f"event {seq} found where event {expected} should be: an event was "
                                                 "removed or reordered", seq)
            elif prev_hash != prev:
                walk.broken = Finding("removed", f"event {seq} does not follow the event before it: an event was "
                                                 "removed or reordered", seq)
            elif (sha256(body.encode()).hexdigest() != digest
                  and _slow_hash(prev_hash, seq, at_iso, actor, action, rtype, rid, before, after, reason,
                                 records) != digest):
                walk.broken = Finding("changed", f"event {seq} was changed after it was recorded", seq)
            else:
                prev, expected = digest, expected + 1
                if seq in wanted:
                    walk.at_seq[seq] = digest
        if action == "audit.head_restored":
            walk.restored.append(seq)
        if records is not None:
            for table, (colset, rows) in _parsed(records, 0)[0].items():
                into = states.setdefault(table, {})
                for key, value in rows.items():
                    into[int(key)] = (colset, value, seq)
        walk.last_seq = seq
    cursor.close()
    walk.last_hash = prev
    return walk


def _slow_hash(prev_hash, seq, at_iso, actor, action, rtype, rid, before, after, reason, records) -> str:
    def parsed(text):
        return None if text is None else json.loads(text)
    fields_ = [prev_hash, seq, at_iso, actor, action, rtype, rid, parsed(before), parsed(after), reason]
    if records is not None:
        fields_.append(parsed(records))
    return hashlib.sha256(canonical_json(fields_).encode()).hexdigest()


def _checkpoints(session: Session, public_key, path: Path | None) -> tuple[list[Checkpoint], list[Finding]]:
    """Every checkpoint that is signed by the installation key, from the database and the file; a forged
    one and one the file has but the database lost are findings."""
    findings: list[Finding] = []
    stored = [Checkpoint(c.seq, c.hash, c.at, c.reason, c.database, c.key, c.signature)
              for c in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars()]
    in_file = file_checkpoints(path, database_identity(session)) if path else []
    good: list[Checkpoint] = []
    if public_key is None:
        return good, findings
    for c in stored:
        if c.signed_by(public_key):
            good.append(c)
        else:
            findings.append(Finding("forged_checkpoint", f"the checkpoint of event {c.seq} dated {c.at:%Y-%m-%d %H:%M} "
                                                         "in the database is not signed by this installation's key: "
                                                         "it was forged or altered", c.seq))
    kept = {c.signature for c in stored}
    for c in in_file:
        if not c.signed_by(public_key):
            findings.append(Finding("forged_checkpoint", f"the checkpoint of event {c.seq} in {path} is not signed by "
                                                         "this installation's key", c.seq))
            continue
        good.append(c)
        if c.seq and c.signature not in kept:
            findings.append(Finding("checkpoint_deleted", f"the checkpoint of event {c.seq} signed "
                                                          f"{c.at:%Y-%m-%d %H:%M} UTC is in {path.name} but not in "
                                                          "the database: it was deleted there", c.seq))
    return good, findings


def _check_chain(walk: _Walk, head_row, good: list[Checkpoint]) -> list[Finding]:
    findings = [walk.broken] if walk.broken else []
    end = walk.last_seq if walk.broken is None else None
    if head_row is None:
        if walk.count or any(c.seq for c in good):
            findings.append(Finding("head_deleted", "the chain's head (audit_head) was deleted", walk.last_seq))
    elif end is not None and (head_row.seq, head_row.hash) != (end, walk.last_hash):
        findings.append(Finding("head_rewritten", f"the chain ends at event {end} but its head says event "
                                                  f"{head_row.seq} (hash {head_row.hash[:12]}…): the head was "
                                                  "rewritten or events were removed from the end", head_row.seq))
    longest = max((c for c in good if c.seq > walk.last_seq), key=lambda c: c.seq, default=None)
    if longest is not None:
        findings.append(Finding("truncated", f"the chain ends at event {walk.last_seq} but the checkpoint signed "
                                             f"{longest.at:%Y-%m-%d %H:%M} UTC ({longest.reason}) covers event "
                                             f"{longest.seq}: events {walk.last_seq + 1}–{longest.seq} were removed",
                                longest.seq))
    for c in sorted(good, key=lambda c: c.seq):
        if c.seq == 0 or c.seq > walk.last_seq or (walk.broken and c.seq >= walk.broken.seq):
            continue
        if walk.at_seq.get(c.seq) != c.hash:
            findings.append(Finding("rewritten", f"event {c.seq} no longer hashes to what the checkpoint signed "
                                                 f"{c.at:%Y-%m-%d %H:%M} UTC ({c.reason}) says: the chain up to "
                                                 f"event {c.seq} was recomputed", c.seq))
            break
    return findings


def _check_records(session: Session, states: dict) -> tuple[int, list[Finding]]:
    """Every audited row against the last state the chain gives it."""
    findings: list[Finding] = []
    columns = {c.colset: tuple(c.columns) for c in session.execute(select(AuditColumns)).scalars()}
    checked = 0
    connection = session.connection()
    for name, shape in shapes().items():
        expected = states.get(name, {})
        others: dict[str, _Shape] = {}
        names = shape.columns
        at = names.index("id")
        for rows in connection.execute(shape.select().order_by(shape.table.c.id)).partitions(5000):
            checked += len(rows)
            for row, now in zip(rows, shape.digests(rows)):  # digested together, on today's columns
                key = row[at]
                found = expected.pop(key, None)
                if found is None or found[1] is None:
                    findings.append(Finding("record_added", f"{describe(name, key, row)}: not in the audit trail "
                                                            "(added behind its back)", None, name, str(key)))
                    continue
                colset, digest, seq = found
                if colset != shape.colset:
                    if colset not in others:
                        old = columns.get(colset)
                        others[colset] = _shape_of(name, tuple(old)) if old and set(old) <= set(names) else None
                    other = others[colset]
                    if other is None:
                        findings.append(Finding("record_unverifiable", f"{describe(name, key, row)}: its last audited "
                                                                       f"state (event {seq}) was taken over columns "
                                                                       "lrip no longer knows", seq, name, str(key)))
                        continue
                    now = other.digest(getattr(row, n) for n in other.columns)
                if now != digest:
                    findings.append(Finding("record_changed", f"{describe(name, key, row)}: changed since its last "
                                                              f"audited state (event {seq})", seq, name, str(key)))
        for key, (_colset, digest, seq) in sorted(expected.items()):
            if digest is not None:
                findings.append(Finding("record_deleted", f"{describe(name, key)}: deleted (its last audited state is "
                                                          f"event {seq})", seq, name, str(key)))
    return checked, findings


def verify(session: Session, *, directory: Path | str | None = None) -> ChainReport:
    """Walk the chain once; check it against every checkpoint signed by the installation key (in the
    database and in the key's checkpoints file) and every audited record against its last state.
    Without a key only the chain and the records are checked, and the report says so."""
    try:
        public = keys.public_key(directory)
    except keys.NoKey:
        public = None
    path = keys.checkpoints_file(directory)
    good, findings = _checkpoints(session, public, path)
    walk = _walk(session, {c.seq for c in good})
    head_row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    findings = [*_check_chain(walk, head_row, good), *findings]
    checked, record_findings = _check_records(session, walk.states)
    findings += record_findings
    notes = []
    if public is None:
        notes.append(f"no installation key in {keys.checkpoints_file(directory).parent}: checkpoints were not checked")
    notes += [f"the head was missing and was rebuilt at event {s}" for s in walk.restored]
    first = findings[0] if findings else None
    last = max((c for c in good if c.seq), key=lambda c: c.seq, default=None)
    return ChainReport(ok=not findings, events=walk.count, head_hash=walk.last_hash,
                       first_bad_seq=first.seq if first else None, problem=first.message if first else None,
                       checkpoints=len({c.signature for c in good}), last_checkpoint=last.seq if last else None,
                       key=keys.fingerprint(public) if public else None, records=checked,
                       findings=tuple(findings), notes=tuple(notes))


@dataclass(frozen=True)
class Unverified:
    """A row whose current state is not the last one the audit trail gives it."""

    record_type: str  # the table
    id: int
    words: str        # "measurement #12", "unit SN-1"


def _failing(session: Session, rows: list[tuple[str, int, str]]) -> set[tuple[str, int]]:
    """Of (table, id, digest now) the ones whose digest is not their last state's in audit_state: one statement
    a table (two when a row was last stated under an older column set, which needs the row read again). By
    table and ids, not by (table, id) pairs: SQLite scans the whole of audit_state for a list of pairs."""
    if not rows:
        return set()
    wanted: dict[str, set[int]] = {}
    for t, k, _ in rows:
        wanted.setdefault(t, set()).add(k)
    states = {(table, r.row_id): (r.colset, r.digest) for table, keys in wanted.items() for r in session.execute(
        select(AuditState.row_id, AuditState.colset, AuditState.digest)
        .where(AuditState.table_name == table, AuditState.row_id.in_(sorted(keys))))}
    bad, older = set(), {}
    for table, key, digest in rows:
        colset, stated = states.get((table, key), (None, None))
        if stated is None:
            bad.add((table, key))
        elif colset != shapes()[table].colset:
            older.setdefault(colset, []).append((table, key, stated))
        elif stated != digest:
            bad.add((table, key))
    if older:
        columns = {c.colset: tuple(c.columns) for c in session.execute(
            select(AuditColumns).where(AuditColumns.colset.in_(list(older)))).scalars()}
        for colset, items in older.items():
            for table, key, stated in items:
                names = columns.get(colset)
                shape = shapes()[table]
                if names is None or not set(names) <= set(shape.columns):
                    bad.add((table, key))
                    continue
                other = _shape_of(table, names)
                row = session.execute(other.select().where(shape.table.c.id == key)).first()
                if row is None or other.digest(row) != stated:
                    bad.add((table, key))
    return bad


def unverified(session: Session, record_type: str, ids: Iterable[int]) -> set[int]:
    """The rows of an audited table (by table name) among `ids` whose current state is not the last one the
    chain gives them: a page or a package marks them unverified. `verify()`, which walks the chain itself,
    is the proof; this is the quick look, through the audit_state index."""
    return {u.id for u in unverified_records(session, {record_type: ids})}


def unverified_records(session: Session, wanted: dict[str, Iterable[int]]) -> list[Unverified]:
    """The same for several tables at once ({table: ids}), in two statements per table (its rows, their
    states), the rows digested all at once; each named as people call it."""
    rows, named = [], {}
    for table, ids in wanted.items():
        shape, ids = shapes().get(table), list(ids)
        if shape is None or not ids:
            continue
        found = session.execute(shape.select().where(shape.table.c.id.in_(ids))).all()
        for row, digest in zip(found, shape.digests(found)):
            rows.append((table, row.id, digest))
            named[(table, row.id)] = describe(table, row.id, row)
    return [Unverified(table, key, named[(table, key)]) for table, key in sorted(_failing(session, rows))]


def describe(table: str, key: int, row=None) -> str:
    """A record as people call it: "unit SN-1" where the table has a name column, "measurement #12" otherwise."""
    words, label = RECORDS.get(table, (table, None))
    name = getattr(row, label, None) if row is not None and label else None
    return f"{words} {name}" if name else f"{words} #{key}"


# ---------------------------------------------------------------- after a migration

def after_upgrade(session: Session, *, baseline: bool) -> int:
    """Run by lrip.migrate after every upgrade, as the owner: keep the column names of today's column sets,
    and, in the upgrade that starts keeping record states (migration 0019), put every existing audited row's
    state in the chain as one event. Returns the rows so stated."""
    known = set(session.execute(select(AuditColumns.colset)).scalars())
    for name, shape in shapes().items():
        if shape.colset not in known:
            session.execute(insert(AuditColumns).values(colset=shape.colset, table_name=name,
                                                        columns=list(shape.columns)))
    if not baseline:
        return 0
    records = {}
    for name, shape in shapes().items():
        rows = _digested(shape, session.execute(shape.select().order_by(shape.table.c.id)))
        if rows:
            records[name] = [shape.colset, rows]
    if records:
        _append(session, "installation", "records.baseline", "records", ",".join(records), None, None,
                "the records that existed when lrip began keeping their state in the chain (migration 0019)",
                records)
    return sum(len(r[1]) for r in records.values())


# ---------------------------------------------------------------- reading

def _filtered(query, record_type: str | None, record_id: str | None):
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    if record_id:
        query = query.where(AuditEvent.record_id == str(record_id))
    return query


def history(session: Session, record_type: str | None = None, record_id: str | None = None,
            limit: int = 200, offset: int = 0) -> list[AuditEvent]:
    query = _filtered(select(AuditEvent).order_by(AuditEvent.seq.desc()), record_type, record_id)
    return list(session.execute(query.limit(limit).offset(offset)).scalars())


def count(session: Session, record_type: str | None = None, record_id: str | None = None) -> int:
    return session.execute(_filtered(select(func.count(AuditEvent.id)), record_type, record_id)).scalar_one()
