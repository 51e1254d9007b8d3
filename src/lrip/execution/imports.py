"""The measurement import: a test station's file of results, checked row by row as a result typed at a station
is, and written all or nothing.

A file repeats itself: the same units, characteristics, times, operators and gauges come back row after row,
and often the same readings. Everything the rows name is read once, before the rows (a few statements, whatever
the file); each distinct thing a row says is checked once (`_Checks`), so a row costs a few dictionary lookups
beyond the reading of its value. The rows in spec are written with one executemany (db.insert_many); each out of
spec puts its unit on hold under an NCR, through the same path as a result typed at a station.
"""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from operator import itemgetter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command
from lrip.auth.models import User
from lrip.auth.permissions import allowed
from lrip.bulk import collector_paused
from lrip.catalog.models import Qualification, Routing
from lrip.db import insert_many, utcnow
from lrip.errors import Invalid, Refused
from lrip.execution import rules
from lrip.execution.gauges import gauges
from lrip.execution.models import Measurement, MeasurementImport, OperationRecord, Unit
from lrip.execution.rules import RecordStatus
from lrip.execution.schemas import ImportedHold, MeasurementsImported
from lrip.execution.service import chunks, out_of_spec, SETUP_VERSION
from lrip.execution.setup import Setup, policy_of, setup_of
from lrip.program.models import Lot, Program

IMPORT_COLUMNS = ("serial", "operation", "characteristic", "value", "recorded_at", "operator", "gauge")
MEASUREMENT_COLUMNS = ("unit_id", "characteristic_id", "operation_record_id", "value", "passed", "in_spec", "gauge",
                       "recorded_at", "recorded_by_id", "source")


def _operators(session: Session, usernames: set[str]) -> dict[str, tuple[int, rules.OperatorView]]:
    """The people an imported file names as operators (by lower-case username), each with whether they may
    record results and the qualifications they hold (revoked ones aside): one statement."""
    wanted = sorted({u.strip().lower() for u in usernames if u and u.strip()})
    if not wanted:
        return {}
    people: dict[str, tuple] = {}
    for uid, username, active, roles, skill, granted_on, expires_on in session.execute(
            select(User.id, User.username, User.active, User.roles, Qualification.skill, Qualification.granted_on,
                   Qualification.expires_on)
            .outerjoin(Qualification, (Qualification.user_id == User.id) & Qualification.revoked_on.is_(None))
            .where(func.lower(User.username).in_(wanted))):
        uid, view, expiries, grants = people.setdefault(username.lower(), (uid, (username, active, roles), {}, {}))
        if skill is not None:
            expiries[skill], grants[skill] = expires_on, granted_on
    return {key: (uid, rules.OperatorView(name, active, expiries, grants, allowed(roles or [], "measurement.record")))
            for key, (uid, (name, active, roles), expiries, grants) in people.items()}


def _imported_before(session: Session, digest: str, source: str, again: bool, reason: str | None) -> None:
    """The same file (same SHA-256) is imported once, unless someone says again and why."""
    earlier = session.execute(select(MeasurementImport).where(MeasurementImport.sha256 == digest)
                              .order_by(MeasurementImport.id)).scalars().first()
    if earlier is not None and not again:
        raise Refused("import_refused", f"{source} was imported already (the same file as {earlier.file}, "
                                        f"{earlier.rows} row{'' if earlier.rows == 1 else 's'}, by {earlier.imported_by} on "
                                        f"{earlier.imported_at:%Y-%m-%d %H:%M} UTC); to import it again, say so "
                                        "(--again, or again=true) and why (--reason)")
    if again and not (reason or "").strip():
        raise Invalid("import_invalid", "importing the same file again needs a reason")


def _units(session: Session, serials: list[str]) -> tuple[dict[str, tuple], dict[int, Setup]]:
    """The units the file names, locked (lower(serial) -> (unit id, serial, status, routing id, policy)), and the
    setup of each routing they are built on."""
    units: dict[str, tuple] = {}
    routings: dict[int, Setup] = {}
    policies = {}
    for chunk in chunks(serials):
        query_ = (select(Unit.id, Unit.serial, Unit.status, Lot.routing_id, Routing.status, Routing.created_at, SETUP_VERSION,
                         Lot.program_id, Lot.phase, Program.created_at)
                  .join(Lot, Lot.id == Unit.lot_id).join(Routing, Routing.id == Lot.routing_id)
                  .join(Program, Program.id == Lot.program_id)
                  .where(func.lower(Unit.serial).in_(chunk)).with_for_update(of=Unit))
        for (unit_id, serial, status, routing_id, routing_status, created, version, program_id, phase,
             program_created) in session.execute(query_):
            if (program_id, phase) not in policies:
                policies[(program_id, phase)] = policy_of(session, program_id, phase,
                                                          program_created_at=program_created, version=version or 0)
            units[serial.lower()] = (unit_id, serial, status, routing_id, policies[(program_id, phase)])
            if routing_id not in routings:
                routings[routing_id] = setup_of(session, routing_id, status=routing_status, created_at=created,
                                                version=version or 0)
    return units, routings


