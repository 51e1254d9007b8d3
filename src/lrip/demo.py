"""The demo: twenty weeks of an electromechanical actuator's LRIP ramp.

The engineering data (work centers, tools and gauges, instructions, parts, the BOM,
the routing with its characteristics) is the product definition file beside this
module, imported by the service `lrip product import` calls; everything else is
built through the service functions the CLI and the API call, as the person whose
job it is, so every record passed the same rules a real line passes (qualified
operators, calibrated tools, accepted material from approved sources, released
instructions, every characteristic measured). It is deterministic for a seed: one random.Random(seed) draws every
value, and every timestamp hangs off a fixed anchor, the Monday twenty weeks
before this one, so the data is always recent and never in the future.

The story a quality engineer will recognise: a pilot build on a temporary
fixture; motor-mount torque (a key characteristic) drifting up over LRIP lot 1
until torque driver TQ-201 is recalibrated at the start of lot 2; holds
dispositioned rework, use-as-is and scrap; a failed functional test; hours per
unit falling along an 85% learning curve; a supplier whose lots always arrive
last; and lot 3 in progress today, with one unit on hold awaiting MRB. And the
quality records of AS9100 depth: the rev-A/rev-B housing changeover with the
obsolete lot refused at the line, depth gauge DG-07's recall, a contained supplier
lot of rev-B housings with its SCAR, and electronics installs paused at the end of
a shift and taken over by the next. NCRs are raised, decided and closed at their
own times over the ramp, never in the second the demo loads.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip.auth.actor import INSTALLATION, Actor
from lrip.auth.models import User
from lrip.auth.service import actor_of, create_user
from lrip.bulk import collector_spared
from lrip.catalog import product, productfile
from lrip.catalog import service as catalog
from lrip.catalog.models import Characteristic
from lrip.catalog.productfile import ProductFile
from lrip.change import service as change
from lrip.dashboard import service as dashboard
from lrip.db import unit_of_work
from lrip.errors import Invalid, Refused
from lrip.execution import gauges
from lrip.execution import service as execution
from lrip.execution.models import OperationRecord, Unit
from lrip.execution.rules import MaterialEntry, ResultEntry
from lrip.inspection import first_article, plans as inspection_plans
from lrip.nonconformance import capa as capas
from lrip.nonconformance import containment, mrb
from lrip.nonconformance import ncr as ncrs
from lrip.nonconformance import scar as scars
from lrip.nonconformance.models import Hold, NcrDisposition, NonConformance
from lrip.nonconformance.rules import EFFECTIVENESS_UNITS
from lrip.planning.service import shortages
from lrip.program import service as program
from lrip.program.models import Lot, Program
from lrip.settings import service as settings
from lrip.supply import service as supply

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
    document: str  # the work instruction's number


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


# The engineering data is the product definition file beside this module, imported through the service
# `lrip product import` calls; what follows says how the line behaves with it (suppliers, process spread).
PRODUCT_FILE = resources.files("lrip") / "demo_product.yaml"


def _product_file() -> tuple[dict, dict, ProductFile]:
    """The demo's product definition: the data as `lrip product import` reads it, the line of every value,
    and the checked file."""
    data, lines = productfile.read(PRODUCT_FILE.read_bytes(), PRODUCT_FILE.name)
    checked, errors = productfile.validate(data, {})
    if errors:
        raise RuntimeError(f"demo bug: {PRODUCT_FILE.name}: {errors}")
    return data, lines, checked


PROGRAM = "ACT-200"
PRODUCT, PRODUCT_REV, ROUTING_REV = "EMA-200", "A", "1"
SERIAL_PREFIX = "SN200-"
UNITS_A_TRANSACTION = 100  # units built in one unit of work: one a unit made the build about 15% slower (a
# commit each, and the tools, gauges and qualifications the floor keeps for a transaction read again for each)
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
    ("kyamada", "Kenji Yamada", ["manufacturing_engineer"]),  # reviews bokafor's changes: an author never approves
    ("lmartin", "Laura Martin", ["supply_chain"]),
    ("ggarcia", "Gabriel García", ["program_manager"]),
    ("hschmidt", "Helga Schmidt", ["mrb_member"]),
    ("pwalsh", "Patrick Walsh", ["customer_rep"]),  # the customer's quality representative at the plant
]
ADMIN, ENGINEER, BUYER, INSPECTOR, PLANNER = "admin", "bokafor", "lmartin", "sholm", "ggarcia"
ORGANIZATION = "Halvorsen Actuation, Plant 2"
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
# code: quoted lead time (days from order to promised date), days a receipt lands after its promised
# date (negative: early), share of receipts that slip one or two days past it
SUPPLY_TERMS = {"KPM": (21, (-3, 0), 0.1), "HMS": (28, (-2, 0), 0.05), "NGE": (35, (2, 7), 1.0),
                "BIS": (14, (-4, 1), 0.25)}
INCOMING_AQL = 1.0  # incoming inspection samples every purchased part at this AQL (Z1.4, level II)
OPEN_ORDER_WEEKS = (1, 3)  # every part also has an order due this many weeks ahead, not yet received

PURCHASING = {  # part: supplier, lot (or shipment) size, lot prefix
    "HSG-200": ("KPM", 25, "KPM-HSG-"), "SL-12": ("BIS", 50, "BIS-SL12-"), "GRS-3": ("KPM", 20, "KPM-GRS-"),
    "MTR-24": ("HMS", 10, "HM24-"), "FST-M4": ("BIS", 500, "BIS-M4-"), "CTL-7": ("NGE", 10, "NG7-"),
    "HAR-5": ("NGE", 20, "NGE-HAR-"), "OR-60": ("BIS", 100, "BIS-OR60-"), "LBL-1": ("BIS", 250, "BIS-LBL-"),
}
EXTRA_LOTS = [  # part, quantity, received (week, day, hour), defects found (None: still in quarantine), note
    ("HSG-200", 25, (9, 1, 10), 3, "Bearing bore 32 H7 oversize on 3 of 13 sampled housings"),
    ("SL-12", 50, (19, 3, 14), None, None),
]

CALIBRATION_DUE = {  # tool: calibration due, days from program start, after the calibration before the start
    "PR-01": 300, "FX-GM-01": 320, "TQ-201": 56, "TQ-202": 260, "HP-01": 240, "LK-01": 210, "TS-01": 280,
    "TS-02": 280, "DG-07": 300, "DI-12": 300, "TA-3": 300,
    "TQ-105": 130,  # lapsed in week 18
}  # TQ-201 is due as lot 2 starts; DG-07 is recalibrated as lots 2 and 3 start; FX-GM-T1 is never calibrated
CALIBRATED = -10  # every tool with a due date was calibrated this many days before the program started
RECALIBRATED = ("TQ-201", 56 + 182)  # at the start of lot 2: the cure for the torque drift
# The gauge recall: DG-07, calibrated in tolerance as lot 2 starts (day 56, due day 98), is found out of
# tolerance at its next calibration as lot 3 starts: every bearing depth it measured in lot 2 is up for review.
GAUGE_RECALL = ("DG-07", 56, 98, 98 + 90)  # gauge, day calibrated in tolerance, day found out, due after
# The rev-A/rev-B changeover: CR-0003 makes HSG-200 rev B effective from lot 3; the rev-A stock left over is
# refused at the line for lot 3's units, which are built with the rev-B housings received for them.
CHANGEOVER = ("HSG-200", "A", "B", "L3")  # part, old revision, new revision, the first lot built with the new

TOOL_GROUPS = {  # operation: the tools an operator takes, a group per tool kind, preferred first
    20: (("PR-01",),), 30: (("FX-GM-T1", "FX-GM-01"),), 40: (("TQ-201", "TQ-202"),), 50: (("HP-01",),),
    60: (("TQ-105", "TQ-202"), ("LK-01",)), 70: (("TS-01", "TS-02"),),
}

PROCESS = {  # characteristic: process mean, sd, decimals, gauge ("TS": the test stand in use); attributes absent
    "BRG-DEPTH": (4.501, 0.009, 3, "DG-07"), "GEAR-BL": (0.079, 0.007, 3, "DI-12"),
    "END-PLAY": (0.121, 0.012, 3, "DI-12"), "MTR-TQ": (2.50, 0.025, 2, "TA-3"), "INS-RES": (850, 110, 0, "HP-01"),
    "COVER-TQ": (1.20, 0.03, 2, "TA-3"), "LEAK": (0.12, 0.04, 2, "LK-01"), "I-NOLOAD": (1.18, 0.04, 2, "TS"),
    "SPEED": (60.2, 0.5, 1, "TS"), "STALL-TQ": (26.4, 0.6, 1, "TS"),
}


def _line_data(defined: ProductFile) -> tuple[list[Purchased], dict, list[Step], list[Feature]]:
    """The purchased parts, tools, operations and characteristics of the file, each with how the demo's line
    uses it."""
    top = next(p for p in defined.parts if p.number == PRODUCT)
    parts_by_number = {p.number: p for p in defined.parts}
    parts = [Purchased(b.part, parts_by_number[b.part].description, parts_by_number[b.part].tracking.value,
                       *PURCHASING[b.part][:1], b.quantity, b.operation, *PURCHASING[b.part][1:]) for b in top.bom]
    tools = {t.code: (t.kind, t.category.value) for t in defined.tools}
    routing = next(r for r in defined.routings if r.part == PRODUCT and r.revision == ROUTING_REV)
    steps, features = [], []
    for o in routing.operations:
        steps.append(Step(o.sequence, o.name, o.work_center, o.standard_minutes, o.skill,
                          TOOL_GROUPS.get(o.sequence, ()), o.instruction.document))
        for c in o.characteristics:
            mean, sd, decimals, gauge = PROCESS.get(c.code, (None, None, None, None))
            features.append(Feature(o.sequence, c.code, c.name, c.nominal, c.lsl, c.usl, c.units, c.key,
                                    mean, sd, decimals, gauge))
    return parts, tools, steps, features


PARTS, TOOLS, OPERATIONS, CHARACTERISTICS = _line_data(_product_file()[2])

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
     "Insulation resistance 12 MΩ: harness pinched under a board standoff, board damaged. Scrap; CAPA opened."),
]
OPEN_HOLD = ("L3", "GEAR-BL", "0.127")  # a lot 3 unit on hold today, awaiting MRB
DRIFT = ("L1", "MTR-TQ", 0.26)  # lot, characteristic, rise of its mean over the lot
# A paused operation across a shift: electronics install on one unit in each stretch of lots 2 and 3 runs into
# the end of a shift; the next shift takes it over. Cycle time counts only the worked minutes.
SHIFT_CHANGE = (50, "End of shift: controller board fitted, harness not yet latched", ("L2", "L3"), 0.4)
# A contained supplier lot: the housing supplier reports that a lot of lot 3's rev-B housings was anodized in
# a bath out of its limits; quality raises an NCR on the material lot, which puts every unit built from it on
# hold; the MRB takes them use-as-is (coating checked), the housings left go back, and a SCAR asks for the cause.
CONTAINED = ("HSG-200", "L3")
DRIFT_REWORK = ("Motor mount screws over-torqued; driver TQ-201 suspected of reading low. Back off and "
                "re-torque with spare driver TQ-202; TQ-201 to calibration at the end of the lot.")
REPEAT_REWORK = "Over the limit again: MRB sends it back to the operation to be reworked to drawing and re-measured."
# MRB: who signs a use-as-is or repair (quality, engineering, program), and the nonconformance story
MRB_SIGNERS = ("hschmidt", "bokafor", PLANNER)
CUSTOMER_REP = "pwalsh"  # signs a major or critical use-as-is or repair where the phase policy asks for it
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
    shift_change: bool = False  # its electronics install is paused at the end of a shift and taken over by the next


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
                for j, i in enumerate(_positions(n, _copies(n, default), fraction)):
                    if j and disposition == "use_as_is":  # MRB signs one use-as-is; the repeats are reworked
                        lot[i].events[code] = Event(result, "rework", FEATURE_OPERATION[code], REPEAT_REWORK)
                    else:
                        lot[i].events[code] = Event(result, disposition, rework_to, reason)
        if key in SHIFT_CHANGE[2]:
            for i in _positions(n, _copies(n, default), SHIFT_CHANGE[3]):
                lot[i].shift_change = lot[i].week <= this_week - 2  # the night between stays in the past
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
TOOL_KIND = {code: kind for code, (kind, _) in TOOLS.items()}
GAUGES = {code for code, (_, category) in TOOLS.items() if category == "gauge"}
FEATURE_OPERATION = {c.code: c.operation for c in CHARACTERISTICS}


@dataclass
class Line:
    """What the demo keeps in mind while it builds: the clock, the tool crib, who may do what, and stock."""

    rng: random.Random
    start: datetime
    cutoff: datetime  # today, 00:00 UTC: nothing happens at or after it
    calibration: dict[str, date | None]
    temporary: set[str]
    skills: dict[str, list[tuple[str, date, date]]]
    people: dict[str, Actor]
    stock: dict[str, list] = field(default_factory=dict)  # part -> [lot number, on hand, revision], oldest first
    refused: str | None = None  # the changeover's refused obsolete lot, in the words of the refusal
    built_from: dict[str, list[str]] = field(default_factory=dict)  # material lot -> the serials it went into
    handed_over: list[str] = field(default_factory=list)  # the units whose operation was taken over by the next shift
    latest: datetime | None = None  # the latest time written so far
    contained: dict = field(default_factory=dict)  # the contained supplier lot: its NCR, lot, units and SCAR

    def past(self, at: datetime) -> datetime:
        """Every time written goes through here: a time that is not yet past is a bug in the plan."""
        if at >= self.cutoff:
            raise RuntimeError(f"demo bug: {at.isoformat()} is not in the past")
        if self.latest is None or at > self.latest:
            self.latest = at
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

    def pick(self, serial: str, part: str, quantity: float, revision: str | None) -> list[MaterialEntry]:
        """Take the quantity from the oldest lots of the revision the unit is built with first, splitting
        across two when one runs out."""
        lots, picked = self.stock[part], []
        while quantity > 1e-9:
            lot = next(entry for entry in lots if entry[2] == revision)
            take = min(quantity, lot[1])
            picked.append(MaterialEntry(lot[0], take))
            self.built_from.setdefault(lot[0], []).append(serial)
            lot[1] -= take
            quantity -= take
            if lot[1] <= 1e-9:
                lots.remove(lot)
        return picked


def _release_units(session: Session, line: Line, lot: list[UnitPlan]) -> None:
    """The planner releases each week's units of a lot in one go (a serial range, `lrip unit create`), at
    the first of that week's starts: a unit exists before its first operation. Units of weeks to come are
    created today."""
    by_week: dict[int, list[UnitPlan]] = {}
    for plan in lot:
        by_week.setdefault(plan.week, []).append(plan)
    for week, plans in by_week.items():
        first = min(p.release for p in plans)
        execution.create_units(session, line.people[PLANNER], lot=plans[0].lot, serials=[p.serial for p in plans],
                               at=line.past(first) if plans[0].started else None)


def _build_unit(session: Session, line: Line, plan: UnitPlan) -> None:
    """If the unit has started, take it along the routing as far as the plan says."""
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


def _revision(plan: UnitPlan, part: str) -> str | None:
    """The revision of the changeover part a unit is built with (other parts: the released one, None)."""
    if part != CHANGEOVER[0]:
        return None
    return CHANGEOVER[2] if plan.lot == _lot_number(CHANGEOVER[3]) else CHANGEOVER[1]


def _refuse_obsolete(session: Session, line: Line, serial: str, seq: int, operator: str, at: datetime) -> None:
    """The first unit built with the new revision: the operator scans the rev-A lot left over, and the line
    refuses it (nothing is written); the words are kept for the demo's summary."""
    left = next((entry for entry in line.stock[CHANGEOVER[0]] if entry[2] == CHANGEOVER[1] and entry[1] > 1e-9), None)
    if left is None:
        return
    try:
        execution.consume(session, line.people[operator], serial=serial, operation=seq, identifier=left[0],
                          quantity=1, at=at)
    except Refused as refused:
        line.refused = refused.reasons[0]
        return
    raise RuntimeError(f"demo bug: obsolete lot {left[0]} went into {serial}")


