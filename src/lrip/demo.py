"""The demo: twenty weeks of an electromechanical actuator's LRIP ramp.

Everything is built through the service functions, so every record passed the
same rules a real line passes (qualified operators, calibrated tools, accepted
material from approved sources, released instructions, every characteristic
measured). It is deterministic for a seed: one random.Random(seed) draws every
value, and every timestamp hangs off a fixed anchor, the Monday twenty weeks
before this one, so the data is always recent and never in the future.

The story a quality engineer will recognise: a pilot build on a temporary
fixture; motor-mount torque (a key characteristic) drifting up over LRIP lot 1
until torque driver TQ-201 is recalibrated at the start of lot 2; holds
dispositioned rework, use-as-is and scrap; a failed functional test; hours per
unit falling along an 85% learning curve; a supplier whose lots always arrive
last; and lot 3 in progress today, with one unit on hold awaiting MRB.
"""
from __future__ import annotations

import math
import random
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.auth.models import User
from lrip.auth.service import create_user
from lrip.catalog import service as catalog
from lrip.catalog.models import Part, Qualification, Routing, Tool
from lrip.catalog.service import CharacteristicSpec, OperationSpec
from lrip.errors import Invalid, Refused
from lrip.execution import service as execution
from lrip.execution.models import Hold
from lrip.program import service as program
from lrip.program.models import Lot, Program
from lrip.supply import service as supply
from lrip.supply.models import MaterialLot, Supplier

# ---------------------------------------------------------------- the plant, as data


class Purchased(NamedTuple):
    number: str
    description: str
    tracking: str
    supplier: str
    per_unit: float
    operation: int
    lot_size: int  # for serials: how many come in one shipment
    prefix: str


class Step(NamedTuple):
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    skill: str
    tools: tuple  # one group per tool kind, preferred tool first
    instruction: str


class Feature(NamedTuple):
    operation: int
    code: str
    name: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool
    mean: float | None  # None: an attribute, pass/fail
    sd: float | None
    decimals: int | None
    gauge: str | None  # "TS": the test stand in use


PROGRAM = "ACT-200"
PRODUCT, PRODUCT_REV, ROUTING_REV = "EMA-200", "A", "1"
SERIAL_PREFIX = "SN200-"
WEEKS_AGO = 20  # the program started on the Monday this many weeks before this week's
PLANNED_TOTAL, FRP_RATE = 600, 15  # for the default 80 LRIP units; scaled with them

DEMO_PASSWORD = "ramp-to-rate-2026"  # every demo user's, documented in the README; not for a real plant
USERS = [  # username, full name, roles
    ("admin", "Dana Whitfield", ["admin"]),
    ("mreyes", "Miguel Reyes", ["operator"]),
    ("tnguyen", "Thu Nguyen", ["operator"]),
    ("jkowalski", "Jan Kowalski", ["operator"]),
    ("abrooks", "Aaliyah Brooks", ["operator"]),
    ("dpatel", "Dev Patel", ["operator"]),
    ("sholm", "Sofia Holm", ["inspector"]),
    ("rchen", "Rachel Chen", ["quality_engineer"]),
    ("bokafor", "Ben Okafor", ["manufacturing_engineer"]),
    ("lmartin", "Laura Martin", ["supply_chain"]),
    ("ggarcia", "Gabriel García", ["program_manager"]),
    ("hschmidt", "Helga Schmidt", ["mrb_member"]),
]
ADMIN, ENGINEER, BUYER, INSPECTOR, PLANNER = "admin", "bokafor", "lmartin", "sholm", "ggarcia"
DISPOSITIONED_BY = {"rework": "rchen", "use_as_is": "hschmidt", "scrap": "hschmidt"}

QUALIFICATIONS = [  # operator, skill, granted (weeks from program start), expires (days from today)
    ("mreyes", "kitting", -40, 420),
    ("mreyes", "mechanical assembly", -40, 420),
    ("tnguyen", "mechanical assembly", -60, 300),
    ("tnguyen", "electrical assembly", -60, 300),
    ("jkowalski", "electrical assembly", -50, 250),
    ("jkowalski", "test", -50, -17),  # lapsed 17 days ago: he may no longer start the functional test
    ("abrooks", "kitting", -30, 380),
    ("abrooks", "mechanical assembly", -30, 380),
    ("abrooks", "test", -30, 380),
    ("dpatel", "mechanical assembly", 6, 360),  # new hire, qualified in week 6; not for test
    ("dpatel", "electrical assembly", 6, 360),
    ("sholm", "inspection", -80, 500),
]

SUPPLIERS = [  # code, name, status, lead time before need (days)
    ("KPM", "Keystone Precision Machining", "approved", (9, 14)),
    ("HMS", "Halvorsen Motion Systems", "approved", (7, 12)),
    ("NGE", "Northgate Electronics", "approved", (0.3, 1.5)),  # the late one: always the last to arrive
    ("BIS", "Brennan Industrial Supply", "conditional", (8, 13)),
]

