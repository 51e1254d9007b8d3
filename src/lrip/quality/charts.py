"""Quality charts as inline SVG: the control chart, the capability histogram, yield by lot, the
DPU trend, the defect Pareto, NCR aging and the suppliers' delivery trends. Plain data in (lists,
dicts: the JSON the services return), so the readiness report draws the same pictures.
Matplotlib's object API only.
"""
from __future__ import annotations

import math

from lrip.web.charts import PALETTE, STYLE, bars, svg_markup

BLUE, ORANGE, GREEN, PINK, SKY, RED = PALETTE[:6]
BLACK = PALETTE[7]
GREY = "#6b7785"


def _axes(fig, *args, **kwargs):
    ax = fig.add_subplot(*args, **kwargs)
    ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _limit(ax, xs, value, **style):
    """A horizontal limit line, or a step line when the limit varies per point."""
    if isinstance(value, list):
        ax.step(xs, value, where="mid", **style)
    else:
        ax.axhline(value, **style)


def _phase_line(ax, baseline: int | None, n: int) -> None:
    if baseline is not None and 0 < baseline < n:
        ax.axvline(baseline - 0.5, color=GREY, linestyle=(0, (1, 2)), linewidth=1.2)


def control_chart(result: dict, *, title: str) -> str:
    """The plotted points with center line and 3-sigma limits; spec limits on an individuals chart;
    run-rule violations as red diamonds; the phase I / phase II boundary as a dotted line; the
    moving-range, range or S chart below when there is one. `result`: the spc analysis dict."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    points = result["points"]
    n = len(points)
    xs = list(range(1, n + 1))
    secondary = result.get("secondary")
    baseline = result.get("baseline")
    with rc_context(STYLE):
        fig = Figure(figsize=(11, 5.2 if secondary else 3.6))
        ax = _axes(fig, 2 if secondary else 1, 1, 1)
        small = n <= 150
        ax.plot(xs, points, color=BLUE, linewidth=0.9, marker="o" if small else None, markersize=3.5,
                label="points")
        _limit(ax, xs, result["center"], color=GREEN, linewidth=1.2, label="center")
        _limit(ax, xs, result["ucl"], color=ORANGE, linewidth=1.2, linestyle="--", label="UCL / LCL")
        _limit(ax, xs, result["lcl"], color=ORANGE, linewidth=1.2, linestyle="--")
        if result["chart"] == "imr":
            for name, spec in (("LSL", result.get("lsl")), ("USL", result.get("usl"))):
                if spec is not None:
                    ax.axhline(spec, color=BLACK, linewidth=1.6, label="LSL / USL" if name == "LSL" or
                               result.get("lsl") is None else None)
        flagged = sorted({v["index"] for v in result["violations"]})
        if flagged:
            ax.plot([i + 1 for i in flagged], [points[i] for i in flagged], linestyle="none", marker="D",
                    markersize=6 if small else 4, markerfacecolor=RED, markeredgecolor="#000000",
                    markeredgewidth=0.6, label="rule violation")
        _phase_line(ax, baseline, n)
        if baseline is not None and 0 < baseline < n:
            ax.text(baseline - 0.5, 1.0, " phase II →", transform=ax.get_xaxis_transform(), color=GREY,
                    va="bottom", fontsize=9)
        ax.set_ylabel({"imr": "value", "xbar-r": "subgroup mean", "xbar-s": "subgroup mean",
                       "p": "fraction failed"}.get(result["chart"], "value"))
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        if secondary:
            ax2 = _axes(fig, 2, 1, 2, sharex=ax)
            ax2.plot(xs, [math.nan if v is None else v for v in secondary["points"]], color=BLUE, linewidth=0.9,
                     marker="o" if small else None, markersize=3)
            ax2.axhline(secondary["center"], color=GREEN, linewidth=1.2)
            ax2.axhline(secondary["ucl"], color=ORANGE, linewidth=1.2, linestyle="--")
            ax2.axhline(secondary["lcl"], color=ORANGE, linewidth=1.2, linestyle="--")
            _phase_line(ax2, baseline, n)
            ax2.set_ylabel({"imr": "moving range", "xbar-r": "range", "xbar-s": "std. dev."}[result["chart"]])
        (ax2 if secondary else ax).set_xlabel("point (build order)")
        return svg_markup(fig, title)


def capability_histogram(values: list[float], *, lsl: float | None, usl: float | None, mean: float,
                         sigma_within: float | None, sigma_overall: float | None, title: str) -> str:
    """A histogram of the values with the spec limits, and the normal curves of the within
    (Cp, Cpk) and overall (Pp, Ppk) standard deviations scaled to the counts."""
    import numpy as np
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    x = np.asarray(values, dtype=float)
    with rc_context(STYLE):
        fig = Figure(figsize=(7, 3.4))
        ax = _axes(fig)
        bins = int(min(40, max(6, math.sqrt(x.size))))
        counts, edges, _ = ax.hist(x, bins=bins, color=SKY, edgecolor="#ffffff", linewidth=0.6, label="units")
        low = min([x.min(), *(v for v in (lsl, usl) if v is not None)])
        high = max([x.max(), *(v for v in (lsl, usl) if v is not None)])
        pad = 0.08 * (high - low or 1.0)
        grid = np.linspace(low - pad, high + pad, 300)
        width = edges[1] - edges[0]
        for sigma, colour, label in ((sigma_within, BLUE, "within"), (sigma_overall, GREEN, "overall")):
            if sigma:
                density = np.exp(-0.5 * ((grid - mean) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
                ax.plot(grid, density * x.size * width, color=colour, linewidth=1.3, label=label)
        for name, spec in (("LSL", lsl), ("USL", usl)):
            if spec is not None:
                ax.axvline(spec, color=BLACK, linewidth=1.6)
                ax.text(spec, 1.0, name, transform=ax.get_xaxis_transform(), color=BLACK, ha="center", va="bottom")
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylabel("units")
        ax.legend(frameon=False, fontsize=9, loc="upper right")
        return svg_markup(fig, title)


def yield_by_lot(lots: list[str], fpy: list[float | None], rty: list[float | None], *, title: str) -> str:
    """First-pass yield (units through every operation first time) and RTY per lot, as lines."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(STYLE):
        fig = Figure(figsize=(7, 3.2))
        ax = _axes(fig)
        xs = list(range(len(lots)))
        for values, colour, label, marker in ((fpy, BLUE, "first-pass yield", "o"), (rty, ORANGE, "RTY", "s")):
            ax.plot(xs, [math.nan if v is None else v for v in values], color=colour, marker=marker, label=label)
        ax.set_xticks(xs, lots, fontsize=9, rotation=30 if len(lots) > 6 else 0)
        ax.set_ylim(min([0.8, *(v for v in fpy + rty if v is not None)]) - 0.02, 1.01)
        ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        ax.legend(frameon=False, fontsize=9, loc="lower left")
        return svg_markup(fig, title)


