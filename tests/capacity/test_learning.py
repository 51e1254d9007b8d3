"""Learning curves against published values.

Sources of the expected figures:
- Learning-curve coefficient tables, e.g. Stevenson, "Operations Management",
  Table 7S.1 (85% unit curve: unit 2 = .850, unit 3 = .773, unit 4 = .723,
  unit 8 = .614 of unit 1); the NASA Cost Estimating Handbook learning-curve
  appendix states the same doubling rule for both Wright and Crawford.
- Boehmke & Freels (AFIT), R package learningCurve 1.1.2, worked examples of
  Wright's model: ca_unit(t=110, n=2200, r=.885) = 23.34001 hours;
  ca_block(t=75, m=201, n=250, r=.85) = 806.772 hours.
- Wright's 80% curve: units 1 and 2 average 80% of unit 1, so unit 2 takes 60%
  (M. Wideman, "Learning Curve Mathematics", appendix 2).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrip.capacity.learning import (
    LearningFit,
    fit_crawford,
    fit_wright,
    project_unit_hours,
    sustainable_rate,
    unit_fraction,
)


def curve(model, first_unit_hours, rate):
    """A curve with a known rate, as a fit of perfect data would give."""
    return LearningFit(model, first_unit_hours, math.log2(rate), rate, rate, rate, 0.95, 1.0, 0)


def crawford_hours(a, rate, n):
    return [a * x ** math.log2(rate) for x in range(1, n + 1)]


def wright_hours(a, rate, n):
    """Unit hours whose cumulative averages lie exactly on a·x**b."""
    totals = [0.0] + [x * a * x ** math.log2(rate) for x in range(1, n + 1)]
    return [totals[x] - totals[x - 1] for x in range(1, n + 1)]


def test_85_percent_fractions_at_doubling():
    # 0.85**1, 0.85**2, 0.85**3 = 0.85, 0.7225, 0.614125; unit 3 = 3**log2(0.85) = .773
    assert [unit_fraction(0.85, x) for x in (2, 3, 4, 8)] == pytest.approx(
        [0.85, 0.773, 0.7225, 0.6141], abs=5e-4
    )


def test_crawford_projection_follows_the_85_percent_table():
    fit = curve("crawford", 100.0, 0.85)
    assert project_unit_hours(fit, [1, 2, 3, 4, 8]) == pytest.approx(
        [100.0, 85.0, 77.3, 72.25, 61.41], abs=0.01
    )


def test_wright_cumulative_averages_follow_the_85_percent_fractions():
    fit = curve("wright", 100.0, 0.85)
    hours = project_unit_hours(fit, range(1, 9))
    averages = np.cumsum(hours) / np.arange(1, 9)
    assert [averages[1], averages[3], averages[7]] == pytest.approx([85.0, 72.25, 61.41], abs=0.01)


def test_wright_unit_hours_match_published_examples():
    assert project_unit_hours(curve("wright", 1.0, 0.80), [2]) == pytest.approx([0.60])
    assert project_unit_hours(curve("wright", 110.0, 0.885), [2200]) == pytest.approx(
        [23.34001], abs=1e-5
    )
    block = project_unit_hours(curve("wright", 75.0, 0.85), range(201, 251))
    assert sum(block) == pytest.approx(806.772, abs=1e-3)


def test_crawford_fit_recovers_an_80_percent_curve():
    fit = fit_crawford(crawford_hours(120.0, 0.80, 10))
    assert fit.model == "crawford"
    assert fit.learning_rate == pytest.approx(0.80)
    assert fit.first_unit_hours == pytest.approx(120.0)
    assert fit.rate_ci_low == pytest.approx(0.80)
    assert fit.rate_ci_high == pytest.approx(0.80)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.n == 10


def test_wright_fit_recovers_an_85_percent_curve_and_projects_it():
    fit = fit_wright(wright_hours(100.0, 0.85, 8))
    assert fit.model == "wright"
    assert fit.learning_rate == pytest.approx(0.85)
    assert fit.first_unit_hours == pytest.approx(100.0)
    # the next four units continue the same curve
    assert project_unit_hours(fit, range(9, 13)) == pytest.approx(wright_hours(100.0, 0.85, 12)[8:])


def test_interval_contains_the_true_rate_on_noisy_data():
    rng = np.random.default_rng(20240601)
    hours = np.array(crawford_hours(80.0, 0.82, 25)) * rng.lognormal(0.0, 0.06, 25)
    fit = fit_crawford(hours)
    assert fit.rate_ci_low < 0.82 < fit.rate_ci_high
    assert fit.rate_ci_low < fit.learning_rate < fit.rate_ci_high
    assert 0.8 < fit.r_squared < 1.0


def test_wider_confidence_gives_a_wider_interval():
    hours = [100, 83, 79, 70, 66, 64, 60, 55]
    narrow, wide = fit_crawford(hours, confidence=0.80), fit_crawford(hours, confidence=0.99)
    assert wide.rate_ci_low < narrow.rate_ci_low < narrow.rate_ci_high < wide.rate_ci_high


def test_flat_hours_mean_no_learning():
    fit = fit_crawford([10.0, 10.0, 10.0, 10.0])
    assert fit.learning_rate == pytest.approx(1.0)
    assert fit.r_squared == 1.0


def test_sustainable_rate():
    # Crawford 80%, unit 1 = 100 h: unit 8 = 100 × 0.8**3 = 51.2 h; 160 h / 51.2 h = 3.125 units
    fit = curve("crawford", 100.0, 0.80)
    assert sustainable_rate(fit, 8, 160.0) == pytest.approx(3.125)
    # Wright 80%, unit 1 = 1 h: unit 2 = 0.6 h; 3 h / 0.6 h = 5 units
    assert sustainable_rate(curve("wright", 1.0, 0.80), 2, 3.0) == pytest.approx(5.0)


@pytest.mark.parametrize("fit_curve", [fit_crawford, fit_wright])
@pytest.mark.parametrize(
    "hours, message",
    [
        ([10.0, 9.0], "at least 3 units"),
        ([10.0, 0.0, 8.0], "more than zero"),
        ([10.0, -9.0, 8.0], "more than zero"),
        ([10.0, float("nan"), 8.0], "missing"),
        ([10.0, float("inf"), 8.0], "missing"),
    ],
)
def test_bad_hours_are_refused(fit_curve, hours, message):
    with pytest.raises(ValueError, match=message):
        fit_curve(hours)


def test_bad_confidence_unit_numbers_and_hours_available_are_refused():
    with pytest.raises(ValueError, match="Confidence"):
        fit_crawford([10, 9, 8], confidence=1.0)
    fit = curve("crawford", 10.0, 0.9)
    for units in ([0], [2.5], []):
        with pytest.raises(ValueError, match="(?i)unit number"):
            project_unit_hours(fit, units)
    with pytest.raises(ValueError, match="50% or steeper"):
        project_unit_hours(curve("wright", 10.0, 0.5), [2])
    with pytest.raises(ValueError, match="Hours available"):
        sustainable_rate(fit, 5, -1.0)


rates = st.floats(min_value=0.6, max_value=1.0)
first_unit_hours = st.floats(min_value=0.5, max_value=5000.0)
counts = st.integers(min_value=3, max_value=60)


@given(rates, first_unit_hours, counts)
def test_crawford_fit_of_exact_power_law_returns_its_rate(rate, a, n):
    fit = fit_crawford(crawford_hours(a, rate, n))
    assert fit.learning_rate == pytest.approx(rate, abs=1e-9)
    assert fit.first_unit_hours == pytest.approx(a, rel=1e-9)


@given(rates, first_unit_hours, counts)
def test_wright_fit_of_exact_power_law_returns_its_rate(rate, a, n):
    fit = fit_wright(wright_hours(a, rate, n))
    assert fit.learning_rate == pytest.approx(rate, abs=1e-9)
    assert fit.first_unit_hours == pytest.approx(a, rel=1e-9)
