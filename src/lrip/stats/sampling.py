"""Attribute acceptance sampling per ANSI/ASQ Z1.4 (the tables of MIL-STD-105E).

Source: ANSI/ASQ Z1.4-2003 (R2018), "Sampling Procedures and Tables for
Inspection by Attributes", whose tables are those of MIL-STD-105E (1989):
Table I (sample size code letters), Tables II-A, II-B and II-C (single sampling
plans for normal, tightened and reduced inspection, master tables), and the
switching rules of section 8 (Figure 1).

The master tables are transcribed cell by cell below. A cell holds a plan
"Ac/Re" (acceptance number / rejection number), an arrow, or "·" (empty).
"↓" means "use the first sampling plan below the arrow" and "↑" "use the first
sampling plan above the arrow"; the plan so reached is used with its own sample
size. In Table II-C the rejection number may exceed the acceptance number by
more than one: a reduced-inspection lot whose count falls between them is
accepted but normal inspection is reinstated (footnote to Table II-C).
When the sample size equals or exceeds the lot size, the whole lot is inspected
(note to Tables II-A to II-C).
"""

from dataclasses import asdict, dataclass, replace

AQLS = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)
LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES = ("normal", "tightened", "reduced")

# Table I, sample size code letters: lot size up to (None = and over), then
# the letter for S-1 S-2 S-3 S-4 I II III.
_TABLE_I = (
    (8, "A A A A A A B"),
    (15, "A A A A A B C"),
    (25, "A A B B B C D"),
    (50, "A B B C C D E"),
    (90, "B B C C C E F"),
    (150, "B B C D D F G"),
    (280, "B C D E E G H"),
    (500, "B C D E F H J"),
    (1200, "C C E F G J K"),
    (3200, "C D E G H K L"),
    (10000, "C D F G J L M"),
    (35000, "C D F H K M N"),
    (150000, "D E G J L N P"),
    (500000, "D E G J M P Q"),
    (None, "D E H K N Q R"),
)

# Table II-A, single sampling plans for normal inspection (master table).
#    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
_TABLE_II_A = """
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑
D    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑
E   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑     ↑
F   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
G   32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   50     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   80     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K  125     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L  200     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  315     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  500     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  800     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 1250   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R 2000     ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

# Table II-B, single sampling plans for tightened inspection (master table).
#    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
_TABLE_II_B = """
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑
D    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑
E   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑     ↑
F   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑
G   32     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   50     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   80     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K  125     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L  200     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  315     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  500     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  800     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 1250     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R 2000   0/1     ↑     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
S 3150     ·     ·   1/2     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·     ·
"""

# Table II-C, single sampling plans for reduced inspection (master table).
#    n 0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
_TABLE_II_C = """
A    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   2/4   3/5   5/6   7/8 10/11 14/15 21/22 30/31
C    2     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑
D    3     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑     ↑
E    5     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑     ↑     ↑
F    8     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑
G   13     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   20     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   32     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K   50     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L   80     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M  125     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N  200     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  315     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q  500   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R  800     ↑     ↑   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""
_ARROW_STEP = {"↓": 1, "↑": -1}


def _parse(table: str) -> dict[str, tuple[int, list[str]]]:
    """Rows of a master table: code letter -> (sample size, cells by AQL)."""
    rows = {}
    for line in table.strip().splitlines():
        letter, size, *cells = line.split()
        rows[letter] = (int(size), cells)
    return rows


_MASTER = {
    "normal": _parse(_TABLE_II_A),
    "tightened": _parse(_TABLE_II_B),
    "reduced": _parse(_TABLE_II_C),
}


def _choice_problem(value, allowed, what: str) -> str | None:
    if isinstance(value, bool) or value not in allowed:
        return f"{what} must be one of {', '.join(str(a) for a in allowed)}; got {value!r}"
    return None


def _lot_size_problem(lot_size) -> str | None:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 2:
        return f"lot size must be a whole number of at least 2 (Z1.4 Table I starts at 2); got {lot_size!r}"
    return None


def _refuse_if(*problems: str | None) -> None:
    """Raise one ValueError naming every problem found, if any."""
    found = [problem for problem in problems if problem]
    if found:
        raise ValueError("; ".join(found))