PARTS = [Purchased(*row) for row in [
    # number, description, tracking, supplier, per unit, at operation, lot (or shipment) size, lot prefix
    ("HSG-200", "Housing, machined 6061-T6, hard anodized", "lot", "KPM", 1, 20, 25, "KPM-HSG-"),
    ("SL-12", "Shaft seal, 12 mm, FKM", "lot", "BIS", 1, 20, 50, "BIS-SL12-"),
    ("GRS-3", "Planetary gear set, 3-stage, 48:1", "lot", "KPM", 1, 30, 20, "KPM-GRS-"),
    ("MTR-24", "Brushless DC motor, 24 V, 120 W", "serial", "HMS", 1, 40, 10, "HM24-"),
    ("FST-M4", "Screw, socket head, M4 x 10, A4 stainless", "lot", "BIS", 4, 40, 500, "BIS-M4-"),
    ("CTL-7", "Motor controller board, CAN", "serial", "NGE", 1, 50, 10, "NG7-"),
    ("HAR-5", "Wiring harness, power and CAN", "lot", "NGE", 1, 50, 20, "NGE-HAR-"),
    ("OR-60", "O-ring, cover, 60 x 2 mm, FKM", "lot", "BIS", 1, 60, 100, "BIS-OR60-"),
    ("LBL-1", "Nameplate label, polyester", "lot", "BIS", 1, 80, 250, "BIS-LBL-"),
]]
EXTRA_LOTS = [  # part, quantity, received (week, day, hour), rejection reason (None: still in quarantine)
    ("HSG-200", 25, (9, 1, 10), "Bearing bore 32 H7 oversize on 3 of 13 sampled housings (SCAR-0412)"),
    ("SL-12", 50, (19, 3, 14), None),
]

WORK_CENTERS = [  # code, name, hours per day, stations
    ("KIT", "Kitting and prep", 8, 1),
    ("MECH", "Mechanical assembly cell", 16, 3),
    ("ELEC", "Electronics bench", 16, 2),
    ("TEST", "Test and final inspection", 16, 2),
]

TOOLS = [  # code, kind, description, category, calibration due (days from program start; None: not calibrated)
    ("PR-01", "arbor press", "Arbor press 1 t with depth stop", "production", 300),
    ("FX-GM-T1", "gear mesh fixture", "Gear mesh fixture, printed, for the pilot build", "temporary", None),
    ("FX-GM-01", "gear mesh fixture", "Gear mesh fixture, hardened steel", "production", 320),
    ("TQ-201", "torque driver", "Torque driver 1-5 N·m, motor mount", "production", 56),  # due as lot 2 starts
    ("TQ-202", "torque driver", "Torque driver 1-5 N·m, spare", "production", 260),
    ("TQ-105", "torque driver", "Torque driver 0.5-2.5 N·m, cover", "production", 130),  # lapsed in week 18
    ("HP-01", "hipot tester", "Hipot and insulation tester, 500 V", "production", 240),
    ("LK-01", "leak tester", "Pressure-decay leak tester", "production", 210),
    ("TS-01", "test stand", "Actuator load test stand 1", "production", 280),
    ("TS-02", "test stand", "Actuator load test stand 2", "production", 280),
]
RECALIBRATED = ("TQ-201", 56 + 182)  # at the start of lot 2: the cure for the torque drift

OPERATIONS = [Step(*row) for row in [
    # sequence, name, work center, standard minutes, skill, tools (a group per kind, preferred first), instruction
    (10, "Kit and prep", "KIT", 15, "kitting", (),
     "Pick the kit to the pick list. Check part numbers, lots and serials against the traveler."),
    (20, "Housing sub-assembly", "MECH", 25, "mechanical assembly", (("PR-01",),),
     "Press the output bearing to the depth stop. Fit the shaft seal flush. Measure the bearing seat depth."),
    (30, "Gear train assembly", "MECH", 35, "mechanical assembly", (("FX-GM-T1", "FX-GM-01"),),
     "Stack the planetary stages in the mesh fixture. Shim to drawing. Measure backlash and end play."),
    (40, "Motor install", "MECH", 25, "mechanical assembly", (("TQ-201", "TQ-202"),),
     "Mount the motor, engage the pinion, torque the four M4 screws in a cross pattern to 2.5 N·m."),
    (50, "Electronics install", "ELEC", 40, "electrical assembly", (("HP-01",),),
     "ESD controls on. Fit the controller board and harness, latch J1-J3, run continuity and hipot."),
    (60, "Final assembly", "MECH", 20, "mechanical assembly", (("TQ-105", "TQ-202"), ("LK-01",)),
     "Fit the cover O-ring, torque the cover screws to 1.2 N·m, leak test at 0.5 bar."),
    (70, "Functional test", "TEST", 45, "test", (("TS-01", "TS-02"),),
     "Run test sequence FT-200 on the load stand: no-load current, speed at rated load, stall torque."),
    (80, "Final inspection and pack", "TEST", 15, "inspection", (),
     "Inspect workmanship, apply the nameplate, pack to the packing instruction."),
]]

