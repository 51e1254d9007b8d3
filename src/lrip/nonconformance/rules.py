"""Nonconformance rules, pure: the NCR's and the CAPA's lifecycles, what an NCR may hold, which
dispositions fit which subject, when a defect recurs, when a CAPA may close, how long NCRs have been
open. Every check returns every reason at once."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from lrip import files
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
# The phase policy's customer_approval rule: the severities whose use-as-is or repair the customer also signs.
CUSTOMER_APPROVAL = {"none": (), "critical": ("critical",), "major_and_critical": ("major", "critical")}


def needs_customer_approval(rule: str, severity: str) -> bool:
    """Does the customer's representative sign a use-as-is or repair of an NCR of this severity under this
    policy rule? (MIL-STD-1520C and AS9100D 8.7.1: the customer's approval where the contract asks for it,
    for major and critical nonconformances.)"""
    return severity in CUSTOMER_APPROVAL.get(rule, ())
# what each subject may be dispositioned to
ACTIONS_FOR = {Subject.UNIT: ("use_as_is", "repair", "rework", "scrap"),
               Subject.LOT: ("use_as_is", "repair", "scrap"),
               Subject.MATERIAL_LOT: ("use_as_is", "scrap", "return_to_supplier")}
SUBJECT_WORDS = {Subject.UNIT: "a unit", Subject.LOT: "a lot", Subject.MATERIAL_LOT: "a material lot"}

# The defect-code catalogue is data quality keeps (lrip.nonconformance.codes; the first codes come with the
# database). These are the codes lrip gives by itself, so they are never retired: out-of-spec values and
# failed tests (defect_code_for), a rejected receipt (supply's default) and an NCR raised by hand without one.
AUTOMATIC_CODES = ("OOS-HIGH", "OOS-LOW", "TEST-FAIL", "INCOMING", "OTHER")

# A defect recurs when RECURRENCE_COUNT NCRs with the same code at the same operation were
# opened within RECURRENCE_DAYS (this one included). A CAPA is effective when the next
# EFFECTIVENESS_UNITS units through that operation after its actions are done show no recurrence.
RECURRENCE_COUNT = 3
RECURRENCE_DAYS = 30
EFFECTIVENESS_UNITS = 20
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
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
                codes: tuple[str, ...], available: float | None = None, subject_label: str = "") -> Verdict:
    """An NCR needs one subject, a description, a known severity and a defect code of the catalogue in use
    (`codes`), a quantity > 0 (and, on a material lot, no more than the lot received)."""
    reasons = []
    if subjects != 1:
        reasons.append("an NCR is on one thing: give a serial, a lot or a material lot" if subjects == 0
                       else "an NCR is on one thing: give only one of serial, lot or material lot")
    if not description.strip():
        reasons.append("an NCR needs a description of what is wrong")
    if severity not in SEVERITIES:
        reasons.append(f"the severity is critical, major or minor, not '{severity}'")
    if defect_code not in codes:
        reasons.append(f"'{defect_code}' is not a defect code in use; the codes are {', '.join(codes)}")
    if not (isinstance(quantity, (int, float)) and math.isfinite(quantity) and quantity > 0):
        reasons.append(f"the quantity must be more than 0, not {quantity}")
    elif available is not None and quantity > available + 1e-9:
        reasons.append(f"the quantity {quantity:g} is more than the {available:g} of {subject_label}")
    return verdict(reasons)


@dataclass(frozen=True)
class ContainedView:
    """A unit an NCR on a material lot contained, as a disposition of it sees it: still on hold under the
    NCR or not, and the operations it has reached (where a rework may send it back to)."""

    serial: str
    held: bool
    reached: tuple[int, ...] = ()


@dataclass(frozen=True)
class DispositionView:
    """What a disposition decides on: the NCR as it stands and the proposal (`units`: the contained units
    it decides, for an NCR on a material lot; none, the NCR's own subject)."""

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
    units: tuple[ContainedView, ...] = ()


def _contained_problems(d: DispositionView) -> list[str]:
    """Why the contained units named cannot take this disposition: each must still be held under the NCR,
    and a rework goes back to an operation every one of them has reached."""
    if d.subject != Subject.MATERIAL_LOT:
        return [f"{d.number} is on {SUBJECT_WORDS[d.subject]}; only an NCR on a material lot holds the units "
                "it contained, so name no units"]
    reasons = [f"{u.serial} is not on hold under {d.number}" for u in d.units if not u.held]
    if d.action == Disposition.REWORK:
        reasons += [f"rework names an operation {u.serial} has reached to return to, one of "
                    f"{', '.join(map(str, u.reached)) or 'none'}"
                    for u in d.units if u.held and d.rework_sequence not in u.reached]
    return reasons


def _quantity_problems(d: DispositionView) -> list[str]:
    if not (math.isfinite(d.quantity) and d.quantity > 0):
        return [f"the quantity must be more than 0, not {d.quantity:g}"]
    if d.quantity > d.remaining + 1e-9:
        return [f"the quantity {d.quantity:g} is more than the {d.remaining:g} of {d.number} still to disposition"]
    if d.subject == "unit" and abs(d.quantity - 1) > 1e-9:
        return ["a unit is dispositioned whole: the quantity is 1"]
    return []


def check_proposal(d: DispositionView) -> Verdict:
    """Every reason this disposition cannot be proposed (signatures aside). The contained units of an NCR
    on a material lot take a unit's dispositions, each unit whole."""
    reasons = []
    subject = Subject.UNIT if d.units else d.subject
    if d.status not in NCR_STEPS["disposition"][0]:
        reasons.append(f"{d.number} is {d.status.replace('_', ' ')}; only an open NCR or one under MRB review "
                       "is dispositioned")
    if d.action not in ACTIONS:
        reasons.append(f"the disposition is use_as_is, repair, rework, scrap or return_to_supplier, not '{d.action}'")
    elif d.action not in ACTIONS_FOR[subject]:
        words = "a contained unit" if d.units else SUBJECT_WORDS[subject]
        reasons.append(f"{d.action} is not a disposition for {words}; it takes {', '.join(ACTIONS_FOR[subject])}")
    if d.units:
        reasons += _contained_problems(d)
    if d.action == "return_to_supplier" and d.subject == "material_lot" and not d.supplier:
        reasons.append(f"{d.number}'s material lot has no supplier to return it to")
    if d.action == "rework" and d.subject == "unit" and d.rework_sequence not in d.reached_sequences:
        serial = d.unit_label or "the unit"
        reasons.append(f"rework names an operation {serial} has reached to return to, one of "
                       f"{', '.join(map(str, d.reached_sequences)) or 'none'}")
    if d.unit_problem:
        reasons.append(d.unit_problem)
    if not d.units:  # contained units are dispositioned whole: their quantity is how many are named
        reasons += _quantity_problems(d)
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


def check_sign(*, number: str, status: str, action: str | None) -> Verdict:
    """A signature goes on a use-as-is or repair proposal under MRB review (who may give it is
    lrip.auth.decisions' table)."""
    reasons = []
    if status != NcrStatus.MRB_REVIEW or action is None:
        reasons.append(f"{number} has no disposition under MRB review to sign; propose one first")
    elif action not in SIGNED_ACTIONS:
        reasons.append(f"{action} needs no signatures; only use_as_is and repair are signed")
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
    """`content_type` is what the file's bytes are (lrip.files.kept_type), not what the uploader said."""
    reasons = files.type_problems(filename, content_type) if size else []
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


def done_on_problems(done_on: date, *, today: date, capa: str, opened_on: date, action: int,
                     added_on: date) -> list[str]:
    """An action is done on a day between the day it (and its CAPA) existed and today."""
    reasons = []
    if done_on > today:
        reasons.append(f"{done_on} is in the future")
    if done_on < opened_on:
        reasons.append(f"{done_on} is before {capa} was opened on {opened_on}: an action of it cannot be done "
                       "before it existed")
    elif done_on < added_on:
        reasons.append(f"{done_on} is before action {action} was added on {added_on}: it cannot be done before "
                       "it existed")
    return reasons


def check_capa_close(*, number: str, status: str, missing_fields: list[str], verified: bool,
                     open_ncrs: list[str], opened_on: date, today: date, waived: bool) -> Verdict:
    """Every reason the CAPA cannot close now; closing on the day it opened needs a signed quality waiver."""
    reasons = capa_step_problems(number, status, "close")
    if opened_on == today and not waived:
        reasons.append(f"{number} was opened today ({opened_on}): a CAPA closes on the day it opened only under a "
                       "quality waiver, signed (give the waiver and your password), and it is kept as such")
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


# ---------------------------------------------------------------- the defect-code catalogue

def check_defect_code(*, code: str, meaning: str | None, taken: bool = False, new: bool = False,
                      retire: bool = False, reason: str = "") -> Verdict:
    """A code is a short word of capitals, digits and hyphens, new when added; its meaning is said in words;
    the codes lrip gives by itself are never retired; a change says why (it goes in the audit trail)."""
    reasons = []
    if new and not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,19}", code):
        reasons.append(f"a defect code is 1 to 20 capitals, digits and hyphens, not '{code}'")
    if new and taken:
        reasons.append(f"the defect code {code} exists already")
    if meaning is not None and not meaning.strip():
        reasons.append("a defect code says what it means")
    if retire and code in AUTOMATIC_CODES:
        reasons.append(f"{code} is given by lrip itself ({', '.join(AUTOMATIC_CODES)}): it cannot be retired")
    if not new and not reason.strip():
        reasons.append("a change to the defect-code catalogue needs a reason")
    return verdict(reasons)


