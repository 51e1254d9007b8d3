"""Nonconformance rules, pure: the NCR's and the CAPA's lifecycles, what an NCR may hold, which
dispositions fit which subject, when a defect recurs, when a CAPA may close, how long NCRs have been
open. Every check returns every reason at once."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lrip.catalog.rules import Severity
from lrip.errors import Verdict, verdict


class NcrStatus(StrEnum):
    OPEN = "open"
    MRB_REVIEW = "mrb_review"
    DISPOSITIONED = "dispositioned"
    CLOSED = "closed"


class CapaStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"


class Disposition(StrEnum):
    USE_AS_IS = "use_as_is"
    REPAIR = "repair"
    REWORK = "rework"
    SCRAP = "scrap"
    RETURN_TO_SUPPLIER = "return_to_supplier"


class Subject(StrEnum):
    UNIT = "unit"
    LOT = "lot"
    MATERIAL_LOT = "material_lot"


# An NCR's lifecycle: the statuses each step starts from, and where it leads. A disposition of only
# part of the quantity leaves the NCR open for the rest.
NCR_STEPS: dict[str, tuple[frozenset[NcrStatus], NcrStatus]] = {
    "review": (frozenset({NcrStatus.OPEN, NcrStatus.MRB_REVIEW}), NcrStatus.MRB_REVIEW),
    "disposition": (frozenset({NcrStatus.OPEN, NcrStatus.MRB_REVIEW}), NcrStatus.DISPOSITIONED),
    "close": (frozenset({NcrStatus.DISPOSITIONED}), NcrStatus.CLOSED),
}


def next_ncr_status(current: NcrStatus | str, step: str, *, remaining: float = 0.0) -> NcrStatus:
    """The NCR's status after `step` (review, disposition, close); ValueError if it cannot take it
    (the checks below say why in words first)."""
    starts, to = NCR_STEPS[step]
    if NcrStatus(current) not in starts:
        raise ValueError(f"an NCR that is {current} cannot {step}")
    if step == "disposition" and remaining > 1e-9:
        return NcrStatus.OPEN
    return to


# A CAPA's lifecycle: a recurring defect proposes one; working on it (an 8D field, an action) or
# accepting it opens it; a proposal may be turned down; an open CAPA closes.
CAPA_STEPS: dict[str, tuple[frozenset[CapaStatus], CapaStatus]] = {
    "accept": (frozenset({CapaStatus.PROPOSED, CapaStatus.OPEN}), CapaStatus.OPEN),
    "reject": (frozenset({CapaStatus.PROPOSED}), CapaStatus.REJECTED),
    "close": (frozenset({CapaStatus.OPEN}), CapaStatus.CLOSED),
}


def capa_step_problems(number: str, current: CapaStatus | str, step: str) -> list[str]:
    """Why this CAPA cannot take `step` now, in words; empty when it can."""
    starts, _ = CAPA_STEPS[step]
    if CapaStatus(current) in starts:
        return []
    if step == "reject":
        return [f"{number} is {current}; only a proposed CAPA is turned down"]
    if step == "close":
        return [f"{number} is {current}; only an open CAPA closes"]
    return [f"{number} is {current}"]


def next_capa_status(current: CapaStatus | str, step: str) -> CapaStatus:
    if capa_step_problems("the CAPA", current, step):
        raise ValueError(f"a CAPA that is {current} cannot {step}")
    return CAPA_STEPS[step][1]


SEVERITIES = tuple(Severity)
ACTIONS = tuple(Disposition)
SIGNED_ACTIONS = (Disposition.USE_AS_IS, Disposition.REPAIR)  # the phase policy's disposition_signatures apply
# what each subject may be dispositioned to
ACTIONS_FOR = {Subject.UNIT: ("use_as_is", "repair", "rework", "scrap"),
               Subject.LOT: ("use_as_is", "repair", "scrap"),
               Subject.MATERIAL_LOT: ("use_as_is", "scrap", "return_to_supplier")}
SUBJECT_WORDS = {Subject.UNIT: "a unit", Subject.LOT: "a lot", Subject.MATERIAL_LOT: "a material lot"}

# The defect-code catalogue. Out-of-spec values and failed tests are coded automatically.
DEFECT_CODES = {
    "OOS-HIGH": "Measured above the upper limit",
    "OOS-LOW": "Measured below the lower limit",
    "TEST-FAIL": "Failed a pass/fail test or check",
    "DAMAGE": "Handling or assembly damage",
    "COSMETIC": "Cosmetic: scratch, finish, marking",
    "WRONG-PART": "Wrong part, revision or quantity",
    "MISSING": "Missing part, fastener or operation",
    "FOD": "Foreign object or contamination",
    "WORKMANSHIP": "Workmanship not to the instruction",
    "INCOMING": "Purchased material nonconforming at receipt",
    "DOCUMENT": "Record, label or traceability error",
    "OTHER": "Other (say what in the description)",
}

# A defect recurs when RECURRENCE_COUNT NCRs with the same code at the same operation were
# opened within RECURRENCE_DAYS (this one included). A CAPA is effective when the next
# EFFECTIVENESS_UNITS units through that operation after its actions are done show no recurrence.
RECURRENCE_COUNT = 3
RECURRENCE_DAYS = 30
EFFECTIVENESS_UNITS = 20
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
ATTACHMENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
                    "text/csv")
D_FIELDS = ("d1_team", "d2_problem", "d3_containment", "d4_root_cause", "d5_corrective_action",
            "d6_implementation", "d7_prevention", "d8_closure")
D_WORDS = dict(zip(D_FIELDS, ("D1 team", "D2 problem description", "D3 containment", "D4 root cause",
                              "D5 corrective action", "D6 implementation and validation", "D7 prevention",
                              "D8 closure and recognition")))
ACTION_KINDS = ("containment", "corrective", "preventive")


def defect_code_for(kind: str, value: float | None, usl: float | None) -> str:
    """The code of an automatic NCR: a failed attribute, or a value above/below its limits."""
    if kind == "attribute":
        return "TEST-FAIL"
    return "OOS-HIGH" if value is not None and usl is not None and value > usl else "OOS-LOW"


def severity_for(key_characteristic: bool) -> str:
    """Automatic NCRs: out of spec on a key characteristic is major, otherwise minor. Critical is
    a person's call (safety), so only an NCR raised by hand is critical."""
    return "major" if key_characteristic else "minor"