CHARACTERISTICS = [Feature(*row) for row in [
    # operation, code, name, nominal, LSL, USL, units, key, process mean, sd, decimals, gauge;
    # attributes (pass/fail) have no limits and no mean
    (10, "KIT-OK", "Kit complete to pick list", None, None, None, None, False, None, None, None, None),
    (20, "BRG-DEPTH", "Bearing seat depth", 4.50, 4.45, 4.55, "mm", False, 4.501, 0.009, 3, "DG-07"),
    (20, "SEAL-SEAT", "Shaft seal seated flush", None, None, None, None, False, None, None, None, None),
    (30, "GEAR-BL", "Output gear backlash", 0.08, 0.04, 0.12, "mm", True, 0.079, 0.007, 3, "DI-12"),
    (30, "END-PLAY", "Output shaft end play", 0.12, 0.05, 0.20, "mm", False, 0.121, 0.012, 3, "DI-12"),
    (40, "MTR-TQ", "Motor mount screw torque", 2.50, 2.20, 2.80, "N·m", True, 2.50, 0.025, 2, "TA-3"),
    (40, "PINION-MESH", "Pinion turns freely, no binding", None, None, None, None, False, None, None, None, None),
    (50, "HAR-CONT", "Harness continuity", None, None, None, None, False, None, None, None, None),
    (50, "INS-RES", "Insulation resistance at 500 V", None, 100, None, "MΩ", False, 850, 110, 0, "HP-01"),
    (60, "COVER-TQ", "Cover screw torque", 1.20, 1.00, 1.40, "N·m", False, 1.20, 0.03, 2, "TA-3"),
    (60, "LEAK", "Enclosure leak rate at 0.5 bar", None, None, 0.50, "cm³/min", False, 0.12, 0.04, 2, "LK-01"),
    (70, "I-NOLOAD", "No-load current", 1.20, 0.90, 1.50, "A", True, 1.18, 0.04, 2, "TS"),
    (70, "SPEED", "Output speed at rated load", 60.0, 57.0, 63.0, "rpm", True, 60.2, 0.5, 1, "TS"),
    (70, "STALL-TQ", "Stall torque", 26.0, 23.0, 30.0, "N·m", True, 26.4, 0.6, 1, "TS"),
    (70, "FUNC", "Functional test sequence FT-200", None, None, None, None, False, None, None, None, None),
    (80, "FINAL-VIS", "Final visual, label and pack", None, None, None, None, False, None, None, None, None),
]]

LOTS = [  # key, phase, units (default), weeks of planned starts (from program start)
    ("P1", "pilot", 5, (1, 2)),
    ("L1", "lrip", 20, (4, 5, 6, 7)),
    ("L2", "lrip", 30, (8, 9, 10, 11, 12, 13)),
    ("L3", "lrip", 30, (14, 15, 16, 17, 18, 19, 20, 21)),  # weeks 20 and 21 are this week and next
]
LRIP_DEFAULT = sum(n for _, phase, n, _ in LOTS if phase == "lrip")
FRP_PLAN = [(22, 6), (23, 8), (24, 10), (25, 12), (26, 14), (27, 15), (28, 15), (29, 15)]  # week, starts (default)
LOT3_COMPLETE = 0.6  # of lot 3, the share complete today; the rest of those started are mid-routing

# Holds, placed by position in their lot (repeated every `units (default)` units when scaled):
# lot, position, characteristic, result, disposition (None: left open for MRB), rework to, reason
EVENTS = [
    ("P1", 0.3, "GEAR-BL", "0.131", "rework", 30,
     "Backlash over the limit: shim pack one size thin. Reshim to drawing on the production fixture, re-measure."),
    ("L2", 0.2, "FUNC", "fail", "rework", 50,
     "FT-200 step 6 (CAN heartbeat) failed: connector J3 not latched. Reseat J3, repeat from electronics install."),
    ("L2", 0.5, "END-PLAY", "0.207", "use_as_is", None,
     "End play 0.007 mm over the limit. MRB: no effect on fit, form or function (analysis EA-031); use as is."),
    ("L2", 0.75, "INS-RES", "12", "scrap", None,
     "Insulation resistance 12 MΩ: harness pinched under a board standoff, board damaged. Scrap; CAPA-007 opened."),
]
OPEN_HOLD = ("L3", "GEAR-BL", "0.127")  # a lot 3 unit on hold today, awaiting MRB
DRIFT = ("L1", "MTR-TQ", 0.26)  # lot, characteristic, rise of its mean over the lot
DRIFT_REWORK = ("Motor mount screws over-torqued; driver TQ-201 suspected of reading low. Back off and "
                "re-torque with spare driver TQ-202; TQ-201 to calibration at the end of the lot.")
