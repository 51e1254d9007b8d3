"""Charts drawn on the server with Matplotlib, returned as SVG markup to put inline in a
page (no JavaScript chart library); reports can use the same functions.

Matplotlib is imported inside the functions so the CLI and the API start without it,
and only its object API is used (no pyplot): no global state, safe in server threads.
"""
from __future__ import annotations

import html
import io
import math
import re
from contextlib import contextmanager
from contextvars import ContextVar

# Okabe–Ito: tells series apart for colour-blind readers too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "lrip", "font.size": 12,
         "font.family": ["DejaVu Sans", "sans-serif"]}
"""12 pt text, one SVG unit a point: drawn no smaller than its natural size (`svg_markup`), every label is
at least 12 px on the screen."""

_PRINT: ContextVar[float | None] = ContextVar("print_width", default=None)
PRINT_FONT = 9.5  # pt, drawn at its natural size on an A4 page: 12.7 px


@contextmanager
def for_print(width: float):
    """Charts drawn inside this block are `width` inches wide at most (and a little shorter), with print-sized
    text, so a report can show them at their natural size: text stays at 9.5 pt (12.7 px) instead of a
    screen-sized figure shrunk to the page with its labels at 7 px."""
    token = _PRINT.set(width)
    try:
        yield
    finally:
        _PRINT.reset(token)


def style() -> dict:
    """Matplotlib's settings for the chart being drawn (screen or print)."""
    return STYLE | ({"font.size": PRINT_FONT} if _PRINT.get() else {})


def new_figure(width: float, height: float):
    """A figure of the size a screen chart has, fitted to the print width when drawing for print."""
    from matplotlib.figure import Figure

    fit = _PRINT.get()
    if fit and width > fit:
        height = height * max(0.7, fit / width)
        width = fit
    return Figure(figsize=(width, height))


def envelope(values: list[float], buckets: int) -> tuple[list[float], list[float], list[float]]:
    """Every value still counted, drawn at the plot's resolution: the x at each bucket's middle and the
    smallest and largest value in it (a min/max envelope keeps every spike the eye must see)."""
    n = len(values)
    xs, lows, highs = [], [], []
    for b in range(buckets):
        start, stop = n * b // buckets, n * (b + 1) // buckets
        chunk = [v for v in values[start:stop] if v == v]
        if chunk:
            xs.append((start + stop + 1) / 2)
            lows.append(min(chunk))
            highs.append(max(chunk))
    return xs, lows, highs


def stacked_bars(labels: list[str], series: dict[str, list[float]], *, ylabel: str, title: str,
                 legend_title: str | None = None, xlabel: str | None = None) -> str:
    """Bars per label, stacked by series (e.g. units per week, stacked by lot)."""
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    with rc_context(style()):
        fig = new_figure(11, 3.4)
        ax = fig.add_subplot()
        xs = range(len(labels))
        bottom = [0.0] * len(labels)
        for i, (name, values) in enumerate(series.items()):
            ax.bar(xs, values, bottom=bottom, width=0.7, label=name, color=PALETTE[i % len(PALETTE)])
            bottom = [b + v for b, v in zip(bottom, values)]
        set_label_ticks(ax, fig, list(xs), labels)
        ax.set_ylabel(ylabel)
        if xlabel:
            ax.set_xlabel(xlabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(title=legend_title, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


def bars(labels: list[str], values: list[float], *, ylabel: str, title: str, colour: str = PALETTE[0],
         xlabel: str | None = None) -> str:
    """One bar per label (e.g. open NCRs by how long they have been open)."""
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    with rc_context(style()):
        fig = new_figure(7, 3.2)
        ax = fig.add_subplot()
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        xs = range(len(labels))
        ax.bar(xs, [0 if v is None else v for v in values], width=0.65, color=colour)
        set_label_ticks(ax, fig, list(xs), labels)
        ax.set_ylabel(ylabel)
        if xlabel:
            ax.set_xlabel(xlabel)
        ax.set_ylim(0, max([1, *(v or 0 for v in values)]) * 1.1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        return svg_markup(fig, title)


def set_label_ticks(ax, fig, xs: list, labels: list[str]) -> None:
    """Category labels under the x axis that never overprint: as many as fit across the axis at the font
    size (every 2nd, 4th, … week when they do not all fit), slanted when they are long."""
    if not labels:
        return
    from matplotlib import rcParams

    width_pt = fig.get_figwidth() * 72 * 0.75
    size = rcParams["font.size"]
    longest = max(len(str(label)) for label in labels)
    flat = size * (0.62 * longest + 1.2)  # one label written flat, with a space after it
    slanted = len(labels) * flat > width_pt and longest > 6
    step = max(1, math.ceil(len(labels) * (size * 1.6 if slanted else flat) / width_pt))
    ax.set_xticks(xs[::step], labels[::step], rotation=30 if slanted else 0,
                  ha="right" if slanted else "center", rotation_mode="anchor" if slanted else "default")


def svg_markup(fig, title: str) -> str:
    """The figure as an <svg> element that says what it shows and scales to its container, but on a screen
    never below its natural size (its text would shrink under 12 px): a narrower container scrolls it."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches=_print_box(fig) if _PRINT.get() else "tight",
                metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg"):]
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    if not _PRINT.get():
        width, height = (float(v) for v in re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', head).groups())
        head += f' style="min-width: {math.ceil(width)}px; min-height: {math.ceil(height)}px"'
    safe = html.escape(title)
    return f'{head} class="chart" role="img" aria-label="{safe}"><title>{safe}</title>{rest}'


def _print_box(fig):
    """The figure's tight box, measured without drawing it: savefig's "tight" draws the figure once more to
    measure it, which doubles the time of a report's many charts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    fig.set_dpi(72)  # measured at the resolution the SVG is drawn at (a point a unit)
    box = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer()).padded(0.1)  # savefig's own padding, inches
    return Bbox.from_extents(*box.extents)
