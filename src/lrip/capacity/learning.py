"""Learning curves: fit actual hours per unit, project hours and rate ahead.

Two log-linear models, both with learning rate = 2**b (the fraction left after
each doubling of the quantity built):

- Wright, cumulative average: the average hours of the first x units is a·x**b.
  T. P. Wright (1936), "Factors affecting the cost of airplanes", Journal of
  the Aeronautical Sciences 3(4), 122-128.
- Crawford, unit: the hours of unit x is a·x**b.
  J. R. Crawford (1944), Lockheed; as set out with Wright's model in the NASA
  Cost Estimating Handbook, appendix on learning curves.

Both are fitted by ordinary least squares on log hours against log unit number;
the slope's standard error and Student's t give the confidence interval
(simple linear regression, e.g. Montgomery, Peck & Vining, "Introduction to
Linear Regression Analysis", section 2.3).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

# scipy.special is imported by the functions that use it: at the top it took half a second of every `lrip`
# command's start.

Model = Literal["wright", "crawford"]


@dataclass(frozen=True)
class LearningFit:
    """A learning curve fitted to actual hours, with its learning rate's interval."""

    model: Model
    first_unit_hours: float  # a
    exponent: float  # b; learning_rate = 2**b
    learning_rate: float
    rate_ci_low: float
    rate_ci_high: float
    confidence: float
    r_squared: float
    n: int


def unit_fraction(rate: float, x: float) -> float:
    """x**log2(rate): the fraction of unit 1's hours at unit x (Crawford), or the
    cumulative average of the first x units as a fraction of unit 1 (Wright)."""
    return x ** math.log2(rate)


def fit_crawford(hours: Sequence[float], confidence: float = 0.95,
                 units: Sequence[int] | None = None) -> LearningFit:
    """Fit hours of unit x = a·x**b to actual hours per unit, in build order; `units`: their
    build numbers (1, 2, 3, … by default; a unit left out leaves a gap)."""
    y = _checked_hours(hours)
    return _fit("crawford", y, confidence, _checked_units(units, len(y)))


def fit_wright(hours: Sequence[float], confidence: float = 0.95,
               units: Sequence[int] | None = None) -> LearningFit:
    """Fit cumulative average hours of units 1..x = a·x**b to actual hours per
    unit, in build order; `units` as for fit_crawford (the average at x is over
    the units given up to x).

    Cumulative averages are not independent of each other, so the interval on
    the rate is narrower than the data justify; read it as a lower bound on the
    uncertainty and prefer the Crawford fit's interval when judging it.
    """
    y = _checked_hours(hours)
    x = _checked_units(units, len(y))
    cumulative_average = np.cumsum(y) / np.arange(1, len(y) + 1)
    return _fit("wright", cumulative_average, confidence, x)


def project_unit_hours(fit: LearningFit, unit_numbers: Iterable[int]) -> list[float]:
    """Projected hours of each given unit number (e.g. range(N + 1, N + k + 1)).

    Crawford: a·x**b. Wright: the unit's share of the cumulative total x·a·x**b,
    that is a·(x**(b+1) - (x-1)**(b+1)).
    """
    x = np.asarray(list(unit_numbers), dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("Give at least one unit number to project.")
    if not np.all(np.isfinite(x)) or np.any(x < 1) or np.any(x != np.floor(x)):
        raise ValueError("Unit numbers must be whole numbers from 1 up.")
    a, b = fit.first_unit_hours, fit.exponent
    if fit.model == "crawford":
        hours = a * x**b
    elif b > -1:
        hours = a * (x ** (b + 1) - (x - 1) ** (b + 1))
    else:
        raise ValueError("A Wright curve of 50% or steeper has no growing total hours to project.")
    return hours.tolist()


def sustainable_rate(
    fit: LearningFit, unit_number: int, hours_available_per_period: float
) -> float:
    """Units per period the available hours allow at a unit's projected hours."""
    if not (math.isfinite(hours_available_per_period) and hours_available_per_period >= 0):
        raise ValueError(
            f"Hours available per period must be zero or more, not {hours_available_per_period}."
        )
    (unit_hours,) = project_unit_hours(fit, [unit_number])
    return hours_available_per_period / unit_hours


def _checked_hours(hours: Sequence[float]) -> np.ndarray:
    y = np.asarray(hours, dtype=float)
    if y.ndim != 1 or len(y) < 3:
        raise ValueError("A learning curve needs the hours of at least 3 units.")
    if not np.all(np.isfinite(y)):
        raise ValueError("Hours per unit must be numbers; found a missing or infinite value.")
    if np.any(y <= 0):
        raise ValueError("Hours per unit must be more than zero.")
    return y


def _checked_units(units: Sequence[int] | None, n: int) -> np.ndarray:
    if units is None:
        return np.arange(1, n + 1, dtype=float)
    x = np.asarray(units, dtype=float)
    if x.shape != (n,) or np.any(x < 1) or np.any(np.diff(x) <= 0):
        raise ValueError("Give one build number per unit, from 1 up, in build order.")
    return x


def _fit(model: Model, y: np.ndarray, confidence: float, x: np.ndarray) -> LearningFit:
    if not 0 < confidence < 1:
        raise ValueError(f"Confidence must be between 0 and 1, not {confidence}.")
    n = len(y)
    log_x = np.log(x)
    log_y = np.log(y)
    b, log_a = (float(v) for v in np.polyfit(log_x, log_y, 1))
    sse = float(np.sum((log_y - (log_a + b * log_x)) ** 2))
    sst = float(np.sum((log_y - log_y.mean()) ** 2))
    flat = np.allclose(log_y, log_y[0], rtol=0, atol=1e-12)  # no variation: the line is exact
    sxx = float(np.sum((log_x - log_x.mean()) ** 2))
    slope_se = math.sqrt(sse / (n - 2) / sxx)
    from scipy import special
    half_width = float(special.stdtrit(n - 2, (1 + confidence) / 2)) * slope_se  # Student's t quantile
    return LearningFit(
        model=model,
        first_unit_hours=math.exp(log_a),
        exponent=b,
        learning_rate=2.0**b,
        rate_ci_low=2.0 ** (b - half_width),
        rate_ci_high=2.0 ** (b + half_width),
        confidence=confidence,
        r_squared=1.0 if flat else 1 - sse / sst,
        n=n,
    )