def check_raise(*, description: str, severity: str, defect_code: str, quantity: float, subjects: int,
                available: float | None = None, subject_label: str = "") -> Verdict:
    """An NCR needs one subject, a description, a known severity and defect code, a quantity > 0
    (and, on a material lot, no more than the lot received)."""
    reasons = []
    if subjects != 1:
        reasons.append("an NCR is on one thing: give a serial, a lot or a material lot" if subjects == 0
                       else "an NCR is on one thing: give only one of serial, lot or material lot")
    if not description.strip():
        reasons.append("an NCR needs a description of what is wrong")
    if severity not in SEVERITIES:
        reasons.append(f"the severity is critical, major or minor, not '{severity}'")
    if defect_code not in DEFECT_CODES:
        reasons.append(f"'{defect_code}' is not a defect code; the codes are {', '.join(DEFECT_CODES)}")
    if not (isinstance(quantity, (int, float)) and math.isfinite(quantity) and quantity > 0):
        reasons.append(f"the quantity must be more than 0, not {quantity}")
    elif available is not None and quantity > available + 1e-9:
        reasons.append(f"the quantity {quantity:g} is more than the {available:g} of {subject_label}")
    return verdict(reasons)


@dataclass(frozen=True)
class DispositionView:
    """What a disposition decides on: the NCR as it stands and the proposal."""

    number: str
    status: str
    subject: str  # unit | lot | material_lot
    action: str
    quantity: float
    remaining: float
    reason: str
    rework_sequence: int | None = None
    reached_sequences: tuple[int, ...] = ()
    unit_label: str | None = None  # "SN-1 is scrapped" when the unit may not be dispositioned
    unit_problem: str | None = None
    supplier: str | None = None


