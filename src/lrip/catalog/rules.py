"""What an engineering record may be and become: the lifecycles of part revisions, work instructions
and routings, and what makes a routing well formed. Pure."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from lrip.errors import Verdict, verdict
from lrip.fields import identifier, revision

S = TypeVar("S", bound=StrEnum)


class Tracking(StrEnum):
    SERIAL = "serial"
    LOT = "lot"
    NONE = "none"


class ToolCategory(StrEnum):
    """A production tool, a temporary one (prototype and pilot only), or a gauge (its kind is the gauge
    kind a characteristic names: cmm, micrometer, …)."""

    PRODUCTION = "production"
    TEMPORARY = "temporary"
    GAUGE = "gauge"


class AsFound(StrEnum):
    """What a calibration found before adjusting: in tolerance, or out (what the gauge measured since the
    calibration before is suspect)."""

    IN = "in"
    OUT = "out"


class Severity(StrEnum):
    """How serious a nonconformance is (and how a characteristic is classified): AS9100's critical,
    major, minor. Here, below every area that grades one."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class CharacteristicKind(StrEnum):
    VARIABLE = "variable"
    ATTRIBUTE = "attribute"


class PartRevisionStatus(StrEnum):
    DRAFT = "draft"
    RELEASED = "released"
    OBSOLETE = "obsolete"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    REDLINE = "redline"
    RELEASED = "released"
    SUPERSEDED = "superseded"


class RoutingStatus(StrEnum):
    DRAFT = "draft"
    RELEASED = "released"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """Which action moves a record from which statuses to which one, and the words when it may not:
    {action: (from statuses, to status, 'only a draft is released')}."""

    moves: dict[str, tuple[tuple[S, ...], S, str]]

    def next(self, current: str, action: str, what: str) -> tuple[S | None, Verdict]:
        """The status after `action`; None and a refusal when `current` is not one it moves from."""
        sources, target, only = self.moves[action]
        if current in sources:
            return target, verdict([])
        return None, verdict([f"{what} is {current}; {only}"])


PART_REVISION = Lifecycle({
    "release": ((PartRevisionStatus.DRAFT,), PartRevisionStatus.RELEASED, "only a draft revision is released"),
    "obsolete": ((PartRevisionStatus.RELEASED,), PartRevisionStatus.OBSOLETE, "only a released revision is obsoleted"),
})
DOCUMENT = Lifecycle({
    "release": ((DocumentStatus.DRAFT, DocumentStatus.REDLINE), DocumentStatus.RELEASED,
                "only a draft or redline is released"),
    "supersede": ((DocumentStatus.RELEASED,), DocumentStatus.SUPERSEDED, "only a released revision is superseded"),
})
ROUTING = Lifecycle({
    "release": ((RoutingStatus.DRAFT,), RoutingStatus.RELEASED, "only a draft is released"),
    "supersede": ((RoutingStatus.RELEASED,), RoutingStatus.SUPERSEDED, "only a released routing is superseded"),
})
NEW_DOCUMENT_STATUSES = (DocumentStatus.DRAFT, DocumentStatus.REDLINE)
CODE_LENGTH = 40
"""Work center, tool and characteristic codes (and program codes, lot numbers) are stored in 40 characters."""


def as_identifier(value: str, what: str, length: int = 60) -> tuple[str, list[str]]:
    """The identifier as stored (NFC, trimmed) and the reasons it is not one (lrip.fields.identifier)
    or is longer than its column's `length`."""
    try:
        text = identifier(value, what)
    except ValueError as exc:
        return value, [str(exc)]
    return text, [f"{what} has at most {length} characters, not {len(text)}"] if len(text) > length else []


def as_revision(value: str, what: str = "a revision", length: int = 10) -> tuple[str, list[str]]:
    """The revision as stored and the reasons it is not one, or is longer than its column's `length`."""
    try:
        text = revision(value)
    except ValueError as exc:
        return value, [str(exc)]
    return text, [f"{what} has at most {length} characters, not {len(text)}"] if len(text) > length else []


def one_of(value: str, choices: type[StrEnum], what: str) -> list[str]:
    """'tracking is serial, lot or none, not 'batch'' when value is not one of the enum's."""
    names = [c.value for c in choices]
    if value in names:
        return []
    return [f"{what} is {', '.join(names[:-1])} or {names[-1]}, not '{value}'"]


@dataclass(frozen=True)
class CharacteristicSpec:
    code: str
    name: str
    kind: str = CharacteristicKind.VARIABLE
    nominal: float | None = None
    lsl: float | None = None
    usl: float | None = None
    units: str | None = None
    key: bool = False
    balloon: str | None = None
    drawing_zone: str | None = None
    gauge_kind: str | None = None