def _across_a_shift(session: Session, line: Line, plan: UnitPlan, step: Step, operator: str, at: datetime,
                    end: datetime) -> tuple[str, datetime, datetime]:
    """The operator's shift ends a third of the way through: she pauses the operation, and the next shift's
    operator takes it over (or she resumes it herself when nobody else holds the skill). Its worked minutes
    stop in between; returns who works on, from when, until when."""
    paused = at + (end - at) / 3
    execution.pause_operation(session, line.people[operator], serial=plan.serial, operation=step.sequence,
                              reason=SHIFT_CHANGE[1], at=line.past(paused))
    taken = paused + timedelta(hours=8, minutes=line.rng.uniform(5, 25))  # the next shift, after its start-up
    others = [u for u, granted, expires in line.skills[step.skill]
              if u != operator and granted <= taken.date() <= expires]
    if others:
        operator = line.rng.choice(others)
        execution.hand_over_operation(session, line.people[operator], serial=plan.serial, operation=step.sequence,
                                      reason="Taken over at the shift change; board fitted, harness next",
                                      at=line.past(taken))
    else:
        execution.resume_operation(session, line.people[operator], serial=plan.serial, operation=step.sequence,
                                   at=line.past(taken))
    line.handed_over.append(plan.serial)
    plan.shift_change = False
    return operator, taken, taken + (end - paused)


