"""Change control rules: what a change request must say, its life (draft → submitted → approved →
implemented, or rejected or cancelled), which signatures are still missing, what a routing revision
changes, and the weekly change traffic. Pure: plain values in, verdicts, states and numbers out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from lrip.catalog.rules import Lifecycle
from lrip.errors import Verdict, verdict


class ItemKind(StrEnum):
    PART_REVISION = "part_revision"
    BOM = "bom"
    ROUTING = "routing"
    DOCUMENT = "document"
    TOOL = "tool"


class ChangeClass(StrEnum):
    MAJOR = "major"
    MINOR = "minor"


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Effectivity(StrEnum):
    FROM_SERIAL = "from_serial"
    NEXT_LOT = "next_lot"
    IMMEDIATE = "immediate"


class ChangeStatus(StrEnum):
    """A change request's life; the stored values are these strings."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    IMPLEMENTED = "implemented"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


KINDS = tuple(ItemKind)
KIND_WORDS = {"part_revision": "part revision", "bom": "BOM", "routing": "routing", "document": "work instruction",
              "tool": "tool"}
CLASSES = tuple(ChangeClass)
URGENCIES = tuple(Urgency)
EFFECTIVITIES = tuple(Effectivity)
STATUSES = tuple(ChangeStatus)
OPEN_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.APPROVED)
_S = ChangeStatus
VERBS = {"submit": "submitted", "sign": "signed", "approve": "approved", "implement": "implemented",
         "reject": "rejected", "cancel": "cancelled"}


def _only(action: str, *statuses: ChangeStatus) -> str:
    return f"only a change request that is {' or '.join(statuses)} can be {VERBS[action]}"


CHANGE = Lifecycle({
    "submit": ((_S.DRAFT,), _S.SUBMITTED, _only("submit", _S.DRAFT)),
    "sign": ((_S.SUBMITTED,), _S.SUBMITTED, _only("sign", _S.SUBMITTED)),
    "approve": ((_S.SUBMITTED,), _S.APPROVED, _only("approve", _S.SUBMITTED)),
    "implement": ((_S.APPROVED,), _S.IMPLEMENTED, _only("implement", _S.APPROVED)),
    "reject": ((_S.SUBMITTED, _S.APPROVED), _S.REJECTED, _only("reject", _S.SUBMITTED, _S.APPROVED)),
    "cancel": ((_S.DRAFT, _S.SUBMITTED), _S.CANCELLED, _only("cancel", _S.DRAFT, _S.SUBMITTED)),
})
"""A change request's life: `CHANGE.next(status, action, number)` is the status after the action, or a
refusal in words ("CR-0001 is draft; only a change request that is submitted or approved can be rejected")."""


@dataclass(frozen=True)
class ItemSpec:
    """An affected item as a request names it. Routing: identifier 'PART/PART_REVISION'."""

    kind: str
    identifier: str
    from_revision: str | None = None
    to_revision: str | None = None

    @property
    def label(self) -> str:
        words = KIND_WORDS.get(self.kind, self.kind)
        revs = f" rev {self.from_revision}" if self.from_revision else ""
        if self.to_revision:
            revs += f" → rev {self.to_revision}"
        return f"{words} {self.identifier}{revs}"


