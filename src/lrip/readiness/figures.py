"""The figures of an evidence package: each criterion's charts, drawn for print by the areas' own chart
functions from the data frozen in the assessment, as the SVG images the report shows.

A 10,000-unit program's figures take Matplotlib a second and a half. From DRAWN_BESIDE points up they are
drawn in a process of their own (`drawing`: `python -m lrip.readiness.figures`), started as soon as the
assessment is read, while this one reads the rest of the evidence and loads WeasyPrint: a thread would not
run beside it (the GIL). That process imports this module and the chart functions only, so it starts in a
moment (a multiprocessing child would import the `lrip` command first).
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from lrip.capacity.charts import drawn_as as learning_drawn_as, learning_curve, utilisation_bars
from lrip.change.charts import traffic_chart
from lrip.change.schemas import TrafficWeek
from lrip.quality.charts import (capability_histogram, control_chart, defect_pareto, dpu_trend, drawn_as,
                                 on_time_by_supplier, yield_by_lot)
from lrip.web.charts import for_print

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # the shared style lists fallback fonts
PRINT_WIDTH = 5.6  # inches, the plot: with its labels and legend beside it, an A4 page's text width (7 in)
DRAWN_BESIDE = 20_000
"""Points (key-characteristic values and learning-curve units) from which the figures are drawn in a process of
their own: below, starting it costs more than it saves."""


def shown(value, unit: str = "") -> str:
    """A value as the report prints it: fractions as percentages when its unit is %."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "%" and isinstance(value, (int, float)):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def value_cited(point: dict) -> str:
    """A key-characteristic value as the package cites it: characteristic and serial."""
    return f"{point['characteristic']} {point['serial']}"


def draw(assessment: dict) -> dict[str, list[dict]]:
    """Each criterion's figures (criterion id → figures, each with the values it draws as the package cites
    them), not yet numbered."""
    return {c["id"]: charts_for(c, assessment["program"]) for c in assessment["criteria"]}


def _points_drawn(assessment: dict) -> int:
    count = 0
    for c in assessment["criteria"]:
        data = c.get("charts") or {}
        count += sum(len(k.get("points") or []) for k in data.get("characteristics", []))
        count += len((data.get("learning") or {}).get("units") or [])
    return count


@contextmanager
def drawing(assessment: dict):
    """The assessment's figures being drawn: gives the callable that returns them (`draw`'s answer). With
    DRAWN_BESIDE points or more, a second process draws them from now on; with fewer, they are drawn when
    asked for."""
    if _points_drawn(assessment) < DRAWN_BESIDE:
        yield lambda: draw(assessment)
        return
    with tempfile.TemporaryDirectory(prefix="lrip-figures-") as folder:
        given = Path(folder) / "assessment.json"
        given.write_text(json.dumps(assessment))
        child = subprocess.Popen([sys.executable, "-m", __name__, str(given)], stdout=subprocess.PIPE)
        try:
            yield lambda: _drawn_by(child)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()


def _drawn_by(child: subprocess.Popen) -> dict[str, list[dict]]:
    out, _ = child.communicate()
    if child.returncode:
        raise RuntimeError(f"drawing the figures failed (exit status {child.returncode})")
    return json.loads(out)


def charts_for(criterion: dict, program: str) -> list[dict]:
    """The figures of one criterion's section, from the data frozen in the assessment, drawn for print (text at
    its natural size on the page), each with the caption that says what it shows and where its data is."""
    with for_print(PRINT_WIDTH):
        return _charts_for(criterion, program)