# Where the lot 3 units in work stand, most advanced first: (operation index, started there?)
MID_STOPS = [(7, False), (6, False), (5, True), (3, False), (2, True), (1, False), (0, True)]

LEARNING_RATE, FIRST_UNIT, FLOOR = 0.85, 2.4, 0.75  # Crawford: unit x takes FIRST_UNIT·x**b of standard, not below FLOOR


# ---------------------------------------------------------------- the plan

@dataclass
class Event:
    result: str
    disposition: str | None
    rework_to: int | None
    reason: str


@dataclass
class UnitPlan:
    serial: str
    lot: str
    phase: str
    week: int
    release: datetime
    started: bool = True
    build_no: int = 0  # its place on the learning curve
    stop: tuple[int, bool] | None = None  # (operation index, started there?) for a unit left mid-routing
    events: dict[str, Event] = field(default_factory=dict)
    drift: float = 0.0


def _lot_number(key: str) -> str:
    return f"{PROGRAM}-{key}"


def _lot_sizes(units: int | None) -> dict[str, int]:
    """Default sizes, or the LRIP lots scaled in proportion so that they add up to `units`."""
    sizes = {key: n for key, _, n, _ in LOTS}
    if units is None:
        return sizes
    if units < 12:
        raise Invalid("demo_invalid", f"the demo needs at least 12 LRIP units, not {units}")
    lrip = [key for key, phase, _, _ in LOTS if phase == "lrip"]
    for key in lrip[:-1]:
        sizes[key] = int(units * sizes[key] / LRIP_DEFAULT + 0.5)
    sizes[lrip[-1]] = units - sum(sizes[k] for k in lrip[:-1])
    return sizes


