"""The shop-floor rules: may this operation start, complete, take this material or this result,
is this value in spec, and where does a unit or an operation record go next. Pure: views in, a
Verdict with every reason (or the next status) out."""
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lrip.catalog.rules import Lifecycle
from lrip.errors import Verdict, verdict
from lrip.fields import plain_number
from lrip.program.rules import Policy


class UnitStatus(StrEnum):
    PLANNED = "planned"
    IN_WORK = "in_work"
    ON_HOLD = "on_hold"
    COMPLETE = "complete"
    SCRAPPED = "scrapped"


class RecordStatus(StrEnum):
    """One attempt at one operation: rework sends it back, scrap stops it."""

    IN_WORK = "in_work"
    COMPLETE = "complete"
    REWORKED = "reworked"
    STOPPED = "stopped"


class WorkClock(StrEnum):
    """Is an attempt in work being worked? Its worked minutes run only while it is WORKING."""

    WORKING = "working"
    PAUSED = "paused"  # by its operator (a break, parts, the end of a shift), or its unit's hold released
    HELD = "held"  # its unit is on hold


class IntervalEnd(StrEnum):
    """How a worked interval ended."""

    PAUSED = "paused"
    HANDED_OVER = "handed_over"
    HELD = "held"
    COMPLETED = "completed"


BLOCKED_STATUSES = {UnitStatus.ON_HOLD: "is on hold", UnitStatus.SCRAPPED: "is scrapped",
                    UnitStatus.COMPLETE: "is complete"}
ON_HOLD_WAITS = {UnitStatus.ON_HOLD: "; it takes no new work until the MRB's disposition releases it"}

UNIT = Lifecycle({
    "start": ((UnitStatus.PLANNED, UnitStatus.IN_WORK), UnitStatus.IN_WORK, "only a planned unit or one in work starts "
                                                                           "an operation"),
    "finish": ((UnitStatus.IN_WORK,), UnitStatus.COMPLETE, "only a unit in work is completed"),
    "hold": ((UnitStatus.PLANNED, UnitStatus.IN_WORK, UnitStatus.ON_HOLD, UnitStatus.COMPLETE), UnitStatus.ON_HOLD,
             "a scrapped unit is not held"),
})
"""The unit's moves on the floor; a disposition's release is unit_after_release."""
RECORD = Lifecycle({
    "complete": ((RecordStatus.IN_WORK,), RecordStatus.COMPLETE, "only an operation in work is completed"),
    "rework": ((RecordStatus.IN_WORK, RecordStatus.COMPLETE), RecordStatus.REWORKED,
               "only an operation in work or complete is sent back for rework"),
    "stop": ((RecordStatus.IN_WORK,), RecordStatus.STOPPED, "only an operation in work is stopped"),
})


def unit_after_release(*, disposition: str, still_held: bool, started: bool, all_done: bool) -> UnitStatus:
    """Where a held unit goes when the MRB's disposition releases its hold: scrapped; still on hold
    under another NCR; complete when every operation is done (use as is, repair); otherwise back in
    work, or planned when nothing was started. `all_done` is counted after a rework sent records back."""
    if disposition == "scrap":
        return UnitStatus.SCRAPPED
    if still_held:
        return UnitStatus.ON_HOLD
    if all_done:
        return UnitStatus.COMPLETE
    return UnitStatus.IN_WORK if started else UnitStatus.PLANNED


@dataclass(frozen=True)
class ToolView:
    code: str
    kind: str
    category: str  # production | temporary
    calibration_due: date | None
    active: bool = True


@dataclass(frozen=True)
class OperatorView:
    username: str
    active: bool
    skills: dict[str, date] = field(default_factory=dict)  # skill -> expires on
    granted: dict[str, date] = field(default_factory=dict)  # skill -> granted on (when known)
    may_record: bool = True  # the person's roles allow recording results


@dataclass(frozen=True)
class GaugeView:
    """A gauge named with a result, with the calibration in force at the result's moment."""

    code: str
    kind: str
    active: bool
    calibrated: bool  # has it ever had a calibration (measuring equipment always has)
    due: date | None  # the calibration in force then is due on this day; None: none was in force


