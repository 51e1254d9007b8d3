"""Phases, their default policies, lots, and the quantity rules. Pure."""
from dataclasses import asdict, dataclass
from enum import StrEnum

from lrip.auth import decisions
from lrip.auth.decisions import SIGNATURE_ROLES, Decision
from lrip.catalog.rules import CODE_LENGTH, Lifecycle, RoutingStatus, as_identifier
from lrip.errors import Verdict, verdict


class Phase(StrEnum):
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    LRIP = "lrip"
    FRP = "frp"


PHASES = tuple(Phase)


class LotStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


LOT = Lifecycle({"close": ((LotStatus.OPEN,), LotStatus.CLOSED, "only an open lot is closed")})


@dataclass(frozen=True)
class Policy:
    """What a phase demands. Defaults are DESIGN.md's table; each program may edit its own."""

    production_intent: bool
    released_instruction: bool
    production_tools: bool
    current_calibration: bool
    qualified_operator: bool
    approved_material: bool
    inspection: str  # "all" | "kc_all_others_sampled"
    first_article: str  # "none" | "first_unit_and_delta" | "delta"
    change_signatures: tuple[str, ...]
    disposition_signatures: tuple[str, ...]
    quantity_control: str  # "free" | "lrip_approved" | "per_lot"
    open_lot_changes: str  # "allowed" | "next_lot_unless_urgent"
    # which NCRs' use-as-is or repair the customer's representative also signs (where the contract asks for it,
    # as MIL-STD-1520 and AS9100 8.7.1 have it for major and critical ones): "none" | "critical" |
    # "major_and_critical"; lrip.nonconformance.rules.needs_customer_approval reads it
    customer_approval: str

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


_CHANGE, _MRB = Decision.CHANGE_APPROVAL, Decision.MRB_DISPOSITION
DEFAULT_POLICIES: dict[str, Policy] = {
    "prototype": Policy(False, False, False, True, False, False, "all", "none",
                        decisions.required(_CHANGE, "prototype"),
                        decisions.required(_MRB, "prototype"), "free", "allowed", "none"),
    "pilot": Policy(False, False, False, True, True, True, "all", "none",
                    decisions.required(_CHANGE, "pilot"), decisions.required(_MRB, "pilot"),
                    "free", "allowed", "none"),
    "lrip": Policy(True, True, True, True, True, True, "all", "first_unit_and_delta",
                   decisions.required(_CHANGE, "lrip"), decisions.required(_MRB, "lrip"),
                   "lrip_approved", "next_lot_unless_urgent", "major_and_critical"),
    "frp": Policy(True, True, True, True, True, True, "kc_all_others_sampled", "delta",
                  decisions.required(_CHANGE, "frp"), decisions.required(_MRB, "frp"),
                  "per_lot", "next_lot_unless_urgent", "major_and_critical"),
}
"""The change and disposition signatures are lrip.auth.decisions' table; a program's policy may ask
for more (they are added to the table's), never fewer."""

POLICY_CHOICES = {
    "inspection": ("all", "kc_all_others_sampled"),
    "first_article": ("none", "first_unit_and_delta", "delta"),
    "quantity_control": ("free", "lrip_approved", "per_lot"),
    "open_lot_changes": ("allowed", "next_lot_unless_urgent"),
    "customer_approval": ("none", "critical", "major_and_critical"),
}
def check_policy_change(field: str, value) -> Verdict:
    reasons = []
    if field not in Policy.__dataclass_fields__:
        reasons.append(f"'{field}' is not a phase policy rule; the rules are: {', '.join(Policy.__dataclass_fields__)}")
    elif field in POLICY_CHOICES and value not in POLICY_CHOICES[field]:
        reasons.append(f"{field} must be one of {', '.join(POLICY_CHOICES[field])}, not '{value}'")
    elif field.endswith("_signatures"):
        bad = [r for r in value if r not in SIGNATURE_ROLES] if isinstance(value, (list, tuple)) else [value]
        if not value or bad:
            reasons.append(f"{field} must list one or more of {', '.join(SIGNATURE_ROLES)}")
    elif field not in POLICY_CHOICES and not field.endswith("_signatures") and not isinstance(value, bool):
        reasons.append(f"{field} is yes or no, not '{value}'")
    return verdict(reasons)


