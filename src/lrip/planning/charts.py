"""Shortage charts from plain data (the readiness report can draw them too)."""
from __future__ import annotations

from lrip.web.charts import stacked_bars


def shortage_bars(periods: list[str], shortages: list[dict], *, title: str, labels: list[str] | None = None) -> str:
    """Quantity short per week, stacked by part. `periods`: the weeks (ISO dates) to show;
    `shortages`: [{"part", "period", "quantity_short"}]; `labels`: what to write under each week."""
    parts = list(dict.fromkeys(s["part"] for s in shortages))
    at = {p: i for i, p in enumerate(periods)}
    series = {part: [0.0] * len(periods) for part in parts}
    for s in shortages:
        if s["period"] in at:
            series[s["part"]][at[s["period"]]] += s["quantity_short"]
    return stacked_bars(labels or periods, series, ylabel="Quantity short", title=title, legend_title="Part",
                        xlabel="week")