@dataclass(frozen=True)
class MaterialView:
    """A material lot (or purchased serial) or a child unit, as consumption sees it, with the part
    revision it is (a lot: the one received; a child unit: the one it was built to)."""

    identifier: str
    part_number: str
    status: str  # lot: quarantine | accepted | rejected; child unit: its unit status
    on_hand: float
    supplier: str | None = None
    supplier_status: str | None = None
    approved_source: bool = False
    child_unit: bool = False
    revision: str | None = None
    revision_status: str | None = None  # draft | released | obsolete, in the catalog today
    use_as_is: str | None = None  # the NCR whose MRB use-as-is lets it in whatever its revision


@dataclass(frozen=True)
class ResultEntry:
    """One result of a station's submit: the characteristic, the value as typed (a number, pass/fail), the
    gauge it was taken with, and when (default: now)."""

    characteristic: str
    value: str
    gauge: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class MaterialEntry:
    """One material of a submit: a lot number, purchased serial or child unit's serial, and how much
    (default: what the BOM still needs at the operation; 1 of a child unit)."""

    identifier: str
    quantity: float | None = None


@dataclass(frozen=True)
class StepView:
    """One routing operation as the rules need it."""

    sequence: int
    name: str
    instruction: str | None  # "WI-104 rev C"
    instruction_status: str | None
    required_tool_kinds: tuple[str, ...] = ()
    required_skill: str | None = None


@dataclass(frozen=True)
class CharacteristicView:
    code: str
    name: str
    kind: str  # variable | attribute
    lsl: float | None = None
    usl: float | None = None
    units: str | None = None
    key: bool = False
    gauge_kind: str | None = None  # the kind of gauge it is measured with, where engineering set one


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_start(*, serial: str, unit_status: str, policy: Policy, step: StepView, next_sequence: int | None,
                open_sequence: int | None, operator: OperatorView | None, tools: list[ToolView] | None,
                bad_material: list[str], today: date, open_by: str | None = None) -> Verdict:
    """May `step` start on this unit now? operator/tools None means 'not given yet' (the traveler asks).
    `open_by` says who started the operation in work and when, so a second operator learns who beat them."""
    reasons = []
    op = f"Operation {step.sequence} ({step.name})"
    if unit_status in BLOCKED_STATUSES:
        reasons.append(f"{serial} {BLOCKED_STATUSES[unit_status]}")
    if open_sequence is not None:
        if open_sequence == step.sequence:
            reasons.append(f"{op} is already started on {serial}" + (f" (by {open_by})" if open_by else ""))
        else:
            reasons.append(f"Operation {open_sequence} is in work on {serial}; complete it first")
    elif next_sequence is None and unit_status not in BLOCKED_STATUSES:
        reasons.append(f"every operation on {serial} is done")
    elif next_sequence is not None and step.sequence != next_sequence:
        reasons.append(f"{serial} is at operation {next_sequence}; operations run in routing sequence")
    if step.instruction is None:
        reasons.append(f"{op} has no work instruction")
    elif policy.released_instruction and step.instruction_status != "released":
        reasons.append(f"{op} needs work instruction {step.instruction} released; it is {step.instruction_status}")
    if operator is not None:
        reasons += operator_problems(operator, step.required_skill, policy, today)
    if tools is not None:
        reasons += _tool_reasons(op, step, tools, policy, today)
    reasons += [f"{serial} contains {m}" for m in bad_material]
    return verdict(reasons)


def operator_problems(operator: OperatorView, skill: str | None, policy: Policy, day: date) -> list[str]:
    """Why this person may not do (or record a result of) an operation asking `skill` on `day`: a
    disabled account, no right to record results, or (where the phase asks) no qualification that day."""
    reasons = []
    if not operator.active:
        reasons.append(f"operator {operator.username} is disabled")
    if not operator.may_record:
        reasons.append(f"{operator.username} may not record results (not an operator, inspector or quality "
                       "engineer)")
    if policy.qualified_operator and skill:
        expires, granted = operator.skills.get(skill), operator.granted.get(skill)
        if expires is None:
            reasons.append(f"operator {operator.username} is not qualified for '{skill}'")
        elif expires < day:
            reasons.append(f"operator {operator.username}'s qualification for '{skill}' expired on "
                           f"{expires.isoformat()}")
        elif granted is not None and granted > day:
            reasons.append(f"operator {operator.username} was qualified for '{skill}' only from "
                           f"{granted.isoformat()}, after {day.isoformat()}")
    return reasons


