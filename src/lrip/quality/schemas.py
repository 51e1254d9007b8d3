"""Response models of the quality analysis API: SPC of a characteristic and the yield metrics."""
from pydantic import BaseModel


class Violation(BaseModel):
    rule: int
    index: int


class Secondary(BaseModel):
    center: float
    ucl: float | list[float]
    lcl: float | list[float]
    points: list[float | None]


class Capability(BaseModel):
    cp: float | None
    cpk: float
    pp: float | None
    ppk: float
    cpk_ci_low: float
    cpk_ci_high: float
    sigma_within: float
    sigma_overall: float
    n: int


class Normality(BaseModel):
    test: str
    statistic: float
    p_value: float
    normal: bool


class LotSpan(BaseModel):
    lot: str
    first: int
    last: int


class Described(BaseModel):
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
    phase: str | None
    rules: str | None
    baseline: int
    units_measured: int
    labels: list[str]
    lots: list[LotSpan]
    values: list[float] | None
    notes: list[str]


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


class Cycle(BaseModel):
    n: int
    mean: float | None
    median: float | None
    p90: float | None
    standard: float | None
    mean_to_standard: float | None


class Figures(BaseModel):
    units: int
    units_finished: int
    fpy: float | None
    fpy_by_operation: dict[str, float | None]
    rty: float | None
    defects: int
    opportunities: int
    units_inspected: int
    dpu: float | None
    dpmo: float | None
    scrapped: int
    reworked: int
    scrap_rate: float | None
    rework_rate: float | None
    cycle_minutes: Cycle


class Group(Figures):
    group: str


class ParetoRow(BaseModel):
    category: str
    count: float
    percent: float
    cumulative_percent: float


class AgeBucket(BaseModel):
    bucket: str
    count: int


class Metrics(BaseModel):
    program: str
    by: str
    phase: str | None
    as_of: str
    groups: list[Group]
    total: Figures
    pareto: list[ParetoRow]
    pareto_source: str
    ncr_aging: list[AgeBucket] | None