def _open_records(session: Session, unit_ids: list[int]) -> dict[tuple[int, int], tuple[int, datetime]]:
    """(unit id, operation id) -> (record id, started at) of each attempt in work on these units."""
    found = {}
    for chunk in chunks(unit_ids):
        for rec_id, unit_id, op_id, started_at in session.execute(select(
                OperationRecord.id, OperationRecord.unit_id, OperationRecord.operation_id, OperationRecord.started_at)
                .where(OperationRecord.unit_id.in_(chunk), OperationRecord.status == RecordStatus.IN_WORK)):
            found[(unit_id, op_id)] = (rec_id, started_at)
    return found


class _Checks:
    """The checks of the rows of one file, each distinct thing checked once: what a row is about (its unit,
    characteristic and operation attempt), when and by whom and with what it was taken, and its value."""

    def __init__(self, units, routings, open_records, operators, named_gauges, now):
        self.units, self.open_records, self.operators, self.named_gauges = units, open_records, operators, named_gauges
        self.now = now
        self.chars = {(routing_id, c.code.lower()): (c, step) for routing_id, setup in routings.items()
                      for step in setup.steps for c in step.characteristics}
        self.contexts: dict[tuple, tuple] = {}  # a row's fields but its value, as written -> `context`
        self.targets: dict[tuple, tuple] = {}  # serial, operation, characteristic as written -> `target`
        self.times: dict[str, tuple] = {}  # recorded_at as written -> `time`
        self.people: dict[tuple, list[str]] = {}  # who, gauge, characteristic, policy, day -> what is wrong with them
        self.results: dict[tuple, tuple] = {}  # characteristic id, value as written -> `result`

    def target(self, serial: str, opname: str, code: str) -> tuple:
        """([reasons], unit, spec, step, record id, started at) of the attempt a row measures."""
        reasons = []
        unit = self.units.get(serial.lower())
        found = None
        if unit is None:
            reasons.append(f"no unit with serial '{serial}'")
        elif unit[2] in rules.BLOCKED_STATUSES:
            reasons.append(f"{unit[1]} {rules.BLOCKED_STATUSES[unit[2]]}" + rules.ON_HOLD_WAITS.get(unit[2], ""))
        else:
            found = self.chars.get((unit[3], code.lower()))
            if found is None:
                reasons.append(f"{unit[1]}'s routing has no characteristic '{code}'")
        if found is None:
            return reasons, unit, None, None, None, None
        spec, step = found
        record_id, started_at = self.open_records.get((unit[0], step.id), (None, None))
        if opname != str(step.sequence) and opname.lower() != step.name.lower():
            reasons.append(f"{spec.code} is measured at operation {step.sequence} ({step.name}), not '{opname}'")
        elif record_id is None:
            reasons.append(f"operation {step.sequence} ({step.name}) is not in work on {unit[1]}")
        return reasons, unit, spec, step, record_id, started_at

    def time(self, when: str) -> tuple[datetime | None, list[str]]:
        """(the time a row says, or None, [why it is no time])."""
        try:
            at = datetime.fromisoformat(when)
        except ValueError:
            return None, [f"recorded_at '{when}' is not an ISO 8601 date and time"]
        if at.tzinfo is None:
            return None, [f"recorded_at '{when}' has no time zone; write it like 2026-03-01T14:05:00Z"]
        return at, []

    def context(self, serial: str, opname: str, code: str, when: str, who: str, gauge: str) -> tuple:
        """Everything about a row but its value, from its fields as written: ([reasons before the value's],
        [reasons after], unit, spec, record id, time, operator's id, the gauge's code in the register)."""
        key = (serial, opname, code)
        target = self.targets.get(key)
        if target is None:
            target = self.targets[key] = self.target(*map(str.strip, key))
        before, unit, spec, step, record_id, started_at = target
        timed = self.times.get(when)
        if timed is None:
            timed = self.times[when] = self.time(when.strip())
        at, after = timed
        after = list(after)
        who, gauge = who.strip(), gauge.strip()
        user = self.operators.get(who.lower())
        if user is None:
            after.append(f"no user '{who}'")
        elif at is not None and started_at is not None:
            after += rules.result_time_problems(at=at, started_at=started_at, now=self.now, serial=unit[1],
                                                step=step.view)
            day = at.date()
            checked = (user[0], gauge.lower(), spec.id, id(unit[4]), day)
            if checked not in self.people:
                named = self.named_gauges.get(gauge.lower())
                self.people[checked] = (rules.operator_problems(user[1], step.required_skill, unit[4], day)
                                        + rules.gauge_problems(spec.view, gauge, named.at(day) if named else None,
                                                               unit[4], day))
            after += self.people[checked]
        named = self.named_gauges.get(gauge.lower())
        return (before, after, unit, spec, record_id, at, user[0] if user else None,
                named.code if named else None)

    def result(self, spec, raw: str) -> tuple:
        """(value, passed, why it is out of spec or None, why it is no result or None) of a value as written."""
        try:
            value, passed = rules.parse_result(spec.view, raw.strip())
        except ValueError as exc:
            return None, None, None, str(exc)
        return value, passed, rules.evaluate(spec.view, value, passed), None


