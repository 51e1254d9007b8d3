"""Quality charts as inline SVG: the control chart, the capability histogram, yield by lot, the
DPU trend, the defect Pareto, NCR aging and the suppliers' delivery trends. Plain data in (lists,
dicts: the JSON the services return), so the readiness report draws the same pictures.
Matplotlib's object API only.
"""
from __future__ import annotations

import math
import textwrap

from lrip.web.charts import PALETTE, bars, envelope, new_figure, set_label_ticks, style, svg_markup

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


DRAWN_POINTS = 400
"""Beyond this many points a control chart draws a min/max envelope of ENVELOPE buckets (the plot's
resolution) instead of every point; the statistics, the tables and the CSV keep every point."""
ENVELOPE = 240
OUT_OF_SPEC = dict(marker="X", markersize=8, markerfacecolor=RED, markeredgecolor=BLACK, markeredgewidth=0.7,
                   linestyle="none", label="out of spec (beyond LSL / USL)", zorder=5)
VIOLATION = dict(marker="D", markersize=6, markerfacecolor="none", markeredgecolor=BLACK, markeredgewidth=1.1,
                 linestyle="none", zorder=4)


def _limit(ax, xs, value, **style):
    """A horizontal limit line, or a step line when the limit varies per point."""
    if isinstance(value, list):
        ax.step(xs, value, where="mid", **style)
    else:
        ax.axhline(value, **style)


def _last(value):
    return value[-1] if isinstance(value, list) else value


def _write_on_line(ax, value, text: str, colour: str, *, below: bool = False, inside: bool = False) -> None:
    """The limit's value written at the right end of its line (or, `inside`, at the left end within the plot,
    where a legend beside it cannot collide), so no one has to read it off the legend."""
    if value is None:
        return
    ax.annotate(text, (0.0 if inside else 1.0, value), xycoords=("axes fraction", "data"),
                xytext=(4, -3 if below else 3), textcoords="offset points", ha="left",
                va="top" if below else "bottom", color=colour, annotation_clip=False)


def _number(v: float) -> str:
    return f"{v:.4g}"


def _phase_line(ax, baseline: int | None, n: int) -> None:
    if baseline is not None and 0 < baseline < n:
        ax.axvline(baseline - 0.5, color=GREY, linestyle=(0, (1, 2)), linewidth=1.2)


def drawn_as(n_points: int) -> str:
    """What the picture of a control chart of `n_points` shows, for its caption."""
    if n_points <= DRAWN_POINTS:
        return f"All {n_points:,} points drawn."
    return (f"{n_points:,} points, drawn as the smallest and largest value in each of {ENVELOPE} groups of about "
            f"{n_points / ENVELOPE:.0f} consecutive points (the plot's resolution); the groups holding a rule "
            "violation are marked by a bar along the top, and the farthest out-of-spec point of each group by a "
            "cross. The limits and statistics use every point.")