def _run_operation(session: Session, line: Line, plan: UnitPlan, i: int, at: datetime, *, rework: bool):
    """One attempt at one operation. Returns ("done" | "stop" | the sequence to rework from, next free time).
    An operation that runs its course is entered in one submit, as a paper traveler's operation is entered
    after the fact; one where something happens (a planned nonconformance, the changeover's refused lot, a
    shift change, a unit left mid-operation) is done step by step, the kit and the results each in one
    submit (the results split where a planned nonconformance stops the operation)."""
    step, rng = OPERATIONS[i], line.rng
    seq = step.sequence
    operator = line.operator(step.skill, at.date())
    tools = line.tools(step.tools, at.date(), plan.phase, rework)
    end = at + timedelta(minutes=line.minutes(step.standard_minutes, plan.build_no))
    kit, refuse = [], False
    if not rework:
        for part in PARTS_AT[seq]:
            revision = _revision(plan, part.number)
            refuse = refuse or (revision == CHANGEOVER[2] and line.refused is None)
            kit += line.pick(plan.serial, part.number, part.per_unit, revision)
    shift = not rework and plan.shift_change and seq == SHIFT_CHANGE[0]
    stop_here = plan.stop == (i, True)
    chars = FEATURES_AT[seq][: len(FEATURES_AT[seq]) // 2] if stop_here else FEATURES_AT[seq]
    if not (refuse or shift or stop_here or any(c.code in plan.events for c in chars)):
        done = execution.record_operation(
            session, line.people[operator], serial=plan.serial, operation=seq, tools=tools, materials=kit,
            results=[ResultEntry(c.code, line.value(c, plan, rework), tools[-1] if c.gauge == "TS" else c.gauge,
                                 line.past(at + (end - at) * (k + 1) / (len(chars) + 1))) for k, c in enumerate(chars)],
            started_at=line.past(at), completed_at=line.past(end))
        if done.ncrs:
            return "stop", None  # left on hold for MRB
        return "done", _next_free(line, plan, end)
    execution.start_operation(session, line.people[operator], serial=plan.serial, operation=seq, tools=tools,
                              at=line.past(at))
    if refuse:
        _refuse_obsolete(session, line, plan.serial, seq, operator, at + timedelta(minutes=1))
    if kit:
        execution.consume_materials(session, line.people[operator], serial=plan.serial, operation=seq,
                                    materials=kit, at=at + timedelta(minutes=2))
    if shift:
        operator, at, end = _across_a_shift(session, line, plan, step, operator, at, end)
    results = []
    for k, c in enumerate(chars):
        when = at + (end - at) * (k + 1) / (len(chars) + 1)
        event = plan.events.pop(c.code, None)
        gauge = tools[-1] if c.gauge == "TS" else c.gauge
        results.append(ResultEntry(c.code, event.result if event else line.value(c, plan, rework), gauge,
                                   line.past(when)))
        if event is None and k < len(chars) - 1:
            continue
        posted = execution.record_results(session, line.people[operator], serial=plan.serial, operation=seq,
                                          results=results)
        results = []
        if not posted.ncrs:
            continue
        if event is None or event.disposition is None:
            return "stop", None  # left on hold for MRB
        decided = when + timedelta(minutes=rng.uniform(20, 50))
        _mrb_decides(session, line, posted.ncrs[-1], event, decided)
        if event.disposition == "scrap":
            return "stop", None
        if event.disposition == "rework":
            return event.rework_to, when + timedelta(hours=rng.uniform(18, 30))
        # use as is: the MRB met at the line, and the operator takes the operation up again
        execution.resume_operation(session, line.people[operator], serial=plan.serial, operation=seq,
                                   at=line.past(decided))
        end += decided - when
    if stop_here:
        return "stop", None
    execution.complete_operation(session, line.people[operator], serial=plan.serial, operation=seq, at=line.past(end))
    return "done", _next_free(line, plan, end)


def _next_free(line: Line, plan: UnitPlan, end: datetime) -> datetime:
    """When the unit is taken up again after an operation: the pilot waits longer between stations."""
    return end + timedelta(minutes=line.rng.uniform(30, 120) if plan.phase == "pilot" else line.rng.uniform(5, 40))


# ---------------------------------------------------------------- setting up

def _day(start: datetime, days: float) -> date:
    return (start + timedelta(days=days)).date()


def _people(session: Session) -> dict[str, Actor]:
    """Every demo user, as the signed-in person each step is done by (`lrip init` made the admin)."""
    existing = set(session.execute(select(User.username)).scalars())
    if ADMIN not in existing:
        create_user(session, INSTALLATION, username=ADMIN, full_name=USERS[0][1], roles=USERS[0][2],
                    password=DEMO_PASSWORD)
    admin = actor_of(session.execute(select(User).where(User.username == ADMIN)).scalar_one())
    for username, full_name, roles in USERS:
        if username not in existing | {ADMIN}:
            create_user(session, admin, username=username, full_name=full_name, roles=roles, password=DEMO_PASSWORD)
    if settings.organization(session) is None:
        settings.set_setting(session, admin, key="organization", value=ORGANIZATION,
                             reason="The plant's name on its quality records")
    return {u.username: actor_of(u) for u in session.execute(select(User)).scalars()}


def _set_up(session: Session, people: dict[str, Actor], start: datetime, today: date, scale: float) -> None:
    """Engineering data, suppliers and the program: everything that exists before the first build, each
    entered by the person whose job it is."""
    engineer, buyer, planner = people[ENGINEER], people[BUYER], people[PLANNER]
    for username, skill, granted_week, expires_days in QUALIFICATIONS:
        catalog.grant_qualification(session, engineer, username=username, skill=skill,
                                    granted_on=_day(start, granted_week * 7),
                                    expires_on=today + timedelta(days=expires_days))
    data, lines, _ = _product_file()  # the engineering department's file, through `lrip product import`'s service
    product.import_product(session, engineer, data, {}, lines=lines)
    for code, due in CALIBRATION_DUE.items():  # the tool room's records (`lrip tool calibrate`)
        catalog.calibrate_tool(session, engineer, code=code, due=_day(start, due), certificate=f"CAL-{code}-1",
                               calibrated_on=_day(start, CALIBRATED))
    part, _, new, _ = CHANGEOVER  # drafted early: its housings are ordered for lot 3 before CR-0003 releases it
    catalog.add_part_revision(session, engineer, number=part, revision=new)
    for code, name, status, _ in SUPPLIERS:
        supply.create_supplier(session, buyer, code=code, name=name, status=status)
    for p in PARTS:
        supply.approve_source(session, buyer, part=p.number, supplier=p.supplier)
    program.create_program(session, planner, code=PROGRAM, name="EMA-200 actuator ramp", part=PRODUCT,
                           part_revision=PRODUCT_REV, planned_total=round(PLANNED_TOTAL * scale),
                           frp_target_rate=round(FRP_RATE * scale, 1))


class Shipment(NamedTuple):
    """One delivery: a purchase order line and what arrived against it."""

    at: datetime  # on the dock
    part: str
    supplier: str
    quantity: float
    lots: list  # lot numbers, or one per serial
    defects: int | None  # found at incoming inspection; None: still in quarantine
    note: str | None
    revision: str | None = None  # the part revision shipped (None: the released one)


def _receipts(units: list[UnitPlan], start: datetime, cutoff: datetime, rng: random.Random) -> tuple[list, dict]:
    """The shipments to receive, in time for the units that need them; and the stock they make,
    oldest first. Suppliers deliver their lead time before the need; the late one (NGE) barely in time."""
    lead = {code: days for code, _, _, days in SUPPLIERS}
    latest = cutoff - timedelta(days=2)

    def dock(need: datetime, supplier: str) -> datetime:
        day = (min(need, latest) - timedelta(days=rng.uniform(*lead[supplier]))).date()
        day -= timedelta(days=max(0, day.weekday() - 4))  # weekends: the Friday before
        at = datetime.combine(day, time(7), timezone.utc) + timedelta(minutes=rng.uniform(0, 480))
        return min(at, need - timedelta(hours=1), latest)

    rows, stock = [], {}
    for p in PARTS:
        stock[p.number] = []
        if p.tracking == "serial":
            batch = max(p.lot_size, math.ceil(len(units) / 25))
            for first in range(0, len(units), batch):
                serials = [f"{p.prefix}{100001 + k}" for k in range(first, min(first + batch, len(units)))]
                rows.append(Shipment(dock(units[first].release, p.supplier), p.number, p.supplier, len(serials),
                                     serials, 0, None))
                stock[p.number].extend([s, 1, None] for s in serials)
        else:
            size = max(p.lot_size, math.ceil(p.per_unit * len(units) / 25))
            groups = [(units, None)]
            if p.number == CHANGEOVER[0]:  # the old revision for the lots before the changeover, the new after
                split = next((i for i, u in enumerate(units) if u.lot == _lot_number(CHANGEOVER[3])), len(units))
                groups = [(units[:split], CHANGEOVER[1]), (units[split:], CHANGEOVER[2])]
            for group, revision in groups:
                for j in range(math.ceil(p.per_unit * len(group) * 1.1 / size)):  # 10% spare
                    need = group[min(int(j * size / p.per_unit), len(group) - 1)].release
                    lot = f"{p.prefix}{len(stock[p.number]) + 1:04d}"
                    rows.append(Shipment(dock(need, p.supplier), p.number, p.supplier, size, [lot], 0, None, revision))
                    stock[p.number].append([lot, size, revision])
    for k, (number, quantity, (week, day, hour), defects, note) in enumerate(EXTRA_LOTS, start=1):
        p = next(p for p in PARTS if p.number == number)
        rows.append(Shipment(start + timedelta(days=week * 7 + day, hours=hour), number, p.supplier, quantity,
                             [f"{p.prefix}X{k:02d}"], defects, note))
    rows.sort(key=lambda r: (r.at, r.lots[0]))
    return rows, stock


def _receive(url: str, rows: list, line: Line, today: date) -> None:
    """Order every shipment on a purchase order with a promised date, receive it against the line
    and inspect it by the Z1.4 plan: accepted, rejected (an NCR against the supplier) or still in
    quarantine. Then the orders still open for the weeks ahead. The order terms draw on their own
    random stream, so the rest of the demo is the same as without them."""
    terms = random.Random(hash(tuple(line.rng.getstate()[1])))
    buyer, inspector = line.people[BUYER], line.people[INSPECTOR]
    with unit_of_work(url) as session:
        supply.set_incoming_aql(session, line.people["rchen"], aql=INCOMING_AQL)
    for first in range(0, len(rows), 200):
        with unit_of_work(url) as session:
            for k, r in enumerate(rows[first:first + 200], start=first + 1):
                quoted, (early, late), slip = SUPPLY_TERMS[r.supplier]
                arrival = r.at.date()
                promised = arrival - timedelta(days=round(terms.uniform(early, late)))
                if terms.random() < slip:
                    promised = min(promised, arrival - timedelta(days=terms.choice((1, 2))))
                number = f"PO-{4000 + k}"
                supply.place_order(session, buyer, number=number, supplier=r.supplier,
                                   ordered_on=promised - timedelta(days=quoted), lines=[(r.part, r.quantity, promised)])
                serialized = next(p.tracking for p in PARTS if p.number == r.part) == "serial"
                supply.receive(session, buyer, po=number, line=1, quantity=r.quantity,
                               received_at=line.past(r.at), packing_slip=f"PS-{r.supplier}-{k:05d}",
                               certificate=f"COC-{r.supplier}-{k:05d}", revision=r.revision,
                               **({"serials": r.lots} if serialized else {"lot_number": r.lots[0]}))
                if r.defects is not None:  # the delivery's lots (a shipment of serials: one each) together
                    supply.inspect_receipts(session, inspector, lot_numbers=r.lots, defects=r.defects, note=r.note,
                                            at=line.past(r.at + timedelta(hours=2)))
    with unit_of_work(url) as session:
        for k, p in enumerate(PARTS, start=1):
            quoted, _, _ = SUPPLY_TERMS[p.supplier]
            promised = today + timedelta(weeks=OPEN_ORDER_WEEKS[k % 2])
            supply.place_order(session, buyer, number=f"PO-{8000 + k}", supplier=p.supplier,
                               ordered_on=min(today, promised - timedelta(days=quoted)),
                               lines=[(p.number, p.lot_size * 2, promised)])


# ---------------------------------------------------------------- the ramp

@collector_spared()
def load_demo(url: str, *, units: int | None = None, seed: int = 7, progress=None,
              if_empty: bool = False) -> dict | None:
    """Load the ACT-200 demo into an empty database and return a summary for the CLI to print; with
    `if_empty`, None (and nothing done) when the database has programs already.

    An installation command: it holds the database's own credentials and opens its units of work
    itself (one per hundred units built), but every record is made through the use cases, as
    the demo user whose job it is. `units` scales the LRIP lots to about that many units in all
    (benchmarks build 10,000+); `progress(advance, total, description)` is told as units are built."""
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

    with unit_of_work(url) as session:
        existing = session.execute(select(Program.code).limit(1)).scalar_one_or_none()
        if existing is not None:
            if if_empty:
                return None
            raise Refused("demo_refused", f"the database already holds program {existing}; "
                                          "the demo loads only into an empty database")
        tell(0, total, "Setting up people, parts, routing and suppliers")
        people = _people(session)
        _set_up(session, people, start, today, scale)
    rows, stock = _receipts(everyone, start, cutoff, rng)
    skills: dict[str, list] = {}
    for username, skill, granted_week, expires_days in QUALIFICATIONS:
        skills.setdefault(skill, []).append((username, _day(start, granted_week * 7), today + timedelta(days=expires_days)))
    line = Line(rng, start, cutoff, {code: _day(start, CALIBRATION_DUE[code]) if code in CALIBRATION_DUE else None
                                     for code in TOOLS},
                {code for code, (_, category) in TOOLS.items() if category == "temporary"}, skills, people, stock)
    tell(0, total, "Receiving material")
    _receive(url, rows, line, today)

    planner = people[PLANNER]
    lrip_units = sum(len(plans[key]) for key, phase, *_ in LOTS if phase == "lrip")
    first_lrip = len(plans["L1"]) + len(plans["L2"])
    for key, phase, _, _ in LOTS:
        number = _lot_number(key)
        with unit_of_work(url) as session:
            _before_lot(session, key, number, len(plans[key]), first_lrip, lrip_units, line)
            for week, count in sorted(Counter(p.week for p in plans[key]).items()):
                program.plan_starts(session, planner, program=PROGRAM, period_start=_day(start, week * 7),
                                    planned_starts=count, phase=phase, lot=number)
            _release_units(session, line, plans[key])
        for first in range(0, len(plans[key]), UNITS_A_TRANSACTION):
            with unit_of_work(url) as session:
                for plan in plans[key][first:first + UNITS_A_TRANSACTION]:
                    _build_unit(session, line, plan)
                    tell(1, total, f"Building lot {number}")
        with unit_of_work(url) as session:
            _demo_inspection(session, line, key, plans[key])
        if key != OPEN_HOLD[0]:
            with unit_of_work(url) as session:
                program.close_lot(session, planner, number=number,
                                  reason=f"All {len(plans[key])} units dispositioned; lot closed for review")
    with unit_of_work(url) as session:
        _demo_nonconformance(session, line, plans)
    with unit_of_work(url) as session:
        line.contained = _contain(session, line, today)
    with unit_of_work(url) as session:
        for week, starts in FRP_PLAN:
            program.plan_starts(session, planner, program=PROGRAM, period_start=_day(start, week * 7),
                                planned_starts=max(1, round(starts * scale)), phase="frp")
        _demo_planning(session, line, today)
    with unit_of_work(url, write=False) as session:
        return _summary(session, planner, seed, line)


def _demo_planning(session: Session, line: Line, today: date) -> None:
    """Purchase orders for the FRP ramp: each part the plan is short of by promised date is ordered
    to land the Wednesday before the week that needs it, except from Northgate (NGE), which only
    promises the Thursday of that week: on paper every lot is clear to build, but at NGE's observed
    lateness its parts slip a week and `lrip shortages ACT-200 --use-observed-lateness` finds the
    early FRP weeks short of them."""
    buyer = line.people[BUYER]
    supplier = {p.number: p.supplier for p in PARTS}
    orders: dict[tuple[str, date], list[tuple[str, int]]] = {}
    for row in shortages(session, buyer, program=PROGRAM, today=today).shortages:
        week = row.period if isinstance(row.period, date) else date.fromisoformat(row.period)
        promised = week + timedelta(days=3 if supplier[row.part] == "NGE" else -5)
        orders.setdefault((supplier[row.part], max(promised, today)), []).append(
            (row.part, math.ceil(row.quantity_short)))
    for k, ((code, promised), lines) in enumerate(sorted(orders.items()), start=1):
        supply.place_order(session, buyer, number=f"PO-{8500 + k}", supplier=code, ordered_on=today,
                           lines=[(part, quantity, promised) for part, quantity in lines])


def _before_lot(session: Session, key: str, number: str, size: int, first_lrip: int, lrip_units: int,
                line: Line) -> None:
    """The program decisions that open each lot: phase changes, LRIP quantities, the torque driver fix."""
    planner = line.people[PLANNER]
    _demo_change(session, key, line)
    if key == "P1":
        program.sign_phase_change(session, planner, program=PROGRAM, phase="pilot", password=DEMO_PASSWORD)
        program.change_phase(session, planner, program=PROGRAM, phase="pilot",
                             reason="Prototypes built on the engineering bench; design frozen at EMA-200 rev A")
    elif key == "L1":  # the production readiness review: the LRIP quantity approved, the move signed
        program.set_lrip_quantity(session, planner, program=PROGRAM, quantity=first_lrip,
                                  rationale="Two lots to prove the line and feed qualification testing",
                                  password=DEMO_PASSWORD)
        for signer in (planner, line.people["rchen"]):
            program.sign_phase_change(session, signer, program=PROGRAM, phase="lrip", password=DEMO_PASSWORD)
        program.change_phase(session, planner, program=PROGRAM, phase="lrip",
                             reason="Pilot review passed: 5 units built on released instructions")
    elif key == "L2":
        code, due = RECALIBRATED
        lot2_start = _day(line.start, LOTS[2][3][0] * 7)
        catalog.calibrate_tool(session, line.people[ENGINEER], code=code, due=_day(line.start, due),
                               certificate=f"CAL-{code}-2", as_found="out", calibrated_on=lot2_start)
        line.calibration[code] = _day(line.start, due)
        gauge, good, found_out, _ = GAUGE_RECALL
        catalog.calibrate_tool(session, line.people[ENGINEER], code=gauge, due=_day(line.start, found_out),
                               certificate=f"CAL-{gauge}-2", as_found="in", calibrated_on=_day(line.start, good))
    elif key == "L3":
        gauge, _, found_out, due = GAUGE_RECALL
        catalog.calibrate_tool(session, line.people[ENGINEER], code=gauge, due=_day(line.start, due),
                               certificate=f"CAL-{gauge}-3", as_found="out", calibrated_on=_day(line.start, found_out))
        program.set_lrip_quantity(
            session, planner, program=PROGRAM, quantity=math.ceil(lrip_units * 1.125),
            rationale="A third lot keeps the trained crew and the supply base working while the FRP readiness "
                      "assessment is completed; above 10% of the planned total to bridge to full rate",
            password=DEMO_PASSWORD)
    program.create_lot(session, planner, program=PROGRAM, number=number, planned_quantity=size,
                       routing_revision=ROUTING_REV)


def _demo_inspection(session: Session, line: Line, key: str, lot: list[UnitPlan]) -> None:
    """Inspection by phase: a plan for the gear train (end play is a fit check, minor at AQL 2.5), each LRIP
    lot's result there counted from its records, and the first articles the LRIP policy owes: a full FAI on
    the first LRIP unit, and a delta on the first unit after a change touched characteristics; each
    completed by the inspector and approved by the quality engineer."""
    quality, inspector = line.people["rchen"], line.people[INSPECTOR]
    if key == "L1":
        inspection_plans.set_plan(session, quality, program=PROGRAM, operation=30, classes={"END-PLAY": "minor"},
                                  aql={"minor": 2.5},
                                  reason="End play is a fit check with margin; backlash stays the key characteristic")
    if key in ("L1", "L2"):
        inspection_plans.record_lot_result(session, inspector, lot=_lot_number(key), operation=30)
    first = next((p.serial for p in lot if p.started), None)
    if first is None or first_article.fai_owed(session, inspector, serial=first).kind is None:
        return
    fai = first_article.create_fai(session, inspector, serial=first)
    if first_article.fai_record(session, inspector, number=fai.number).blocked_by:
        return  # left open: the unit is not through its routing yet
    first_article.complete_fai(session, inspector, number=fai.number)
    first_article.sign_fai(session, inspector, number=fai.number, password=DEMO_PASSWORD, meaning="authored")
    first_article.sign_fai(session, quality, number=fai.number, password=DEMO_PASSWORD, meaning="approved")


def _mrb_signs(session: Session, line: Line, number: str) -> None:
    """The MRB's signatures on a use-as-is or repair, and the customer's where the phase policy adds it."""
    customer = "customer" in ncrs.signed_in(session, ncrs.get_ncr(session, number))[1]
    for signer in MRB_SIGNERS + ((CUSTOMER_REP,) if customer else ()):
        mrb.sign_disposition(session, line.people[signer], number=number, password=DEMO_PASSWORD)


def _mrb_decides(session: Session, line: Line, number: str, event: Event, at: datetime) -> None:
    """The MRB decides a hold's NCR at `at`: rework and scrap by the quality engineer or MRB member alone;
    use as is only once the phase policy's signatures (LRIP: quality, engineering, program) are on it."""
    who = line.people[DISPOSITIONED_BY[event.disposition]]
    mrb.review(session, who, number=number, action=event.disposition, reason=event.reason, rework_to=event.rework_to)
    if event.disposition in ("use_as_is", "repair"):
        _mrb_signs(session, line, number)
    mrb.disposition(session, who, number=number, at=line.past(at))


def _demo_nonconformance(session: Session, line: Line, plans: dict[str, list[UnitPlan]]) -> None:
    """NCRs and CAPA: when TQ-201 is found reading low at the start of lot 2, the quality engineer raises
    an NCR on lot 1 by hand; with lot 1's two over-torqued units it is the third MTR-TQ defect at motor
    install within 30 days, so a CAPA is proposed. MRB signs the lot use-as-is; the CAPA's actions are
    done as lot 2 starts and lot 2 runs clean, so its effect is verified and it closes. The pinched
    harness scrapped in lot 2 has a CAPA still open, and an inspector's NCR on a scratched lot 3 housing
    waits under MRB review with one signature of three."""
    quality, engineer = line.people["rchen"], line.people[ENGINEER]
    lot2_start = line.start + timedelta(weeks=LOTS[2][3][0])
    lot1 = _lot_number("L1")
    ncr = ncrs.raise_ncr(
        session, quality, lot=lot1, severity="major", defect_code="OOS-HIGH", operation=40,
        characteristic=DRIFT[1], quantity=len(plans["L1"]), at=line.past(lot2_start + timedelta(hours=7)),
        description="Torque driver TQ-201 read 8% low at its calibration: every motor mount in lot "
                    f"{lot1} was torqued high (the last units over the limit).")
    mrb.review(session, quality, number=ncr.number, action="use_as_is",
               reason="Break-away torque audit of 5 units: 2.55-2.74 N·m, screws not yielded "
                      "(analysis EA-044). Use as is.")
    _mrb_signs(session, line, ncr.number)
    mrb.disposition(session, quality, number=ncr.number, at=line.past(lot2_start + timedelta(hours=9)))
    _close_verified(session, line)

    row = ncrs.get_ncr(session, ncr.number)
    capa = row.capa.number if row.capa_id else capas.open_capa(  # another seed may not recur
        session, quality, ncrs=[ncr.number], title="Motor mount over-torque", at=row.opened_at).number
    done = lot2_start.date()
    capas.update_capa(session, quality, number=capa, fields={
        "title": "Motor mount over-torque: torque driver TQ-201 reading low",
        "d1_team": "R. Chen (quality, lead), B. Okafor (manufacturing engineering), M. Reyes (operator)",
        "d2_problem": f"MTR-TQ drifted up through lot {lot1}; the last units went over 2.80 N·m at motor install",
        "d3_containment": "TQ-201 pulled from the line; lot 1 motor mounts audited for break-away torque",
        "d4_root_cause": "TQ-201's clutch wore and it read low; its 182-day calibration interval was too long "
                         "for the cycles it sees",
        "d5_corrective_action": "Recalibrate TQ-201; shorten torque driver calibration to 90 days",
        "d6_implementation": "Recalibrated at the start of lot 2; interval changed in the tool register",
        "d7_prevention": "Daily driver check on the torque analyser at every torque operation (CR-0002)",
        "d8_closure": "Team thanked at the lot 2 review",
        "effectiveness_units": min(EFFECTIVENESS_UNITS, len(plans["L2"]))},  # a small demo has fewer units
        reason="A small demo builds fewer lot 2 units than the standard sample", password=DEMO_PASSWORD)
    for kind, text in (("containment", "Pull TQ-201; audit lot 1 motor mounts"),
                       ("corrective", "Recalibrate TQ-201; calibration interval 182 to 90 days"),
                       ("preventive", "Daily torque driver check on the analyser (WI-240 rev C, CR-0002)")):
        detail = capas.add_action(session, quality, number=capa, kind=kind, description=text, owner=ENGINEER,
                                  due_on=done, at=line.past(lot2_start + timedelta(hours=8)))
        capas.complete_action(session, engineer, number=capa, action_id=detail.actions[-1].id, done_on=done)
    capas.verify_effectiveness(session, quality, number=capa)
    capas.close_capa(session, quality, number=capa, reason="No MTR-TQ over-torque in the units built since the actions")

    scrapped = session.execute(select(NonConformance.number, NonConformance.capa_id).join(Characteristic).where(
        Characteristic.code == "INS-RES").order_by(NonConformance.id)).all()
    title = "Harness pinched under the controller board standoff"
    proposed = next((number for number, capa_id in scrapped if capa_id), None)  # recurring: CAPA proposed already
    harness = capas.open_capa(session, quality, ncrs=[number for number, _ in scrapped], title=title) \
        if proposed is None else ncrs.get_ncr(session, proposed).capa
    capas.update_capa(session, quality, number=harness.number, fields={
        "title": title,
        "d1_team": "R. Chen (quality), B. Okafor (manufacturing engineering), T. Nguyen (operator)",
        "d2_problem": "Insulation resistance 12 MΩ at electronics install: harness pinched, board damaged",
        "d3_containment": "Harness routing checked on every unit in work before the board goes in",
        "d4_root_cause": "Nothing holds the harness clear of the standoff while the board is fitted"})
    capas.add_action(session, quality, number=harness.number, kind="corrective", owner=ENGINEER,
                     description="Add a harness clip and a standoff sleeve; change WI-250 to fit them",
                     due_on=line.cutoff.date() + timedelta(days=14))

    held = next(p.serial for p in plans["L3"] if p.started and p.stop is not None and p.stop[0] >= 2)
    scratch = ncrs.raise_ncr(
        session, line.people[INSPECTOR], serial=held, severity="minor", defect_code="COSMETIC", operation=20,
        at=line.past(line.cutoff - timedelta(hours=10)),
        description="Anodize scratched 4 mm long at the housing's seal bore edge, outside the seal land")
    mrb.review(session, quality, number=scratch.number, action="use_as_is",
               reason="Cosmetic, outside the seal land: no effect on form, fit or function. Use as is.")
    mrb.sign_disposition(session, line.people["hschmidt"], number=scratch.number, password=DEMO_PASSWORD)


def _close_verified(session: Session, line: Line) -> None:
    """The quality engineer closes each dispositioned NCR once its disposition is verified done: a day or
    two after the later of the decision and the unit's last completed operation (a rework re-done). One
    whose verification day has not come yet stays dispositioned."""
    quality = line.people["rchen"]
    rows = session.execute(select(NonConformance.number, NonConformance.unit_id, func.max(NcrDisposition.decided_at))
                           .join(NcrDisposition, NcrDisposition.ncr_id == NonConformance.id)
                           .where(NonConformance.status == "dispositioned")
                           .group_by(NonConformance.id).order_by(NonConformance.id)).all()
    done = dict(session.execute(select(OperationRecord.unit_id, func.max(OperationRecord.completed_at)).where(
        OperationRecord.unit_id.in_([unit for _, unit, _ in rows if unit])).group_by(OperationRecord.unit_id)).all())
    for number, unit_id, decided in rows:
        verified = max(decided, done.get(unit_id) or decided) + timedelta(hours=line.rng.uniform(20, 52))
        if verified >= line.cutoff or mrb.unverified(session, ncrs.get_ncr(session, number)):
            continue
        mrb.close_ncr(session, quality, number=number, at=line.past(verified),
                      reason="Verified: disposition carried out; reworked units re-measured in spec")


def _contain(session: Session, line: Line, today: date) -> dict:
    """A contained supplier lot and its SCAR. The housing supplier reports that a lot of lot 3's rev-B
    housings was hard-anodized in a bath out of its limits: quality raises an NCR on the material lot,
    which quarantines what is left and puts every unit built from it on hold (the forward trace). The MRB
    takes the units use-as-is (coating thickness and seal bore checked on them), the housings left go
    back to the supplier, and quality asks the supplier, in a SCAR, for the cause and its correction; the
    supplier's answer is in, its verification waits for the next lots."""
    part, key = CONTAINED
    lot3 = set(session.execute(select(Unit.serial).join(Lot).where(Lot.number == _lot_number(key))).scalars())
    on_hand = {entry[0]: entry[1] for entry in line.stock[part]}
    candidates = [lot for lot, serials in line.built_from.items()
                  if on_hand.get(lot, 0) > 1e-9 and set(serials) <= lot3]
    if not candidates:
        return {}
    lot = candidates[-1]
    quality, buyer = line.people["rchen"], line.people[BUYER]
    span = line.cutoff - line.latest
    raised, decided = line.latest + span / 4, line.latest + span / 2
    ncr = ncrs.raise_ncr(session, quality, material_lot=lot, severity="minor", defect_code="OTHER",
                         quantity=on_hand[lot], at=line.past(raised),
                         description=f"Supplier notice: {part} lot {lot} hard-anodized in a bath above its "
                                     "temperature limit for one shift; coating may be thin at the seal bore")
    contained = len(containment.held(session, ncrs.get_ncr(session, ncr.number)))
    mrb.review(session, quality, number=ncr.number, action="use_as_is", contained=True,
               reason="Coating thickness 48-55 µm on 5 contained units (drawing: 40-60 µm); every unit passed its "
                      "0.5 bar leak test. Use as is.")
    _mrb_signs(session, line, ncr.number)
    mrb.disposition(session, quality, number=ncr.number, at=line.past(decided))
    mrb.disposition(session, quality, number=ncr.number, action="return_to_supplier", quantity=on_hand[lot],
                    reason="Housings left in stores go back to the supplier for replacement",
                    at=line.past(decided + timedelta(minutes=20)))
    scar = scars.raise_scar(session, quality, ncr=ncr.number, due_on=today + timedelta(days=14),
                            request="Find and correct why parts were anodized in a bath out of its limits; say "
                                    "how the bath is now monitored and which other lots it treated.")
    scars.record_response(session, buyer, number=scar.number,  # today, as the service sees it (a run may pass midnight)
                          response="Containment: the shift's lots held and measured. Cause: the bath chiller's "
                                   "alarm was muted during maintenance. Action: alarm interlocked with the line; "
                                   "bath temperature logged and reviewed every shift.")
    return {"ncr": ncr.number, "material_lot": lot, "units": contained, "scar": scar.number}


def _demo_change(session: Session, key: str, line: Line) -> None:
    """Change control over the ramp: a pilot redline folded into WI-240 rev B (minor, pilot); after the
    torque drift of lot 1, WI-240 rev C with a daily torque driver check, from the next lot (minor,
    LRIP, so three signatures and a delta FAI); and a major housing change still awaiting signatures."""
    engineer, planner = line.people[ENGINEER], line.people[PLANNER]

    def when(week: int, day: int) -> datetime:
        return line.past(line.start + timedelta(days=week * 7 + day, hours=10))

    def approve(number: str, signers: tuple[str, ...], week: int, day: int) -> None:
        change.submit_change(session, engineer, number=number, at=when(week, day))
        for who in signers:
            change.sign_change(session, line.people[who], number=number, password=DEMO_PASSWORD)
        change.approve_change(session, planner, number=number, at=when(week, day + 1))
        change.implement_change(session, engineer, number=number, at=when(week, day + 2))

    wi = OPERATIONS[3].document  # WI-240, motor install
    if key == "L1":  # the pilot lot is closed; the program is still in pilot
        redline = change.record_redline(session, engineer, serial=f"{SERIAL_PREFIX}P03", operation=40,
                                        markup="Seat the pinion before the screws go in; torque in a cross pattern "
                                               "in two passes (1.5 then 2.5 N·m).", at=when(2, 3))
        catalog.add_document_revision(session, engineer, number=wi, revision="B",
                                      content=f"{PRODUCT} rev {PRODUCT_REV}, operation 40, Motor install.\nMount the "
                                              "motor and seat the pinion before fitting the screws. Torque the four "
                                              "M4 screws in a cross pattern in two passes: 1.5 N·m, then 2.5 N·m.")
        change.create_change(session, engineer, program=PROGRAM, title="Motor install: two-pass cross torque",
                             reason=f"Pilot redline {redline.number}: screws torqued in one pass tilted the motor",
                             description=f"Fold redline {redline.number} into {wi} rev B.", change_class="minor",
                             items=[f"document:{wi}:A:B"], redlines=[redline.number], at=when(3, 0))
        approve("CR-0001", ("kyamada", "rchen"), 3, 1)
    elif key == "L2":  # after lot 1's torque drift, before lot 2
        catalog.add_document_revision(session, engineer, number=wi, revision="C",
                                      content=f"{PRODUCT} rev {PRODUCT_REV}, operation 40, Motor install.\nAt the "
                                              "start of each shift check the torque driver on the torque analyser "
                                              "(2.5 N·m ± 2%); do not use a driver that fails. Mount the motor, "
                                              "seat the pinion, torque the M4 screws cross pattern: 1.5 then 2.5 N·m.")
        change.create_change(session, engineer, program=PROGRAM, title="Daily torque driver check at motor install",
                             reason="MTR-TQ drifted up through lot ACT-200-L1 until TQ-201 was recalibrated",
                             description=f"{wi} rev C: check the driver on the analyser every shift.",
                             change_class="minor", effectivity="next_lot", items=[f"document:{wi}:B:C"],
                             attachments=[(wi, "C")], at=when(7, 2))
        approve("CR-0002", ("kyamada", "rchen", PLANNER), 7, 3)
    elif key == "L3":  # a major change raised in lot 2, implemented before lot 3: the rev-A/rev-B changeover
        change.create_change(session, engineer, program=PROGRAM, title="Housing bearing bore to 32 H6",
                             reason="Incoming inspection rejected a KPM housing lot: bearing bore oversize; H6 keeps the fit",
                             description="HSG-200 rev B: bearing bore 32 H6, tighter bore roundness.",
                             change_class="major", effectivity="next_lot", items=["part_revision:HSG-200:A:B"],
                             at=when(12, 1))
        approve("CR-0003", ("kyamada", "rchen", PLANNER), 12, 2)


def _summary(session: Session, planner: Actor, seed: int, line: Line) -> dict:
    prog = dashboard.list_programs(session, planner)[0].model_dump(mode="json")
    recall = gauges.gauge_recall(session, planner, code=GAUGE_RECALL[0]).findings
    lots = [lot.model_dump(mode="json") for lot in dashboard.list_lots(session, planner, program=PROGRAM)]
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
        "changeover": {"part": CHANGEOVER[0], "from": CHANGEOVER[1], "to": CHANGEOVER[2],
                       "lot": _lot_number(CHANGEOVER[3]), "refused": line.refused},
        "recall": {"gauge": GAUGE_RECALL[0], "results": len(recall[0].results) if recall else 0,
                   "units": len(recall[0].units) if recall else 0},
        "contained": line.contained,
        "handed_over": line.handed_over,
        "ncrs": dict(sorted(Counter(session.execute(select(NonConformance.status)).scalars()).items())),
        "users": [{"username": u, "name": n, "roles": r} for u, n, r in USERS],
        "password": DEMO_PASSWORD,
    }