def result_time_problems(*, at: datetime, started_at: datetime, now: datetime, serial: str,
                         step: StepView) -> list[str]:
    """A result is taken while its operation attempt is in work: not before the attempt started, not in
    the future (the attempt is still in work, so it has not ended)."""
    if at > now:
        return [f"a result recorded at {at:%Y-%m-%d %H:%M} UTC is in the future"]
    if at < started_at:
        return [f"a result recorded at {at:%Y-%m-%d %H:%M} UTC is before operation {step.sequence} ({step.name}) "
                f"started on {serial} at {started_at:%Y-%m-%d %H:%M} UTC"]
    return []


def entered_time_problems(*, started_at: datetime, completed_at: datetime, now: datetime) -> list[str]:
    """An operation entered in one submit has been done: it did not start or end in the future."""
    return [f"an operation {what} at {at:%Y-%m-%d %H:%M} UTC is in the future"
            for what, at in (("started", started_at), ("completed", completed_at)) if at > now]


def gauge_problems(c: CharacteristicView, named: str | None, gauge: GaugeView | None, policy: Policy,
                   day: date) -> list[str]:
    """Is this a gauge of the register that may measure `c` on `day`: it exists and is in use, it is of the
    characteristic's gauge kind where one is set (then a gauge must be named), it is measuring equipment
    (it has a calibration), and (where the phase asks) its calibration in force that day is current."""
    what = f"{c.code} {c.name}"
    if not named:
        return [f"{what} is measured with a {c.gauge_kind}; name the gauge used"] if c.gauge_kind else []
    if gauge is None:
        return [f"no gauge {named} in the tool register"]
    reasons = []
    if not gauge.active:
        reasons.append(f"gauge {gauge.code} is retired")
    if c.gauge_kind and gauge.kind.casefold() != c.gauge_kind.casefold():
        reasons.append(f"{gauge.code} is a {gauge.kind}; {what} is measured with a {c.gauge_kind}")
    if not gauge.calibrated:
        reasons.append(f"{gauge.code} ({gauge.kind}) has no calibration: it is not a gauge")
    elif policy.current_calibration and (gauge.due is None or gauge.due < day):
        reasons.append(f"gauge {gauge.code} was out of calibration on {day.isoformat()}"
                       + (f" (due {gauge.due.isoformat()})" if gauge.due else " (not yet calibrated then)"))
    return reasons


def result_problems(*, serial: str, step: StepView, c: CharacteristicView, policy: Policy, started_at: datetime,
                    at: datetime, now: datetime, operator: OperatorView, gauge_named: str | None,
                    gauge: GaugeView | None) -> list[str]:
    """Could this result have been taken as recorded: within its operation attempt, by a person who may
    record it and held the operation's qualification then, with a gauge of the register in calibration
    then? The same for a result typed at a station and for a row of an imported file."""
    day = at.date()
    return (result_time_problems(at=at, started_at=started_at, now=now, serial=serial, step=step)
            + operator_problems(operator, step.required_skill, policy, day)
            + gauge_problems(c, gauge_named, gauge, policy, day))


def _tool_reasons(op: str, step: StepView, tools: list[ToolView], policy: Policy, today: date) -> list[str]:
    reasons = []
    kinds = {t.kind for t in tools}
    for kind in step.required_tool_kinds:
        if kind not in kinds:
            article = "an" if kind[:1].lower() in "aeiou" else "a"
            reasons.append(f"{op} needs {article} {kind}; none was scanned")
    for t in tools:
        if not t.active:
            reasons.append(f"tool {t.code} is retired")
        if policy.production_tools and t.category != "production":
            reasons.append(f"tool {t.code} is a {t.category} tool; this phase needs production tools")
        if policy.current_calibration and t.calibration_due is not None and t.calibration_due < today:
            reasons.append(f"tool {t.code} calibration expired on {t.calibration_due.isoformat()}")
    return reasons


def material_problem(m: MaterialView, policy: Policy) -> str | None:
    """Why this material may not be in a unit under this policy, or None."""
    if m.child_unit:
        if m.status == "scrapped":
            return f"{m.identifier}, a scrapped unit"
        return None
    if not policy.approved_material:
        return None
    if m.status != "accepted":
        return f"lot {m.identifier} ({m.part_number}), which is {m.status}, not accepted"
    if not m.approved_source:
        return f"lot {m.identifier} ({m.part_number}) from {m.supplier or 'an unknown supplier'}, not an approved source"
    if m.supplier_status == "disqualified":
        return f"lot {m.identifier} ({m.part_number}) from {m.supplier}, which is disqualified"
    return None


