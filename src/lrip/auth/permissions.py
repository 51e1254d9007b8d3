"""Who may do what: the one permission table. Routes, pages and helpers ask
`check(user, action)` before calling a service; nothing else decides access.

Admin may do everything. Signing is open to every role but viewer: which roles a
particular signature needs (MRB: quality + engineering, …) is the calling
service's rule, not an access right.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from lrip.errors import Forbidden

ROLES = ("admin", "operator", "inspector", "quality_engineer", "manufacturing_engineer",
         "supply_chain", "program_manager", "mrb_member", "customer_rep", "viewer")
# customer_rep: the customer's representative (a government or prime contractor's quality representative)
# signs the customer's approval of a use-as-is or repair where the contract asks for one (lrip.auth.decisions)
EVERYONE = ROLES
WORKERS = tuple(r for r in EVERYONE if r != "viewer")

# action: (what it is, in words that finish "olga (operator) may not …", roles besides admin)
_TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    # everyone
    "read": ("see records", EVERYONE),
    "token.manage": ("manage their own API tokens", EVERYONE),
    "signature.sign": ("sign records", WORKERS),
    # the shop floor
    "unit.create": ("create units", ("operator", "manufacturing_engineer", "program_manager")),
    "operation.start": ("start operations", ("operator", "inspector")),
    "operation.complete": ("complete operations", ("operator", "inspector")),
    "operation.pause": ("pause and resume operations", ("operator", "inspector")),
    "operation.handover": ("take operations over at a shift change", ("operator", "inspector")),
    "measurement.record": ("record measurements", ("operator", "inspector", "quality_engineer")),
    "material.consume": ("build material into units", ("operator", "inspector")),
    "measurement.import": ("import measurements", ("inspector", "quality_engineer", "manufacturing_engineer")),
    "ncr.raise": ("raise nonconformances", ("operator", "inspector", "quality_engineer", "manufacturing_engineer",
                                            "supply_chain")),
    # quality
    "hold.disposition": ("disposition holds", ("quality_engineer", "mrb_member")),
    "inspection.plan": ("manage inspection plans", ("quality_engineer",)),
    "inspection.lot": ("record lot inspection results", ("inspector", "quality_engineer")),
    "fai.record": ("record first article inspections", ("inspector", "quality_engineer")),
    "capa.manage": ("manage corrective actions", ("quality_engineer",)),
    "defect_code.manage": ("change the defect-code catalogue", ("quality_engineer",)),
    "scar.manage": ("raise supplier corrective action requests and record responses",
                    ("quality_engineer", "supply_chain")),
    "scar.verify": ("verify supplier corrective actions", ("quality_engineer",)),
    "capa.action": ("mark corrective actions done", WORKERS),  # their own; a quality engineer anyone's
    "receipt.inspect": ("inspect received material", ("inspector", "quality_engineer")),
    "audit.read": ("read the audit trail", ("quality_engineer", "program_manager")),
    "audit.verify": ("verify the audit trail", ("quality_engineer",)),
    "audit.checkpoint": ("sign a checkpoint of the audit trail", ("quality_engineer", "program_manager")),
    # engineering
    "catalog.manage": ("manage parts, BOMs, routings, instructions and tools", ("manufacturing_engineer",)),
    "qualification.manage": ("grant operator qualifications", ("manufacturing_engineer", "quality_engineer")),
    "change.request": ("raise change requests", ("manufacturing_engineer", "quality_engineer", "program_manager")),
    "change.approve": ("approve changes", ("manufacturing_engineer", "quality_engineer", "program_manager")),
    # supply chain
    "supply.manage": ("manage suppliers, orders and receipts", ("supply_chain",)),
    # program
    "program.manage": ("manage programs, phases and ramp plans", ("program_manager",)),
    "lot.create": ("create lots", ("program_manager",)),
    "policy.edit": ("propose phase policy changes", ("program_manager", "quality_engineer")),  # signed to apply
    "readiness.assess": ("assess readiness criteria", ("program_manager", "quality_engineer",
                                                       "manufacturing_engineer", "supply_chain")),
    "readiness.decide": ("decide full-rate readiness", ("program_manager",)),
    # administration
    "user.manage": ("manage users", ()),
    "settings.edit": ("change the installation's settings", ()),
    "token.manage_others": ("manage other people's API tokens", ()),
}

PERMISSIONS: dict[str, frozenset[str]] = {a: frozenset(("admin", *roles)) for a, (_, roles) in _TABLE.items()}
WORDS: dict[str, str] = {a: words for a, (words, _) in _TABLE.items()}


class HasRoles(Protocol):
    username: str
    roles: list[str]
    active: bool


def allowed(roles: Iterable[str], action: str) -> bool:
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}; the actions are in lrip.auth.permissions")
    return not PERMISSIONS[action].isdisjoint(roles)


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check(user: HasRoles, action: str) -> None:
    """Forbidden, in words, unless this user's roles allow the action."""
    roles = list(user.roles or [])
    if not getattr(user, "active", True):
        raise Forbidden("forbidden", f"{user.username}'s account is disabled")
    if allowed(roles, action):
        return
    needs = [r for r in _TABLE[action][1] if r != "admin"] + ["admin"]
    raise Forbidden("forbidden", f"{user.username} ({', '.join(roles) or 'no role'}) may not {WORDS[action]}; "
                                 f"that needs {_either(needs)}")


def check_token_owner(user: HasRoles, owner: str) -> None:
    """Everyone manages their own tokens; only an admin manages other people's."""
    check(user, "token.manage" if owner == user.username else "token.manage_others")
