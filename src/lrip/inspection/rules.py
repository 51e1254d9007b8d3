"""Inspection by phase and first article inspection: the pure rules.

Which characteristics a unit must have measured at an operation:

- prototype, pilot and LRIP policies inspect every characteristic (100%);
- in FRP (policy `kc_all_others_sampled`) key characteristics and critical ones
  stay at 100%; major and minor ones follow ANSI/ASQ Z1.4 single sampling for
  the lot (lot size = the lot's planned quantity, the plan's level and current
  severity, the class's AQL).

Which units are in the sample is drawn at random, as ANSI/ASQ Z1.4-2003 (R2018)
section 7 (Drawing of samples; MIL-STD-105E 4.5 in the same words) requires: the
units of a sample are selected at random, without regard to their quality. A
fixed pattern (every N/n-th unit from the first) is not random: a cause that
repeats with the lot's rhythm, or anyone who knows the pattern, can hide from it.
The draw is reproducible and can be audited: each lot gets a seed when it is
created, recorded on the lot (`lot.inspection_seed`), and the units a class's
sample picks at an operation follow from that seed alone (`sample_positions`).
The sample is decided when the lot is created and stored on it
(`operation_sample`); the shop floor requires what is stored, and a
characteristic with no stored sample is inspected on every unit.

A lot result is counted from the unit records (`lot_result`), never typed: the
defective units in each class's sample are those with a first result of that
class out of spec; a person confirms the count, and a count they bring must agree
with it.

First article inspection follows SAE AS9102: a full FAI on the first unit of a
configuration (part revision + routing revision) when the phase policy says
`first_unit_and_delta`; a partial (delta) FAI after a change that touches a
characteristic, and after a lapse in production of two years (AS9102 4.6,
read as 730 days).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lrip.errors import Verdict, verdict
from lrip.execution.rules import UnitStatus
from lrip.stats.sampling import AQLS, LEVELS, SamplingPlan, single_sampling_plan

CLASSES = ("critical", "major", "minor")
SAMPLED_CLASSES = ("major", "minor")  # critical characteristics are always inspected 100%
DEFAULT_AQL = {"major": 1.0, "minor": 2.5}
DEFAULT_LEVEL = "II"
LAPSE = timedelta(days=730)  # AS9102 4.6: a lapse in production of two years
SEEDS = 2**31 - 1  # a lot's sampling seed is 1 … 2³¹−1: a whole number anyone can type back to draw again


class FaiStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    APPROVED = "approved"


# A first article's lifecycle: completed (its forms frozen), then approved by an 'approved' signature.
FAI_STEPS: dict[str, tuple[FaiStatus, FaiStatus]] = {"complete": (FaiStatus.OPEN, FaiStatus.COMPLETE),
                                                     "approve": (FaiStatus.COMPLETE, FaiStatus.APPROVED)}


def next_fai_status(current: FaiStatus | str, step: str) -> FaiStatus:
    """The FAI's status after `step` (complete, approve); ValueError if it cannot take it (the checks say
    why in words first)."""
    start, to = FAI_STEPS[step]
    if FaiStatus(current) != start:
        raise ValueError(f"a first article that is {current} cannot {step}")
    return to


def default_class(*, key: bool, kind: str) -> str:
    """Key characteristics are critical; other variables major; other attributes minor."""
    if key:
        return "critical"
    return "major" if kind == "variable" else "minor"


def sample_positions(lot_size: int, sample_size: int, *, seed: int, stream: str) -> tuple[int, ...]:
    """1-based positions in the lot of the units in a sample, drawn at random (Z1.4 section 7), sorted.

    The draw is a partial Fisher–Yates shuffle of 1..N driven only by `random.Random.random()` seeded with
    the string "SEED/STREAM" (the stream names the operation and class, so each sample of a lot is its own
    draw): Python guarantees that generator's sequence for a given seed across versions, which it does not
    promise for `random.sample`, so anyone can draw the same sample again from the seed on the lot."""
    n = min(sample_size, lot_size)
    rng = random.Random(f"{seed}/{stream}")
    units = list(range(1, lot_size + 1))
    for i in range(n):
        j = i + int(rng.random() * (lot_size - i))
        units[i], units[j] = units[j], units[i]
    return tuple(sorted(units[:n]))


@dataclass(frozen=True)
class ClassSample:
    """The Z1.4 plan of one characteristic class for one lot, and which units it picks (drawn with `seed`)."""

    klass: str
    aql: float
    plan: SamplingPlan
    positions: tuple[int, ...]
    seed: int

    def words(self, lot_size: int) -> str:
        p = self.plan
        picked = ("every unit" if p.sample_size >= lot_size
                  else f"drawn at random with the lot's seed {self.seed}")
        return (f"{self.klass} AQL {self.aql:g}, {p.severity}, level {p.level}, code {p.code_letter}: "
                f"n={p.sample_size} Ac {p.accept} Re {p.reject}, {picked}")

    def as_dict(self, lot_size: int) -> dict:
        p = self.plan
        return {"class": self.klass, "aql": self.aql, "code_letter": p.code_letter, "sample_size": p.sample_size,
                "accept": p.accept, "reject": p.reject, "severity": p.severity, "level": p.level,
                "hundred_percent": p.hundred_percent, "positions": list(self.positions), "seed": self.seed,
                "words": self.words(lot_size)}


def class_sample(*, lot_size: int, klass: str, aql: float, level: str, severity: str, seed: int,
                 operation: int) -> ClassSample:
    """The class's plan for the lot and its units, drawn from the lot's seed for this operation and class."""
    plan = single_sampling_plan(lot_size, aql, level=level, severity=severity)
    return ClassSample(klass, aql, plan, sample_positions(lot_size, plan.sample_size, seed=seed,
                                                          stream=f"{operation}/{klass}"), seed)


@dataclass(frozen=True)
class Requirement:
    code: str
    required: bool
    why: str


@dataclass(frozen=True)
class Classified:
    """A characteristic of an operation with the class its inspection plan gives it."""

    code: str
    key: bool
    klass: str


def sampled_classes(chars: list[Classified]) -> list[str]:
    """The classes of an operation that Z1.4 samples: major/minor characteristics that are not key."""
    return [k for k in SAMPLED_CLASSES if any(c.klass == k and not c.key for c in chars)]


def operation_sample(chars: list[Classified], samples: dict[str, ClassSample], *, discontinued: bool,
                     lot_size: int) -> dict[str, list[int]]:
    """The units of a lot each sampled characteristic of one operation is measured on: {code: positions}.
    Key and critical characteristics, discontinued sampling, a lot of one, and a sample as large as the
    lot are left out: they are inspected on every unit."""
    if discontinued or lot_size < 2:
        return {}
    picked = {}
    for c in chars:
        sample = samples.get(c.klass)
        if not c.key and sample is not None and not sample.plan.hundred_percent:
            picked[c.code] = list(sample.positions)
    return picked


def requirement(*, code: str, key: bool, klass: str, inspection: str, phase: str, discontinued: bool,
                sample: ClassSample | None, stored: tuple[int, ...] | None, position: int,
                lot_size: int) -> Requirement:
    """Must this characteristic be measured on the unit at `position` of its lot, and why (in words).
    `stored` are the positions the lot's stored sample picks for it (None: inspected on every unit);
    `sample` is what the plan picks now, for its words when it is the same sample."""
    if inspection == "all":
        return Requirement(code, True, f"100%: the {phase.upper()} policy inspects every characteristic")
    if key:
        return Requirement(code, True, "100%: key characteristic")
    if klass == "critical":
        return Requirement(code, True, "100%: critical characteristic")
    if stored is None:
        if discontinued:
            return Requirement(code, True, "100%: sampling is discontinued (Z1.4 8.4) until a corrective action "
                                           "is recorded")
        if lot_size < 2:
            return Requirement(code, True, "100%: a lot of one unit is inspected whole")
        if sample is not None and sample.plan.hundred_percent:
            return Requirement(code, True, f"100%: the sample ({sample.words(lot_size)}) covers the lot of {lot_size}")
        return Requirement(code, True, "100%: no sample is stored on the lot for it")
    words = (sample.words(lot_size) if sample is not None and sample.positions == tuple(stored)
             else f"units {', '.join(map(str, stored))}, the sample stored on the lot")
    if position in stored:
        return Requirement(code, True, f"sampled: unit {position} of {lot_size} is in the sample ({words})")
    return Requirement(code, False, f"not sampled: unit {position} of {lot_size} is not in the sample ({words})")


def check_plan(*, codes: list[str], classes: dict[str, str], aql: dict[str, float], level: str) -> Verdict:
    """A plan names characteristics of its operation, a known class for each, a standard AQL per sampled class."""
    reasons = []
    for code, klass in sorted(classes.items()):
        if code not in codes:
            reasons.append(f"{code} is not a characteristic of this operation; it has {', '.join(codes) or 'none'}")
        if klass not in CLASSES:
            reasons.append(f"{code}: the class is critical, major or minor, not '{klass}'")
    for klass, value in sorted(aql.items()):
        if klass not in SAMPLED_CLASSES:
            reasons.append(f"an AQL is set for major or minor characteristics, not '{klass}' "
                           "(critical ones are inspected 100%)")
        elif isinstance(value, bool) or value not in AQLS:
            reasons.append(f"the {klass} AQL {value} is not in the Z1.4 series "
                           f"({', '.join(f'{a:g}' for a in AQLS)})")
    if level not in LEVELS:
        reasons.append(f"the inspection level is one of {', '.join(LEVELS)}, not '{level}'")
    return verdict(reasons)


@dataclass(frozen=True)
class ClassCount:
    """What one class's sample shows in the unit records: the units inspected (every characteristic of the
    class has a result), the defective ones (serial, position, the characteristics out of spec on their first
    result) and what is still missing (units not built or not inspected, in words)."""

    klass: str
    inspected: tuple[str, ...]
    defective: tuple[tuple[str, int, tuple[str, ...]], ...]
    missing: tuple[str, ...]


def count_class(*, klass: str, sample: ClassSample, codes: list[str], serials: dict[int, str],
                first: dict[tuple[str, str], bool], lot: str) -> ClassCount:
    """Count one class's sample from the records: `serials` are the lot's units by position, `first` each
    (serial, characteristic)'s first result in spec or not (a rework's re-measurement does not replace it:
    the lot was presented with the first)."""
    inspected, defective, missing = [], [], []
    for pos in sample.positions:
        serial = serials.get(pos)
        if serial is None:
            missing.append(f"unit {pos} of lot {lot} (in the {klass} sample) is not built yet")
            continue
        lacking = sorted(code for code in codes if (serial, code) not in first)
        if lacking:
            missing.append(f"{serial} (unit {pos}, in the {klass} sample) has no result for " + ", ".join(lacking))
            continue
        inspected.append(serial)
        bad = tuple(sorted(code for code in codes if first[(serial, code)] is False))
        if bad:
            defective.append((serial, pos, bad))
    return ClassCount(klass, tuple(inspected), tuple(defective), tuple(missing))


def check_counted(typed: dict[str, int] | None, counts: dict[str, ClassCount]) -> list[str]:
    """A count a person brings must be what the records show: a lot result is derived, never typed."""
    reasons = []
    for klass, n in sorted((typed or {}).items()):
        found = counts.get(klass)
        if found is not None and n != len(found.defective):
            shown = ", ".join(f"{serial} ({', '.join(codes)})" for serial, _, codes in found.defective)
            reasons.append(f"{n} {klass} defective unit(s) were given, but the records show {len(found.defective)} "
                           f"in the {klass} sample ({shown or 'none out of spec'}); a lot result is counted from "
                           "the unit records: record the results (an out-of-spec one raises its NCR) and confirm "
                           "the count again")
    return reasons


def check_lot_open(*, lot: str, status: str) -> list[str]:
    """A closed lot takes no new inspection results: its record is final."""
    return [] if status == "open" else [f"lot {lot} is {status}; a closed lot takes no new inspection results"]


def lot_accepted(plans: dict[str, SamplingPlan], defects: dict[str, int]) -> tuple[bool, bool, list[str]]:
    """(accepted, reinstate normal, the words per class): a lot is accepted when no class reaches its Re.
    Between Ac and Re (reduced only) the lot is accepted and normal inspection reinstated (Table II-C note)."""
    accepted, reinstate, words = True, False, []
    for klass, plan in plans.items():
        found = defects.get(klass, 0)
        if found >= plan.reject:
            accepted = False
            words.append(f"{klass}: {found} defective in {plan.sample_size}, reject (Re {plan.reject})")
        elif found > plan.accept:
            reinstate = True
            words.append(f"{klass}: {found} defective in {plan.sample_size}, accept but reinstate normal "
                         f"(Ac {plan.accept}, Re {plan.reject})")
        else:
            words.append(f"{klass}: {found} defective in {plan.sample_size}, accept (Ac {plan.accept})")
    return accepted, reinstate, words


# ---------------------------------------------------------------- first article


@dataclass(frozen=True)
class Form3Row:
    """One characteristic on AS9102 Form 3 as the completion check needs it."""

    code: str
    name: str
    operation: int
    operation_done: bool
    has_result: bool
    in_spec: bool | None
    result: str
    dispositioned: bool  # an out-of-spec result with its hold released or its NCR dispositioned


def check_fai_complete(*, number: str, status: str, serial: str, unit_status: str, rows: list[Form3Row],
                       unknown: list[str]) -> Verdict:
    """May this FAI be completed now? Every reason at once."""
    reasons = []
    if status != FAI_STEPS["complete"][0]:
        reasons.append(f"{number} is already {status}")
    if unit_status == UnitStatus.ON_HOLD:
        reasons.append(f"{serial} is on hold; disposition the hold first")
    if unit_status == UnitStatus.SCRAPPED:
        reasons.append(f"{serial} is scrapped; a scrapped unit cannot be the first article")
    for code in unknown:
        reasons.append(f"{code} is not a characteristic of {serial}'s routing")
    undone = sorted({r.operation for r in rows if not r.operation_done})
    for seq in undone:
        names = ", ".join(r.code for r in rows if r.operation == seq)
        reasons.append(f"operation {seq} is not complete on {serial} ({names})")
    for r in rows:
        if not r.has_result:
            reasons.append(f"{r.code} {r.name} has no result on {serial}")
        elif r.in_spec is False and not r.dispositioned:
            reasons.append(f"{r.code} {r.name} is out of spec ({r.result}) with no NCR disposition")
    if not rows and not unknown:
        reasons.append(f"{number} lists no characteristics")
    return verdict(reasons)


def production_lapse(dates: list[tuple[str, datetime, datetime | None]]) -> list[tuple[str, datetime]]:
    """Units that start after two years without production of their configuration (no unit started or
    completed). `dates` are (serial, created_at, completed_at) in creation order; returns (serial, last production)."""
    lapsed, last = [], None
    for serial, created, completed in dates:
        if last is not None and created - last > LAPSE:
            lapsed.append((serial, last))
        last = max(t for t in (last, created, completed) if t is not None)
    return lapsed
