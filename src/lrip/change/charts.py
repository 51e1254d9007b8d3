"""Change control charts, from plain data (the readiness report draws them too)."""
from datetime import date

from lrip.web.charts import stacked_bars


def traffic_chart(weeks: list[dict], *, title: str = "Change requests per week, by class") -> str:
    """Stacked bars of change requests submitted per week, major under minor.
    `weeks` is change_traffic's list: [{"week": "2026-01-05", "major": 1, "minor": 2}, …]."""
    labels = [f"{date.fromisoformat(w['week']):%d %b}" for w in weeks]
    series = {"major": [w["major"] for w in weeks], "minor": [w["minor"] for w in weeks]}
    return stacked_bars(labels, series, ylabel="Change requests", title=title, legend_title="Class")
