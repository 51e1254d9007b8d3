"""Tests for lrip.stats.spc against published worked examples.

Sources of the data and expected figures:
- Montgomery, D. C., Introduction to Statistical Quality Control, 6th ed.:
  Appendix Table VI (factors); Examples 6.1 and 6.3 (piston-ring inside
  diameters, Table 6.3, 25 samples of 5); Example 7.1 (orange-juice cans,
  30 samples of 50); Example 7.3 (printed circuit boards, 26 samples); the
  u chart example on 20 samples of 5 personal computers (Ch. 7).
- NIST/SEMATECH e-Handbook of Statistical Methods: 6.3.2.2 (individuals
  chart, 10 flow-rate batches) and 6.1.6 (capability indices).
- Nelson (1984), J. Quality Technology 16(4); Western Electric Statistical
  Quality Control Handbook (1956): the run rules.
- Bissell (1990), Applied Statistics 39(3): the Cpk interval.
- D'Agostino & Stephens (1986), Goodness-of-Fit Techniques, Ch. 4: the A*^2 percentage points.
"""

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from lrip.stats import spc

# Montgomery Table 6.3 (Examples 6.1, 6.3): piston-ring inside diameter, mm.
# Published summaries: sum of x-bar 1850.028 (74.001), sum of R 0.581 (R-bar 0.023).
PISTON_RINGS = [
    [74.030, 74.002, 74.019, 73.992, 74.008],
    [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002],
    [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014],
    [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005],
    [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004],
    [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990],
    [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012],
    [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007],
    [74.000, 73.984, 74.005, 73.998, 73.996],
    [73.994, 74.012, 73.986, 74.005, 74.007],
    [74.006, 74.010, 74.018, 74.003, 74.000],
    [73.984, 74.002, 74.003, 74.005, 73.997],
    [74.000, 74.010, 74.013, 74.020, 74.003],
    [73.982, 74.001, 74.015, 74.005, 73.996],
    [74.004, 73.999, 73.990, 74.006, 74.009],
    [74.010, 73.989, 73.990, 74.009, 74.014],
    [74.015, 74.008, 73.993, 74.000, 74.010],
    [73.982, 73.984, 73.995, 74.017, 74.013],
]  # fmt: skip

# Montgomery Example 7.1: unacceptable cans in 30 samples of n = 50 (sum 347).
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip

# Montgomery Example 7.3: nonconformities in 26 samples of 100 boards (sum 516).
CIRCUIT_BOARDS = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16,
                  19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15]  # fmt: skip

# Montgomery Ch. 7 u chart: nonconformities in 20 samples of 5 computers (sum 193).
COMPUTERS = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]

# NIST/SEMATECH e-Handbook 6.3.2.2: flow rate of 10 batches.
FLOW_RATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]


# --- constants ---

# Montgomery Appendix Table VI, n = 2..25.
TABLE_D2 = [1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
            3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931]  # fmt: skip
TABLE_D3 = [0.853, 0.888, 0.880, 0.864, 0.848, 0.833, 0.820, 0.808, 0.797, 0.787, 0.778, 0.770,
            0.763, 0.756, 0.750, 0.744, 0.739, 0.734, 0.729, 0.724, 0.720, 0.716, 0.712, 0.708]  # fmt: skip
TABLE_C4 = [0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727, 0.9754,
            0.9776, 0.9794, 0.9810, 0.9823, 0.9835, 0.9845, 0.9854, 0.9862, 0.9869, 0.9876,
            0.9882, 0.9887, 0.9892, 0.9896]  # fmt: skip
