"""Statistical process control: control charts, run rules, process capability.

Pure NumPy/SciPy. Sources:

- Montgomery, D. C., *Introduction to Statistical Quality Control*, 6th ed.
  (Wiley, 2009): Shewhart charts for variables (Ch. 6) and attributes, with
  variable sample sizes (Ch. 7); capability ratios (Ch. 8); factors for
  control charts (Appendix Table VI).
- d2 and d3, the mean and standard deviation of the range of n standard
  normal values, are computed by numerical integration (Tippett, Biometrika
  17, 1925; Harter, Ann. Math. Statist. 31(4), 1960) and c4 in closed form;
  they reproduce Montgomery's Appendix Table VI.
- Nelson, L. S. (1984), "The Shewhart control chart - tests for special
  causes", Journal of Quality Technology 16(4), 237-239: the eight tests.
- Western Electric Co. (1956), *Statistical Quality Control Handbook*: the
  four zone rules.
- Bissell, A. F. (1990), "How reliable is your capability index?", Applied
  Statistics 39(3), 331-340: the normal-approximation interval for Cpk, also
  given in the NIST/SEMATECH e-Handbook of Statistical Methods, 6.1.6.
- D'Agostino, R. B. and Stephens, M. A. (1986), *Goodness-of-Fit
  Techniques*, Dekker, Ch. 4 and Table 4.9: the Anderson-Darling test for
  normality with estimated mean and variance, and its p-value.

Phase I limits come from the first `baseline` points (all points by default);
phase II monitors every point against those frozen limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

# scipy.special is imported by the functions that use it: at the top it took half a second of every `lrip`
# command's start.

CHARTS = ("imr", "xbar-r", "xbar-s", "p", "np", "c", "u")
RULE_SETS = ("nelson", "western-electric")


@dataclass(frozen=True)
class Constants:
    """Control chart factors for subgroup size n (Montgomery, Appendix Table VI)."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    A3: float
    D3: float
    D4: float
    B3: float
    B4: float
    E2: float


@cache
def constants(n: int) -> Constants:
    """Factors for subgroup size n >= 2.

    With W the range of n standard normal values (Tippett 1925; Harter 1960):
    P(W <= w) = n * integral phi(x) [Phi(x + w) - Phi(x)]^(n-1) dx,
    d2 = E[W] = integral_0^inf P(W > w) dw,
    E[W^2] = integral_0^inf 2w P(W > w) dw, d3 = sqrt(E[W^2] - d2^2).
    c4 = sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2). The rest as in Montgomery
    Ch. 6: A2 = 3/(d2 sqrt n), A3 = 3/(c4 sqrt n), D3, D4 = 1 -+ 3 d3/d2,
    B3, B4 = 1 -+ 3 sqrt(1 - c4^2)/c4 (negative factors become 0), E2 = 3/d2.
    """
    if not (_is_int(n) and n >= 2):
        raise ValueError(f"subgroup size must be a whole number of at least 2, got {n!r}")
    n = int(n)
    x = np.linspace(-10.0, 10.0, 2001)  # trapezoid rule; the integrand vanishes at both ends
    nodes, weights = np.polynomial.legendre.leggauss(96)
    w, weights = 8.0 * (nodes + 1.0), 8.0 * weights  # Gauss-Legendre over w in [0, 16]
    from scipy import special
    spread = special.ndtr(x + w[:, None]) - special.ndtr(x)
    at_most = n * (np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi) * spread ** (n - 1)).sum(axis=1) * (x[1] - x[0])
    d2 = float(weights @ (1.0 - at_most))
    d3 = math.sqrt(float(weights @ (2.0 * w * (1.0 - at_most))) - d2**2)
    c4 = math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))
    s_factor = 3.0 * math.sqrt(1.0 - c4**2) / c4
    return Constants(
        n=n, d2=d2, d3=d3, c4=c4,
        A2=3.0 / (d2 * math.sqrt(n)), A3=3.0 / (c4 * math.sqrt(n)),
        D3=max(0.0, 1.0 - 3.0 * d3 / d2), D4=1.0 + 3.0 * d3 / d2,
        B3=max(0.0, 1.0 - s_factor), B4=1.0 + s_factor,
        E2=3.0 / d2,
    )  # fmt: skip


