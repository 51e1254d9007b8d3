"""Capacity and learning charts from plain data (the readiness report draws them too)."""
from __future__ import annotations

from lrip.web.charts import PALETTE, STYLE, svg_markup

OVER = "#D55E00"  # above the utilisation target


def _axes(fig, *, grid: str = "y"):
    ax = fig.add_subplot()
    ax.grid(axis=grid, color="#d9dee4", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def utilisation_bars(centers: list[dict], *, target: float, title: str) -> str:
    """One bar per work center: its utilisation (0-1) against full capacity (100%) and the
    utilisation target. `centers`: [{"label": "TEST", "utilisation": 0.62}, ...]."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    with rc_context(STYLE):
        fig = Figure(figsize=(8, 3.4))
        ax = _axes(fig)
        values = [c["utilisation"] for c in centers]
        colours = [OVER if v > target else PALETTE[0] for v in values]
        xs = range(len(centers))
        bars = ax.bar(xs, values, width=0.6, color=colours)
        ax.bar_label(bars, labels=[f"{v:.0%}" for v in values], padding=2)
        ax.axhline(1.0, color="#000000", linewidth=1.2, label="capacity (100%)")
        ax.axhline(target, color=OVER, linewidth=1.2, linestyle="--", label=f"target ({target:.0%})")
        ax.set_xticks(list(xs), [c["label"] for c in centers])
        ax.set_ylim(0, max(1.1, max(values, default=0) * 1.15))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("Utilisation")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


def plan_utilisation(periods: list[str], series: dict[str, list[float]], *, target: float, title: str) -> str:
    """Utilisation of each work center week by week over the ramp plan, with the capacity line
    (100%) and the utilisation target."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    with rc_context(STYLE):
        fig = Figure(figsize=(11, 3.4))
        ax = _axes(fig)
        xs = range(len(periods))
        for i, (name, values) in enumerate(series.items()):
            ax.plot(xs, values, marker="o", markersize=3, linewidth=1.6, label=name, color=PALETTE[i % len(PALETTE)])
        ax.axhline(1.0, color="#000000", linewidth=1.2, label="capacity (100%)")
        ax.axhline(target, color=OVER, linewidth=1.2, linestyle="--", label=f"target ({target:.0%})")
        step = max(1, len(periods) // 12)
        ax.set_xticks(list(xs)[::step], periods[::step])
        peak = max((v for values in series.values() for v in values), default=0)
        ax.set_ylim(0, max(1.1, peak * 1.15))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("Utilisation")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


def learning_curve(units: list[int], hours: list[float], fitted: dict[str, list[float | None]], *,
                   projections: list[tuple[str, int, float]] = (), title: str) -> str:
    """Actual hours per unit (points) against the fitted curves (lines), on log-log axes, where a
    learning curve is a straight line. `projections` [(label, unit, hours)] are marked ahead of the
    data, joined to the first fitted curve by a dashed line."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    with rc_context(STYLE):
        fig = Figure(figsize=(9, 3.8))
        ax = _axes(fig, grid="both")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.scatter(units, hours, s=14, color=PALETTE[7], alpha=0.7, label="actual", zorder=3)
        for i, (name, values) in enumerate(fitted.items()):
            pts = [(x, y) for x, y in zip(units, values) if y is not None]
            if pts:
                ax.plot(*zip(*pts), linewidth=1.8, color=PALETTE[i % 6], label=name)
        if projections and units and next(iter(fitted.values()), None):
            first = next(iter(fitted.values()))
            ahead = [(units[-1], first[-1]), *((u, h) for _, u, h in projections)]
            ax.plot(*zip(*ahead), linewidth=1.2, linestyle="--", color=PALETTE[0], label="projected")
        for k, (label, unit, h) in enumerate(projections):
            ax.scatter([unit], [h], marker="D", s=30, color=PALETTE[5], zorder=4)
            last = k == len(projections) - 1
            ax.annotate(f"{label}: unit {unit}, {h:.2f} h", (unit, h), textcoords="offset points",
                        xytext=(-6, 8) if last else (6, -14), ha="right" if last else "left", fontsize=9)
        plain = FuncFormatter(lambda v, _: f"{v:g}")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.yaxis.set_minor_formatter(plain)  # hours span less than a decade: label 2, 3, 4, 6 too
        ax.set_xlabel("Unit number (build order, log scale)")
        ax.set_ylabel("Hours per unit (log scale)")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)
