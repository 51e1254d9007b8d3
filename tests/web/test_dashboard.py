"""The program dashboard: its read-only figures (on both databases), the page, and the chart."""
from datetime import date, datetime, timedelta, timezone

from factory import build_line, run_op10
from lrip.execution import service as execution
from lrip.program import dashboard
from lrip.program.pages import progress
from lrip.web.charts import stacked_bars


def finish_after_op10(session, serial):
    """Operations 20 and 30 in spec: the unit completes."""
    for op, results in ((20, [("VISUAL", "pass")]), (30, [("CURRENT", "1"), ("NOISE", "40")])):
        execution.start_operation(session, serial=serial, operation=op, operator="olga")
        for code, value in results:
            execution.record_measurement(session, serial=serial, characteristic=code, result=value, operator="olga")
        execution.complete_operation(session, serial=serial, operation=op, operator="olga")


def arrange(session) -> None:
    """SN-1 planned; SN-2 in work at 10; SN-3 on hold at 10; SN-4 waiting at 20; SN-5 complete."""
    build_line(session, lot_quantity=6)
    for n in range(1, 6):
        execution.create_unit(session, lot="L1", serial=f"SN-{n}", actor="admin")
    execution.start_operation(session, serial="SN-2", operation=10, operator="olga", tools=["TQ-1"])
    execution.start_operation(session, serial="SN-3", operation=10, operator="oscar", tools=["TQ-1"])
    execution.record_measurement(session, serial="SN-3", characteristic="TORQUE", result="2.6", operator="oscar")
    run_op10(session, "SN-4", "M-001")
    run_op10(session, "SN-5", "M-002")
    finish_after_op10(session, "SN-5")


def test_wip_by_operation_counts_each_unit_where_it_is(session):
    arrange(session)
    rows = {r["sequence"]: r for r in dashboard.wip_by_operation(session, "ACT")}
    assert rows[10] == {"sequence": 10, "name": "Assemble", "work_center": "ASSY", "in_work": 1, "waiting": 1,
                        "on_hold": 1}
    assert (rows[20]["waiting"], rows[20]["in_work"], rows[20]["on_hold"]) == (1, 0, 0)
    assert (rows[30]["waiting"], rows[30]["in_work"], rows[30]["on_hold"]) == (0, 0, 0)  # SN-5 is done


def test_open_holds_say_why_where_and_who(session):
    arrange(session)
    [hold] = dashboard.open_holds(session, "ACT")
    assert hold["serial"] == "SN-3" and hold["lot"] == "L1" and hold["operation"] == "10 Assemble"
    assert hold["opened_by"] == "oscar"
    assert hold["reason"] == "TORQUE Screw torque measured 2.6 N·m, above the upper limit 2.2 N·m"


def test_completed_per_week_fills_the_weeks_between(session):
    build_line(session)
    wednesday = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    for serial, at in (("SN-1", wednesday), ("SN-2", wednesday + timedelta(days=1)),
                       ("SN-3", wednesday + timedelta(weeks=2))):
        execution.create_unit(session, lot="L1", serial=serial, actor="admin")
        for i, (op, tools, results) in enumerate(((10, ["TQ-1"], [("TORQUE", "2")]), (20, [], [("VISUAL", "pass")]),
                                                  (30, [], [("CURRENT", "1"), ("NOISE", "40")]))):
            execution.start_operation(session, serial=serial, operation=op, operator="olga", tools=tools,
                                      at=at + timedelta(minutes=i))
            if op == 10:
                execution.consume(session, serial=serial, operation=10, identifier=f"M-00{serial[-1]}")
                execution.consume(session, serial=serial, operation=10, identifier="SCR-LOT-1", quantity=4)
            for code, value in results:
                execution.record_measurement(session, serial=serial, characteristic=code, result=value,
                                             operator="olga")
            execution.complete_operation(session, serial=serial, operation=op, operator="olga",
                                         at=at + timedelta(minutes=i, seconds=30))
    weeks, per_lot = dashboard.completed_per_week(session, "ACT")
    assert weeks == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert per_lot == {"L1": [2, 0, 1]}


def test_progress_bar_shares_of_the_planned_quantity():
    lot = {"planned_quantity": 10, "units": 6, "units_by_status": {"complete": 3, "on_hold": 1, "planned": 2}}
    parts = {p["status"]: (p["count"], p["percent"]) for p in progress(lot)}
    assert parts == {"complete": (3, 30.0), "in_work": (0, 0.0), "on_hold": (1, 10.0), "scrapped": (0, 0.0),
                     "planned": (2, 20.0), "not_created": (4, 40.0)}


def test_the_chart_is_an_inline_svg_that_scales_and_says_what_it_shows():
    svg = stacked_bars(["02 Mar", "09 Mar"], {"L1": [1, 2], "L2": [0, 3]}, ylabel="Units", title="Units <per> week")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>Units &lt;per&gt; week</title>" in svg
    assert ' width="' not in svg.split(">", 1)[0] and "viewBox" in svg.split(">", 1)[0]
    assert ">L2<" in svg  # the legend, as text


def test_the_dashboard_page(sign_in, db):
    client, _ = sign_in("oscar")
    page = client.get("/programs/ACT").text
    assert "No unit completed yet." in page and "<svg" not in page
    db(arrange_more)
    page = client.get("/programs/ACT").text
    assert '<div class="tile tile-complete" data-testid="complete"><span class="tile-n">1</span>' in page
    assert 'href="/units/SN-3"' in page and "above the upper limit 2.2 N·m" in page
    assert '<tr data-operation="20">' in page
    assert "<svg" in page and "units completed per week, by lot" in page
    assert 'title="1 complete"' in page  # the lot's progress bar
    assert client.get("/programs/NOPE").status_code == 404


def arrange_more(session) -> None:
    """On top of the web line (SN-1 planned): SN-3 on hold at 10 and SN-5 complete."""
    for serial in ("SN-3", "SN-5"):
        execution.create_unit(session, lot="L1", serial=serial, actor="admin")
    execution.start_operation(session, serial="SN-3", operation=10, operator="oscar", tools=["TQ-1"])
    execution.record_measurement(session, serial="SN-3", characteristic="TORQUE", result="2.6", operator="oscar")
    run_op10(session, "SN-5", "M-002")
    finish_after_op10(session, "SN-5")


def test_the_lot_page_lists_its_units(sign_in):
    client, _ = sign_in("oscar")
    page = client.get("/lots/L1").text
    assert 'href="/units/SN-1"' in page and "Planned" in page
    assert "No units on hold." in client.get("/lots/L1?status=on_hold").text
    assert client.get("/lots/NOPE").status_code == 404
