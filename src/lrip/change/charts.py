"""Change control charts, from the answers of change control's use cases."""
from lrip.change.schemas import TrafficWeek
from lrip.web.charts import stacked_bars


def traffic_chart(weeks: list[TrafficWeek], *, title: str = "Change requests per week, by class") -> str:
    """Stacked bars of change requests submitted per week, major under minor."""
    labels = [f"{w.week:%d %b}" for w in weeks]
    series = {"major": [w.major for w in weeks], "minor": [w.minor for w in weeks]}
    return stacked_bars(labels, series, ylabel="Change requests", title=title, legend_title="Class",
                        xlabel="week starting")