@dataclass(frozen=True)
class Chart:
    """Plotted points, center line and 3-sigma limits (arrays when limits vary per point)."""

    points: np.ndarray
    center: float
    ucl: float | np.ndarray
    lcl: float | np.ndarray

    @property
    def sigma(self) -> float | np.ndarray:
        """Standard error of a plotted point: (UCL - center) / 3."""
        return (self.ucl - self.center) / 3.0


# --- variables charts (Montgomery Ch. 6) ---


def imr_chart(values, baseline: int | None = None) -> tuple[Chart, Chart]:
    """Individuals chart x-bar +- 3 MR-bar/d2 and moving-range chart (D3, D4 of n = 2).

    The moving-range points start at the second value.
    """
    x = _finite(values, "values")
    b = _baseline(x.size, baseline)
    moving_ranges = np.abs(np.diff(x))
    mr_bar = float(moving_ranges[: b - 1].mean())
    center = float(x[:b].mean())
    k = constants(2)
    return (
        Chart(x, center, center + k.E2 * mr_bar, center - k.E2 * mr_bar),
        Chart(moving_ranges, mr_bar, k.D4 * mr_bar, k.D3 * mr_bar),
    )


def xbar_r_chart(groups, baseline: int | None = None) -> tuple[Chart, Chart]:
    """X-bar chart x-double-bar +- A2 R-bar and R chart (D3 R-bar, D4 R-bar); one subgroup a row."""
    g = _subgroup_matrix(groups)
    b = _baseline(len(g), baseline)
    means, ranges = g.mean(axis=1), np.ptp(g, axis=1)
    center, r_bar = float(means[:b].mean()), float(ranges[:b].mean())
    k = constants(g.shape[1])
    return (
        Chart(means, center, center + k.A2 * r_bar, center - k.A2 * r_bar),
        Chart(ranges, r_bar, k.D4 * r_bar, k.D3 * r_bar),
    )


def xbar_s_chart(groups, baseline: int | None = None) -> tuple[Chart, Chart]:
    """X-bar chart x-double-bar +- A3 s-bar and S chart (B3 s-bar, B4 s-bar); one subgroup a row."""
    g = _subgroup_matrix(groups)
    b = _baseline(len(g), baseline)
    means, sds = g.mean(axis=1), g.std(axis=1, ddof=1)
    center, s_bar = float(means[:b].mean()), float(sds[:b].mean())
    k = constants(g.shape[1])
    return (
        Chart(means, center, center + k.A3 * s_bar, center - k.A3 * s_bar),
        Chart(sds, s_bar, k.B4 * s_bar, k.B3 * s_bar),
    )


# --- attributes charts (Montgomery Ch. 7); a negative LCL becomes 0 ---


def p_chart(counts, sizes, baseline: int | None = None) -> Chart:
    """Fraction nonconforming: p-bar +- 3 sqrt(p-bar (1 - p-bar) / n_i), per point when n_i vary."""
    d = _counts(counts)
    n = _sizes(sizes, d.size, whole=True)
    _at_most(d, n)
    b = _baseline(d.size, baseline)
    p_bar = float(d[:b].sum() / n[:b].sum())
    return _attribute(d / n, p_bar, np.sqrt(p_bar * (1.0 - p_bar) / _collapse(n)))


def np_chart(counts, size, baseline: int | None = None) -> Chart:
    """Number nonconforming with one sample size n: n p-bar +- 3 sqrt(n p-bar (1 - p-bar))."""
    d = _counts(counts)
    n = _collapse(_sizes(size, d.size, whole=True))
    if isinstance(n, np.ndarray):
        raise ValueError("the np chart needs one sample size for every sample; use the p chart")
    _at_most(d, n)
    b = _baseline(d.size, baseline)
    p_bar = float(d[:b].mean() / n)
    return _attribute(d, n * p_bar, math.sqrt(n * p_bar * (1.0 - p_bar)))


def c_chart(counts, baseline: int | None = None) -> Chart:
    """Nonconformities per sample of constant size: c-bar +- 3 sqrt(c-bar)."""
    c = _counts(counts)
    c_bar = float(c[: _baseline(c.size, baseline)].mean())
    return _attribute(c, c_bar, math.sqrt(c_bar))


