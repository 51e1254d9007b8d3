"""Quality's requests (the API's queries and the CLI's options parse through them) and answers:
SPC of a characteristic, the yield metrics, the supplier scorecard."""
from typing import Literal

from pydantic import Field

from lrip.fields import Answer, Strict
from lrip.program.rules import Phase
from lrip.supply.rules import SupplierStatus
from lrip.fields import IsoDate

Chart = Literal["imr", "xbar-r", "xbar-s", "p"]
RuleSet = Literal["nelson", "western-electric"]
Grouping = Literal["lot", "operation", "week", "phase"]


class SpcQuery(Strict):
    phase: Phase | None = Field(None, description="Only the lots of this phase.")
    chart: Chart | None = Field(None, description="imr (default) or xbar-r/xbar-s for measured values; p for "
                                                  "pass/fail.")
    rules: RuleSet = "nelson"
    baseline: int | None = Field(None, ge=2, le=10_000_000,
                                 description="Phase I: the first N points set the limits; the rest are monitored.")
    subgroup_size: int = Field(5, ge=2, le=25)


class MetricsQuery(Strict):
    by: Grouping = "lot"
    phase: Phase | None = None


class ScorecardQuery(Strict):
    since: IsoDate | None = Field(None, description="Receipts from this date.")
    until: IsoDate | None = Field(None, description="Receipts up to this date.")
    late_days: int = Field(0, ge=0, le=365, description="Days after the promised date still on time.")
    early_days: int | None = Field(None, ge=0, le=365, description="Days before the promised date still on time "
                                                                   "(default: any).")


class Violation(Answer):
    rule: int
    index: int


class Secondary(Answer):
    center: float
    ucl: float | list[float]
    lcl: float | list[float]
    points: list[float | None]


class Capability(Answer):
    cp: float | None
    cpk: float
    pp: float | None
    ppk: float
    cpk_ci_low: float
    cpk_ci_high: float
    sigma_within: float
    sigma_overall: float
    n: int


class Normality(Answer):
    test: str
    statistic: float
    p_value: float
    normal: bool


class LotSpan(Answer):
    lot: str
    first: int
    last: int


class Described(Answer):
    """What the characteristic is: its code, name, kind (variable or attribute) and limits."""

    characteristic: str
    name: str
    kind: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    units: str | None
    key: bool


class CharacteristicSpc(Described):
    """The `lrip spc analyze` shape, plus what the characteristic is and where each point comes from."""

    chart: str
    n_points: int
    center: float
    ucl: float | list[float]
    lcl: float | list[float]
    points: list[float]
    secondary: Secondary | None
    violations: list[Violation]
    capability: Capability | None
    normality: Normality | None
    program: str
    phase: Phase | None
    rules: RuleSet | None
    baseline: int
    units_measured: int
    labels: list[str]
    lots: list[LotSpan]
    values: list[float] | None
    notes: list[str]
    basis: str = Field(description="Which results the figures come from, in words (quality.service.basis).")


class CharacteristicRow(Described):
    units_measured: int
    chart: str | None
    n_points: int
    cpk: float | None
    ppk: float | None
    cpk_ci_low: float | None
    violations: int
    out_of_spec: int
    status: str
    cpk_target: float  # what the status judged Cpk against: the program's own signed target, else the default
    basis: str


class Cycle(Answer):
    """Worked minutes (quality.metrics); `left_out`: times off the learning trend, not in n."""

    n: int
    mean: float | None
    median: float | None
    p90: float | None
    standard: float | None
    mean_to_standard: float | None
    left_out: int


class Figures(Answer):
    """Definitions: lrip.quality.metrics."""

    units: int
    units_through: int
    fpy: float | None
    fpy_by_operation: dict[str, float | None]
    rty: float | None
    defects: float
    opportunities: int
    dpu: float | None
    dpmo: float | None
    scrapped: int
    reworked: int
    scrap_rate: float | None
    rework_rate: float | None
    cycle_minutes: Cycle


class Group(Figures):
    group: str


class ParetoRow(Answer):
    category: str
    count: float
    percent: float
    cumulative_percent: float


class AgeBucket(Answer):
    bucket: str
    count: int


class Metrics(Answer):
    program: str
    by: Grouping
    phase: Phase | None
    as_of: str
    groups: list[Group]
    total: Figures
    pareto: list[ParetoRow]
    pareto_source: str
    ncr_aging: list[AgeBucket]


class Dashboard(Answer):
    """The quality dashboard's figures from one reading: the metrics by lot, and the groups by operation."""

    by_lot: Metrics
    by_operation: list[Group]


# ---------------------------------------------------------------- the supplier scorecard

class Measures(Answer):
    """Definitions: lrip.quality.scorecard.scorecard."""

    receipts: int
    on_time_rate: float | None
    lead_time_mean_days: float | None
    lead_time_p90_days: float | None
    lead_time_spread_days: float | None
    quantity_accuracy: float | None
    acceptance_rate: float | None
    ppm: float | None
    quantity_received: float
    units_inspected: float
    defects_found: int


class Period(Measures):
    period: str = Field(description="Calendar month, YYYY-MM.")


class Scorecard(Measures):
    supplier: str
    name: str
    status: SupplierStatus
    ncr_quantity: float
    ncr_ppm: float | None
    open_ncrs: int
    scars_open: int = Field(description="Corrective action requests to the supplier not closed (verified) yet.")
    scars_overdue: int = Field(description="Of those, the ones whose response is overdue.")
    periods: list[Period]
