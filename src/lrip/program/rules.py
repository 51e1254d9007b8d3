"""Phases, their default policies, lots, and the quantity rules. Pure."""
from dataclasses import asdict, dataclass
from enum import StrEnum

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

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


DEFAULT_POLICIES: dict[str, Policy] = {
    "prototype": Policy(False, False, False, True, False, False, "all", "none",
                        ("engineering",), ("engineering",), "free", "allowed"),
    "pilot": Policy(False, False, False, True, True, True, "all", "none",
                    ("engineering", "quality"), ("quality", "engineering"), "free", "allowed"),
    "lrip": Policy(True, True, True, True, True, True, "all", "first_unit_and_delta",
                   ("engineering", "quality", "program"), ("quality", "engineering", "program"),
                   "lrip_approved", "next_lot_unless_urgent"),
    "frp": Policy(True, True, True, True, True, True, "kc_all_others_sampled", "delta",
                  ("engineering", "quality"), ("quality", "engineering"), "per_lot", "next_lot_unless_urgent"),
}

POLICY_CHOICES = {
    "inspection": ("all", "kc_all_others_sampled"),
    "first_article": ("none", "first_unit_and_delta", "delta"),
    "quantity_control": ("free", "lrip_approved", "per_lot"),
    "open_lot_changes": ("allowed", "next_lot_unless_urgent"),
}
SIGNATURE_ROLES = ("engineering", "quality", "program", "customer")
# Which user roles (lrip.auth.permissions.ROLES) give each signature a policy asks for. There is
# no customer account role: the customer's representative signs through the program office.
SIGNERS = {"quality": ("quality_engineer", "mrb_member"), "engineering": ("manufacturing_engineer",),
           "program": ("program_manager",), "customer": ("program_manager",)}
SIGNER_WORDS = {"quality_engineer": "a quality engineer", "mrb_member": "an MRB member",
               "manufacturing_engineer": "a manufacturing engineer", "program_manager": "a program manager"}
LRIP_QUANTITY_SIGNATURES = ("program",)
"""The signature the LRIP quantity is approved with: the program office decides it."""


def missing_signatures(required: tuple[str, ...] | list[str], signed_as: list[str]) -> list[str]:
    """Every signature still missing, in words: `required` are a policy's signature roles
    (quality, engineering, …), `signed_as` the user roles valid signatures were given in.
    Each signature counts once, for the first required role it can give."""
    left = list(signed_as)
    missing = []
    for need in required:
        given = next((r for r in left if r in SIGNERS.get(need, ())), None)
        if given is None:
            article = "an" if need[0] in "aeiou" else "a"
            missing.append(f"{article} {need} signature (from {' or '.join(SIGNER_WORDS[r] for r in SIGNERS[need])})")
        else:
            left.remove(given)
    return missing


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


def check_phase_change(current: str, target: str, *, frp_go: bool) -> Verdict:
    """Phases only move forward, one step at a time; FRP needs the signed GO readiness decision recorded
    on the program."""
    reasons = []
    if target not in PHASES:
        reasons.append(f"'{target}' is not a phase; phases are {', '.join(PHASES)}")
    elif PHASES.index(target) != PHASES.index(current) + 1:
        reasons.append(f"the program is in {current}; it can only move to the next phase"
                       + (f" ({PHASES[PHASES.index(current) + 1]})" if current != "frp" else ""))
    elif target == Phase.FRP and not frp_go:
        reasons.append("moving to full-rate production needs a readiness assessment that is GO and signed")
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


def check_unit_creation(*, serial: str, serial_taken: bool, lot_number: str, lot_status: str,
                        lot_planned: int, lot_units: int, phase: str, lrip_quantity: int | None,
                        lrip_units: int, quantity_control: str) -> Verdict:
    """A unit is created only within the lot's plan and, in LRIP, the approved LRIP quantity."""
    reasons = []
    if not serial.strip():
        reasons.append("a unit needs a serial number")
    if serial_taken:
        reasons.append(f"serial {serial} is already used")
    if lot_status != LotStatus.OPEN:
        reasons.append(f"lot {lot_number} is {lot_status}")
    if lot_units >= lot_planned:
        reasons.append(f"lot {lot_number} already has its planned {lot_planned} units")
    if quantity_control == "lrip_approved":
        if lrip_quantity is None:
            reasons.append("the program has no approved LRIP quantity yet")
        elif lrip_units >= lrip_quantity:
            reasons.append(f"the program's approved LRIP quantity of {lrip_quantity} units is used up")
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