def u_chart(counts, sizes, baseline: int | None = None) -> Chart:
    """Nonconformities per unit: u-bar +- 3 sqrt(u-bar / n_i), per point when n_i vary."""
    c = _counts(counts)
    n = _sizes(sizes, c.size, whole=False)
    b = _baseline(c.size, baseline)
    u_bar = float(c[:b].sum() / n[:b].sum())
    return _attribute(c / n, u_bar, np.sqrt(u_bar / _collapse(n)))


def _attribute(points, center: float, sd) -> Chart:
    return Chart(points, center, center + 3.0 * sd, np.maximum(center - 3.0 * sd, 0.0))


# --- run rules ---


def nelson(points, center, sigma) -> list[dict]:
    """The eight tests of Nelson (1984) as [{"rule", "index"}]; see `nelson_masks`."""
    return _violations(nelson_masks(points, center, sigma))


def western_electric(points, center, sigma) -> list[dict]:
    """The four Western Electric zone rules as [{"rule", "index"}]; see `western_electric_masks`."""
    return _violations(western_electric_masks(points, center, sigma))


def count_violations(points, center, sigma, rules: str = "nelson") -> int:
    """How many (rule, point) violations `nelson` or `western_electric` would list, without listing them."""
    return sum(int(np.count_nonzero(mask)) for mask in _MASKS[rules](points, center, sigma).values())


def nelson_masks(points, center, sigma) -> dict[int, np.ndarray]:
    """The eight tests of Nelson (1984), a boolean mask per rule; sigma is one standard error of a point.

    1 one point beyond 3 sigma; 2 nine in a row on one side of the center;
    3 six in a row steadily increasing or decreasing; 4 fourteen in a row
    alternating up and down; 5 two of three beyond 2 sigma on one side; 6 four
    of five beyond 1 sigma on one side; 7 fifteen in a row within 1 sigma;
    8 eight in a row beyond 1 sigma, either side. A violation is reported at
    the point that completes the pattern and again at each later point that
    still completes it; for "k of m" tests that point is itself one of the k.
    "Beyond" and "within" are strict; a point on the center line breaks runs.
    center and sigma may be arrays (limits per point).
    """
    x, z = _standardize(points, center, sigma)
    distance = np.abs(z)
    step = np.diff(x)
    up, down = step > 0, step < 0
    return {
        1: distance > 3,
        2: _run(z > 0, 9) | _run(z < 0, 9),
        3: _shift(_run(up, 5) | _run(down, 5), 1, x.size),
        4: _shift(_run((up[:-1] & down[1:]) | (down[:-1] & up[1:]), 12), 2, x.size),
        5: _k_of_m(z > 2, 2, 3) | _k_of_m(z < -2, 2, 3),
        6: _k_of_m(z > 1, 4, 5) | _k_of_m(z < -1, 4, 5),
        7: _run(distance < 1, 15),
        8: _run(distance > 1, 8),
    }


def western_electric_masks(points, center, sigma) -> dict[int, np.ndarray]:
    """The four zone rules of the Western Electric handbook (1956), conventions as in `nelson_masks`.

    1 one point beyond 3 sigma; 2 two of three beyond 2 sigma on one side;
    3 four of five beyond 1 sigma on one side; 4 eight in a row on one side.
    """
    _, z = _standardize(points, center, sigma)
    return {
        1: np.abs(z) > 3,
        2: _k_of_m(z > 2, 2, 3) | _k_of_m(z < -2, 2, 3),
        3: _k_of_m(z > 1, 4, 5) | _k_of_m(z < -1, 4, 5),
        4: _run(z > 0, 8) | _run(z < 0, 8),
    }


def _standardize(points, center, sigma) -> tuple[np.ndarray, np.ndarray]:
    x = _finite(points, "points")
    c = np.asarray(center, dtype=float)
    s = np.asarray(sigma, dtype=float)
    if not (np.isfinite(c).all() and np.isfinite(s).all()) or np.any(s < 0):
        raise ValueError("center must be finite and sigma finite and not negative")
    with np.errstate(divide="ignore", invalid="ignore"):  # sigma 0: a point off center is infinitely far
        return x, (x - c) / s


def _window_count(flag: np.ndarray, m: int) -> np.ndarray:
    """How many of the last m points (fewer at the start) are flagged, at each point: a running
    sum less the running sum m points back (one pass, whatever m)."""
    count = np.cumsum(flag, dtype=np.int32)
    if m < flag.size:
        count[m:] -= count[:-m].copy()
    return count