# The same table, n = 2..10: A2, A3, B3, B4, D3, D4, E2.
TABLE_FACTORS = {
    "A2": [1.880, 1.023, 0.729, 0.577, 0.483, 0.419, 0.373, 0.337, 0.308],
    "A3": [2.659, 1.954, 1.628, 1.427, 1.287, 1.182, 1.099, 1.032, 0.975],
    "B3": [0, 0, 0, 0, 0.030, 0.118, 0.185, 0.239, 0.284],
    "B4": [3.267, 2.568, 2.266, 2.089, 1.970, 1.882, 1.815, 1.761, 1.716],
    "D3": [0, 0, 0, 0, 0, 0.076, 0.136, 0.184, 0.223],
    "D4": [3.267, 2.574, 2.282, 2.114, 2.004, 1.924, 1.864, 1.816, 1.777],
    "E2": [2.659, 1.772, 1.457, 1.290, 1.184, 1.109, 1.054, 1.010, 0.975],
}
# Printed to three decimals; two entries (d3 at n = 19, D4 at n = 3) sit one unit
# off the correctly rounded values 0.7335 and 2.5746, hence the tolerance.
TABLE_TOLERANCE = 6e-4


def test_constants_for_five_match_the_brief_and_table_vi():
    k = spc.constants(5)
    assert round(k.d2, 3) == 2.326
    assert round(k.d3, 3) == 0.864
    assert round(k.c4, 4) == 0.9400
    assert round(k.A2, 3) == 0.577
    assert round(k.D4, 3) == 2.114
    assert round(k.B4, 3) == 2.089


@pytest.mark.parametrize("n", range(2, 26))
def test_d2_d3_c4_match_montgomery_table_vi(n):
    k = spc.constants(n)
    assert k.d2 == pytest.approx(TABLE_D2[n - 2], abs=TABLE_TOLERANCE)
    assert k.d3 == pytest.approx(TABLE_D3[n - 2], abs=TABLE_TOLERANCE)
    assert round(k.c4, 4) == TABLE_C4[n - 2]


@pytest.mark.parametrize("name", sorted(TABLE_FACTORS))
def test_chart_factors_match_montgomery_table_vi(name):
    computed = [getattr(spc.constants(n), name) for n in range(2, 11)]
    assert computed == pytest.approx(TABLE_FACTORS[name], abs=TABLE_TOLERANCE)


def test_range_moments_for_two_have_closed_forms():
    """For n = 2, W = sqrt(2)|Z|: d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi)."""
    k = spc.constants(2)
    assert k.d2 == pytest.approx(2 / math.sqrt(math.pi), rel=1e-10)
    assert k.d3 == pytest.approx(math.sqrt(2 - 4 / math.pi), rel=1e-10)


@pytest.mark.parametrize("n", [3, 7, 19, 25])
def test_d2_agrees_with_the_classical_integral(n):
    """d2 = integral of 1 - Phi(x)^n - (1 - Phi(x))^n (Tippett 1925), by adaptive quadrature."""
    cdf = stats.norm.cdf
    d2, _ = integrate.quad(lambda x: 1 - cdf(x) ** n - (1 - cdf(x)) ** n, -12, 12)
    assert spc.constants(n).d2 == pytest.approx(d2, rel=1e-9)


@pytest.mark.parametrize("n", [1, 0, 2.5, True])
def test_constants_refuse_sizes_below_two_or_fractional(n):
    with pytest.raises(ValueError, match="subgroup size"):
        spc.constants(n)


# --- variables charts ---


def test_xbar_r_piston_rings_montgomery_example_6_1():
    """Montgomery Ex. 6.1: x-bar chart 74.001, UCL 74.014, LCL 73.988; R chart 0.023, UCL 0.049, LCL 0.

    The text rounds x-double-bar to 74.001 and R-bar to 0.023 before multiplying;
    unrounded, R-bar = 0.581/25 = 0.02324.
    """
    xbar, r = spc.xbar_r_chart(PISTON_RINGS)
    assert xbar.center == pytest.approx(74.001, abs=5e-4)
    assert xbar.ucl == pytest.approx(74.014, abs=1e-3)
    assert xbar.lcl == pytest.approx(73.988, abs=1e-3)
    assert r.center == pytest.approx(0.581 / 25)
    assert r.ucl == pytest.approx(0.049, abs=5e-4)
    assert r.lcl == 0.0
    assert xbar.ucl - xbar.center == pytest.approx(spc.constants(5).A2 * 0.581 / 25)