def check_phase_change(current: str, target: str) -> Verdict:
    """Phases only move forward, one step at a time (what each move needs besides is its gate)."""
    reasons = []
    if target not in PHASES:
        reasons.append(f"'{target}' is not a phase; phases are {', '.join(PHASES)}")
    elif PHASES.index(target) != PHASES.index(current) + 1:
        reasons.append(f"the program is in {current}; it can only move to the next phase"
                       + (f" ({PHASES[PHASES.index(current) + 1]})" if current != "frp" else ""))
    return verdict(reasons)


def check_lot(*, number: str, number_taken: bool, planned_quantity: int, phase: str,
              program_phase: str, routing_status: str) -> Verdict:
    reasons = as_identifier(number, "a lot number", CODE_LENGTH)[1]
    if number_taken:
        reasons.append(f"lot number {number} is already used")
    if planned_quantity < 1:
        reasons.append(f"a lot plans at least 1 unit, not {planned_quantity}")
    if phase not in PHASES:
        reasons.append(f"'{phase}' is not a phase; phases are {', '.join(PHASES)}")
    elif phase != program_phase:
        reasons.append(f"the program is in {program_phase}; a new lot is built in that phase, not {phase}")
    if routing_status != RoutingStatus.RELEASED and phase in (Phase.LRIP, Phase.FRP):
        reasons.append(f"an {phase.upper()} lot builds on a released routing; this routing is {routing_status}")
    return verdict(reasons)