def _run(flag: np.ndarray, k: int) -> np.ndarray:
    return _window_count(flag, k) == k


def _k_of_m(flag: np.ndarray, k: int, m: int) -> np.ndarray:
    return flag & (_window_count(flag, m) >= k)


def _shift(mask: np.ndarray, offset: int, size: int) -> np.ndarray:
    """Place a mask computed on differences onto the points it ends at."""
    out = np.zeros(size, dtype=bool)
    out[offset:] = mask
    return out


def _violations(masks: dict[int, np.ndarray]) -> list[dict]:
    index = np.concatenate([np.flatnonzero(mask) for mask in masks.values()])
    rule = np.concatenate([np.full(np.count_nonzero(m), r) for r, m in masks.items()])
    order = np.lexsort((rule, index))
    return [{"rule": r, "index": i} for r, i in zip(rule[order].tolist(), index[order].tolist())]


# --- capability ---


def capability(
    mean: float,
    sigma_within: float,
    sigma_overall: float,
    n: int,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    confidence: float = 0.95,
) -> dict:
    """Cp, Cpk (sigma within) and Pp, Ppk (sigma overall), with an interval for Cpk.

    Cp = (USL - LSL) / 6 sigma, Cpk = min(USL - mean, mean - LSL) / 3 sigma
    (Montgomery Sect. 8.3; NIST e-Handbook 6.1.6); Pp, Ppk the same with the
    overall standard deviation. With one limit, Cpk (Ppk) is that side's ratio
    and Cp, Pp are None. Interval (Bissell 1990), n individual values:
    Cpk -+ z sqrt(1/(9n) + Cpk^2 / (2(n - 1))).
    """
    _check_specs(lsl, usl)
    if lsl is None and usl is None:
        raise ValueError("capability needs at least one spec limit (lsl or usl)")
    if not (sigma_within > 0 and sigma_overall > 0):
        raise ValueError("capability is undefined when the data show no variation (sigma is 0)")
    if n < 2:
        raise ValueError("capability needs at least 2 values")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")

    def ratios(sigma: float) -> tuple[float | None, float]:
        sides = [(usl - mean) / (3 * sigma)] if usl is not None else []
        sides += [(mean - lsl) / (3 * sigma)] if lsl is not None else []
        spread = (usl - lsl) / (6 * sigma) if len(sides) == 2 else None
        return spread, min(sides)

    cp, cpk = ratios(sigma_within)
    pp, ppk = ratios(sigma_overall)
    from scipy import special
    z = float(special.ndtri(0.5 + confidence / 2))  # the normal quantile
    half = z * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))
    return {
        "cp": _float(cp), "cpk": float(cpk), "pp": _float(pp), "ppk": float(ppk),
        "cpk_ci_low": float(cpk - half), "cpk_ci_high": float(cpk + half),
        "sigma_within": float(sigma_within), "sigma_overall": float(sigma_overall), "n": int(n),
    }  # fmt: skip


def anderson_darling(values, alpha: float = 0.05) -> dict:
    """Anderson-Darling test of normality with mean and variance estimated from the data.

    A^2 = -n - (1/n) sum (2i - 1) [ln Phi(z_(i)) + ln(1 - Phi(z_(n+1-i)))] on the
    sorted standardized values; p-value from A*^2 = A^2 (1 + 0.75/n + 2.25/n^2)
    by D'Agostino & Stephens (1986), Table 4.9 (as Minitab and R's nortest).
    The reported statistic is A^2; `normal` is p >= alpha.
    """
    x = np.sort(_finite(values, "values"))
    n = x.size
    if n < 8:
        raise ValueError(f"the Anderson-Darling test needs at least 8 values, got {n}")
    sd = x.std(ddof=1)
    if sd == 0:
        raise ValueError("the Anderson-Darling test is undefined when all values are equal")
    z = (x - x.mean()) / sd
    weights = 2.0 * np.arange(1, n + 1) - 1.0
    from scipy import special
    a2 = float(-n - np.mean(weights * (special.log_ndtr(z) + special.log_ndtr(-z[::-1]))))
    p = _ad_p_value(a2 * (1 + 0.75 / n + 2.25 / n**2))
    return {"test": "anderson-darling", "statistic": a2, "p_value": p, "normal": p >= alpha}