def test_xbar_s_piston_rings_montgomery_example_6_3():
    """Montgomery Ex. 6.3: s-bar 0.0094, S chart UCL 0.0196, LCL 0; x-bar limits 74.014 and 73.988."""
    xbar, s = spc.xbar_s_chart(PISTON_RINGS)
    assert s.center == pytest.approx(0.0094, abs=5e-5)
    assert s.ucl == pytest.approx(0.0196, abs=5e-5)
    assert s.lcl == 0.0
    assert xbar.ucl == pytest.approx(74.014, abs=1e-3)
    assert xbar.lcl == pytest.approx(73.988, abs=1e-3)


def test_piston_ring_capability_montgomery():
    """Montgomery (piston rings, specs 74.000 +- 0.05): sigma = R-bar/d2 = 0.0099, Cp = 1.68.

    The text rounds sigma to 0.0099; unrounded 0.02324/2.326 = 0.00999 gives Cp = 1.668.
    """
    values = np.ravel(PISTON_RINGS)
    result = spc.analyze(values, chart="xbar-r", subgroup_size=5, lsl=73.95, usl=74.05)
    cap = result["capability"]
    assert cap["sigma_within"] == pytest.approx(0.0099, abs=1e-4)
    assert cap["cp"] == pytest.approx(1.68, abs=0.015)
    assert cap["sigma_overall"] == pytest.approx(np.std(values, ddof=1))
    assert cap["pp"] == pytest.approx(0.1 / (6 * np.std(values, ddof=1)))
    assert cap["n"] == 125
    assert result["normality"]["normal"] is True
    assert result["violations"] == []


def test_xbar_s_capability_uses_s_bar_over_c4():
    cap = spc.analyze(np.ravel(PISTON_RINGS), chart="xbar-s", subgroup_size=5, usl=74.05)["capability"]
    _, s = spc.xbar_s_chart(PISTON_RINGS)
    assert cap["sigma_within"] == pytest.approx(s.center / spc.constants(5).c4)


def test_individuals_nist_6_3_2_2():
    """NIST 6.3.2.2: x-bar 50.81, MR-bar 1.8778, UCL 55.8041, LCL 45.8159, MR UCL 6.1349.

    NIST uses d2 = 1.128 and D4 = 3.267; the exact d2 = 1.12838 gives 55.8024,
    45.8176 and 6.1338.
    """
    result = spc.analyze(FLOW_RATE)
    assert result["center"] == pytest.approx(50.81)
    assert result["ucl"] == pytest.approx(55.8041, abs=2e-3)
    assert result["lcl"] == pytest.approx(45.8159, abs=2e-3)
    assert result["ucl"] == pytest.approx(50.81 + 3 * (16.9 / 9) / (2 / math.sqrt(math.pi)))
    mr = result["secondary"]
    assert mr["center"] == pytest.approx(1.8778, abs=1e-4)
    assert mr["ucl"] == pytest.approx(6.1349, abs=2e-3)
    assert mr["lcl"] == 0.0
    assert mr["points"][0] is None
    assert mr["points"][1:] == pytest.approx([2.0, 2.3, 1.4, 3.5, 3.4, 1.4, 0.2, 1.2, 1.5])
    assert result["violations"] == []


def test_phase_two_judges_new_points_against_frozen_limits():
    """Limits from the NIST 6.3.2.2 batches (phase I); three new batches monitored (phase II)."""
    result = spc.analyze(FLOW_RATE + [56.0, 45.0, 50.0], baseline=10)
    phase_one = spc.analyze(FLOW_RATE)
    for key in ("center", "ucl", "lcl"):
        assert result[key] == phase_one[key]
        assert result["secondary"][key] == phase_one["secondary"][key]
    assert result["n_points"] == 13
    assert result["violations"] == [{"rule": 1, "index": 10}, {"rule": 1, "index": 11}]