def _violation_bar(ax, flagged: list[int], n: int) -> None:
    """The envelope's groups holding a rule violation (indexes `flagged` of `n` points) as a bar along the top
    of the plot: a marker per group would cover the trace where a rule fires for long."""
    size = n / ENVELOPE
    spans = []
    for group in sorted({int(i // size) for i in flagged}):
        start = group * size + 0.5
        if spans and abs(spans[-1][0] + spans[-1][1] - start) < 1e-9:
            spans[-1] = (spans[-1][0], spans[-1][1] + size)
        else:
            spans.append((start, size))
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))  # room for the bar above every point and its mark
    ax.broken_barh(spans, (0.965, 0.035), transform=ax.get_xaxis_transform(), color=BLACK,
                   label="rule violation (bar on top: its groups)")


def _farthest_per_group(outside: list[int], points: list[float], n: int) -> list[int]:
    """Of the out-of-spec points (indexes), the farthest from the center of each envelope group and side:
    at the plot's resolution the others sit under its cross."""
    size, center = n / ENVELOPE, sum(points) / n
    farthest: dict[tuple[int, bool], int] = {}
    for i in outside:
        key = (int(i // size), points[i] > center)
        if key not in farthest or abs(points[i] - center) > abs(points[farthest[key]] - center):
            farthest[key] = i
    return sorted(farthest.values())


def _fitted(label: str, ax, fig) -> str:
    """An axis label broken into lines no longer than the plot is tall: stacked plots' labels never overprint."""
    from matplotlib import rcParams

    tall = ax.get_position().height * fig.get_figheight() * 72
    return "\n".join(textwrap.wrap(label, max(10, int(tall / (0.62 * rcParams["font.size"])))))


def _value_label(result: dict) -> str:
    units = result.get("units")
    name = {"imr": result.get("name") or "value", "xbar-r": "subgroup mean", "xbar-s": "subgroup mean",
            "p": "fraction failed"}.get(result["chart"], "value")
    return f"{name} ({units})" if units and result["chart"] != "p" else name


def control_chart(result: dict, *, title: str) -> str:
    """The plotted points with center line and 3-sigma limits, their values written on the lines; spec limits
    on an individuals chart; out-of-spec points as red crosses and run-rule violations as open diamonds (two
    shapes, so they differ in black and white too); the phase I / phase II boundary as a dotted line; the
    moving-range, range or S chart below when there is one. A long series is drawn as a min/max envelope at
    the plot's resolution, its groups holding a rule violation as a bar along the top of the plot, where it
    hides no point (`drawn_as` says so for the caption). `result`: the spc analysis dict."""
    from matplotlib import rc_context

    points = result["points"]
    n = len(points)
    xs = list(range(1, n + 1))
    secondary = result.get("secondary")
    baseline = result.get("baseline")
    long = n > DRAWN_POINTS
    units = result.get("units") or ""
    with rc_context(style()):
        fig = new_figure(11, 5.6 if secondary else 3.8)
        ax = _axes(fig, 2 if secondary else 1, 1, 1)
        small = n <= 150
        if long:
            ex, lows, highs = envelope(points, ENVELOPE)
            ax.fill_between(ex, lows, highs, color=BLUE, alpha=0.35, linewidth=0.6, edgecolor=BLUE,
                            label="points (min–max per group)")
        else:
            ax.plot(xs, points, color=BLUE, linewidth=0.9, marker="o" if small else None, markersize=3.5,
                    label="points")
        _limit(ax, xs, result["center"], color=GREEN, linewidth=1.2, label="center line")
        _limit(ax, xs, result["ucl"], color=ORANGE, linewidth=1.2, linestyle="--", label="UCL / LCL (3σ)")
        _limit(ax, xs, result["lcl"], color=ORANGE, linewidth=1.2, linestyle="--")
        lsl, usl = (result.get("lsl"), result.get("usl")) if result["chart"] == "imr" else (None, None)
        for spec in (lsl, usl):
            if spec is not None:
                ax.axhline(spec, color=BLACK, linewidth=1.6, label="LSL / USL" if spec == (lsl if lsl is not None
                                                                                          else usl) else None)
        _write_on_line(ax, _last(result["ucl"]), f"UCL {_number(_last(result['ucl']))}", ORANGE)
        _write_on_line(ax, _last(result["center"]), f"CL {_number(_last(result['center']))}", GREEN)
        _write_on_line(ax, _last(result["lcl"]), f"LCL {_number(_last(result['lcl']))}", ORANGE, below=True)
        _write_on_line(ax, usl, f"USL {_number(usl)} {units}".strip() if usl is not None else "", BLACK)
        _write_on_line(ax, lsl, f"LSL {_number(lsl)} {units}".strip() if lsl is not None else "", BLACK, below=True)
        outside = [i for i, v in enumerate(points) if (lsl is not None and v < lsl) or (usl is not None and v > usl)]
        flagged = sorted({v["index"] for v in result["violations"]} - set(outside))
        if long and flagged:
            _violation_bar(ax, flagged, n)
        elif flagged:
            ax.plot([i + 1 for i in flagged], [points[i] for i in flagged],
                    **(VIOLATION | ({"markersize": 4} if not small else {})),
                    label=f"rule violation ({'Nelson' if result.get('rules', 'nelson') == 'nelson' else 'WE'})")
        if outside:
            shown = _farthest_per_group(outside, points, n) if long else outside
            ax.plot([i + 1 for i in shown], [points[i] for i in shown],
                    **OUT_OF_SPEC | ({"label": "out of spec (the farthest of each group)"} if long else {}))
        _phase_line(ax, baseline, n)
        if baseline is not None and 0 < baseline < n:
            ax.text(baseline - 0.5, 0.95 if long else 0.98, " phase II →", transform=ax.get_xaxis_transform(),
                    color=GREY, va="top")
        ax.set_ylabel(_fitted(_value_label(result), ax, fig))
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0,
                  ncols=3 if fig.get_figwidth() > 7 else 2)  # on a page, three columns ran wider than the text
        if secondary:
            ax.tick_params(labelbottom=False)  # the plot below carries the unit numbers
            ax2 = _axes(fig, 2, 1, 2, sharex=ax)
            second = [math.nan if v is None else v for v in secondary["points"]]
            if long:
                ex, lows, highs = envelope(second, ENVELOPE)
                ax2.fill_between(ex, lows, highs, color=BLUE, alpha=0.35, linewidth=0.6, edgecolor=BLUE)
            else:
                ax2.plot(xs, second, color=BLUE, linewidth=0.9, marker="o" if small else None, markersize=3)
            for value, colour, name, below in ((secondary["center"], GREEN, "CL", False),
                                               (secondary["ucl"], ORANGE, "UCL", False),
                                               (secondary["lcl"], ORANGE, "LCL", True)):
                ax2.axhline(value, color=colour, linewidth=1.2, linestyle="-" if name == "CL" else "--")
                _write_on_line(ax2, value, f"{name} {_number(value)}", colour, below=below)
            _phase_line(ax2, baseline, n)
            name = {"imr": "moving range", "xbar-r": "range", "xbar-s": "std. dev."}[result["chart"]]
            ax2.set_ylabel(_fitted(f"{name} ({units})" if units else name, ax2, fig))
        xlabel = ("unit (build order)" if result["chart"] == "imr" else "lot" if result["chart"] == "p"
                  else "subgroup (build order)")
        if long:  # the picture says itself that it is drawn at its resolution
            xlabel += f" · {n:,} points drawn as the min–max of {ENVELOPE} groups; the statistics use all"
        (ax2 if secondary else ax).set_xlabel(xlabel)
        return svg_markup(fig, title)


def capability_histogram(values: list[float], *, lsl: float | None, usl: float | None, mean: float,
                         sigma_within: float | None, sigma_overall: float | None, title: str,
                         xlabel: str = "measured value") -> str:
    """A histogram of the values with the spec limits (their values written on them), and the normal curves of
    the within (Cp, Cpk) and overall (Pp, Ppk) standard deviations scaled to the counts; the legend stands
    beside the plot, where no limit line crosses it. `xlabel`: what was measured, with its unit."""
    import numpy as np
    from matplotlib import rc_context

    x = np.asarray(values, dtype=float)
    with rc_context(style()):
        fig = new_figure(7, 3.4)
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
                ax.text(spec, 1.0, f"{name} {_number(spec)}", transform=ax.get_xaxis_transform(), color=BLACK,
                        ha="center", va="bottom")
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylabel("units (count)")
        ax.set_xlabel(xlabel)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        return svg_markup(fig, title)


def yield_by_lot(lots: list[str], fpy: list[float | None], rty: list[float | None], *, title: str,
                 rty_target: float | None = None) -> str:
    """First-pass yield (units through every operation first time) and RTY per lot, as lines; the RTY target
    (a fraction) as a dashed line with its value written on it."""
    from matplotlib import rc_context

    with rc_context(style()):
        fig = new_figure(7, 3.2)
        ax = _axes(fig)
        xs = list(range(len(lots)))
        for values, colour, label, marker in ((fpy, BLUE, "first-pass yield", "o"), (rty, ORANGE, "RTY", "s")):
            ax.plot(xs, [math.nan if v is None else v for v in values], color=colour, marker=marker, label=label)
        if rty_target is not None:
            ax.axhline(rty_target, color=BLACK, linewidth=1.1, linestyle="--")
            _write_on_line(ax, rty_target, f"RTY target {rty_target:.0%}", BLACK, below=True)
        set_label_ticks(ax, fig, xs, lots)
        ax.set_ylim(min([0.8, *(v for v in fpy + rty + [rty_target] if v is not None)]) - 0.02, 1.01)
        ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        ax.set_ylabel("yield (% of units)")
        ax.set_xlabel("lot")
        # above the plot: the target's value is written beyond the right end of its line
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncols=2, borderaxespad=0)
        return svg_markup(fig, title)


def dpu_trend(labels: list[str], dpu: list[float | None], *, title: str) -> str:
    """Defects per unit inspected, per lot or week."""
    from matplotlib import rc_context

    with rc_context(style()):
        fig = new_figure(7, 3.2)
        ax = _axes(fig)
        xs = list(range(len(labels)))
        ax.plot(xs, [math.nan if v is None else v for v in dpu], color=PINK, marker="o")
        set_label_ticks(ax, fig, xs, labels)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("defects per unit (DPU)")
        ax.set_xlabel("lot")
        return svg_markup(fig, title)


def defect_pareto(categories: list[str], counts: list[float], *, title: str) -> str:
    """Bars by count, largest first, and the cumulative percentage on a second axis."""
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    total = sum(counts) or 1
    running, cumulative = 0.0, []
    for c in counts:
        running += c
        cumulative.append(100.0 * running / total)
    with rc_context(style()):
        fig = new_figure(7, 3.4)
        ax = _axes(fig)
        xs = list(range(len(categories)))
        ax.bar(xs, counts, width=0.65, color=BLUE)
        set_label_ticks(ax, fig, xs, categories)
        ax.set_ylabel("defects (count)")
        ax.set_xlabel("defect category")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        twin = ax.twinx()
        twin.plot(xs, cumulative, color=ORANGE, marker="o", linewidth=1.3)
        twin.set_ylim(0, 105)
        twin.yaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
        twin.set_ylabel("cumulative share (%)")
        twin.spines["top"].set_visible(False)
        return svg_markup(fig, title)


def ncr_aging(buckets: list[str], counts: list[int], *, title: str) -> str:
    """Open NCRs by how long they have been open."""
    return bars(buckets, counts, ylabel="open NCRs (count)", xlabel="time open", title=title, colour=ORANGE)


def supplier_trend(periods: list[dict], *, title: str, target: float | None = None) -> str:
    """On-time delivery (line, left axis, %) and PPM defective at incoming inspection (bars,
    right axis) per period; the on-time target (a fraction) as a dashed line with its value written on it.
    `periods`: dicts with period, on_time_rate, ppm (None: no data)."""
    from matplotlib import rc_context
    from matplotlib.ticker import PercentFormatter

    labels = [p["period"] for p in periods]
    xs = list(range(len(labels)))
    with rc_context(style()):
        fig = new_figure(6.2, 2.8)
        ax = fig.add_subplot()
        right = ax.twinx()
        ppm = [p.get("ppm") or 0.0 for p in periods]
        right.bar(xs, ppm, width=0.6, color=PALETTE[1], alpha=0.55, label="PPM defective (incoming)")
        right.set_ylabel("PPM defective (parts per million)")
        right.set_ylim(0, max(ppm + [1000.0]) * 1.15)
        points = [(x, p["on_time_rate"] * 100) for x, p in zip(xs, periods) if p.get("on_time_rate") is not None]
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], marker="o", color=PALETTE[0], linewidth=2,
                    label="On time", clip_on=False)
        if target is not None:
            ax.axhline(target * 100, color=BLACK, linewidth=1.1, linestyle="--")
            _write_on_line(ax, target * 100, f"on-time target {target:.0%}", BLACK, below=True, inside=True)
        ax.set_ylim(-6, 106)  # a 0% month sits above the axis line, not hidden on it
        ax.set_yticks(range(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter())
        ax.set_ylabel("on-time delivery (%)")
        ax.set_xlabel("month")
        ax.set_zorder(right.get_zorder() + 1)
        ax.patch.set_visible(False)
        set_label_ticks(ax, fig, xs, labels)
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        for axis in (ax, right):
            axis.spines["top"].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        fig.legend(handles=handles, frameon=False, loc="upper center", ncols=2, bbox_to_anchor=(0.5, 1.06))
        return svg_markup(fig, title)


def on_time_by_supplier(cards: list[dict], *, title: str, target: float | None = None) -> str:
    """On-time delivery per period, one line per supplier (the scorecard rows), each with its own marker shape
    (told apart in black and white); a supplier at 0% is drawn above the axis line, not hidden on it; the
    target (a fraction) as a dashed line, its value in the legend (written on the plot, lines crossed it)."""
    from matplotlib import rc_context
    from matplotlib.ticker import PercentFormatter

    labels = sorted({p["period"] for c in cards for p in c["periods"]})
    index = {label: i for i, label in enumerate(labels)}
    with rc_context(style()):
        fig = new_figure(9, 3.2)
        ax = fig.add_subplot()
        for i, c in enumerate(cards):
            points = [(index[p["period"]], p["on_time_rate"] * 100) for p in c["periods"]
                      if p.get("on_time_rate") is not None]
            if points:
                ax.plot([x for x, _ in points], [y for _, y in points], marker="osD^vP*X"[i % 8], linewidth=2,
                        markersize=6, color=PALETTE[i % len(PALETTE)], label=c["supplier"], clip_on=False)
        if target is not None:
            ax.axhline(target * 100, color=BLACK, linewidth=1.1, linestyle="--", label=f"target {target:.0%}")
        ax.set_ylim(-6, 106)  # a 0% month sits above the axis line, not hidden on it
        ax.set_yticks(range(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter())
        ax.set_ylabel("on-time delivery (%)")
        ax.set_xlabel("month")
        set_label_ticks(ax, fig, list(range(len(labels))), labels)
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if ax.get_legend_handles_labels()[0]:  # no receipt was due yet and no target: no legend
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        return svg_markup(fig, title)