def parse_item(text: str) -> ItemSpec:
    """'document:WI-240:A:B', 'routing:EMA-200/A:1:2', 'tool:TQ-201' as the CLI and pages type them."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) < 2 or len(parts) > 4 or not parts[1]:
        raise ValueError(f"'{text}' is not an item; write KIND:IDENTIFIER[:FROM[:TO]], e.g. document:WI-240:A:B")
    parts += [""] * (4 - len(parts))
    return ItemSpec(parts[0], parts[1], parts[2] or None, parts[3] or None)


def parse_attachment(text: str) -> tuple[str, str]:
    """'WI-240:C' as the CLI types an attached document: its number and revision."""
    document, colon, rev = (p.strip() for p in text.partition(":"))
    if not colon or not document or not rev:
        raise ValueError(f"'{text}' is not a document; write NUMBER:REVISION, e.g. WI-240:C")
    return document, rev


def check_request(*, title: str, reason: str, description: str, change_class: str, urgency: str, effectivity: str,
                  effectivity_serial: str | None, items: list[ItemSpec], item_problems: list[str]) -> Verdict:
    """Everything a change request must say before it is recorded, every missing thing at once."""
    reasons = []
    for name, value in (("a title", title), ("a reason", reason), ("a description", description)):
        if not (value or "").strip():
            reasons.append(f"a change request needs {name}")
    if change_class not in CLASSES:
        reasons.append(f"the class is major or minor, not '{change_class}'")
    if urgency not in URGENCIES:
        reasons.append(f"the urgency is normal or urgent, not '{urgency}'")
    if effectivity not in EFFECTIVITIES:
        reasons.append(f"the effectivity is from_serial, next_lot or immediate, not '{effectivity}'")
    elif effectivity == "immediate" and urgency != "urgent":
        reasons.append("only an urgent change takes effect immediately; make it effective from the next lot "
                       "or from a serial, or flag it urgent")
    elif effectivity == "from_serial" and not (effectivity_serial or "").strip():
        reasons.append("an effectivity from a serial names the serial")
    if not items:
        reasons.append("a change request names at least one affected item")
    for item in items:
        if item.kind not in KINDS:
            reasons.append(f"'{item.kind}' is not a kind of item; the kinds are {', '.join(KINDS)}")
        elif item.kind != "tool" and not item.to_revision:
            reasons.append(f"{item.label} needs the revision it changes to (prepare it as a draft first)")
    seen = [(i.kind, i.identifier) for i in items]
    for kind, identifier in sorted({s for s in seen if seen.count(s) > 1}):
        reasons.append(f"{KIND_WORDS.get(kind, kind)} {identifier} is named twice")
    return verdict(reasons + item_problems)


def check_open_lot_rule(*, open_lot_changes: str, phase: str, effectivity: str, urgency: str,
                        lots_in_use: list[str]) -> Verdict:
    """In LRIP and FRP a routing or instruction in use by an open lot changes only from the next lot
    unless the change is urgent (DESIGN.md, phase policy `open_lot_changes`)."""
    if open_lot_changes != "next_lot_unless_urgent" or effectivity == "next_lot" or urgency == "urgent" \
            or not lots_in_use:
        return verdict([])
    return verdict([f"in {phase.upper()} a routing or instruction in use by an open lot changes only from the next "
                    f"lot unless the change is urgent; open lot {', '.join(lots_in_use)} uses it"])


def check_approval(*, number: str, required: tuple[str, ...], missing: list[str], phase: str) -> Verdict:
    if not missing:
        return verdict([])
    return verdict([f"{number} is missing {m}: {phase.upper()} approves a change with the signatures of "
                    f"{', '.join(required)}" for m in missing])


@dataclass(frozen=True)
class CharacteristicDef:
    operation: int
    code: str
    name: str
    kind: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool


@dataclass(frozen=True)
class OperationDef:
    sequence: int
    name: str
    work_center: str
    standard_minutes: float
    instruction: str | None  # "WI-240 rev A"
    tool_kinds: tuple[str, ...]
    skill: str | None
    characteristics: tuple[CharacteristicDef, ...]


def _char_words(old: CharacteristicDef, new: CharacteristicDef) -> list[str]:
    changes = []
    for name in ("kind", "nominal", "lsl", "usl", "units", "key", "name"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changes.append(f"{name} {a} → {b}")
    return changes


def routing_diff(old: list[OperationDef], new: list[OperationDef]) -> dict:
    """What a new routing revision changes: operations added, removed or changed (with how), and the
    characteristics added, removed or changed (limits, nominal, key) — those need a delta FAI."""
    before, after = {o.sequence: o for o in old}, {o.sequence: o for o in new}
    operations, characteristics = [], []
    for seq in sorted(set(before) | set(after)):
        a, b = before.get(seq), after.get(seq)
        if a is None or b is None:
            op = a or b
            operations.append({"sequence": seq, "change": "added" if a is None else "removed", "details": []})
            characteristics += [{"code": c.code, "operation": seq, "change": "added" if a is None else "removed",
                                 "details": []} for c in op.characteristics]
            continue
        details = [f"{name.replace('_', ' ')} {getattr(a, name)} → {getattr(b, name)}"
                   for name in ("name", "work_center", "standard_minutes", "instruction", "tool_kinds", "skill")
                   if getattr(a, name) != getattr(b, name)]
        ca, cb = {c.code: c for c in a.characteristics}, {c.code: c for c in b.characteristics}
        for code in sorted(set(ca) | set(cb)):
            if code not in ca or code not in cb:
                characteristics.append({"code": code, "operation": seq,
                                        "change": "added" if code not in ca else "removed", "details": []})
            elif _char_words(ca[code], cb[code]):
                characteristics.append({"code": code, "operation": seq, "change": "changed",
                                        "details": _char_words(ca[code], cb[code])})
        if details or any(c["operation"] == seq for c in characteristics):
            operations.append({"sequence": seq, "change": "changed", "details": details})
    return {"operations": operations, "characteristics": characteristics}


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def traffic(changes: list[tuple[datetime, str]], *, weeks: int, today: date) -> list[dict]:
    """Change requests per week (Monday start) by class, for the `weeks` weeks ending this week,
    oldest first; each change counts in the week of the time given with it (its latest step)."""
    last = week_start(today)
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(max(weeks, 0))]
    rows = {w: {"week": w.isoformat(), "major": 0, "minor": 0} for w in starts}
    for at, change_class in changes:
        w = week_start(at.date())
        if w in rows and change_class in CLASSES:
            rows[w][change_class] += 1
    return [rows[w] for w in starts]


def check_redline(*, serial: str, phase: str, released_instruction: bool, markup: str,
                  unit_status: str) -> Verdict:
    """Redlines are for prototype and pilot; from LRIP on the instruction must be released, so a
    markup goes through a change request instead."""
    reasons = []
    if released_instruction:
        reasons.append(f"{serial} is built in {phase.upper()}, where work instructions must be released: redlines "
                       "are allowed in prototype and pilot only; raise a change request instead")
    if unit_status == "scrapped":
        reasons.append(f"{serial} is scrapped; a redline records how a unit was built")
    if not markup.strip():
        reasons.append("a redline says what was marked up")
    return verdict(reasons)