def dpu_trend(labels: list[str], dpu: list[float | None], *, title: str) -> str:
    """Defects per unit inspected, per lot or week."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(STYLE):
        fig = Figure(figsize=(7, 3.2))
        ax = _axes(fig)
        xs = list(range(len(labels)))
        ax.plot(xs, [math.nan if v is None else v for v in dpu], color=PINK, marker="o")
        step = max(1, len(labels) // 10)
        ax.set_xticks(xs[::step], labels[::step], fontsize=9, rotation=30 if len(labels) > 6 else 0)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("defects per unit")
        return svg_markup(fig, title)


def defect_pareto(categories: list[str], counts: list[float], *, title: str) -> str:
    """Bars by count, largest first, and the cumulative percentage on a second axis."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    total = sum(counts) or 1
    running, cumulative = 0.0, []
    for c in counts:
        running += c
        cumulative.append(100.0 * running / total)
    with rc_context(STYLE):
        fig = Figure(figsize=(7, 3.4))
        ax = _axes(fig)
        xs = list(range(len(categories)))
        ax.bar(xs, counts, width=0.65, color=BLUE)
        ax.set_xticks(xs, categories, rotation=30 if len(categories) > 4 else 0,
                      ha="right" if len(categories) > 4 else "center", fontsize=9)
        ax.set_ylabel("defects")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        twin = ax.twinx()
        twin.plot(xs, cumulative, color=ORANGE, marker="o", linewidth=1.3)
        twin.set_ylim(0, 105)
        twin.yaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
        twin.spines["top"].set_visible(False)
        return svg_markup(fig, title)


def ncr_aging(buckets: list[str], counts: list[int], *, title: str) -> str:
    """Open NCRs by how long they have been open."""
    return bars(buckets, counts, ylabel="open NCRs", title=title, colour=ORANGE)


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