@command("measurement.import")
@collector_paused()
def import_measurements(session: Session, actor: Actor, *, text: str, source: str = "measurements.csv",
                        again: bool = False, reason: str | None = None) -> MeasurementsImported:
    """Import test-station results. All or nothing: any bad row and nothing is written, and the refusal
    lists every bad row by its line number and why. A file already imported is refused unless `again`
    with a `reason`. Each out-of-spec row puts its unit on hold under an NCR."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    _imported_before(session, digest, source, again, reason)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise Invalid("import_invalid", f"{source}: the header lacks column(s) {', '.join(missing)}; "
                      f"expected {', '.join(IMPORT_COLUMNS)}")
    col = {name: header.index(name) for name in IMPORT_COLUMNS}
    about = itemgetter(*(col[name] for name in IMPORT_COLUMNS if name != "value"))
    at_value = col["value"]
    lines = [(n, row) for n, row in enumerate(reader, start=2) if any(row)]
    if not lines:
        raise Invalid("import_invalid", f"{source} has no rows")

    width = len(header)
    whole = [row for _, row in lines if len(row) == width]

    def named(column: str) -> set[str]:
        return set(map(itemgetter(col[column]), whole))

    units, routings = _units(session, sorted({serial.strip().lower() for serial in named("serial")}))
    checks = _Checks(units, routings, _open_records(session, [u[0] for u in units.values()]),
                     _operators(session, named("operator")), gauges(session, named("gauge")), utcnow())
    contexts, results = checks.contexts, checks.results

    errors, good, bad_spec = [], [], []
    for line, row in lines:
        if len(row) != width:
            errors.append(f"line {line}: {len(row)} fields, the header has {width}")
            continue
        key = about(row)
        context = contexts.get(key)
        if context is None:
            context = contexts[key] = checks.context(*key)
        before, after, unit, spec, record_id, at, user_id, gauge_code = context
        value = passed = problem = wrong = None
        if spec is not None:
            written = (spec.id, row[at_value])
            result = results.get(written)
            if result is None:
                result = results[written] = checks.result(spec, written[1])
            value, passed, problem, wrong = result
        if before or after or wrong:
            errors.append(f"line {line}: " + "; ".join([*before, *([wrong] if wrong else []), *after]))
            continue
        values = (unit[0], spec.id, record_id, value, passed, problem is None, gauge_code, at, user_id, "import")
        if problem:
            bad_spec.append((values, problem, unit, spec, line))
        else:
            good.append(values)
    if errors:
        raise Invalid("import_refused", [f"{source}: {len(errors)} bad row(s) of {len(lines)}; nothing was imported"]
                      + errors)

    insert_many(session, Measurement.__table__, MEASUREMENT_COLUMNS, good)
    holds = []
    for values, problem, unit, spec, line in bad_spec:
        m = Measurement(**dict(zip(MEASUREMENT_COLUMNS, values)))
        session.add(m)
        session.flush()
        held = out_of_spec(session, actor, unit=session.get(Unit, unit[0]), record_id=m.operation_record_id,
                            measurement=m, spec=spec, reason=problem)
        holds.append(ImportedHold(serial=unit[1], line=line, reason=problem, ncr=held.ncr, hold=held.hold_id))
    unit_count = len({v[0] for v in good} | {b[0][0] for b in bad_spec})
    now = checks.now
    session.add(MeasurementImport(sha256=digest, file=source[:200], rows=len(lines), imported_at=now,
                                  imported_by=actor.username, again_reason=reason if again else None))
    audit.record(session, actor=actor, action="measurements.imported", record_type="import", record_id=digest[:16],
                 after={"file": source, "sha256": digest, "rows": len(lines), "out_of_spec": len(bad_spec),
                        "units": unit_count, "again": again}, reason=reason if again else None)
    return MeasurementsImported(file=source, rows=len(lines), units=unit_count, out_of_spec=len(bad_spec),
                                holds=holds, sha256=digest, again=again)
