"""The supplier scorecard's arithmetic: the rates, the lead-time spread and percentile from the
sums and the lead-time histogram that lrip.quality.scorecard reads with GROUP BY. Plain numbers
in, numbers out."""
from __future__ import annotations

import math


def percentile(counts: dict[float, int], q: float) -> float | None:
    """Nearest-rank percentile of a histogram {value: count}: the ⌈q·n⌉-th smallest value, the
    inverse of the empirical distribution function (Hyndman & Fan 1996, "Sample quantiles in
    statistical packages", The American Statistician 50(4), definition 1)."""
    n = sum(counts.values())
    if not n:
        return None
    rank, seen = math.ceil(q * n - 1e-9), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None


def measures(*, receipts: int, on_time: int, lead_sum: float, lead_sumsq: float, inspected: int,
             accepted_count: int, defects: int, units_inspected: float, ordered_due: float,
             received_due: float) -> dict:
    """The scorecard's rates from the sums a GROUP BY returns (see lrip.quality.scorecard).
    Spread is the sample standard deviation, sqrt((Σx² − (Σx)²/n)/(n−1))."""
    mean = lead_sum / receipts if receipts else None
    spread = None
    if receipts > 1:
        spread = math.sqrt(max(0.0, (lead_sumsq - lead_sum * lead_sum / receipts) / (receipts - 1)))
    return {
        "receipts": receipts,
        "on_time_rate": on_time / receipts if receipts else None,
        "lead_time_mean_days": mean,
        "lead_time_spread_days": spread,
        "quantity_accuracy": received_due / ordered_due if ordered_due else None,
        "acceptance_rate": accepted_count / inspected if inspected else None,
        "ppm": defects / units_inspected * 1e6 if units_inspected else None,
    }