# ---------------------------------------------------------------- supplier corrective action requests (SCAR)

class ScarStatus(StrEnum):
    OPEN = "open"  # waiting for the supplier's response
    RESPONDED = "responded"  # the response is in; quality verifies its effect
    CLOSED = "closed"  # verified effective


# A SCAR's lifecycle: the supplier responds; quality verifies the response effective (closed) or not (back to
# the supplier, with a new due date).
SCAR_STEPS: dict[str, tuple[frozenset[ScarStatus], ScarStatus]] = {
    "respond": (frozenset({ScarStatus.OPEN}), ScarStatus.RESPONDED),
    "accept": (frozenset({ScarStatus.RESPONDED}), ScarStatus.CLOSED),
    "reject": (frozenset({ScarStatus.RESPONDED}), ScarStatus.OPEN),
}


def next_scar_status(current: ScarStatus | str, step: str) -> ScarStatus:
    starts, to = SCAR_STEPS[step]
    if ScarStatus(current) not in starts:
        raise ValueError(f"a SCAR that is {current} cannot {step}")
    return to


def scar_overdue(status: str, due_on: date, today: date) -> bool:
    """Overdue: the supplier's response is still awaited after its due date (a response in hand waits on
    quality, not on the supplier)."""
    return status == ScarStatus.OPEN and today > due_on


