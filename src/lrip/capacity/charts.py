"""Capacity and learning charts from plain data (the readiness report draws them too)."""
from __future__ import annotations

from lrip.web.charts import PALETTE, new_figure, set_label_ticks, style, svg_markup

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
    from matplotlib.ticker import PercentFormatter

    with rc_context(style()):
        fig = new_figure(8, 3.4)
        ax = _axes(fig)
        values = [c["utilisation"] for c in centers]
        colours = [OVER if v > target else PALETTE[0] for v in values]
        xs = range(len(centers))
        bars = ax.bar(xs, values, width=0.6, color=colours, edgecolor="#000000", linewidth=0.6,
                      hatch=["//" if v > target else "" for v in values])  # over target: hatched, for print too
        ax.bar_label(bars, labels=[f"{v:.0%}" for v in values], padding=2)
        ax.axhline(1.0, color="#000000", linewidth=1.2, label="capacity (100%)")
        ax.axhline(target, color=OVER, linewidth=1.2, linestyle="--", label=f"target ({target:.0%})")
        set_label_ticks(ax, fig, list(xs), [c["label"] for c in centers])
        ax.set_ylim(0, max(1.1, max(values, default=0) * 1.15))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("utilisation (% of available hours)")
        ax.set_xlabel("work center")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


def plan_utilisation(periods: list[str], series: dict[str, list[float]], *, target: float, title: str) -> str:
    """Utilisation of each work center week by week over the ramp plan, with the capacity line
    (100%) and the utilisation target."""
    from matplotlib import rc_context
    from matplotlib.ticker import PercentFormatter

    with rc_context(style()):
        fig = new_figure(11, 3.4)
        ax = _axes(fig)
        xs = range(len(periods))
        for i, (name, values) in enumerate(series.items()):
            ax.plot(xs, values, marker="o", markersize=3, linewidth=1.6, label=name, color=PALETTE[i % len(PALETTE)])
        ax.axhline(1.0, color="#000000", linewidth=1.2, label="capacity (100%)")
        ax.axhline(target, color=OVER, linewidth=1.2, linestyle="--", label=f"target ({target:.0%})")
        set_label_ticks(ax, fig, list(xs), periods)
        peak = max((v for values in series.values() for v in values), default=0)
        ax.set_ylim(0, max(1.1, peak * 1.15))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("utilisation (% of available hours)")
        ax.set_xlabel("week")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


DRAWN_UNITS = 400
"""Beyond this many units the actual hours are drawn as a min/max band over log-spaced groups of units (the
plot's resolution on a log axis); the fit uses every unit."""


def drawn_as(n_units: int) -> str:
    """What the learning chart's picture of `n_units` shows, for its caption."""
    if n_units <= DRAWN_UNITS:
        return f"Every one of the {n_units:,} units drawn."
    return (f"{n_units:,} units, drawn as the least and most hours in each of about 120 log-spaced groups of "
            "units (the plot's resolution); the curves are fitted to every unit.")


def _hours_band(units: list[int], hours: list[float], groups: int = 120):
    """(x, low, high) per log-spaced group of unit numbers."""
    import math

    first, last = max(1, min(units)), max(units)
    edges = sorted({int(round(first * (last / first) ** (k / groups))) for k in range(groups + 1)} | {last + 1})
    band, i = [], 0
    pairs = sorted(zip(units, hours))
    for lo, hi in zip(edges, edges[1:]):
        chunk = []
        while i < len(pairs) and pairs[i][0] < hi:
            if pairs[i][0] >= lo:
                chunk.append(pairs[i][1])
            i += 1
        if chunk:
            band.append((math.sqrt(lo * max(lo, hi - 1)), min(chunk), max(chunk)))
    return band


def learning_curve(units: list[int], hours: list[float], fitted: dict[str, list[float | None]], *,
                   projections: list[tuple[str, int, float]] = (), title: str) -> str:
    """Actual hours per unit (points, or a min/max band for a long series) against the fitted curves (lines),
    on log-log axes, where a learning curve is a straight line. `projections` [(label, unit, hours)] are
    marked ahead of the data, joined to the first fitted curve by a dashed line; each has its own marker and
    its numbers in the legend, so labels of projections close together never overprint."""
    from matplotlib import rc_context
    from matplotlib.ticker import FuncFormatter

    with rc_context(style()):
        fig = new_figure(9, 3.8)
        ax = _axes(fig, grid="both")
        ax.set_xscale("log")
        ax.set_yscale("log")
        if len(units) > DRAWN_UNITS:
            band = _hours_band(units, hours)
            ax.fill_between([b[0] for b in band], [b[1] for b in band], [b[2] for b in band], color=PALETTE[7],
                            alpha=0.25, linewidth=0.5, edgecolor=PALETTE[7], label="actual (least–most per group)")
        else:
            ax.scatter(units, hours, s=14, color=PALETTE[7], alpha=0.7, label="actual", zorder=3)
        for i, (name, values) in enumerate(fitted.items()):
            pts = [(x, y) for x, y in zip(units, values) if y is not None]
            if pts:
                if len(pts) > DRAWN_UNITS:  # a straight line on log axes: its log-spaced points draw it exactly
                    step = len(pts) / DRAWN_UNITS
                    pts = [pts[min(len(pts) - 1, int(round(k * step)))] for k in range(DRAWN_UNITS)] + [pts[-1]]
                ax.plot(*zip(*pts), linewidth=1.8, color=PALETTE[i % 6], label=name)
        if projections and units and next(iter(fitted.values()), None):
            first = next(iter(fitted.values()))
            ahead = [(units[-1], first[-1]), *((u, h) for _, u, h in projections)]
            ax.plot(*zip(*ahead), linewidth=1.2, linestyle="--", color=PALETTE[0], label="projected")
        for k, (label, unit, h) in enumerate(projections):
            ax.scatter([unit], [h], marker="Ds^v"[k % 4], s=42, color=PALETTE[5], edgecolors=PALETTE[7],
                       linewidths=0.6, zorder=4, label=f"{label}: unit {unit:,}, {h:.2f} h")
        plain = FuncFormatter(lambda v, _: f"{v:g}")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.yaxis.set_minor_formatter(plain)  # hours span less than a decade: label 2, 3, 4, 6 too
        ax.set_xlabel("unit number (build order, log scale)")
        ax.set_ylabel("hours per unit (h, log scale)")
        # under the plot, in columns: the plot keeps the figure's width and no label overprints another
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncols=3 if fig.get_figwidth() > 7 else 2)  # on a page, three columns ran wider than the text
        return svg_markup(fig, title)