def _ad_p_value(a: float) -> float:
    """P-value of the modified statistic A*^2 (D'Agostino & Stephens 1986, Table 4.9)."""
    if a < 0.2:
        return 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a**2)
    if a < 0.34:
        return 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a**2)
    if a < 0.6:
        return math.exp(0.9177 - 4.279 * a - 1.38 * a**2)
    a = min(a, 10.0)  # the fit's range; beyond it p < 4e-24
    return math.exp(1.2937 - 5.709 * a + 0.0186 * a**2)


# --- one entry point ---


def analyze(
    values,
    *,
    chart: str = "imr",
    subgroups=None,
    subgroup_size: int | None = None,
    sample_sizes=None,
    lsl: float | None = None,
    usl: float | None = None,
    rules: str | None = "nelson",
    baseline: int | None = None,
) -> dict:
    """Chart a series, test it against run rules and, for variable data with a spec limit, capability.

    chart: imr, xbar-r, xbar-s (values are measurements) or p, np, c, u
    (values are counts; sample_sizes one size or one per sample, not for c).
    X-bar charts take `subgroup_size` or `subgroups`, a label per value:
    values with the same label form a subgroup, subgroups ordered by first
    appearance, all of one size. rules: "nelson", "western-electric" or None,
    applied to the primary chart. baseline: how many leading points (values,
    subgroups or samples) set the limits (phase I); all later points are
    judged against them (phase II). Capability and the normality test use the
    baseline values. Returns plain JSON-ready data; the moving-range chart's
    first point is None.
    """
    if chart not in CHARTS:
        raise ValueError(f"unknown chart {chart!r}; choose one of {', '.join(CHARTS)}")
    if rules is not None and rules not in RULE_SETS:
        raise ValueError(f"unknown rules {rules!r}; choose nelson, western-electric or None")
    _check_specs(lsl, usl)
    _check_arguments(chart, subgroups, subgroup_size, sample_sizes)

    secondary = base = None
    if chart == "imr":
        x = _finite(values, "values")
        primary, secondary = imr_chart(x, baseline)
        sigma_within = secondary.center / constants(2).d2
        base = x[: _baseline(x.size, baseline)]
    elif chart in ("xbar-r", "xbar-s"):
        groups = _form_subgroups(values, subgroups, subgroup_size)
        k = constants(groups.shape[1])
        if chart == "xbar-r":
            primary, secondary = xbar_r_chart(groups, baseline)
            sigma_within = secondary.center / k.d2
        else:
            primary, secondary = xbar_s_chart(groups, baseline)
            sigma_within = secondary.center / k.c4
        base = groups[: _baseline(len(groups), baseline)].ravel()
    elif chart == "c":
        primary = c_chart(values, baseline)
    else:
        primary = {"p": p_chart, "np": np_chart, "u": u_chart}[chart](values, sample_sizes, baseline)

    cap = normality = None
    if base is not None and (lsl is not None or usl is not None):
        sigma_overall = float(base.std(ddof=1))
        cap = capability(float(base.mean()), sigma_within, sigma_overall, base.size, lsl=lsl, usl=usl)
        normality = anderson_darling(base) if base.size >= 8 else None

    result = {
        "chart": chart,
        "n_points": int(primary.points.size),
        **_chart_dict(primary),
        "secondary": None,
        "violations": [] if rules is None else _RULES[rules](primary.points, primary.center, primary.sigma),
        "capability": cap,
        "normality": normality,
    }
    if secondary is not None:
        result["secondary"] = _chart_dict(secondary)
        if chart == "imr":
            result["secondary"]["points"].insert(0, None)
    return result


_RULES = {"nelson": nelson, "western-electric": western_electric}
_MASKS = {"nelson": nelson_masks, "western-electric": western_electric_masks}


def _check_arguments(chart: str, subgroups, subgroup_size, sample_sizes) -> None:
    """Refuse arguments the chosen chart does not use."""
    if chart not in ("xbar-r", "xbar-s") and (subgroups is not None or subgroup_size is not None):
        raise ValueError(f"subgroups and subgroup_size apply to xbar-r and xbar-s charts, not {chart}")
    if chart in ("imr", "xbar-r", "xbar-s", "c") and sample_sizes is not None:
        raise ValueError(f"sample_sizes apply to p, np and u charts, not {chart}")
    if chart in ("p", "np", "u") and sample_sizes is None:
        raise ValueError(f"the {chart} chart needs sample_sizes")