def _split(n: int, parts: int) -> list[int]:
    base, extra = divmod(n, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _positions(n: int, copies: int, fraction: float) -> list[int]:
    """Where an event at `fraction` of the way falls in each of `copies` equal stretches of n units."""
    return [int((fraction + j) * n / copies) for j in range(copies)]


def _copies(n: int, default: int) -> int:
    """How many times a default-size lot's event happens in a lot of n units."""
    return max(1, round(n / default))


def _plan(sizes: dict[str, int], start: datetime, this_week: int, rng: random.Random) -> dict[str, list[UnitPlan]]:
    """Every unit: its lot, release time, place on the learning curve, and what goes wrong on it."""
    plans: dict[str, list[UnitPlan]] = {}
    build_no, serial_no = 0, 0
    width = max(4, len(str(sum(sizes.values()))))
    for key, phase, default, weeks in LOTS:
        n, lot = sizes[key], []
        for week, count in zip(weeks, _split(n, len(weeks))):
            for j in range(count):
                day = j / count * 5  # spread over Monday to Friday, first shift
                release = start + timedelta(days=week * 7 + int(day), hours=6 + (day % 1) * 9,
                                            minutes=rng.uniform(0, 10))
                if phase == "pilot":
                    serial = f"{SERIAL_PREFIX}P{len(lot) + 1:02d}"
                else:
                    serial_no += 1
                    serial = f"{SERIAL_PREFIX}{serial_no:0{width}d}"
                lot.append(UnitPlan(serial, _lot_number(key), phase, week, release, started=week < this_week))
        for p in lot:
            if p.started:
                build_no += 1
                p.build_no = build_no
        for ekey, fraction, code, result, disposition, rework_to, reason in EVENTS:
            if ekey == key:
                for i in _positions(n, _copies(n, default), fraction):
                    lot[i].events[code] = Event(result, disposition, rework_to, reason)
        if key == DRIFT[0]:
            for i, p in enumerate(lot):
                t = i / max(1, n - 1)
                p.drift = DRIFT[2] * t
                if t >= 0.9:  # the last tenth went over the limit before anyone caught it
                    over = DRIFTING.usl + rng.uniform(0.01, 0.05)
                    p.events[DRIFT[1]] = Event(f"{over:.{DRIFTING.decimals}f}", "rework", DRIFTING.operation, DRIFT_REWORK)
        if key == OPEN_HOLD[0]:
            _leave_in_progress(lot, _copies(n, default))
        plans[key] = lot
    return plans


def _leave_in_progress(lot: list[UnitPlan], holds: int) -> None:
    """Lot 3 today: the first ones complete, the later ones stopped along the routing, `holds` of them on hold."""
    started = [p for p in lot if p.started]
    mid = started[int(len(lot) * LOT3_COMPLETE + 0.5):]
    held = set(_positions(len(mid), min(holds, len(mid)), 0.5)) if mid else set()
    stops = iter(MID_STOPS * (len(mid) // len(MID_STOPS) + 1))
    for i, p in enumerate(mid):
        if i in held:
            p.events[OPEN_HOLD[1]] = Event(OPEN_HOLD[2], None, None, "")
        else:
            p.stop = next(stops)


# ---------------------------------------------------------------- the line at work

FEATURES_AT = {op.sequence: [c for c in CHARACTERISTICS if c.operation == op.sequence] for op in OPERATIONS}
PARTS_AT = {op.sequence: [p for p in PARTS if p.operation == op.sequence] for op in OPERATIONS}
SEQUENCES = [op.sequence for op in OPERATIONS]
DRIFTING = next(c for c in CHARACTERISTICS if c.code == DRIFT[1])
TOOL_KIND = {code: kind for code, kind, *_ in TOOLS}


@dataclass
class Line:
    """What the demo keeps in mind while it builds: the clock, the tool crib, who may do what, and stock."""

    rng: random.Random
    start: datetime
    cutoff: datetime  # today, 00:00 UTC: nothing happens at or after it
    calibration: dict[str, date | None]
    temporary: set[str]
    skills: dict[str, list[tuple[str, date, date]]]
    stock: dict[str, deque] = field(default_factory=dict)  # part -> [lot number, on hand], first in first out
    kept: list = field(default_factory=list)

    def past(self, at: datetime) -> datetime:
        """Every time written goes through here: a time that is not yet past is a bug in the plan."""
        if at >= self.cutoff:
            raise RuntimeError(f"demo bug: {at.isoformat()} is not in the past")
        return at

    def operator(self, skill: str, day: date) -> str:
        return self.rng.choice([u for u, granted, expires in self.skills[skill] if granted <= day <= expires])

    def tools(self, groups: tuple, day: date, phase: str, rework: bool) -> list[str]:
        """The first usable tool of each kind; a rework takes the last (the spare or the production fixture)."""
        chosen = []
        for group in groups:
            usable = [code for code in group if (self.calibration[code] is None or self.calibration[code] >= day)
                      and (phase == "pilot" or code not in self.temporary)]
            chosen.append(usable[-1] if rework else usable[0])
        return chosen

    def minutes(self, standard: float, build_no: int) -> float:
        """Crawford unit curve: unit x takes FIRST_UNIT·x**log2(0.85) times standard, with noise."""
        factor = max(FLOOR, FIRST_UNIT * build_no ** math.log2(LEARNING_RATE))
        return standard * factor * self.rng.lognormvariate(0, 0.08)

    def value(self, c: Feature, plan: UnitPlan, rework: bool) -> str:
        """A measured value from the process, kept inside the limits; only planned events go outside.
        The drift shows on first attempts; a rework is done with a good tool."""
        if c.mean is None:
            return "pass"
        v = self.rng.gauss(c.mean + (plan.drift if c.code == DRIFT[1] and not rework else 0.0), c.sd)
        if c.lsl is not None and c.usl is not None:
            margin = 0.03 * (c.usl - c.lsl)
            v = min(max(v, c.lsl + margin), c.usl - margin)
        elif c.lsl is not None:
            v = max(v, c.lsl * 1.5)
        else:
            v = min(max(v, 0.01), c.usl * 0.9)
        return f"{v:.{c.decimals}f}"

    def consume(self, session: Session, serial: str, seq: int, part: str, quantity: float, operator: str,
                at: datetime) -> None:
        """Take the quantity from the oldest lots first, splitting across two when one runs out."""
        lots = self.stock[part]
        while quantity > 1e-9:
            lot = lots[0]
            take = min(quantity, lot[1])
            execution.consume(session, serial=serial, operation=seq, identifier=lot[0], quantity=take,
                              operator=operator, at=at)
            lot[1] -= take
            quantity -= take
            if lot[1] <= 1e-9:
                lots.popleft()


def _build_unit(session: Session, line: Line, plan: UnitPlan) -> None:
    """Create the unit and, if it has started, take it along the routing as far as the plan says."""
    execution.create_unit(session, lot=plan.lot, serial=plan.serial, actor=PLANNER)
    if not plan.started:
        return
    at, i, attempts = plan.release, 0, Counter()
    while i < len(OPERATIONS):
        if plan.stop == (i, False):
            return
        seq = SEQUENCES[i]
        outcome, at = _run_operation(session, line, plan, i, at, rework=attempts[seq] > 0)
        attempts[seq] += 1
        if outcome == "stop":
            return
        i = SEQUENCES.index(outcome) if outcome != "done" else i + 1


def _run_operation(session: Session, line: Line, plan: UnitPlan, i: int, at: datetime, *, rework: bool):
    """One attempt at one operation. Returns ("done" | "stop" | the sequence to rework from, next free time)."""
    step, rng = OPERATIONS[i], line.rng
    seq = step.sequence
    operator = line.operator(step.skill, at.date())
    tools = line.tools(step.tools, at.date(), plan.phase, rework)
    end = at + timedelta(minutes=line.minutes(step.standard_minutes, plan.build_no))
    execution.start_operation(session, serial=plan.serial, operation=seq, operator=operator, tools=tools,
                              at=line.past(at))
    if not rework:
        for part in PARTS_AT[seq]:
            line.consume(session, plan.serial, seq, part.number, part.per_unit, operator, at + timedelta(minutes=2))
    chars = FEATURES_AT[seq]
    stop_here = plan.stop == (i, True)
    if stop_here:
        chars = chars[: len(chars) // 2]
    for k, c in enumerate(chars):
        when = at + (end - at) * (k + 1) / (len(chars) + 1)
        event = plan.events.pop(c.code, None)
        gauge = tools[-1] if c.gauge == "TS" else c.gauge
        result = execution.record_measurement(session, serial=plan.serial, characteristic=c.code,
                                              result=event.result if event else line.value(c, plan, rework),
                                              operator=operator, gauge=gauge, at=line.past(when))
        if result.hold is None:
            continue
        if event is None or event.disposition is None:
            return "stop", None  # left on hold for MRB
        execution.disposition_hold(session, serial=plan.serial, action=event.disposition,
                                   actor=DISPOSITIONED_BY[event.disposition], reason=event.reason,
                                   rework_to=event.rework_to)
        if event.disposition == "scrap":
            return "stop", None
        if event.disposition == "rework":
            return event.rework_to, when + timedelta(hours=rng.uniform(18, 30))
        end += timedelta(minutes=rng.uniform(20, 50))  # use as is: MRB met at the line, work carries on
    if stop_here:
        return "stop", None
    execution.complete_operation(session, serial=plan.serial, operation=seq, operator=operator, at=line.past(end))
    gap = rng.uniform(30, 120) if plan.phase == "pilot" else rng.uniform(5, 40)
    return "done", end + timedelta(minutes=gap)


def _keep_in_session(session: Session) -> list:
    """The line's standing records (routing, lots, people, tools, material lots), loaded once and held.

    Only a speed-up: the session keeps an object while someone holds it, so each service
    call finds the routing and its lot in memory instead of lazy-loading them again."""
    kept = []
    for routing in session.execute(select(Routing)).scalars():
        kept += [routing, routing.part_revision, routing.part_revision.part]
        for op in routing.operations:
            kept += [op, op.work_center, op.document_revision, op.document_revision.document, *op.characteristics]
    for model in (Lot, Program, User, Qualification, Tool, Part, Supplier, MaterialLot):
        kept += session.execute(select(model)).scalars().all()
    return kept


# ---------------------------------------------------------------- setting up

@contextmanager
def _tx(session: Session):
    """One transaction, or the caller's when one is already open (the services join it either way)."""
    if session.in_transaction():
        yield
    else:
        with session.begin():
            yield


def _day(start: datetime, days: float) -> date:
    return (start + timedelta(days=days)).date()


def _instruction(step: Step) -> str:
    return f"WI-2{step.sequence:02d}"


def _set_up(session: Session, start: datetime, today: date, scale: float) -> None:
    """People, engineering data, suppliers and the program: everything that exists before the first build."""
    existing = set(session.execute(select(User.username)).scalars())  # `lrip init` makes the admin
    for username, full_name, roles in USERS:
        if username not in existing:
            create_user(session, username=username, full_name=full_name, roles=roles, password=DEMO_PASSWORD,
                        actor="system" if username == ADMIN else ADMIN)
    for username, skill, granted_week, expires_days in QUALIFICATIONS:
        catalog.grant_qualification(session, username=username, skill=skill, granted_on=_day(start, granted_week * 7),
                                    expires_on=today + timedelta(days=expires_days), actor=ADMIN)
    for code, name, hours, stations in WORK_CENTERS:
        catalog.create_work_center(session, code=code, name=name, hours_per_day=hours, stations=stations, actor=ENGINEER)
    for code, kind, description, category, due in TOOLS:
        catalog.create_tool(session, code=code, kind=kind, description=description, category=category,
                            calibration_due=None if due is None else _day(start, due), actor=ENGINEER)
    catalog.create_part(session, number=PRODUCT, description="Electromechanical actuator, 25 N·m, 24 V",
                        tracking="serial", actor=ENGINEER)
    catalog.add_part_revision(session, number=PRODUCT, revision=PRODUCT_REV, actor=ENGINEER, release=True)
    for p in PARTS:
        catalog.create_part(session, number=p.number, description=p.description, tracking=p.tracking, actor=ENGINEER)
        catalog.add_part_revision(session, number=p.number, revision="A", actor=ENGINEER, release=True)
        catalog.add_bom_line(session, parent=PRODUCT, revision=PRODUCT_REV, child=p.number, quantity=p.per_unit,
                             operation_sequence=p.operation, actor=ENGINEER)
    for step in OPERATIONS:
        number = _instruction(step)
        catalog.create_document(session, number=number, title=f"{PRODUCT} op {step.sequence}: {step.name}",
                                actor=ENGINEER)
        catalog.add_document_revision(session, number=number, revision="A", actor=ENGINEER,
                                      content=f"{PRODUCT} rev {PRODUCT_REV}, operation {step.sequence}, "
                                              f"{step.name}.\n{step.instruction}")
        catalog.release_document_revision(session, number=number, revision="A", actor=ENGINEER)
    operations = [
        OperationSpec(step.sequence, step.name, step.work_center, step.standard_minutes, (_instruction(step), "A"),
                      tuple(TOOL_KIND[group[0]] for group in step.tools), step.skill,
                      tuple(CharacteristicSpec(c.code, c.name, "attribute" if c.mean is None else "variable",
                                               c.nominal, c.lsl, c.usl, c.units, c.key)
                            for c in FEATURES_AT[step.sequence]))
        for step in OPERATIONS]
    catalog.create_routing(session, part=PRODUCT, part_revision=PRODUCT_REV, revision=ROUTING_REV,
                           operations=operations, actor=ENGINEER, release=True)
    for code, name, status, _ in SUPPLIERS:
        supply.create_supplier(session, code=code, name=name, status=status, actor=BUYER)
    for p in PARTS:
        supply.approve_source(session, part=p.number, supplier=p.supplier, actor=BUYER)
    program.create_program(session, code=PROGRAM, name="EMA-200 actuator ramp", part=PRODUCT,
                           part_revision=PRODUCT_REV, planned_total=round(PLANNED_TOTAL * scale),
                           frp_target_rate=round(FRP_RATE * scale, 1), actor=PLANNER)


def _receipts(units: list[UnitPlan], start: datetime, cutoff: datetime, rng: random.Random) -> tuple[list, dict]:
    """The material to receive, in time for the units that need it; and the stock it makes, oldest first.

    Suppliers deliver their lead time before the need; the late one (NGE) barely in time."""
    lead = {code: days for code, _, _, days in SUPPLIERS}
    latest = cutoff - timedelta(days=2)

    def dock(need: datetime, supplier: str) -> datetime:
        day = (min(need, latest) - timedelta(days=rng.uniform(*lead[supplier]))).date()
        day -= timedelta(days=max(0, day.weekday() - 4))  # weekends: the Friday before
        at = datetime.combine(day, time(7), timezone.utc) + timedelta(minutes=rng.uniform(0, 480))
        return min(at, need - timedelta(hours=1), latest)

    rows, stock = [], {}
    for p in PARTS:
        stock[p.number] = deque()
        if p.tracking == "serial":
            batch = max(p.lot_size, math.ceil(len(units) / 25))
            for first in range(0, len(units), batch):
                at = dock(units[first].release, p.supplier)
                for k in range(first, min(first + batch, len(units))):
                    lot = f"{p.prefix}{100001 + k}"
                    rows.append((at, lot, p.number, p.supplier, 1, None))
                    stock[p.number].append([lot, 1])
        else:
            size = max(p.lot_size, math.ceil(p.per_unit * len(units) / 25))
            for j in range(math.ceil(p.per_unit * len(units) * 1.1 / size)):  # 10% spare
                need = units[min(int(j * size / p.per_unit), len(units) - 1)].release
                lot = f"{p.prefix}{j + 1:04d}"
                rows.append((dock(need, p.supplier), lot, p.number, p.supplier, size, None))
                stock[p.number].append([lot, size])
    for k, (number, quantity, (week, day, hour), reason) in enumerate(EXTRA_LOTS, start=1):
        p = next(p for p in PARTS if p.number == number)
        rows.append((start + timedelta(days=week * 7 + day, hours=hour), f"{p.prefix}X{k:02d}", number,
                     p.supplier, quantity, reason or "quarantine"))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows, stock


def _receive(session: Session, rows: list, line: Line) -> None:
    """Receive every lot and inspect it: accept, reject with the reason, or leave it in quarantine."""
    for first in range(0, len(rows), 500):
        with _tx(session):
            for at, lot, part, supplier, quantity, outcome in rows[first:first + 500]:
                supply.receive_lot(session, lot_number=lot, part=part, supplier=supplier, quantity=quantity,
                                   actor=BUYER, received_at=line.past(at))
                if outcome != "quarantine":
                    supply.inspect_lot(session, lot_number=lot, accept=outcome is None, actor=INSPECTOR, reason=outcome)


# ---------------------------------------------------------------- the ramp

def load_demo(session: Session, *, units: int | None = None, seed: int = 7, progress=None) -> dict:
    """Load the ACT-200 demo into an empty database and return a summary for the CLI to print.

    `units` scales the LRIP lots to about that many units in all (benchmarks build 10,000+);
    `progress(advance, total, description)` is told as units are built."""
    rng = random.Random(seed)
    sizes = _lot_sizes(units)
    scale = sum(sizes[key] for key, phase, *_ in LOTS if phase == "lrip") / LRIP_DEFAULT
    today = datetime.now(timezone.utc).date()
    cutoff = datetime.combine(today, time(), timezone.utc)
    start = cutoff - timedelta(days=today.weekday(), weeks=WEEKS_AGO)
    plans = _plan(sizes, start, WEEKS_AGO, rng)
    everyone = [p for key, *_ in LOTS for p in plans[key]]
    total = len(everyone)
    tell = progress or (lambda advance, total, description: None)

    with _tx(session):
        existing = session.execute(select(Program.code).limit(1)).scalar_one_or_none()
        if existing is not None:
            raise Refused("demo_refused", f"the database already holds program {existing}; "
                                          "the demo loads only into an empty database")
        tell(0, total, "Setting up people, parts, routing and suppliers")
        _set_up(session, start, today, scale)
    rows, stock = _receipts(everyone, start, cutoff, rng)
    skills: dict[str, list] = {}
    for username, skill, granted_week, expires_days in QUALIFICATIONS:
        skills.setdefault(skill, []).append((username, _day(start, granted_week * 7), today + timedelta(days=expires_days)))
    line = Line(rng, start, cutoff, {code: None if due is None else _day(start, due) for code, _, _, _, due in TOOLS},
                {code for code, _, _, category, _ in TOOLS if category == "temporary"}, skills, stock)
    tell(0, total, "Receiving material")
    _receive(session, rows, line)

    lrip_units = sum(len(plans[key]) for key, phase, *_ in LOTS if phase == "lrip")
    first_lrip = len(plans["L1"]) + len(plans["L2"])
    for key, phase, _, _ in LOTS:
        number = _lot_number(key)
        with _tx(session):
            _before_lot(session, key, number, len(plans[key]), first_lrip, lrip_units, line)
            for week, count in sorted(Counter(p.week for p in plans[key]).items()):
                program.plan_starts(session, program=PROGRAM, period_start=_day(start, week * 7),
                                    planned_starts=count, phase=phase, lot=number, actor=PLANNER)
            line.kept = _keep_in_session(session)
        for plan in plans[key]:
            with _tx(session):
                _build_unit(session, line, plan)
            tell(1, total, f"Building lot {number}")
        if key != OPEN_HOLD[0]:
            with _tx(session):
                program.close_lot(session, number=number, actor=PLANNER,
                                  reason=f"All {len(plans[key])} units dispositioned; lot closed for review")
    with _tx(session):
        for week, starts in FRP_PLAN:
            program.plan_starts(session, program=PROGRAM, period_start=_day(start, week * 7),
                                planned_starts=max(1, round(starts * scale)), phase="frp", actor=PLANNER)
    with _tx(session):
        return _summary(session, seed)


def _before_lot(session: Session, key: str, number: str, size: int, first_lrip: int, lrip_units: int,
                line: Line) -> None:
    """The program decisions that open each lot: phase changes, LRIP quantities, the torque driver fix."""
    if key == "P1":
        program.change_phase(session, program=PROGRAM, phase="pilot", actor=PLANNER,
                             reason="Prototypes built on the engineering bench; design frozen at EMA-200 rev A")
    elif key == "L1":
        program.change_phase(session, program=PROGRAM, phase="lrip", actor=PLANNER,
                             reason="Pilot review passed: 5 units built on released instructions")
        program.set_lrip_quantity(session, program=PROGRAM, quantity=first_lrip, actor=PLANNER,
                                  rationale="Two lots to prove the line and feed qualification testing")
    elif key == "L2":
        code, due = RECALIBRATED
        catalog.calibrate_tool(session, code=code, due=_day(line.start, due), actor="rchen")
        line.calibration[code] = _day(line.start, due)
    elif key == "L3":
        program.set_lrip_quantity(
            session, program=PROGRAM, quantity=math.ceil(lrip_units * 1.125), actor=PLANNER,
            rationale="A third lot keeps the trained crew and the supply base working while the FRP readiness "
                      "assessment is completed; above 10% of the planned total to bridge to full rate")
    program.create_lot(session, program=PROGRAM, number=number, planned_quantity=size, routing_revision=ROUTING_REV,
                       actor=PLANNER)


def _summary(session: Session, seed: int) -> dict:
    prog = program.list_programs(session)[0]
    lots = program.list_lots(session, PROGRAM)
    holds = Counter()
    for disposition, count in session.execute(select(Hold.disposition, func.count()).group_by(Hold.disposition)):
        holds[disposition or "open"] = count
    return {
        "program": prog["code"], "part": prog["part"], "phase": prog["phase"], "seed": seed,
        "planned_total": prog["planned_total"], "lrip_quantity": prog["lrip_quantity"],
        "frp_target_rate": prog["frp_target_rate"],
        "lots": [{"number": lot["number"], "phase": lot["phase"], "status": lot["status"],
                  "planned_quantity": lot["planned_quantity"], "units_by_status": lot["units_by_status"]}
                 for lot in lots],
        "units": prog["units"], "units_by_status": prog["units_by_status"],
        "holds": {"total": sum(holds.values()), **dict(sorted(holds.items()))},
        "users": [{"username": u, "name": n, "roles": r} for u, n, r in USERS],
        "password": DEMO_PASSWORD,
    }
