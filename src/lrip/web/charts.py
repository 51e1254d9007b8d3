"""Charts drawn on the server with Matplotlib, returned as SVG markup to put inline in a
page (no JavaScript chart library); reports can use the same functions.

Matplotlib is imported inside the functions so the CLI and the API start without it,
and only its object API is used (no pyplot): no global state, safe in server threads.
"""
from __future__ import annotations

import html
import io
import re

# Okabe–Ito: tells series apart for colour-blind readers too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "lrip", "font.size": 11,
         "font.family": ["DejaVu Sans", "sans-serif"]}


def stacked_bars(labels: list[str], series: dict[str, list[float]], *, ylabel: str, title: str,
                 legend_title: str | None = None) -> str:
    """Bars per label, stacked by series (e.g. units per week, stacked by lot)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context(STYLE):
        fig = Figure(figsize=(11, 3.4))
        ax = fig.add_subplot()
        xs = range(len(labels))
        bottom = [0.0] * len(labels)
        for i, (name, values) in enumerate(series.items()):
            ax.bar(xs, values, bottom=bottom, width=0.7, label=name, color=PALETTE[i % len(PALETTE)])
            bottom = [b + v for b, v in zip(bottom, values)]
        step = max(1, len(labels) // 12)  # at most about a dozen tick labels
        ax.set_xticks(list(xs)[::step], labels[::step])
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(title=legend_title, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return svg_markup(fig, title)


def bars(labels: list[str], values: list[float], *, ylabel: str, title: str, colour: str = PALETTE[0]) -> str:
    """One bar per label (e.g. open NCRs by how long they have been open)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context(STYLE):
        fig = Figure(figsize=(7, 3.2))
        ax = fig.add_subplot()
        ax.grid(axis="y", color="#d9dee4", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        xs = range(len(labels))
        ax.bar(xs, [0 if v is None else v for v in values], width=0.65, color=colour)
        slanted = len(labels) > 6
        ax.set_xticks(list(xs), labels, rotation=30 if slanted else 0, ha="right" if slanted else "center", fontsize=9)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, max([1, *(v or 0 for v in values)]) * 1.1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        return svg_markup(fig, title)


def svg_markup(fig, title: str) -> str:
    """The figure as an <svg> element that scales to its container and says what it shows."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg"):]
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    safe = html.escape(title)
    return f'{head} class="chart" role="img" aria-label="{safe}"><title>{safe}</title>{rest}'