def code_letter(lot_size: int, level: str = "II") -> str:
    """Sample size code letter for a lot (Z1.4 Table I)."""
    _refuse_if(_lot_size_problem(lot_size), _choice_problem(level, LEVELS, "inspection level"))
    for up_to, letters in _TABLE_I:
        if up_to is None or lot_size <= up_to:
            return letters.split()[LEVELS.index(level)]


def master_plan(letter: str, aql: float, severity: str = "normal") -> tuple[int, int, int]:
    """(sample size, Ac, Re) for a code letter and AQL, arrows followed (Z1.4 Tables II-A/B/C)."""
    _refuse_if(_choice_problem(aql, AQLS, "AQL"), _choice_problem(severity, SEVERITIES, "severity"))
    rows = _MASTER[severity]
    _refuse_if(_choice_problem(letter, tuple(rows), f"code letter for {severity} inspection"))
    letters = list(rows)
    column = AQLS.index(aql)
    row = letters.index(letter)
    arrow = cell = rows[letter][1][column]
    while cell == arrow and arrow in _ARROW_STEP:
        row += _ARROW_STEP[arrow]
        cell = rows[letters[row]][1][column]
    accept, reject = cell.split("/")
    return rows[letters[row]][0], int(accept), int(reject)


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan for one lot; code_letter is the Table I letter of the lot."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str
    level: str
    aql: float
    hundred_percent: bool

    def as_dict(self) -> dict:
        return asdict(self)


def single_sampling_plan(
    lot_size: int, aql: float, level: str = "II", severity: str = "normal"
) -> SamplingPlan:
    """The single sampling plan for a lot; the whole lot is inspected when the plan's sample would not fit."""
    _refuse_if(
        _lot_size_problem(lot_size),
        _choice_problem(level, LEVELS, "inspection level"),
        _choice_problem(aql, AQLS, "AQL"),
        _choice_problem(severity, SEVERITIES, "severity"),
    )
    letter = code_letter(lot_size, level)
    sample_size, accept, reject = master_plan(letter, aql, severity)
    return SamplingPlan(
        code_letter=letter,
        sample_size=min(sample_size, lot_size),
        accept=accept,
        reject=reject,
        severity=severity,
        level=level,
        aql=float(aql),
        hundred_percent=sample_size >= lot_size,
    )


@dataclass(frozen=True)
class Disposition:
    """Outcome of a lot: "accept" or "reject", and whether normal inspection must be reinstated."""

    decision: str
    reinstate_normal: bool = False

    @property
    def accepted(self) -> bool:
        return self.decision == "accept"


def lot_disposition(plan: SamplingPlan, defects_found: int) -> Disposition:
    """Accept at or below Ac, reject at or above Re; in between (reduced only), accept and reinstate normal."""
    if isinstance(defects_found, bool) or not isinstance(defects_found, int) or defects_found < 0:
        raise ValueError(f"defects found must be a whole number of at least 0; got {defects_found!r}")
    if defects_found >= plan.reject:
        return Disposition("reject")
    return Disposition("accept", reinstate_normal=defects_found > plan.accept)


# Switching rules (Z1.4 section 8, Figure 1) as a pure state machine.


@dataclass(frozen=True)
class LotResult:
    """What the switching rules need to know about one inspected lot."""

    accepted: bool
    resubmitted: bool = False
    production_steady: bool = True
    reduced_approved: bool = False
    reinstate_normal: bool = False


@dataclass(frozen=True)
class SamplingState:
    """Where a stream of lots stands in the switching scheme.

    recent_normal: results (True = accepted) of the last five or fewer original
    lots on normal inspection; consecutive_accepted: the current run of
    accepted original lots on normal or tightened inspection;
    tightened_not_accepted: lots not accepted since tightened inspection began.
    """

    severity: str = "normal"
    recent_normal: tuple[bool, ...] = ()
    consecutive_accepted: int = 0
    tightened_not_accepted: int = 0
    discontinued: bool = False

    def __post_init__(self) -> None:
        _refuse_if(_choice_problem(self.severity, SEVERITIES, "severity"))