def test_xbar_baseline_uses_only_the_first_subgroups():
    values = np.ravel(PISTON_RINGS)
    result = spc.analyze(values, chart="xbar-r", subgroup_size=5, baseline=20)
    xbar, r = spc.xbar_r_chart(PISTON_RINGS[:20])
    assert result["center"] == xbar.center
    assert result["ucl"] == xbar.ucl
    assert result["secondary"]["center"] == r.center
    assert result["n_points"] == 25


def test_subgroups_by_label_in_order_of_first_appearance():
    values = [5.0, 1.0, 6.0, 2.0, 7.0, 3.0]
    labels = ["late", "early", "late", "early", "late", "early"]
    result = spc.analyze(values, chart="xbar-r", subgroups=labels)
    assert result["points"] == [6.0, 2.0]
    assert result["secondary"]["points"] == [2.0, 2.0]
    same = spc.analyze([5.0, 6.0, 7.0, 1.0, 2.0, 3.0], chart="xbar-r", subgroup_size=3)
    assert same["points"] == result["points"]


# --- attributes charts ---


def test_p_chart_orange_juice_montgomery_example_7_1():
    """Montgomery Ex. 7.1: p-bar 0.2313, UCL 0.4102, LCL 0.0524; samples 15 and 23 above UCL."""
    result = spc.analyze(ORANGE_JUICE, chart="p", sample_sizes=50)
    assert result["center"] == pytest.approx(0.2313, abs=5e-5)
    assert result["ucl"] == pytest.approx(0.4102, abs=5e-5)
    assert result["lcl"] == pytest.approx(0.0524, abs=5e-5)
    assert result["secondary"] is None and result["capability"] is None
    assert [v["index"] for v in result["violations"] if v["rule"] == 1] == [14, 22]


def test_np_chart_orange_juice_is_the_p_chart_times_n():
    """Montgomery Ch. 7 (the np chart): its limits are n times the p chart limits for one sample size."""
    p = spc.analyze(ORANGE_JUICE, chart="p", sample_sizes=50)
    np_ = spc.analyze(ORANGE_JUICE, chart="np", sample_sizes=50)
    for key in ("center", "ucl", "lcl"):
        assert np_[key] == pytest.approx(50 * p[key])
    assert np_["points"] == ORANGE_JUICE
    assert np_["violations"] == p["violations"]


def test_c_chart_circuit_boards_montgomery_example_7_3():
    """Montgomery Ex. 7.3: c-bar 19.85, UCL 33.22, LCL 6.48; samples 6 and 20 outside.

    The text rounds c-bar = 516/26 = 19.846 to 19.85 first; unrounded, UCL = 33.211.
    """
    result = spc.analyze(CIRCUIT_BOARDS, chart="c")
    assert result["center"] == pytest.approx(516 / 26)
    assert result["ucl"] == pytest.approx(33.22, abs=0.01)
    assert result["lcl"] == pytest.approx(6.48, abs=0.01)
    assert [v["index"] for v in result["violations"] if v["rule"] == 1] == [5, 19]


def test_u_chart_personal_computers_montgomery():
    """Montgomery Ch. 7 u chart: u-bar 1.93, UCL 3.79, LCL 0.07 (n = 5 computers a sample)."""
    result = spc.analyze(COMPUTERS, chart="u", sample_sizes=5)
    assert result["center"] == pytest.approx(1.93)
    assert result["ucl"] == pytest.approx(3.79, abs=5e-3)
    assert result["lcl"] == pytest.approx(0.07, abs=5e-3)
    assert result["violations"] == []


def test_p_chart_with_varying_sample_sizes_has_limits_per_point():
    """Montgomery Ch. 7, p chart with variable sample size.

    p-bar = sum d / sum n; limits p-bar +- 3 sqrt(p-bar (1 - p-bar) / n_i).

    By hand: p-bar = 18/210 = 0.0857143; n = 50: sd 0.0395897, UCL 0.2044833,
    LCL -0.033 -> 0; n = 100: sd 0.0279941, UCL 0.1696966; n = 60: sd 0.0361403.
    """
    result = spc.analyze([5, 10, 3], chart="p", sample_sizes=[50, 100, 60])
    p_bar = 18 / 210
    assert result["center"] == pytest.approx(p_bar)
    assert result["ucl"] == pytest.approx([0.2044833, 0.1696966, p_bar + 3 * 0.0361403], abs=1e-6)
    assert result["lcl"] == [0.0, pytest.approx(0.0017320, abs=1e-6), 0.0]
    assert result["points"] == pytest.approx([0.1, 0.1, 0.05])