def check_proposal(d: DispositionView) -> Verdict:
    """Every reason this disposition cannot be proposed (signatures aside)."""
    reasons = []
    if d.status not in NCR_STEPS["disposition"][0]:
        reasons.append(f"{d.number} is {d.status.replace('_', ' ')}; only an open NCR or one under MRB review "
                       "is dispositioned")
    if d.action not in ACTIONS:
        reasons.append(f"the disposition is use_as_is, repair, rework, scrap or return_to_supplier, not '{d.action}'")
    elif d.action not in ACTIONS_FOR[d.subject]:
        reasons.append(f"{d.action} is not a disposition for {SUBJECT_WORDS[d.subject]}; it takes "
                       f"{', '.join(ACTIONS_FOR[d.subject])}")
    if d.action == "return_to_supplier" and d.subject == "material_lot" and not d.supplier:
        reasons.append(f"{d.number}'s material lot has no supplier to return it to")
    if d.action == "rework" and d.subject == "unit" and d.rework_sequence not in d.reached_sequences:
        serial = d.unit_label or "the unit"
        reasons.append(f"rework names an operation {serial} has reached to return to, one of "
                       f"{', '.join(map(str, d.reached_sequences)) or 'none'}")
    if d.unit_problem:
        reasons.append(d.unit_problem)
    if not (math.isfinite(d.quantity) and d.quantity > 0):
        reasons.append(f"the quantity must be more than 0, not {d.quantity:g}")
    elif d.quantity > d.remaining + 1e-9:
        reasons.append(f"the quantity {d.quantity:g} is more than the {d.remaining:g} of {d.number} "
                       "still to disposition")
    elif d.subject == "unit" and abs(d.quantity - 1) > 1e-9:
        reasons.append("a unit is dispositioned whole: the quantity is 1")
    if not d.reason.strip():
        reasons.append("a disposition needs a reason")
    return verdict(reasons)


def check_disposition(d: DispositionView, missing_signatures: list[str]) -> Verdict:
    """The proposal's reasons plus every signature the phase policy still wants."""
    reasons = list(check_proposal(d).reasons)
    if missing_signatures:
        reasons.append(f"{d.action} of {d.number} needs " + "; ".join(missing_signatures)
                       + ". Signatures are given to the disposition under MRB review")
    return verdict(reasons)


def check_sign(*, number: str, status: str, action: str | None, username: str, role: str | None,
               wanted: dict[str, str]) -> Verdict:
    """A signature goes on a use-as-is or repair proposal under MRB review, in a role the policy needs
    (`wanted`: the signers' words, 'a quality engineer', … keyed by user role)."""
    reasons = []
    if status != NcrStatus.MRB_REVIEW or action is None:
        reasons.append(f"{number} has no disposition under MRB review to sign; propose one first")
    elif action not in SIGNED_ACTIONS:
        reasons.append(f"{action} needs no signatures; only use_as_is and repair are signed")
    elif role not in wanted:
        words = list(wanted.values())
        listed = ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
        reasons.append(f"{username} signs as {role or 'no role'}; this disposition is signed by {listed}")
    return verdict(reasons)


def check_close(*, number: str, status: str, reason: str, unverified: list[str]) -> Verdict:
    """An NCR closes once every quantity is dispositioned and the dispositions are verified done."""
    reasons = []
    if status not in NCR_STEPS["close"][0]:
        reasons.append(f"{number} is {status.replace('_', ' ')}; an NCR closes once it is dispositioned"
                       if status != "closed" else f"{number} is already closed")
    reasons += unverified
    if not reason.strip():
        reasons.append("closing an NCR needs a note on how it was verified")
    return verdict(reasons)


