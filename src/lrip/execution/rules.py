"""The shop-floor rules: may this operation start, complete, take this material or this result,
is this value in spec, and where does a unit or an operation record go next. Pure: views in, a
Verdict with every reason (or the next status) out."""
import math
from dataclasses import dataclass, field
from datetime import date
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


@dataclass(frozen=True)
class MaterialView:
    """A material lot (or purchased serial) or a child unit, as consumption sees it."""

    identifier: str
    part_number: str
    status: str  # lot: quarantine | accepted | rejected; child unit: its unit status
    on_hand: float
    supplier: str | None = None
    supplier_status: str | None = None
    approved_source: bool = False
    child_unit: bool = False


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
        if not operator.active:
            reasons.append(f"operator {operator.username} is disabled")
        if policy.qualified_operator and step.required_skill:
            expires = operator.skills.get(step.required_skill)
            if expires is None:
                reasons.append(f"operator {operator.username} is not qualified for '{step.required_skill}'")
            elif expires < today:
                reasons.append(f"operator {operator.username}'s qualification for '{step.required_skill}' "
                               f"expired on {expires.isoformat()}")
    if tools is not None:
        reasons += _tool_reasons(op, step, tools, policy, today)
    reasons += [f"{serial} contains {m}" for m in bad_material]
    return verdict(reasons)


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


def check_consume(*, serial: str, unit_status: str, step: StepView, record_open: bool, material: MaterialView,
                  quantity: float, bom: dict[str, float], already: float, policy: Policy,
                  child_already_used_in: str | None = None) -> Verdict:
    """May this lot or child serial go into the unit at this operation, in this quantity?
    `bom` maps part number -> quantity per unit consumed at this operation; `already` is
    what of that part this unit has consumed so far."""
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
        return plain_number(text), None
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