def test_u_chart_with_varying_sample_sizes_has_limits_per_point():
    """Montgomery Ch. 7, u chart with variable sample size.

    u-bar = sum c / sum n; limits u-bar +- 3 sqrt(u-bar / n_i).

    By hand: u-bar = 30/20 = 1.5; n = 8: UCL 1.5 + 3 sqrt(0.1875) = 2.7990381;
    n = 12: UCL 1.5 + 3 sqrt(0.125) = 2.5606602, LCL 0.4393398.
    """
    result = spc.analyze([14, 16], chart="u", sample_sizes=[8, 12])
    assert result["center"] == 1.5
    assert result["ucl"] == pytest.approx([2.7990381, 2.5606602])
    assert result["lcl"] == pytest.approx([0.2009619, 0.4393398])


def test_zero_defects_give_a_zero_width_chart_that_flags_any_later_defect():
    result = spc.analyze([0, 0, 0, 0, 2], chart="p", sample_sizes=100, baseline=4)
    assert (result["center"], result["ucl"], result["lcl"]) == (0.0, 0.0, 0.0)
    assert result["violations"] == [{"rule": 1, "index": 4}]


# --- run rules: one constructed series per rule, center 0 and sigma 1 ---

NELSON_CASES = {
    1: ([0.5, -0.5, 0.5, -0.5, 3.5, -0.5, 0.5], 4),
    2: ([0.2, 0.5, 0.3, 0.6, 0.2, 0.4, 0.3, 0.5, 0.1], 8),
    3: ([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], 5),
    4: ([0.5, -0.5] * 7, 13),
    5: ([0.5, -0.5, 2.5, 0.5, 2.5, -0.5], 4),
    6: ([-0.5, 1.5, 1.5, 0.5, 1.5, 1.5, -0.5], 5),
    7: ([0.2, 0.4, -0.2, -0.4] * 3 + [0.2, 0.4, -0.2], 14),
    8: ([1.5, -1.5] * 4, 7),
}

WESTERN_ELECTRIC_CASES = {
    1: NELSON_CASES[1],
    2: NELSON_CASES[5],
    3: NELSON_CASES[6],
    4: ([0.2, 0.5, 0.3, 0.6, 0.2, 0.4, 0.3, 0.5], 7),
}


@pytest.mark.parametrize("rule", sorted(NELSON_CASES))
def test_each_nelson_rule_fires_alone_on_its_pattern(rule):
    """Nelson (1984): the series shows only this test's pattern, completed at the last index given."""
    series, index = NELSON_CASES[rule]
    assert spc.nelson(series, 0.0, 1.0) == [{"rule": rule, "index": index}]


@pytest.mark.parametrize("rule", sorted(WESTERN_ELECTRIC_CASES))
def test_each_western_electric_rule_fires_alone_on_its_pattern(rule):
    """Western Electric handbook (1956) zone rules, one pattern each."""
    series, index = WESTERN_ELECTRIC_CASES[rule]
    assert spc.western_electric(series, 0.0, 1.0) == [{"rule": rule, "index": index}]


def test_eight_on_one_side_is_western_electric_but_not_yet_nelson():
    series, _ = WESTERN_ELECTRIC_CASES[4]
    assert spc.nelson(series, 0.0, 1.0) == []


def test_a_longer_run_fires_at_every_point_that_completes_it():
    series = [0.2, 0.5, 0.3, 0.6, 0.2, 0.4, 0.3, 0.5, 0.1, 0.4]
    assert spc.nelson(series, 0.0, 1.0) == [{"rule": 2, "index": 8}, {"rule": 2, "index": 9}]