def revision_problem(m: MaterialView, serial: str, builds_with: str | None, why: str | None) -> str | None:
    """Why this lot's revision may not go into the unit: the unit is built with `builds_with` of its part
    (the BOM's effective revision for it: `why` says which change made it so), or, when nothing says which,
    with a released one. An MRB use-as-is on an NCR naming the lot lets any revision in."""
    if m.child_unit or m.use_as_is:
        return None
    if m.revision is None:
        return None if builds_with is None else (f"lot {m.identifier} ({m.part_number}), received with no part "
                                                 f"revision: {serial} is built with rev {builds_with}")
    lot = f"lot {m.identifier} ({m.part_number} rev {m.revision}" + (
        f", {m.revision_status})" if m.revision_status != "released" else ")")
    if builds_with is None:
        return None if m.revision_status == "released" else f"{lot}: only a released revision goes into a unit"
    if m.revision == builds_with:
        return None
    return (f"{lot}: {serial} is built with rev {builds_with}" + (f" ({why})" if why else "")
            + f"; only an MRB use-as-is on an NCR naming lot {m.identifier} lets it in")


def check_consume(*, serial: str, unit_status: str, step: StepView, record_open: bool, material: MaterialView,
                  quantity: float, bom: dict[str, float], already: float, policy: Policy,
                  child_already_used_in: str | None = None, builds_with: str | None = None,
                  builds_with_why: str | None = None) -> Verdict:
    """May this lot or child serial go into the unit at this operation, in this quantity?
    `bom` maps part number -> quantity per unit consumed at this operation; `already` is
    what of that part this unit has consumed so far; `builds_with` the revision of the material's part
    the unit is built with (None: a released one)."""
    reasons = []
    op = f"operation {step.sequence} ({step.name})"
    if unit_status in BLOCKED_STATUSES:
        reasons.append(f"{serial} {BLOCKED_STATUSES[unit_status]}" + ON_HOLD_WAITS.get(unit_status, ""))
    if not record_open:
        reasons.append(f"{op} is not in work on {serial}; start it first")
    if not (quantity > 0 and math.isfinite(quantity)):
        reasons.append(f"the quantity must be a positive number, not {quantity}")
    if material.part_number not in bom:
        listed = ", ".join(sorted(bom)) or "nothing"
        reasons.append(f"{material.part_number} is not on the BOM at {op}; it takes {listed}")
    elif quantity > 0 and already + quantity > bom[material.part_number] + 1e-9:
        reasons.append(f"{serial} needs {_fmt(bom[material.part_number])} of {material.part_number} at {op}; "
                       f"{_fmt(already)} already consumed, {_fmt(quantity)} more is too many")
    if material.child_unit:
        if material.status != "complete":
            reasons.append(f"{material.identifier} is {material.status.replace('_', ' ')}, not complete")
        if child_already_used_in:
            reasons.append(f"{material.identifier} is already built into {child_already_used_in}")
    elif quantity > material.on_hand + 1e-9:
        reasons.append(f"lot {material.identifier} has {_fmt(material.on_hand)} on hand, not {_fmt(quantity)}")
    problem = material_problem(material, policy)
    if problem:
        reasons.append(f"cannot use {problem}")
    configuration = revision_problem(material, serial, builds_with, builds_with_why) if policy.approved_material else None
    if configuration:
        reasons.append(f"cannot use {configuration}")
    return verdict(reasons)


def required_characteristics(policy: Policy, characteristics: list[CharacteristicView],
                             sample: dict[str, list[int]] | None = None, position: int = 0
                             ) -> list[CharacteristicView]:
    """Which characteristics the phase's inspection requires on this unit. Under sampling (FRP) key
    characteristics stay at 100%; another characteristic is required on the units its sample picks
    (`sample` maps its code to 1-based positions in the lot, as lrip.inspection decided and stored on
    the lot) and on every unit when the sample does not name it."""
    if policy.inspection == "all":
        return list(characteristics)
    sample = sample or {}
    return [c for c in characteristics if c.key or c.code not in sample or position in sample[c.code]]


