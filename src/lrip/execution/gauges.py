"""Gauges at measurement, and the gauge recall.

A result names a gauge of the tool register (lrip.catalog): the gauge and its calibration history are read
in one statement for one result or for a whole imported file, and `Gauge.at(day)` says which calibration
was in force that day (the newest on or before it; a tool with no calibration history has only its due
date). A calibration that found the gauge out of tolerance ("as found: out") makes every result the gauge
took since its last good calibration suspect: `gauge_recall` lists them for a quality engineer to review,
which is how plants run a gauge recall (AS9100D 7.1.5.2: assess the validity of previous measurement
results when measuring equipment is found unfit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from lrip.auth.actor import Actor, query
from lrip.auth.models import User
from lrip.catalog.models import Characteristic, Operation, Tool, ToolCalibration
from lrip.catalog.rules import AsFound
from lrip.catalog.service import calibrations
from lrip.db import get_one
from lrip.execution import rules
from lrip.execution.kept import floor_reads
from lrip.execution.models import Measurement, Unit
from lrip.execution.schemas import GaugeRecall, RecallFinding, SuspectResult
from lrip.program.models import Lot


@dataclass(frozen=True)
class Gauge:
    """A tool of the register as a result names it, with its calibrations oldest first."""

    code: str
    kind: str
    active: bool
    calibration_due: date | None
    calibrations: tuple[tuple[date, date], ...]  # (calibrated on, due)

    def at(self, day: date) -> rules.GaugeView:
        """The gauge with the calibration in force on `day`."""
        if not self.calibrations:
            return rules.GaugeView(self.code, self.kind, self.active, self.calibration_due is not None,
                                   self.calibration_due)
        in_force = [due for calibrated_on, due in self.calibrations if calibrated_on <= day]
        return rules.GaugeView(self.code, self.kind, self.active, True, in_force[-1] if in_force else None)


_GAUGES = (select(Tool.code, Tool.kind, Tool.active, Tool.calibration_due, ToolCalibration.calibrated_on,
                  ToolCalibration.due)
           .outerjoin(ToolCalibration, ToolCalibration.tool_id == Tool.id)
           .where(func.lower(Tool.code).in_(bindparam("codes", expanding=True)))
           .order_by(Tool.code, ToolCalibration.calibrated_on, ToolCalibration.id))


def gauges(session: Session, codes: set[str]) -> dict[str, Gauge]:
    """The tools with these codes (found regardless of case, keyed by lower-case code) and their
    calibration histories, in one statement; none for those this transaction read already
    (lrip.execution.kept)."""
    wanted = sorted({c.strip().lower() for c in codes if c and c.strip()})
    if not wanted:
        return {}
    kept = floor_reads(session)["gauges"]
    missing = [c for c in wanted if c not in kept]
    if missing:
        found: dict[str, Gauge] = {}
        history: dict[str, list[tuple[date, date]]] = {}
        for code, kind, active, due, calibrated_on, calibration_due in session.connection().execute(
                _GAUGES, {"codes": missing}):  # plain rows: what the floor has not flushed yet is not tools
            key = code.lower()
            history.setdefault(key, [])
            if calibrated_on is not None:
                history[key].append((calibrated_on, calibration_due))
            found[key] = Gauge(code, kind, active, due, ())
        for key in missing:
            g = found.get(key)
            kept[key] = None if g is None else Gauge(g.code, g.kind, g.active, g.calibration_due, tuple(history[key]))
    return {key: kept[key] for key in wanted if kept[key] is not None}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), timezone.utc)


def _margin(value: float | None, lsl: float | None, usl: float | None) -> float | None:
    """How far a value lies inside its nearest limit, in the characteristic's units (negative: outside)."""
    if value is None:
        return None
    inside = [x for x in ((value - lsl) if lsl is not None else None, (usl - value) if usl is not None else None)
              if x is not None]
    return round(min(inside), 12) if inside else None


@query()
def gauge_recall(session: Session, actor: Actor, *, code: str) -> GaugeRecall:
    """Every result a gauge took since its last good calibration, for each calibration that found it out of
    tolerance: the window runs from the day of the calibration before (the gauge's last known good state;
    since its first result when there was none) to the end of the day it was found out. Four statements."""
    tool = get_one(session, Tool, "gauge", code=code)
    history = calibrations(session, tool.code)
    windows = []
    for i, c in enumerate(history):
        if c.as_found == AsFound.OUT:
            since = history[i - 1].calibrated_on if i else None
            windows.append((c, since, _start_of(c.calibrated_on + timedelta(days=1))))
    rows = []
    if windows:
        starts = [since for _, since, _ in windows]
        wanted = (select(Measurement, Unit.serial, Unit.status, Lot.number, Characteristic, Operation.sequence,
                         User.username)
                  .join(Unit, Unit.id == Measurement.unit_id).join(Lot, Lot.id == Unit.lot_id)
                  .join(Characteristic, Characteristic.id == Measurement.characteristic_id)
                  .join(Operation, Operation.id == Characteristic.operation_id)
                  .join(User, User.id == Measurement.recorded_by_id)
                  .where(Measurement.gauge == tool.code, Measurement.recorded_at < max(end for *_, end in windows)))
        if None not in starts:
            wanted = wanted.where(Measurement.recorded_at >= _start_of(min(starts)))
        rows = session.execute(wanted.order_by(Measurement.recorded_at, Measurement.id)).all()
    findings = []
    for c, since, end in reversed(windows):
        start = _start_of(since) if since else None
        results = [SuspectResult(
            serial=serial, unit_status=status, lot=lot, characteristic=ch.code, name=ch.name, operation=sequence,
            key=ch.key, value=m.value, passed=m.passed, lsl=ch.lsl, usl=ch.usl, units=ch.units, in_spec=m.in_spec,
            margin=_margin(m.value, ch.lsl, ch.usl), recorded_at=m.recorded_at, recorded_by=who)
            for m, serial, status, lot, ch, sequence, who in rows
            if m.recorded_at < end and (start is None or m.recorded_at >= start)]
        findings.append(RecallFinding(
            found_out_on=c.calibrated_on, certificate=c.certificate, since=since, results=results,
            units=sorted({r.serial for r in results}), lots=sorted({r.lot for r in results}),
            characteristics=sorted({r.characteristic for r in results})))
    return GaugeRecall(gauge=tool.code, kind=tool.kind, description=tool.description, category=tool.category,
                       calibration_due=tool.calibration_due, findings=findings)