@dataclass(frozen=True)
class OperationSpec:
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: tuple[str, str] | None = None  # (document number, revision)
    tool_kinds: tuple[str, ...] = ()
    skill: str | None = None
    characteristics: tuple[CharacteristicSpec, ...] = field(default_factory=tuple)
    special_process: str | None = None  # performed in house, to process_specification (AS9102 Form 2)
    process_specification: str | None = None


def routing_problems(operations: list[OperationSpec]) -> list[str]:
    """Every reason a routing's operations are not well formed."""
    reasons = []
    seqs = [o.sequence for o in operations]
    if not operations:
        reasons.append("a routing has at least one operation")
    if len(set(seqs)) != len(seqs):
        reasons.append("operation sequence numbers are unique in a routing")
    spellings: dict[str, list[str]] = {}
    for c in (c for o in operations for c in o.characteristics):
        spellings.setdefault(c.code.casefold(), []).append(c.code)
    for key in sorted(spellings):
        if len(spellings[key]) > 1:
            reasons.append(f"characteristic {spellings[key][0]} appears twice; codes are unique in a routing")
    for o in operations:
        if not (o.standard_minutes > 0 and math.isfinite(o.standard_minutes)):
            reasons.append(f"operation {o.sequence} needs positive standard minutes")
        for c in o.characteristics:
            reasons += as_identifier(c.code, "a characteristic code", CODE_LENGTH)[1]
            limits = [x for x in (c.nominal, c.lsl, c.usl) if x is not None]
            if not all(math.isfinite(x) for x in limits):
                reasons.append(f"{c.code} has a nominal or limit that is not a finite number")
                continue
            if c.kind not in tuple(CharacteristicKind):
                reasons.append(f"{c.code} is variable or attribute, not '{c.kind}'")
            elif c.kind == CharacteristicKind.VARIABLE and c.lsl is None and c.usl is None:
                reasons.append(f"{c.code} is variable and needs a lower or upper limit")
            elif c.lsl is not None and c.usl is not None and c.lsl >= c.usl:
                reasons.append(f"{c.code} lower limit {c.lsl} is not below upper limit {c.usl}")
    return reasons


def limit_problems(kind: str, nominal: float | None, lsl: float | None, usl: float | None) -> dict[str, str]:
    """What is wrong with a characteristic's nominal and limits, by the field it is wrong in:
    {'usl': '11.97 is below lsl 11.98'}."""
    if kind == CharacteristicKind.ATTRIBUTE:
        given = [name for name, x in (("nominal", nominal), ("lsl", lsl), ("usl", usl)) if x is not None]
        return {name: "an attribute characteristic is pass/fail; it has no nominal or limits" for name in given}
    if lsl is None and usl is None:
        return {"usl": "a variable characteristic needs a lower or an upper limit (lsl, usl)"}
    if lsl is not None and usl is not None and usl <= lsl:
        return {"usl": f"{usl:g} is {'below' if usl < lsl else 'equal to'} lsl {lsl:g}"}
    if nominal is not None and ((lsl is not None and nominal < lsl) or (usl is not None and nominal > usl)):
        return {"nominal": f"{nominal:g} is outside the limits {'' if lsl is None else f'{lsl:g}'}"
                           f"..{'' if usl is None else f'{usl:g}'}"}
    return {}


def next_revision(current: str) -> str:
    """The revision after `current`: A → B, Z → AA, C2 → C3, 1 → 2, '-' (the initial issue) → A."""
    if current == "-":
        return "A"
    head, tail = current.rstrip("0123456789"), current[len(current.rstrip("0123456789")):]
    if tail:
        return f"{head}{int(tail) + 1:0{len(tail)}d}"
    letters = list(current)
    i = len(letters) - 1
    while i >= 0 and letters[i] in "Zz":
        letters[i] = "A" if letters[i] == "Z" else "a"
        i -= 1
    if i < 0:
        return ("A" if current[0] == "Z" else "a") + "".join(letters)
    if not letters[i].isalpha():
        return current + "A"
    letters[i] = chr(ord(letters[i]) + 1)
    return "".join(letters)


def qualification_problems(*, granted_on, expires_on) -> list[str]:
    """Every reason a grant's dates do not make a qualification."""
    if expires_on <= granted_on:
        return [f"a qualification expires after it is granted ({granted_on} .. {expires_on})"]
    return []


def calibration_problems(*, calibrated_on, due) -> list[str]:
    """Every reason a calibration record cannot be kept as given."""
    if due <= calibrated_on:
        return [f"the next calibration is due after this one ({calibrated_on}), not on {due}"]
    return []