def check_complete(*, serial: str, unit_status: str, step: StepView, record_open: bool,
                   missing_characteristics: list[CharacteristicView], missing_material: dict[str, float],
                   ends_before_start: bool = False, completed_by: str | None = None) -> Verdict:
    """`completed_by` says who completed the operation and when, if it is no longer in work because it is done."""
    reasons = []
    op = f"Operation {step.sequence} ({step.name})"
    if unit_status in BLOCKED_STATUSES:
        reasons.append(f"{serial} {BLOCKED_STATUSES[unit_status]}")
    if not record_open:
        reasons.append(f"{op} is not in work on {serial}"
                       + (f"; it was already completed by {completed_by}" if completed_by else ""))
    for c in missing_characteristics:
        reasons.append(f"{op} needs a result for {c.code} {c.name}")
    for part, qty in sorted(missing_material.items()):
        reasons.append(f"{op} needs {_fmt(qty)} more of {part} consumed")
    if ends_before_start:
        reasons.append(f"{op} cannot complete before it started")
    return verdict(reasons)


# ---------------------------------------------------------------- the work clock: cycle time is labour time

CLOCK = Lifecycle({
    "pause": ((WorkClock.WORKING,), WorkClock.PAUSED, "only an operation being worked is paused"),
    "resume": ((WorkClock.PAUSED,), WorkClock.WORKING, "only a paused operation is resumed"),
    "hand_over": ((WorkClock.WORKING, WorkClock.PAUSED), WorkClock.WORKING,
                  "only an operation being worked or paused is handed over"),
    "hold": ((WorkClock.WORKING,), WorkClock.HELD, "only an operation being worked stops for a hold"),
    "release": ((WorkClock.HELD,), WorkClock.PAUSED, "only an operation stopped by a hold is released"),
})
"""A hold stops the clock; its release leaves the operation paused, for whoever takes it up to resume
(or take it over): the hours the MRB took are nobody's work on the unit."""
CLOCK_WORDS = {"pause": "paused", "resume": "resumed", "hand_over": "handed over"}


def worked_minutes(closed: float, since: datetime | None, at: datetime) -> float:
    """An attempt's worked minutes at `at`: those of its closed intervals, and of the open one when it
    is being worked since `since` (to the 0.001 minute)."""
    open_ = (at - since).total_seconds() / 60.0 if since is not None else 0.0
    return round(closed + max(open_, 0.0), 3)


def check_clock(action: str, *, serial: str, unit_status: str, step: StepView, record_open: bool,
                clock: str | None, holder: str | None, actor: str, since: datetime | None, at: datetime,
                reason: str | None = None, operator_reasons: list[str] = ()) -> Verdict:
    """May the signed-in `actor` pause, resume or take over (hand_over) the operation in work? Pause and
    resume are its operator's (`holder`); a pause says why; another operator takes it over at a shift
    change, qualified for it as a start asks (`operator_reasons`: lrip.execution.rules.operator_problems)."""
    op = f"Operation {step.sequence} ({step.name})"
    reasons = []
    if unit_status in BLOCKED_STATUSES:
        reasons.append(f"{serial} {BLOCKED_STATUSES[unit_status]}" + ON_HOLD_WAITS.get(unit_status, ""))
    if not record_open:
        reasons.append(f"{op} is not in work on {serial}")
        return verdict(reasons)
    if clock != WorkClock.HELD:
        _, moved = CLOCK.next(clock, action, f"{op} on {serial}")
        reasons += moved.reasons
    if action == "hand_over":
        if holder == actor:
            reasons.append(f"{actor} already works operation {step.sequence} ({step.name}) on {serial}"
                           + ("; resume it instead" if clock == WorkClock.PAUSED else ""))
        reasons += operator_reasons
    elif holder != actor:
        reasons.append(f"{op} on {serial} is {'worked' if clock == WorkClock.WORKING else 'paused'} by {holder}; "
                       f"only they {action} it, or another operator takes it over (handover)")
    if action == "pause" and not (reason or "").strip():
        reasons.append("a pause says why (a break, waiting for parts, the end of a shift)")
    if since is not None and at < since:
        reasons.append(f"{op} cannot be {CLOCK_WORDS[action]} at {at:%Y-%m-%d %H:%M} UTC, before "
                       f"{since:%Y-%m-%d %H:%M} UTC, when its clock last changed")
    return verdict(reasons)


