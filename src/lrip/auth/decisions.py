"""Signed decisions: the one table of who must sign what. Pure.

Every record lrip asks people to sign is one `Decision`. `TABLE` says, for each, the signatures it needs
by phase — signature roles `engineering`, `quality`, `program`, `customer`; `SIGNERS` says which user
roles give each — and which of them must come from someone other than the record's author. A program's
phase policy may ask for more signatures than the table (`also=`), never fewer.

The customer's approval: where the contract asks for it, a use-as-is or repair of a major or critical
nonconformance is also signed by the customer's representative (user role `customer_rep`, signature role
`customer`, independent of the proposer). The phase policy's `customer_approval` rule says for which
severities (lrip.program.rules), and nonconformance adds `customer` with `also=` for those NCRs
(lrip.nonconformance.ncr.signed_in, rules.needs_customer_approval).

Use it like this (a policy change proposed by pmgr, in a program in LRIP):

    from lrip.auth.decisions import Decision, Given, check_signer, standing

    given = [Given("pmgr", "program_manager")]          # the valid signatures so far (user role signed in)
    s = standing(Decision.POLICY_CHANGE, "lrip", given, author="pmgr")
    s.complete      # False: refuse to apply the change, with s.reasons
    s.missing       # ("quality",)
    s.reasons       # ["a quality signature (a quality engineer or an MRB member)"]
    check_signer(Decision.POLICY_CHANGE, "lrip", username="olga", role="operator", given=given,
                 author="pmgr").raise_if_refused("signature_refused")   # olga's signature would not count

`lrip.auth.signatures.sign_decision` does both around the signature itself (password, audit) and is what
a service calls; `signed(...)` reads a record's valid signatures back as `Given`s. The phase is the
record's phase (its lot's or program's); for a phase change it is the phase moved to; decisions the
same in every phase take `None`.

Why an author never counts as an independent approval: an approval, review or verification is one
person checking another's work, and nobody checks their own. So for a role the table marks independent,
the author's signature is set aside — the record still needs that role from someone else — while it
still counts for a role that is not independent (the program manager who proposes a target change
signs it as the program). One person's signatures count once, for one role.

A signature binds to one version of the proposal: the signed content carries a version counter or the
proposal's own id, so a revised proposal needs new signatures and reverting does not revive old ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterable

from lrip.errors import Verdict, verdict


class Decision(StrEnum):
    MRB_DISPOSITION = "mrb_disposition"  # use-as-is or repair of a nonconformance
    CHANGE_APPROVAL = "change_approval"
    FAI_APPROVAL = "fai_approval"
    LRIP_QUANTITY = "lrip_quantity"
    POLICY_CHANGE = "policy_change"
    TARGET_CHANGE = "target_change"  # a readiness target
    WAIVER = "waiver"  # of a readiness criterion
    QUALITY_WAIVER = "quality_waiver"  # of a readiness criterion that is a quality criterion
    ATTESTATION = "attestation"
    READINESS_DECISION = "readiness_decision"
    PHASE_CHANGE = "phase_change"
    CAPA_SAMPLE = "capa_sample"  # a change to a CAPA's effectiveness sample
    CAPA_WAIVER = "capa_waiver"  # closing a CAPA on the day it opened


PHASES = ("prototype", "pilot", "lrip", "frp")  # lrip.program.rules.Phase; auth sits below program
SIGNATURE_ROLES = ("engineering", "quality", "program", "customer")
# Which user roles (lrip.auth.permissions.ROLES) give each signature; the customer's is its representative's.
SIGNERS: dict[str, tuple[str, ...]] = {
    "engineering": ("manufacturing_engineer",), "quality": ("quality_engineer", "mrb_member"),
    "program": ("program_manager",), "customer": ("customer_rep",)}
SIGNER_WORDS = {"quality_engineer": "a quality engineer", "mrb_member": "an MRB member",
                "manufacturing_engineer": "a manufacturing engineer", "program_manager": "a program manager",
                "customer_rep": "the customer's representative"}


@dataclass(frozen=True)
class Rule:
    """One row of the table: what the decision is (in words), the signatures by phase (`None` for a
    record with no phase, or when every phase asks the same), the roles that must not be the author,
    what the author did (in words), whether the decision needs a written reason, and the meaning its
    signatures carry (only those count: a 'reviewed' signature on a first article is no approval)."""

    words: str
    by_phase: dict[str | None, tuple[str, ...]]
    independent: frozenset[str] = frozenset()
    authored: str = "wrote it"  # ends in "it": the refusals put the record's name there
    reason: bool = False
    meaning: str = "approved"


def _every_phase(*roles: str) -> dict[str | None, tuple[str, ...]]:
    return {p: roles for p in (None, *PHASES)}


# The DESIGN.md table for changes and dispositions; the others as the issues that made them signed say.
TABLE: dict[Decision, Rule] = {
    Decision.MRB_DISPOSITION: Rule(
        "a use-as-is or repair disposition",
        {None: ("quality", "engineering"), "prototype": ("engineering",), "pilot": ("quality", "engineering"),
         "lrip": ("quality", "engineering", "program"), "frp": ("quality", "engineering")},
        frozenset({"engineering", "program", "customer"}), "proposed it", reason=True),
    Decision.CHANGE_APPROVAL: Rule(
        "a change request",
        {None: ("engineering", "quality"), "prototype": ("engineering",), "pilot": ("engineering", "quality"),
         "lrip": ("engineering", "quality", "program"), "frp": ("engineering", "quality")},
        frozenset(SIGNATURE_ROLES), "raised it", reason=True),
    Decision.FAI_APPROVAL: Rule("a first article inspection", _every_phase("quality"), frozenset({"quality"}),
                                "completed it"),
    Decision.LRIP_QUANTITY: Rule("the LRIP quantity", _every_phase("program"), authored="set it"),
    Decision.POLICY_CHANGE: Rule("a phase policy change", _every_phase("program", "quality"),
                                 frozenset({"quality"}), "proposed it", reason=True),
    Decision.TARGET_CHANGE: Rule("a readiness target change", _every_phase("program", "quality"),
                                 authored="proposed it", reason=True),  # proposed by either, signed by both
    Decision.WAIVER: Rule("a readiness waiver", _every_phase("program"), authored="granted it", reason=True),
    Decision.QUALITY_WAIVER: Rule("a waiver of a quality criterion", _every_phase("program", "quality"),
                                  frozenset({"quality"}), "granted it", reason=True),
    Decision.ATTESTATION: Rule("an attestation", _every_phase("program"), authored="attested it", meaning="verified"),
    Decision.READINESS_DECISION: Rule("the readiness decision", _every_phase("program", "quality")),
    Decision.PHASE_CHANGE: Rule(
        "a phase change",
        {None: ("program", "quality"), "prototype": ("program",), "pilot": ("program",),
         "lrip": ("program", "quality"), "frp": ("program", "quality")},
        frozenset({"quality"}), "proposed it", reason=True),
    Decision.CAPA_SAMPLE: Rule("a change to a CAPA's effectiveness sample", _every_phase("quality"),
                               authored="changed it", reason=True),
    Decision.CAPA_WAIVER: Rule("a quality waiver to close a CAPA the day it opened", _every_phase("quality"),
                               authored="asked for it", reason=True),
}


@dataclass(frozen=True)
class Given:
    """A valid signature on the record: who, and the user role they signed in."""

    username: str
    role: str


@dataclass(frozen=True)
class Standing:
    """What a record's signatures add up to: every signature role it needs, who gave each one so far,
    the roles still missing (in the table's order) and, in words, what is missing and which signatures
    were set aside (an author's, for a role that must be independent)."""

    decision: Decision
    required: tuple[str, ...]
    counted: dict[str, str]  # signature role -> username
    missing: tuple[str, ...]
    reasons: tuple[str, ...]  # one per missing role
    set_aside: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing


def required(decision: Decision | str, phase: str | None = None, *, also: Iterable[str] = ()) -> tuple[str, ...]:
    """The signature roles `decision` needs in `phase`, with any more that a program's policy asks for."""
    rule = TABLE[Decision(decision)]
    roles = rule.by_phase.get(phase, rule.by_phase[None])
    return (*roles, *(r for r in dict.fromkeys(also) if r not in roles))


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def role_words(role: str, *, not_by: str | None = None, authored: str = "") -> str:
    """'a quality signature (a quality engineer or an MRB member, not pmgr, who proposed it)'."""
    others = f", not {not_by}, who {authored}" if not_by else ""
    return f"{_article(role)} {role} signature ({' or '.join(SIGNER_WORDS[r] for r in SIGNERS[role])}{others})"


def _can_give(rule: Rule, g: Given, role: str, author: str | None) -> bool:
    return g.role in SIGNERS[role] and not (role in rule.independent and g.username == author)


def _match(rule: Rule, roles: tuple[str, ...], people: list[Given], author: str | None) -> dict[str, Given]:
    """The most roles the signatures can give, one role per person (Kuhn's augmenting paths; a handful
    of signatures, so the plain version)."""
    holder: dict[str, Given] = {}

    def place(g: Given, seen: set[str]) -> bool:
        for role in roles:
            if role in seen or not _can_give(rule, g, role, author):
                continue
            seen.add(role)
            if role not in holder or place(holder[role], seen):
                holder[role] = g
                return True
        return False

    for g in people:
        place(g, set())
    return holder


def standing(decision: Decision | str, phase: str | None, given: Iterable[Given], *, author: str | None = None,
             also: Iterable[str] = ()) -> Standing:
    """Which of the signatures `decision` needs the valid ones `given` give, and what is still missing.
    The `author`'s signature never gives a role the table marks independent."""
    decision = Decision(decision)
    rule = TABLE[decision]
    roles = required(decision, phase, also=also)
    people = list({g.username: g for g in reversed(list(given))}.values())[::-1]  # one each, first kept
    holder = _match(rule, roles, people, author)
    missing = tuple(r for r in roles if r not in holder)
    aside = [(g, r) for g in people if g.username == author and g not in holder.values()
             for r in missing if r in rule.independent and g.role in SIGNERS[r]]
    reasons = tuple(role_words(r, not_by=author if any(r == r_ for _, r_ in aside) else None,
                               authored=rule.authored) for r in missing)
    set_aside = tuple(f"{g.username}'s signature does not count as the {r} approval: {g.username} {rule.authored}, "
                      f"and {rule.words}'s {r} approval must come from someone else" for g, r in aside)
    return Standing(decision, roles, {r: g.username for r, g in holder.items()}, missing, reasons, set_aside)


def still_needs(s: Standing) -> str:
    """'it still needs a quality signature (…); a program signature (…)' — or that nothing is missing."""
    return ("it still needs " + "; ".join(s.reasons)) if s.missing else "it has every signature it needs"


def check_signer(decision: Decision | str, phase: str | None, *, username: str, role: str | None,
                 given: Iterable[Given], author: str | None = None, also: Iterable[str] = (),
                 record: str | None = None) -> Verdict:
    """Whether `username`, signing in `role`, gives a signature the record still needs. A refusal names
    the roles still missing (`record` names the record in the words: 'CR-0004')."""
    decision = Decision(decision)
    rule = TABLE[decision]
    given = [g for g in given if g.username != username]
    before = standing(decision, phase, given, author=author, also=also)
    what = record or rule.words
    if before.complete:
        return verdict([f"{what} already has every signature it needs"])
    if role is None:
        return verdict([])  # the signing rules ask which role
    after = standing(decision, phase, [*given, Given(username, role)], author=author, also=also)
    if len(after.missing) < len(before.missing):
        return verdict([])
    own = [r for r in before.missing if r in rule.independent and role in SIGNERS[r]]
    if username == author and own:
        did = rule.authored.removesuffix("it") + what  # "raised CR-0004"
        return verdict([f"{username} {did} and may not give it its {' or '.join(own)} approval: "
                        f"that must come from someone else; {still_needs(before)}"])
    given_by = {r: who for r, who in before.counted.items() if role in SIGNERS[r]}
    if given_by:
        return verdict([f"{what} already has its {' and '.join(given_by)} signature (from "
                        f"{', '.join(given_by.values())}); {still_needs(before)}"])
    words = role.replace("_", " ")
    return verdict([f"{what} is not signed by {SIGNER_WORDS.get(role, _article(words) + ' ' + words)} "
                    f"({username}); {still_needs(before)}"])


def choose_role(decision: Decision | str, phase: str | None, *, username: str, roles: Iterable[str],
                given: Iterable[Given], author: str | None = None, also: Iterable[str] = ()) -> str | None:
    """The one role of a person's that gives a signature the record still needs; None when none or
    several do (the person then says which)."""
    useful = [r for r in roles if check_signer(decision, phase, username=username, role=r, given=given,
                                               author=author, also=also).allowed]
    return useful[0] if len(useful) == 1 else None