def _listed(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_unit_creation(*, serials: list[str], taken: list[str], lot_number: str, lot_status: str,
                        lot_planned: int, lot_units: int, lrip_quantity: int | None,
                        lrip_units: int, quantity_control: str) -> Verdict:
    """Units are created only within the lot's plan and, in LRIP, the approved LRIP quantity: all the
    `serials` asked for at once, or none (`taken` are those already used)."""
    reasons = []
    count = len(serials)
    if not serials or any(not s.strip() for s in serials):
        reasons.append("a unit needs a serial number")
    twice = sorted({s for s in serials if serials.count(s) > 1}) if count > 1 else []
    if twice:
        reasons.append(f"serial{'s' if len(twice) > 1 else ''} {_listed(twice)} "
                       f"{'are' if len(twice) > 1 else 'is'} asked for twice")
    if taken:
        reasons.append(f"serial{'s' if len(taken) > 1 else ''} {_listed(taken)} "
                       f"{'are' if len(taken) > 1 else 'is'} already used")
    if lot_status != LotStatus.OPEN:
        reasons.append(f"lot {lot_number} is {lot_status}")
    if lot_units >= lot_planned:
        reasons.append(f"lot {lot_number} already has its planned {lot_planned} units")
    elif lot_units + count > lot_planned:
        reasons.append(f"lot {lot_number} has room for {lot_planned - lot_units} more of its planned {lot_planned} "
                       f"units, not {count}")
    if quantity_control == "lrip_approved":
        if lrip_quantity is None:
            reasons.append("the program has no approved LRIP quantity yet")
        elif lrip_units >= lrip_quantity:
            reasons.append(f"the program's approved LRIP quantity of {lrip_quantity} units is used up")
        elif lrip_units + count > lrip_quantity:
            reasons.append(f"the program's approved LRIP quantity of {lrip_quantity} units has room for "
                           f"{lrip_quantity - lrip_units} more, not {count}")
    return verdict(reasons)


def check_lrip_quantity(*, quantity: int, planned_total: int, current: int | None,
                        units_built: int, rationale: str | None) -> tuple[Verdict, list[str]]:
    """Returns the verdict and warnings. Above 10% of the planned total a rationale is
    required: a warning, not a block, as in 10 U.S.C. 4231 (formerly 2400)."""
    reasons, warnings = [], []
    if quantity < 1:
        reasons.append(f"the LRIP quantity is at least 1, not {quantity}")
    if current is not None and quantity < units_built:
        reasons.append(f"{units_built} LRIP units already exist; the quantity cannot go below that")
    if quantity > planned_total:
        reasons.append(f"the LRIP quantity {quantity} exceeds the planned total of {planned_total}")
    if quantity > 0.10 * planned_total:
        if not (rationale or "").strip():
            reasons.append(f"{quantity} is above 10% of the planned total ({planned_total}); write the rationale")
        else:
            warnings.append(f"{quantity} is {quantity / planned_total:.0%} of the planned total, above 10%; rationale recorded")
    return verdict(reasons), warnings


# ---------------------------------------------------------------- proposed policy changes

class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPLIED = "applied"
    WITHDRAWN = "withdrawn"


YES, NO = ("yes", "true", "y", "1"), ("no", "false", "n", "0")


def policy_value(rule: str, value) -> tuple[object, Verdict]:
    """A rule's value as typed on a command line or a form ('yes', 'engineering,quality') or sent as JSON
    (true, ["engineering"]), typed as the rule keeps it, and the verdict on it (check_policy_change)."""
    if rule in POLICY_CHOICES or rule not in Policy.__dataclass_fields__:
        typed = value
    elif rule.endswith("_signatures"):
        typed = [r.strip() for r in value.split(",") if r.strip()] if isinstance(value, str) else value
    elif isinstance(value, str) and value.strip().lower() in YES + NO:
        typed = value.strip().lower() in YES
    else:
        typed = value
    return typed, check_policy_change(rule, typed)


# ---------------------------------------------------------------- the phase gates

@dataclass(frozen=True)
class Condition:
    """One condition of a phase gate: what it asks, in words; whether it is met; what meets it or, when it
    is not met, every reason why not."""

    key: str
    asks: str
    met: bool
    words: tuple[str, ...]


def condition(key: str, asks: str, unmet: list[str], met_words: str) -> Condition:
    return Condition(key, asks, not unmet, tuple(unmet) if unmet else (met_words,))


@dataclass(frozen=True)
class OperationFacts:
    """What a gate reads of one operation of a routing."""

    sequence: int
    name: str
    instruction: str | None  # 'WI-10 rev A'
    instruction_status: str | None
    skill: str | None
    gauge_kinds: tuple[tuple[str, str], ...] = ()  # (characteristic code, gauge kind) for those that name one

    @property
    def label(self) -> str:
        return f"operation {self.sequence} ({self.name})"


@dataclass(frozen=True)
class RoutingFacts:
    revision: str
    status: str
    operations: tuple[OperationFacts, ...]


@dataclass(frozen=True)
class LotFacts:
    number: str
    status: str
    results: dict[str, int] | None  # its units by status when it closed


def released_routing(part: str, routings: list[RoutingFacts]) -> Condition:
    """To pilot: a released routing whose every operation has its work instruction released."""
    asks = f"a released routing of {part} whose work instructions are released"
    released = [r for r in routings if r.status == RoutingStatus.RELEASED]
    if not released:
        drafts = [f"rev {r.revision} is {r.status}" for r in routings]
        return condition("released_routing", asks, [f"{part} has no released routing"
                                                    + (f" ({', '.join(drafts)})" if drafts else "")], "")
    problems: dict[str, list[str]] = {}
    for r in released:
        problems[r.revision] = [
            f"routing rev {r.revision}: {op.label} has no work instruction" if op.instruction is None else
            f"routing rev {r.revision}: {op.label} needs {op.instruction} released; it is {op.instruction_status}"
            for op in r.operations if op.instruction is None or op.instruction_status != "released"]
        if not r.operations:
            problems[r.revision] = [f"routing rev {r.revision} has no operations"]
    ready = [rev for rev, p in problems.items() if not p]
    return condition("released_routing", asks, [] if ready else [p for ps in problems.values() for p in ps],
                     f"routing rev {ready[-1]} is released with every work instruction released" if ready else "")


def closed_pilot_lot(lots: list[LotFacts]) -> Condition:
    """To LRIP: a pilot lot closed with its results: at least one unit complete."""
    asks = "a closed pilot lot with its results"
    done = [lot for lot in lots if lot.status == LotStatus.CLOSED and (lot.results or {}).get("complete", 0) > 0]
    if done:
        lot = done[-1]
        counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(lot.results.items()) if n)
        return condition("pilot_lot", asks, [], f"pilot lot {lot.number} closed: {counts}")
    if not lots:
        return condition("pilot_lot", asks, ["no pilot lot has been built"], "")
    return condition("pilot_lot", asks, [
        f"pilot lot {lot.number} is still open; close it when its units are done" if lot.status == LotStatus.OPEN
        else f"pilot lot {lot.number} was closed with no unit complete" for lot in lots], "")