def test_rules_scale_with_center_and_sigma_per_point():
    series, index = NELSON_CASES[6]
    sigma = np.linspace(1.0, 3.0, len(series))
    shifted = 10 + np.asarray(series) * sigma
    assert spc.nelson(shifted, 10.0, sigma) == [{"rule": 6, "index": index}]


def _reference_rules(points, rule_set):
    """Point-by-point restatement of the rules (center 0, sigma 1) to check the vectorised code."""
    z = list(points)

    def run(i, k, test):
        return i >= k - 1 and all(test(v) for v in z[i - k + 1 : i + 1])

    def k_of_m(i, k, m, test):
        return test(z[i]) and sum(test(v) for v in z[max(0, i - m + 1) : i + 1]) >= k

    def steps(i, k, test):  # the k differences ending at point i all pass
        return i >= k and all(test(z[j] - z[j - 1]) for j in range(i - k + 1, i + 1))

    def alternating(i):  # 14 points: 13 differences, each of opposite sign to the next
        diffs = [z[j] - z[j - 1] for j in range(i - 12, i + 1)] if i >= 13 else []
        return bool(diffs) and all((a > 0 > b) or (a < 0 < b) for a, b in zip(diffs, diffs[1:]))

    def beyond(k, side):
        return lambda v: v * side > k

    found = []
    for i in range(len(z)):
        if rule_set == "nelson":
            tests = {
                1: abs(z[i]) > 3,
                2: run(i, 9, beyond(0, 1)) or run(i, 9, beyond(0, -1)),
                3: steps(i, 5, lambda d: d > 0) or steps(i, 5, lambda d: d < 0),
                4: alternating(i),
                5: k_of_m(i, 2, 3, beyond(2, 1)) or k_of_m(i, 2, 3, beyond(2, -1)),
                6: k_of_m(i, 4, 5, beyond(1, 1)) or k_of_m(i, 4, 5, beyond(1, -1)),
                7: run(i, 15, lambda v: abs(v) < 1),
                8: run(i, 8, lambda v: abs(v) > 1),
            }
        else:
            tests = {
                1: abs(z[i]) > 3,
                2: k_of_m(i, 2, 3, beyond(2, 1)) or k_of_m(i, 2, 3, beyond(2, -1)),
                3: k_of_m(i, 4, 5, beyond(1, 1)) or k_of_m(i, 4, 5, beyond(1, -1)),
                4: run(i, 8, beyond(0, 1)) or run(i, 8, beyond(0, -1)),
            }
        found += [{"rule": rule, "index": i} for rule, hit in tests.items() if hit]
    return found


# Half-sigma steps hit the zone boundaries exactly; the narrow band makes long runs likely.
SERIES = st.one_of(
    st.lists(st.integers(-8, 8).map(lambda k: k / 2), min_size=1, max_size=80),
    st.lists(st.integers(-2, 6).map(lambda k: k / 4), min_size=1, max_size=80),
    st.lists(st.floats(-4, 4, allow_subnormal=False), min_size=1, max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(SERIES)
def test_vectorised_nelson_matches_the_point_by_point_reading(series):
    assert spc.nelson(series, 0.0, 1.0) == _reference_rules(series, "nelson")


@settings(max_examples=300, deadline=None)
@given(SERIES)
def test_vectorised_western_electric_matches_the_point_by_point_reading(series):
    assert spc.western_electric(series, 0.0, 1.0) == _reference_rules(series, "western-electric")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-100, 100, allow_subnormal=False), min_size=2, max_size=60),
    st.integers(-3, 5),
    st.sampled_from([1.0, -1.0]),
)
def test_violations_do_not_depend_on_units_or_direction(values, power, sign):
    """Limits are scale equivariant and the rules symmetric; scaling by +-2^k is exact in floating point."""
    scale = sign * 2.0**power
    plain = spc.analyze(values)
    moved = spc.analyze([scale * v for v in values])
    assert moved["center"] == scale * plain["center"]
    assert moved["violations"] == plain["violations"]


