"""The dashboard's pages: the programs list at /, a program's dashboard with its chart, a lot's units
(the figures themselves are tested in tests/dashboard)."""
import math
import re
from factory import actor, run_op10
from lrip.execution import service as execution
from lrip.web.charts import bars, for_print, stacked_bars


def test_the_home_page_lists_the_programs(sign_in):
    client, _ = sign_in("vera")
    page = client.get("/").text
    assert 'href="/programs/ACT"' in page and "ACT — Actuator ramp" in page and "LRIP quantity 20" in page


def test_the_chart_is_an_inline_svg_that_scales_and_says_what_it_shows():
    svg = stacked_bars(["02 Mar", "09 Mar"], {"L1": [1, 2], "L2": [0, 3]}, ylabel="Units", title="Units <per> week")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>Units &lt;per&gt; week</title>" in svg
    assert ' width="' not in svg.split(">", 1)[0] and "viewBox" in svg.split(">", 1)[0]
    assert ">L2<" in svg  # the legend, as text


def test_on_a_screen_a_chart_is_never_drawn_below_its_natural_size():
    """One SVG unit is a point and the text is 12 pt: at no less than its viewBox's size in px, every label is at
    least 12 px (a narrower box scrolls it). A printed chart is fitted to its page instead."""
    svg = bars(["0–7 days", "8–30 days"], [2, 1], ylabel="open NCRs (count)", xlabel="time open", title="Aging")
    head = svg.split(">", 1)[0]
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', head).groups())
    shown = re.search(r'style="min-width: (\d+)px; min-height: (\d+)px"', head).groups()
    assert tuple(map(int, shown)) == (math.ceil(width), math.ceil(height))
    assert "time open" in svg and "open NCRs (count)" in svg
    with for_print(6.3):
        assert "min-width" not in bars(["a"], [1], ylabel="n", title="t").split(">", 1)[0]


def finish_after_op10(session, serial):
    """Operations 20 and 30 in spec: the unit completes."""
    olga = actor(session, "olga")
    for op, results in ((20, [("VISUAL", "pass")]), (30, [("CURRENT", "1"), ("NOISE", "40")])):
        execution.start_operation(session, olga, serial=serial, operation=op)
        for code, value in results:
            execution.record_measurement(session, olga, serial=serial, characteristic=code, result=value)
        execution.complete_operation(session, olga, serial=serial, operation=op)


def arrange_more(session) -> None:
    """On top of the web line (SN-1 planned): SN-3 on hold at 10 and SN-5 complete."""
    admin, oscar = actor(session, "admin"), actor(session, "oscar")
    for serial in ("SN-3", "SN-5"):
        execution.create_unit(session, admin, lot="L1", serial=serial)
    execution.start_operation(session, oscar, serial="SN-3", operation=10, tools=["TQ-1"])
    execution.record_measurement(session, oscar, serial="SN-3", characteristic="TORQUE", result="2.6")
    run_op10(session, "SN-5", "M-002")
    finish_after_op10(session, "SN-5")


def test_the_dashboard_page(sign_in, db):
    client, _ = sign_in("oscar")
    page = client.get("/programs/ACT").text
    complete = int(re.search(r'data-testid="complete"><span class="tile-n">(\d+)</span>', page).group(1))
    assert ("No unit completed yet." in page) == (complete == 0) and ("<svg" in page) == (complete > 0)
    db(arrange_more)
    page = client.get("/programs/act").text
    assert f'<div class="tile tile-complete" data-testid="complete"><span class="tile-n">{complete + 1}</span>' in page
    assert 'href="/units/SN-3"' in page and "above the upper limit 2.2 N·m" in page
    assert '<tr data-operation="20">' in page
    assert "<svg" in page and "ACT: units completed per week, by lot" in page
    assert 'title="1 complete"' in page  # the lot's progress bar
    assert client.get("/programs/NOPE").status_code == 404


def test_the_lot_page_lists_its_units(sign_in):
    client, _ = sign_in("oscar")
    page = client.get("/lots/L1").text
    assert 'href="/units/SN-1"' in page and "Planned" in page and 'href="/programs/ACT"' in page
    assert "No units on hold." in client.get("/lots/L1?status=on_hold").text
    assert client.get("/lots/NOPE").status_code == 404