def gauges_in_calibration(routing: RoutingFacts | None, in_calibration: set[str]) -> Condition:
    """To LRIP: every characteristic that names a gauge kind has a gauge of that kind in calibration
    (`in_calibration`: the kinds of the active gauges whose calibration is current)."""
    asks = "a gauge in calibration for every characteristic's gauge kind"
    if routing is None:
        return condition("gauges_in_calibration", asks, ["there is no released routing to read the gauges of"], "")
    named = [(op, code, kind) for op in routing.operations for code, kind in op.gauge_kinds]
    unmet = [f"{code} ({op.label}) is measured with a {kind}; no {kind} gauge is in calibration"
             for op, code, kind in named if kind.lower() not in {k.lower() for k in in_calibration}]
    kinds = sorted({kind for _, _, kind in named})
    return condition("gauges_in_calibration", asks, unmet,
                     f"in calibration: {', '.join(kinds)}" if kinds else "no characteristic names a gauge kind")


def qualified_operators(routing: RoutingFacts | None, held: dict[str, int]) -> Condition:
    """To LRIP: every operation's skill is held by at least one operator with a current qualification
    (`held`: skill -> how many active people hold it today)."""
    asks = "every operation's skill held by at least one qualified operator"
    if routing is None:
        return condition("qualified_operators", asks, ["there is no released routing to read the skills of"], "")
    skills = [(op, op.skill) for op in routing.operations if op.skill]
    unmet = [f"nobody holds a current qualification for '{skill}' ({op.label})"
             for op, skill in skills if not held.get(skill.lower())]
    return condition("qualified_operators", asks, unmet, "; ".join(
        f"'{skill}': {held.get(skill.lower(), 0)} qualified" for skill in dict.fromkeys(s for _, s in skills))
        or "no operation asks for a skill")


def lrip_quantity_approved(quantity: int | None, signed: bool) -> Condition:
    """To LRIP: the program's LRIP quantity approved, its signatures still matching the approval."""
    asks = "an LRIP quantity approved with its signatures"
    if quantity is None:
        return condition("lrip_quantity", asks, ["no LRIP quantity has been approved"], "")
    return condition("lrip_quantity", asks, [] if signed else [
        f"the approval of the LRIP quantity {quantity} does not carry its valid signatures"],
        f"LRIP quantity {quantity} approved and signed")


def frp_go(assessment: str | None) -> Condition:
    """To FRP: the signed GO readiness assessment, recorded on the program by readiness."""
    asks = "a readiness assessment that is GO and signed"
    return condition("frp_go", asks, [] if assessment else [
        "moving to full-rate production needs a readiness assessment that is GO and signed"],
        f"assessment {assessment} is GO and signed")


def move_signed(target: str, counted: dict[str, str], missing: list[str]) -> Condition:
    """Every phase: the move itself signed as lrip.auth.decisions asks (Decision.PHASE_CHANGE)."""
    asks = f"the move to {target.upper()} signed"
    return condition("signatures", asks, [f"the move to {target.upper()} still needs {m}" for m in missing],
                     "signed by " + ", ".join(f"{user} ({role})" for role, user in counted.items()))