def is_recurring(opened: list[datetime], at: datetime, *, count: int = RECURRENCE_COUNT,
                 days: int = RECURRENCE_DAYS) -> bool:
    """True when at least `count` of the `opened` times (same defect code, same operation, the
    new NCR's included) fall in the `days` before `at`."""
    start = at - timedelta(days=days)
    return sum(1 for t in opened if start <= t <= at) >= count


def check_attachment(*, filename: str, content_type: str, size: int) -> Verdict:
    reasons = []
    if not filename.strip() or re.search(r"[\x00-\x1f/\\]", filename):
        reasons.append("an attachment needs a plain file name")
    if content_type not in ATTACHMENT_TYPES:
        reasons.append(f"files of type {content_type or 'unknown'} are not kept; use {', '.join(ATTACHMENT_TYPES)}")
    if size == 0:
        reasons.append("the file is empty")
    elif size > MAX_ATTACHMENT_BYTES:
        reasons.append(f"the file is {size / 1048576:.1f} MB; attachments are at most "
                       f"{MAX_ATTACHMENT_BYTES // 1048576} MB")
    return verdict(reasons)


# ---------------------------------------------------------------- CAPA

def check_action(*, kind: str, description: str, owner_active: bool, owner: str) -> Verdict:
    reasons = []
    if kind not in ACTION_KINDS:
        reasons.append(f"an action is containment, corrective or preventive, not '{kind}'")
    if not description.strip():
        reasons.append("an action needs a description")
    if not owner_active:
        reasons.append(f"the owner {owner}'s account is disabled")
    return verdict(reasons)


def effectiveness(*, units_after: int, needed: int, recurrences: list[str], actions_open: list[str],
                  operation: str, since: object | None) -> Verdict:
    """Effective: every action is done, and `needed` units have gone through the operation since,
    with no NCR of the same defect code there."""
    reasons = [f"action not done yet: {a}" for a in actions_open]
    if since is None and not actions_open:
        reasons.append("the CAPA has no corrective action to check the effect of")
    if since is not None and not actions_open:
        if units_after < needed:
            reasons.append(f"only {units_after} of the {needed} units needed have gone through {operation} "
                           f"since the actions were done on {since}")
        if recurrences:
            reasons.append(f"the defect came back at {operation} after the actions: {', '.join(recurrences)}")
    return verdict(reasons)


def check_capa_close(*, number: str, status: str, missing_fields: list[str], verified: bool,
                     open_ncrs: list[str]) -> Verdict:
    reasons = capa_step_problems(number, status, "close")
    if missing_fields:
        reasons.append(f"{number} still needs {', '.join(missing_fields)}")
    if not verified:
        reasons.append(f"{number}'s effectiveness is not verified yet")
    if open_ncrs:
        reasons.append(f"linked NCRs are still open: {', '.join(open_ncrs)}")
    return verdict(reasons)


# ---------------------------------------------------------------- aging

AGE_BUCKETS = ((0, 7, "0–7 days"), (8, 30, "8–30 days"), (31, 90, "31–90 days"), (91, None, "over 90 days"))


def aging(opened: list[datetime], now: datetime) -> list[dict]:
    """How many open NCRs have been open 0–7, 8–30, 31–90 and over 90 days (whole days):
    [{"bucket": "0–7 days", "count": 3}, …]."""
    days = [(now - at).days for at in opened]
    return [{"bucket": label, "count": sum(1 for d in days if d >= low and (high is None or d <= high))}
            for low, high, label in AGE_BUCKETS]


def age_days(opened: datetime, closed: datetime | None, now: datetime) -> float:
    """Days an NCR has been (or was) open, to a tenth of a day."""
    return round(((closed or now) - opened).total_seconds() / 86400, 1)