def parse_result(c: CharacteristicView, raw: str) -> tuple[float | None, bool | None]:
    """Read a typed or imported result: a plain decimal number for a variable ('0_08' and '٠.٠٨' are not
    numbers here), pass/fail for an attribute."""
    text = raw.strip().lower()
    if c.kind == "attribute":
        if text in ("pass", "p", "ok", "true", "1"):
            return None, True
        if text in ("fail", "f", "nok", "false", "0"):
            return None, False
        raise ValueError(f"{c.code} {c.name} is pass/fail, not '{raw}'")
    if text.lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError(f"{c.code} {c.name} needs a finite number, not '{raw}'")
    try:
        return plain_number(text) + 0.0, None  # -0.00 is 0.0: SQLite keeps no negative zero, the record's digest must not
    except ValueError:
        raise ValueError(f"{c.code} {c.name} needs a number, not '{raw}'") from None


def evaluate(c: CharacteristicView, value: float | None, passed: bool | None) -> str | None:
    """None when in spec; otherwise the reason, in words an operator reads on the hold."""
    if c.kind == "attribute":
        return None if passed else f"{c.code} {c.name} failed"
    unit = f" {c.units}" if c.units else ""
    if c.lsl is not None and value < c.lsl:
        return f"{c.code} {c.name} measured {_fmt(value)}{unit}, below the lower limit {_fmt(c.lsl)}{unit}"
    if c.usl is not None and value > c.usl:
        return f"{c.code} {c.name} measured {_fmt(value)}{unit}, above the upper limit {_fmt(c.usl)}{unit}"
    return None


def check_measure(*, serial: str, unit_status: str, step: StepView, record_open: bool) -> Verdict:
    """A result is taken only on an operation in work on a unit that is not on hold (a rework
    disposition releases the hold, and the unit is measured again in the new attempt)."""
    reasons = []
    if unit_status in BLOCKED_STATUSES:
        reasons.append(f"{serial} {BLOCKED_STATUSES[unit_status]}" + ON_HOLD_WAITS.get(unit_status, ""))
    if not record_open:
        reasons.append(f"operation {step.sequence} ({step.name}) is not in work on {serial}; start it first")
    return verdict(reasons)


# ---------------------------------------------------------------- serial series

MAX_UNITS_AT_ONCE = 10_000
_PATTERN = re.compile(r"^([^{}]*)\{(?::(0?)([0-9]{0,2})d)?\}([^{}]*)$")
_NUMBERED = re.compile(r"^(.*?)([0-9]+)$")


def serial_series(*, pattern: str | None = None, count: int | None = None, start: int = 1,
                  first: str | None = None, last: str | None = None) -> tuple[list[str], list[str]]:
    """The serials of a count with a pattern ('SN200-{:04d}' numbered from `start`: SN200-0001, …) or of a
    range ('SN-0001' to 'SN-0010': one prefix, the number counting up in the first one's width), and every
    reason the request makes none. At most MAX_UNITS_AT_ONCE."""
    if pattern is not None:
        match = _PATTERN.match(pattern)
        reasons = [] if match else [f"a serial pattern has one number field like {{:04d}} (or {{}}), not {pattern!r}"]
        if count is None or count < 1:
            reasons.append(f"the count of units is at least 1, not {count}")
        elif count > MAX_UNITS_AT_ONCE:
            reasons.append(f"at most {MAX_UNITS_AT_ONCE} units are created at once, not {count}")
        if start < 0:
            reasons.append(f"serial numbers start at 0 or more, not {start}")
        if reasons:
            return [], reasons
        head, zero, width, tail = match.groups()
        spec = f"{zero or ''}{width or ''}d"
        return [f"{head}{format(n, spec)}{tail}" for n in range(start, start + count)], []
    a, b = _NUMBERED.match(first or ""), _NUMBERED.match(last or "")
    reasons = [f"{which} serial of a range ends in its number, not {value!r}"
               for which, value, m in (("the first", first, a), ("the last", last, b)) if not m]
    if reasons:
        return [], reasons
    if a.group(1) != b.group(1):
        reasons.append(f"the first and last serials of a range share their prefix ({a.group(1)!r} is not "
                       f"{b.group(1)!r})")
    low, high = int(a.group(2)), int(b.group(2))
    if high < low:
        reasons.append(f"the last serial {last} comes before the first {first}")
    elif high - low + 1 > MAX_UNITS_AT_ONCE:
        reasons.append(f"at most {MAX_UNITS_AT_ONCE} units are created at once, not {high - low + 1}")
    if reasons:
        return [], reasons
    width = len(a.group(2))
    return [f"{a.group(1)}{n:0{width}d}" for n in range(low, high + 1)], []