# --- capability ---


def test_capability_nist_6_1_6():
    """NIST 6.1.6: USL 20, LSL 8, mean 16, s 2 -> Cp 1.0, Cpu 0.6667, Cpl 1.3333, Cpk 0.6667."""
    cap = spc.capability(16.0, 2.0, 2.0, 50, lsl=8.0, usl=20.0)
    assert cap["cp"] == pytest.approx(1.0)
    assert cap["cpk"] == pytest.approx(0.6667, abs=5e-5)
    assert cap["pp"] == pytest.approx(1.0)
    assert cap["ppk"] == pytest.approx(0.6667, abs=5e-5)


def test_one_sided_capability_uses_the_given_side_and_has_no_cp():
    """NIST 6.1.6 with one limit: Cpu = (20 - 16)/6 = 0.6667, Cpl = (16 - 8)/6 = 1.3333."""
    upper = spc.capability(16.0, 2.0, 2.5, 50, usl=20.0)
    lower = spc.capability(16.0, 2.0, 2.5, 50, lsl=8.0)
    assert (upper["cp"], upper["pp"]) == (None, None)
    assert upper["cpk"] == pytest.approx(4 / 6)
    assert upper["ppk"] == pytest.approx(4 / 7.5)
    assert lower["cp"] is None
    assert lower["cpk"] == pytest.approx(8 / 6)


def test_cpk_interval_bissell_1990():
    """Bissell (1990): Cpk +- z sqrt(1/(9n) + Cpk^2/(2(n-1))).

    By hand for Cpk = 1.33, n = 20, 95%: 1/180 + 1.7689/38 = 0.0521061,
    sqrt = 0.2282675, times 1.959964 = 0.4473961 -> 0.8826 to 1.7774 (the case
    Montgomery works in his capability chapter: 0.88 <= Cpk <= 1.78).
    """
    cap = spc.capability(18.0 - 3 * 1.33, 1.0, 1.0, 20, usl=18.0)
    assert cap["cpk"] == pytest.approx(1.33)
    assert cap["cpk_ci_low"] == pytest.approx(0.8826, abs=1e-4)
    assert cap["cpk_ci_high"] == pytest.approx(1.7774, abs=1e-4)


def test_capability_in_analyze_for_individuals_uses_mr_bar_over_d2():
    result = spc.analyze(FLOW_RATE, lsl=40.0, usl=60.0)
    cap = result["capability"]
    sigma = (16.9 / 9) / (2 / math.sqrt(math.pi))
    assert cap["sigma_within"] == pytest.approx(sigma)
    assert cap["cp"] == pytest.approx(20 / (6 * sigma))
    assert cap["cpk"] == pytest.approx((60 - 50.81) / (3 * sigma))
    assert cap["sigma_overall"] == pytest.approx(np.std(FLOW_RATE, ddof=1))
    assert cap["n"] == 10


def test_no_capability_without_spec_limits_or_for_attributes():
    assert spc.analyze(FLOW_RATE)["capability"] is None
    assert spc.analyze(CIRCUIT_BOARDS, chart="c", lsl=1.0, usl=50.0)["capability"] is None


# --- normality ---


