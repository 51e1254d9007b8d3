"""Outlying times: the robust rule that keeps one forgotten timer from setting a plan.

The rule (Leys, C., Ley, C., Klein, O., Bernard, P. and Licata, L. (2013), "Detecting outliers: do
not use standard deviation around the mean, use absolute deviation around the median", Journal of
Experimental Social Psychology 49(4), 764-766): a value is an outlier when it lies more than 3 MADs
from the median, the MAD being the median absolute deviation from the median times 1.4826 (which
makes it estimate the standard deviation of normal data; Rousseeuw, P. J. and Croux, C. (1993),
"Alternatives to the median absolute deviation", JASA 88(424), 1273-1283). 3 is the threshold Leys
et al. call "very conservative": it flags a forgotten timer, not a slow day.

Times on a ramp fall along a learning curve, so a plain median would call the first units outliers.
`trend_outliers` therefore applies the rule to the residuals from the trend: a straight line through
log minutes against log build order (the log-linear unit curve of capacity.learning), fitted by
Theil-Sen, the median of the pairwise slopes, which a minority of wild values does not move (Theil,
H. (1950), Proc. KNAW 53; Sen, P. K. (1968), JASA 63(324), 1379-1389); the rule measures from the
residuals' median, which stands for the intercept. On more than MAX_FIT points the slope is taken from
MAX_FIT evenly spaced ones, so the work stays bounded on a 10,000-unit program. Two guards, our own
choices: fewer than MIN_POINTS times flag nothing, and the spread is taken as at least 10% of the
time (LOG_FLOOR), as times written down by people vary at least that much from unit to unit: a
smaller MAD, from a run of near-identical times, would call an ordinary unit an outlier.
"""
from __future__ import annotations

import numpy as np

K = 3.0  # Leys et al. (2013): very conservative
B = 1.4826  # 1 / Phi^-1(3/4): the MAD of normal data times B estimates sigma
MIN_POINTS = 10  # fewer values cannot tell an outlier from the spread; nothing is flagged
LOG_FLOOR = 0.1  # in log minutes: a spread under 10% is taken as 10%
SHORTEST = 0.001  # minutes are recorded to 0.001; a zero time is read as this before its log is taken
MAX_FIT = 300


def mad_outliers(values, k: float = K, floor: float = 0.0) -> list[bool]:
    """Leys et al. (2013): True where |x - median| > k * 1.4826 * MAD (the MAD at least `floor`)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return []
    median = np.median(x)
    spread = max(B * float(np.median(np.abs(x - median))), floor)
    return (np.abs(x - median) > k * spread).tolist()


def trend_outliers(minutes, k: float = K) -> list[bool]:
    """Which of these times, in build order, lie off the learning trend by more than k MADs (see the
    module docstring); none when there are fewer than MIN_POINTS."""
    y = np.log(np.maximum(np.asarray(minutes, dtype=float), SHORTEST))
    if y.size < MIN_POINTS:
        return [False] * int(y.size)
    x = np.log(np.arange(1, y.size + 1, dtype=float))
    pick = np.unique(np.linspace(0, y.size - 1, min(y.size, MAX_FIT)).round().astype(int))
    return mad_outliers(y - theil_sen_slope(x[pick], y[pick]) * x, k, LOG_FLOOR)


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Theil (1950), Sen (1968): the median of the slopes between every two points, x strictly increasing.
    The slopes of points k apart are taken together, for each k: scipy.stats.theilslopes' slope without
    its confidence interval, which sorts every slope and costs several times as much."""
    return float(np.median(np.concatenate([(y[k:] - y[:-k]) / (x[k:] - x[:-k]) for k in range(1, x.size)])))
