"""The outlier rule for cycle times (lrip.stats.outliers), against a published example and cases worked
by hand."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from lrip.stats import outliers


def test_leys_et_al_2013_worked_example():
    """Leys, Ley, Klein, Bernard and Licata (2013), J. Exp. Soc. Psychology 49(4), 764-766: the series
    1, 3, 3, 6, 8, 10, 10, 1000 has median 7; the absolute deviations 6, 4, 4, 1, 1, 3, 3, 993 have
    median 3.5, so MAD = 1.4826 x 3.5 = 5.19; at 3 MADs the bounds are 7 -+ 15.57: only 1000 is out."""
    assert outliers.mad_outliers([1, 3, 3, 6, 8, 10, 10, 1000]) == [False] * 7 + [True]
    # 22 is inside 7 + 15.57, 23 outside
    assert outliers.mad_outliers([1, 3, 3, 6, 8, 10, 10, 22]) == [False] * 8
    assert outliers.mad_outliers([1, 3, 3, 6, 8, 10, 10, 23])[-1] is True


def test_a_learning_curve_is_not_an_outlier_but_a_forgotten_timer_and_a_three_minute_unit_are():
    """Crawford 80% from 10 h (unit x takes 10 x^log2(0.8) h): unit 1's 10 h are 2.1 times unit 12's 4.5 h,
    yet on the trend. Unit 7 built in 3 minutes (0.05 h, against 10 x 7^-0.3219 = 5.34 h) and unit 10
    timed over a weekend (10 times its 4.76 h): of the 66 pairwise slopes of log hours against log unit,
    the 45 between exact points are log2(0.8) = -0.3219, so the Theil-Sen slope (their median) is
    exact, the other residuals are 0, their spread is taken as the 10% floor, and the two lie
    ln(5.34 / 0.05) = 4.67 and ln 10 = 2.30 from the trend, beyond 3 x 0.1."""
    hours = [10 * x ** math.log2(0.8) for x in range(1, 13)]
    assert hours[0] / hours[-1] == pytest.approx(2.22, abs=0.01)
    assert outliers.trend_outliers(hours) == [False] * 12
    hours[6], hours[9] = 0.05, hours[9] * 10
    assert math.log(10 * 7 ** math.log2(0.8) / 0.05) == pytest.approx(4.67, abs=0.01)
    assert outliers.trend_outliers(hours) == [x in (7, 10) for x in range(1, 13)]


def test_a_time_a_third_off_a_noisy_trend_is_kept_and_few_times_flag_nothing():
    """Flat times of 30 minutes give the floor's 10% spread: 40 minutes (ln 4/3 = 0.29) is within
    3 x 0.1 of the trend; 45 (ln 1.5 = 0.41) is not. Fewer than 10 times flag nothing."""
    assert outliers.trend_outliers([30.0] * 11 + [40.0]) == [False] * 12
    assert outliers.trend_outliers([30.0] * 11 + [45.0]) == [False] * 11 + [True]
    assert outliers.trend_outliers([30.0] * 8 + [14_288.0]) == [False] * 9
    assert outliers.trend_outliers([30.0] * 10 + [0.0]) == [False] * 10 + [True]  # a zero time is no labour


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=60), st.integers(0, 2**32 - 1))
def test_the_theil_sen_slope_is_scipys(ys, seed):
    """The median of the pairwise slopes, as scipy.stats.theilslopes computes it (there with its confidence
    interval, which costs several times as much), for any values over strictly increasing x."""
    x = np.cumsum(np.random.default_rng(seed).uniform(0.01, 3.0, len(ys)))
    y = np.asarray(ys)
    assert outliers.theil_sen_slope(x, y) == stats.theilslopes(y, x).slope


def test_on_ten_thousand_times_the_fit_still_finds_the_forgotten_timer_and_the_three_minute_unit():
    """A program far longer than the points the slope is fitted on: Crawford 85% from 600 minutes with a
    3% wobble, unit 4,000 timed over a weekend (10 times) and unit 7,500 built in 3 minutes."""
    n = np.arange(1, 10_001)
    minutes = 600 * n ** math.log2(0.85) * (1 + 0.03 * np.sin(n))
    minutes[3999] *= 10
    minutes[7499] = 3.0
    assert n.size > outliers.MAX_FIT
    assert [i + 1 for i, off in enumerate(outliers.trend_outliers(minutes.tolist())) if off] == [4000, 7500]