def _chart_dict(c: Chart) -> dict:
    return {
        "center": float(c.center),
        "ucl": _plain(c.ucl),
        "lcl": _plain(c.lcl),
        "points": c.points.tolist(),
    }


def _plain(v):
    return v.tolist() if isinstance(v, np.ndarray) and v.ndim else float(v)


def _float(v):
    return None if v is None else float(v)


# --- input checks ---


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _finite(values, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers")
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinite entries")
    return x


def _baseline(n_points: int, baseline: int | None) -> int:
    """Number of leading points that set the limits (phase I)."""
    if n_points < 2:
        raise ValueError(f"control limits need at least 2 points, got {n_points}")
    if baseline is None:
        return n_points
    if not (_is_int(baseline) and 2 <= baseline <= n_points):
        raise ValueError(f"baseline must be a whole number of points from 2 to {n_points}, got {baseline!r}")
    return int(baseline)


def _subgroup_matrix(groups) -> np.ndarray:
    g = np.asarray(groups, dtype=float)
    if g.ndim != 2 or g.shape[0] == 0 or g.shape[1] < 2:
        raise ValueError("subgroups must form a table of one row per subgroup, at least 2 values each")
    if not np.isfinite(g).all():
        raise ValueError("values contain NaN or infinite entries")
    return g


def _form_subgroups(values, labels, size) -> np.ndarray:
    """Rows of equal-size subgroups, from a fixed size or a label per value."""
    x = _finite(values, "values")
    if (labels is None) == (size is None):
        raise ValueError("give either subgroups (a label per value) or subgroup_size for an xbar chart")
    if size is not None:
        if not (_is_int(size) and size >= 2):
            raise ValueError(f"subgroup size must be a whole number of at least 2, got {size!r}")
        if x.size % size:
            raise ValueError(f"{x.size} values do not divide into subgroups of {size}")
        return x.reshape(-1, size)
    labels = np.asarray(labels)
    if labels.shape != x.shape:
        raise ValueError(f"subgroups needs one label per value: {labels.size} labels for {x.size} values")
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    group = np.argsort(np.argsort(first))[inverse.ravel()]
    sizes = np.bincount(group)
    if np.any(sizes != sizes[0]):
        raise ValueError(f"subgroups must all be the same size; found sizes {sorted(set(sizes.tolist()))}")
    if sizes[0] < 2:
        raise ValueError("each subgroup needs at least 2 values")
    return x[np.argsort(group, kind="stable")].reshape(sizes.size, sizes[0])


def _counts(values) -> np.ndarray:
    c = _finite(values, "counts")
    if np.any(c < 0):
        raise ValueError("counts cannot be negative")
    if np.any(c != np.floor(c)):
        raise ValueError("counts must be whole numbers")
    return c


def _sizes(sizes, n_samples: int, *, whole: bool) -> np.ndarray:
    s = np.asarray(sizes, dtype=float)
    if s.ndim == 0:
        s = np.full(n_samples, float(s))
    if s.shape != (n_samples,):
        raise ValueError(
            f"sample_sizes needs one size or one per sample: {s.size} sizes for {n_samples} samples"
        )
    if not np.isfinite(s).all() or np.any(s <= 0):
        raise ValueError("sample sizes must be positive numbers")
    if whole and np.any(s != np.floor(s)):
        raise ValueError("sample sizes must be whole numbers")
    return s


def _at_most(counts: np.ndarray, sizes) -> None:
    over = np.flatnonzero(counts > sizes)
    if over.size:
        raise ValueError(f"sample {over[0] + 1} counts more nonconforming units than its sample size")


def _collapse(sizes: np.ndarray):
    """One size when all samples are equal (scalar limits), else the array (limits per point)."""
    return float(sizes[0]) if np.all(sizes == sizes[0]) else sizes


def _check_specs(lsl, usl) -> None:
    for name, limit in (("lsl", lsl), ("usl", usl)):
        if limit is not None and not math.isfinite(limit):
            raise ValueError(f"{name} must be a finite number")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValueError(f"lsl ({lsl}) must be below usl ({usl})")