def test_anderson_darling_statistic_matches_scipy():
    x = np.random.default_rng(7).normal(5, 3, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy 1.17 asks for a p-value method; only A^2 is used here
        expected = stats.anderson(x, "norm").statistic
    assert spc.anderson_darling(x)["statistic"] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(
    "a_star, significance", [(0.561, 0.15), (0.631, 0.10), (0.752, 0.05), (0.873, 0.025), (1.035, 0.01)]
)
def test_anderson_darling_p_value_at_the_published_percentage_points(a_star, significance):
    """D'Agostino & Stephens (1986), Ch. 4, mean and variance estimated: upper percentage points of A*^2."""
    assert spc._ad_p_value(a_star) == pytest.approx(significance, rel=0.03)


def test_anderson_darling_separates_normal_from_skewed_data():
    rng = np.random.default_rng(3)
    assert spc.anderson_darling(rng.normal(size=500))["normal"] is True
    skewed = spc.anderson_darling(rng.exponential(size=500))
    assert skewed["normal"] is False
    assert skewed["p_value"] < 1e-6


# --- the analyze contract ---

KEYS = {"chart", "n_points", "center", "ucl", "lcl", "points", "secondary", "violations", "capability"}
KEYS |= {"normality"}


def _plain_json(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"values": FLOW_RATE, "lsl": 45.0, "usl": 58.0},
        {"values": np.ravel(PISTON_RINGS), "chart": "xbar-r", "subgroup_size": 5, "usl": 74.05},
        {"values": np.ravel(PISTON_RINGS), "chart": "xbar-s", "subgroup_size": 5},
        {"values": ORANGE_JUICE, "chart": "p", "sample_sizes": 50},
        {"values": ORANGE_JUICE, "chart": "np", "sample_sizes": 50, "rules": "western-electric"},
        {"values": CIRCUIT_BOARDS, "chart": "c", "rules": None},
        {"values": [5, 10, 3], "chart": "u", "sample_sizes": [50, 100, 60]},
    ],
)
def test_analyze_returns_the_contract_shape_in_plain_types(kwargs):
    result = spc.analyze(**kwargs)
    assert set(result) == KEYS
    assert _plain_json(result)
    json.dumps(result)
    assert result["n_points"] == len(result["points"])
    assert result["violations"] == sorted(result["violations"], key=lambda v: (v["index"], v["rule"]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"values": []}, "empty"),
        ({"values": [1.0, float("nan"), 2.0]}, "NaN"),
        ({"values": [1.0]}, "at least 2"),
        ({"values": [1.0, 2.0, 3.0], "chart": "bar"}, "unknown chart"),
        ({"values": [1.0, 2.0, 3.0], "rules": "acme"}, "unknown rules"),
        ({"values": [1.0, 2.0, 3.0], "lsl": 5.0, "usl": 5.0}, "lsl"),
        ({"values": [1.0, 2.0, 3.0], "baseline": 1}, "baseline"),
        ({"values": [1.0, 2.0, 3.0], "baseline": 4}, "baseline"),
        ({"values": [1.0, 2.0, 3.0], "subgroup_size": 3}, "xbar"),
        ({"values": [1.0, 2.0, 3.0, 4.0], "chart": "xbar-r", "subgroup_size": 1}, "at least 2"),
        ({"values": [1.0, 2.0, 3.0, 4.0], "chart": "xbar-r", "subgroup_size": 3}, "divide"),
        ({"values": [1.0, 2.0, 3.0, 4.0], "chart": "xbar-s"}, "either"),
        ({"values": [1.0, 2.0, 3.0], "chart": "xbar-r", "subgroups": ["a", "a", "b"]}, "same size"),
        ({"values": [1.0, 2.0], "chart": "xbar-r", "subgroups": ["a"]}, "one label per value"),
        ({"values": [1, -2, 3], "chart": "c"}, "negative"),
        ({"values": [1, 2.5, 3], "chart": "c"}, "whole"),
        ({"values": [1, 2, 3], "chart": "c", "sample_sizes": 5}, "sample_sizes"),
        ({"values": [1, 60, 3], "chart": "p", "sample_sizes": 50}, "sample 2"),
        ({"values": [1, 2, 3], "chart": "p"}, "needs sample_sizes"),
        ({"values": [1, 2, 3], "chart": "p", "sample_sizes": [50, 50]}, "one per sample"),
        ({"values": [1, 2, 3], "chart": "u", "sample_sizes": [5, 0, 5]}, "positive"),
        ({"values": [1, 2, 3], "chart": "np", "sample_sizes": [50, 60, 50]}, "p chart"),
        ({"values": [3.0, 3.0, 3.0], "usl": 5.0}, "no variation"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spc.analyze(**kwargs)