@dataclass(frozen=True)
class Transition:
    """One switch of severity, worded for the inspection history."""

    from_severity: str
    to_severity: str
    reason: str
    clause: str

    def as_dict(self) -> dict:
        return asdict(self)


def next_state(state: SamplingState, lot: LotResult) -> tuple[SamplingState, Transition | None]:
    """Apply the Z1.4 switching rules to one lot result.

    Only lots on original inspection count: a resubmitted lot changes nothing.

    - normal -> tightened (8.3.1): 2 of 5 or fewer consecutive lots not accepted.
    - tightened -> normal (8.3.2): 5 consecutive lots accepted.
    - normal -> reduced (8.3.3): the preceding 10 lots accepted, production at a
      steady rate, and reduced inspection approved by the responsible authority.
      This is the rule of our issue. Z1.4-2003 adds a switching score (start at
      0; per lot add 3 if it would have been accepted at the next tighter AQL
      when Ac >= 2, add 2 if accepted when Ac is 0 or 1, otherwise reset to 0;
      reduced needs a score of 30 or more), and MIL-STD-105E instead limits the
      total defects of those 10 lots by its Table VIII limit numbers; neither
      is applied here.
    - reduced -> normal (8.3.4): a lot not accepted, a lot accepted with a count
      between Ac and Re (LotResult.reinstate_normal), or irregular production.
    - discontinuation (8.4): when the cumulative number of lots not accepted in
      the sequence of consecutive lots on tightened inspection reaches 5,
      inspection under the standard stops until corrective action is recorded
      (record_corrective_action). The standard counts lots not accepted while
      on tightened inspection, not merely lots spent there, so 5 lots on
      tightened inspection are not enough by themselves (MIL-STD-105E
      discontinued after 10 consecutive lots remained on tightened).
    """
    if state.discontinued:
        raise ValueError(
            "inspection is discontinued (Z1.4 8.4): record corrective action before inspecting more lots"
        )
    if lot.resubmitted:
        return state, None
    if state.severity == "normal":
        recent = (state.recent_normal + (lot.accepted,))[-5:]
        if recent.count(False) >= 2:
            return SamplingState("tightened"), Transition(
                "normal", "tightened", "2 of 5 or fewer consecutive lots were not accepted", "Z1.4 8.3.1"
            )
        run = state.consecutive_accepted + 1 if lot.accepted else 0
        if run >= 10 and lot.production_steady and lot.reduced_approved:
            return SamplingState("reduced"), Transition(
                "normal",
                "reduced",
                f"{run} consecutive lots accepted, production steady, reduced inspection approved",
                "Z1.4 8.3.3",
            )
        return replace(state, recent_normal=recent, consecutive_accepted=run), None
    if state.severity == "tightened":
        if lot.accepted:
            if state.consecutive_accepted + 1 >= 5:
                return SamplingState("normal"), Transition(
                    "tightened", "normal", "5 consecutive lots accepted", "Z1.4 8.3.2"
                )
            return replace(state, consecutive_accepted=state.consecutive_accepted + 1), None
        not_accepted = state.tightened_not_accepted + 1
        new_state = replace(state, consecutive_accepted=0, tightened_not_accepted=not_accepted)
        if not_accepted >= 5:
            return replace(new_state, discontinued=True), Transition(
                "tightened", "discontinued", "5 lots not accepted while on tightened inspection", "Z1.4 8.4"
            )
        return new_state, None
    if not lot.accepted:
        reason = "a lot was not accepted"
    elif lot.reinstate_normal:
        reason = "a lot was accepted with a count between Ac and Re"
    elif not lot.production_steady:
        reason = "production became irregular or delayed"
    else:
        return state, None
    return SamplingState("normal"), Transition("reduced", "normal", reason, "Z1.4 8.3.4")


def record_corrective_action(state: SamplingState) -> tuple[SamplingState, Transition]:
    """Resume a discontinued stream of lots on tightened inspection (Z1.4 8.4)."""
    if not state.discontinued:
        raise ValueError("inspection is not discontinued; there is nothing to resume")
    return SamplingState("tightened"), Transition(
        "discontinued", "tightened", "corrective action recorded", "Z1.4 8.4"
    )