def _charts_for(criterion: dict, program: str) -> list[dict]:
    data, out = criterion.get("charts") or {}, []

    def add(title: str, svg: str | None, caption: str = "", values: list[str] = ()):
        """`values`: the key-characteristic values the figure draws, as the package cites them."""
        if svg:
            out.append({"title": title, "src": _svg_image(svg), "caption": caption, "width": _natural_width(svg),
                        "values": list(values)})

    cid = criterion["id"]
    if cid == "capability":
        for c in data.get("characteristics", []):
            label = f"{c['characteristic']} {c['name']}"
            units = f" ({c['units']})" if c.get("units") else ""
            add(f"{label}: individuals and moving range chart",
                control_chart(c, title=f"{program} {label}: control chart"),
                f"{drawn_as(c['n_points'])} Every value, by serial, is in key_characteristics.csv.",
                [value_cited({"characteristic": c["characteristic"], "serial": s}) for s in c.get("labels") or []])
            cap = c.get("capability") or {}
            add(f"{label}: capability histogram", capability_histogram(
                c["points"], lsl=c.get("lsl"), usl=c.get("usl"), mean=c["center"],
                sigma_within=cap.get("sigma_within"), sigma_overall=cap.get("sigma_overall"),
                title=f"{program} {label}: capability histogram", xlabel=f"{c['name']}{units}"),
                f"All {len(c['points']):,} values; Cpk {shown(cap.get('cpk'))}, Ppk {shown(cap.get('ppk'))}.")
    elif cid == "yield" and data.get("yield_by_lot"):
        rows = data["yield_by_lot"]
        add("Yield by LRIP lot", yield_by_lot([r["lot"] for r in rows], [r["fpy"] for r in rows],
                                              [r["rty"] for r in rows], title=f"{program}: yield by LRIP lot"),
            "First-pass and rolled throughput yield of each LRIP lot (yield_by_lot.csv).")
    elif cid == "quality":
        if data.get("dpu"):
            add("Defects per unit by LRIP lot", dpu_trend([lot for lot, _ in data["dpu"]], [d for _, d in data["dpu"]],
                                                          title=f"{program}: DPU trend"))
        if data.get("pareto"):
            add("Defect Pareto", defect_pareto([p["category"] for p in data["pareto"]],
                                               [p["count"] for p in data["pareto"]], title=f"{program}: defect Pareto"),
                "Defects by category, largest first, with the cumulative share." +
                (" The NCRs are in ncrs.csv." if data.get("ncrs") else ""))
    elif cid == "design_stability" and any(w["major"] or w["minor"] for w in data.get("traffic", [])):
        add("Change requests per week", traffic_chart([TrafficWeek.model_validate(w) for w in data["traffic"]],
                                                      title=f"{program}: change traffic"),
            "Change requests submitted per week, major under minor.")
    elif cid == "supply_chain" and data.get("suppliers"):
        target = (criterion.get("target") if isinstance(criterion.get("target"), (int, float)) else None)
        add("Supplier on-time delivery by month", on_time_by_supplier(data["suppliers"], target=target,
                                                                      title=f"{program}: supplier on-time delivery"),
            "One line per supplier; the dashed line is the target. Every supplier's figures are in suppliers.csv.")
    elif cid == "capacity" and data.get("work_centers"):
        add("Work center utilisation at the FRP target rate",
            utilisation_bars(data["work_centers"], target=data["target"],
                             title=f"{program}: utilisation at the FRP rate"),
            "Bars above the dashed target line are drawn in vermilion.")
    elif cid == "learning" and data.get("learning"):
        d = data["learning"]
        add("Learning curve: actual hours per unit and the fitted curves",
            learning_curve(d["units"], d["hours"], d["fitted"], projections=[tuple(p) for p in d["projections"]],
                           title=f"{program}: learning curve"),
            f"Log-log axes, on which a learning curve is a straight line. {learning_drawn_as(len(d['units']))}")
    return out


def _natural_width(svg: str) -> float | None:
    """The chart's width in points (its viewBox): the report shows it at that size, text at its print size."""
    found = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+"', svg[:2000])
    return float(found.group(1)) if found else None


_STYLE = re.compile(r'style="([^"]*)"')
_SHEET = '<style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>'
_GROUP = re.compile(r"<g\b[^>]*>|</g>")


def _svg_image(svg: str) -> str:
    """A chart as the data: URL of an SVG image: vector on paper. WeasyPrint draws an SVG element by element in
    Python (and runs the HTML cascade over an inline one), so the image is given only what draws: Matplotlib's
    groups that merely name their content and its metadata are left out, and its style attributes and style
    sheet are written as the presentation attributes they stand for, which need no CSS parsing."""
    kept = []

    def group(tag: re.Match) -> str:
        if tag[0] == "</g>":
            return tag[0] if kept.pop() else ""
        if tag[0].endswith("/>"):
            return tag[0]
        kept.append(not re.fullmatch(r'<g(?: id="[^"]*")?>', tag[0]))
        return tag[0] if kept[-1] else ""

    lean = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S).replace(_SHEET, "")
    lean = _GROUP.sub(group, lean.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1))
    lean = _STYLE.sub(lambda m: " ".join(f'{name.strip()}="{value.strip()}"' for name, value in
                                         (d.split(":", 1) for d in m[1].split(";") if d.strip())), lean)
    return "data:image/svg+xml;base64," + base64.b64encode(lean.encode()).decode()


if __name__ == "__main__":  # `drawing`'s second process: the assessment's file in, its figures out (JSON)
    sys.stdout.write(json.dumps(draw(json.loads(Path(sys.argv[1]).read_text()))))
    sys.stdout.flush()
    os._exit(0)  # nothing to tear down: the figures are out, and the waiting process goes on at once