def check_scar_raise(*, ncr: str, supplier: str | None, open_scar: str | None, request: str, due_on: date,
                     today: date) -> Verdict:
    """A SCAR is raised from an NCR against a supplier (one open at a time), says what it asks for and gives
    the supplier a due date after today."""
    reasons = []
    if supplier is None:
        reasons.append(f"{ncr} is against no supplier; a SCAR is raised from an NCR on a supplier's material")
    if open_scar:
        reasons.append(f"{ncr} already has {open_scar} open")
    if not request.strip():
        reasons.append("a SCAR says what the supplier is asked to find and correct")
    if due_on <= today:
        reasons.append(f"the supplier's response is due after today ({today}), not on {due_on}")
    return verdict(reasons)


def check_scar_step(*, number: str, status: str, step: str, text: str, on: date | None = None,
                    raised_on: date | None = None, today: date | None = None,
                    new_due: date | None = None) -> Verdict:
    """The supplier's response (`respond`: its text, received between the SCAR's raising and today) or
    quality's verification of it (`accept`, `reject`: how it was verified; a rejection gives the supplier a
    new due date after today)."""
    reasons = []
    if ScarStatus(status) not in SCAR_STEPS[step][0]:
        reasons.append(f"{number} is {status}; " + ("only an open SCAR takes the supplier's response"
                                                    if step == "respond" else
                                                    "only a SCAR with the supplier's response in is verified"))
    if not text.strip():
        reasons.append("the supplier's response is recorded as they gave it" if step == "respond"
                       else "a verification says how the response's effect was checked")
    if step == "respond" and on is not None and (on > today or on < raised_on):
        reasons.append(f"the response was received between {raised_on} and today ({today}), not on {on}")
    if step == "reject" and (new_due is None or new_due <= today):
        reasons.append(f"a response not accepted goes back to the supplier with a new due date after today "
                       f"({today})")
    return verdict(reasons)
