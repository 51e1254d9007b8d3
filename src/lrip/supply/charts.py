"""Supplier charts from plain data (the scorecard's `periods`), so the supplier pages and the
readiness report draw the same pictures."""
from __future__ import annotations

from lrip.web.charts import PALETTE, STYLE, svg_markup


def supplier_trend(periods: list[dict], *, title: str) -> str:
    """On-time delivery (line, left axis, %) and PPM defective at incoming inspection (bars,
    right axis) per period. `periods`: dicts with period, on_time_rate, ppm (None: no data)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    labels = [p["period"] for p in periods]
    xs = list(range(len(labels)))
    with rc_context(STYLE):
        fig = Figure(figsize=(6.2, 2.8))
        ax = fig.add_subplot()
        right = ax.twinx()
        ppm = [p.get("ppm") or 0.0 for p in periods]
        right.bar(xs, ppm, width=0.6, color=PALETTE[1], alpha=0.55, label="PPM defective (incoming)")
        right.set_ylabel("PPM")
        right.set_ylim(0, max(ppm + [1000.0]) * 1.15)
        points = [(x, p["on_time_rate"] * 100) for x, p in zip(xs, periods) if p.get("on_time_rate") is not None]
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], marker="o", color=PALETTE[0], linewidth=2,
                    label="On time")
        ax.set_ylim(0, 105)
        ax.yaxis.set_major_formatter(PercentFormatter())
        ax.set_ylabel("On time")
        ax.set_zorder(right.get_zorder() + 1)
        ax.patch.set_visible(False)
        step = max(1, len(labels) // 8)
        ax.set_xticks(xs[::step], labels[::step])
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        for axis in (ax, right):
            axis.spines["top"].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        fig.legend(handles=handles, frameon=False, loc="upper center", ncols=2, bbox_to_anchor=(0.5, 1.06))
        return svg_markup(fig, title)


def on_time_by_supplier(cards: list[dict], *, title: str) -> str:
    """On-time delivery per period, one line per supplier (the scorecard rows)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    labels = sorted({p["period"] for c in cards for p in c["periods"]})
    index = {label: i for i, label in enumerate(labels)}
    with rc_context(STYLE):
        fig = Figure(figsize=(9, 3.2))
        ax = fig.add_subplot()
        for i, c in enumerate(cards):
            points = [(index[p["period"]], p["on_time_rate"] * 100) for p in c["periods"]
                      if p.get("on_time_rate") is not None]
            if points:
                ax.plot([x for x, _ in points], [y for _, y in points], marker="o", linewidth=2,
                        color=PALETTE[i % len(PALETTE)], label=c["supplier"])
        ax.set_ylim(0, 105)
        ax.yaxis.set_major_formatter(PercentFormatter())
        ax.set_ylabel("On time")
        step = max(1, len(labels) // 12)
        ax.set_xticks(list(range(len(labels)))[::step], labels[::step])
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if ax.get_legend_handles_labels()[0]:  # no receipt was due yet: no line, no legend
            ax.legend(title="Supplier", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)
