"""`metrics()` on a line built through the services (SQLite and PostgreSQL): the four-unit scene of
quality/lines.py, worked by hand."""
from datetime import date

import pytest

from factory import actor, build_line
from lrip.errors import Invalid, NotFound
from lrip.quality import service
from quality.lines import build_four_units, selects_while, start_time

OPS = ["10 Assemble", "20 Inspect", "30 Test"]


def test_metrics_of_the_four_unit_scene(session):
    build_four_units(session)
    oscar = actor(session, "oscar")
    r, selects = selects_while(session, lambda: service.metrics(session, oscar, program="ACT", by="lot"))
    assert selects <= 6  # set-based: a fixed handful of SELECTs whatever the number of units
    r = r.model_dump()

    assert [g["group"] for g in r["groups"]] == ["L1"]
    t = r["total"]
    # FPY by operation: 10: U1, U3, U4 of four (U2 held); 20: U1, U2 of three (U3 failed, U4 open); 30: 2 of 2
    assert t["fpy_by_operation"] == pytest.approx(dict(zip(OPS, [0.75, 2 / 3, 1.0])))
    assert t["rty"] == pytest.approx(0.5)
    assert t["units_through"] == 3 and t["fpy"] == pytest.approx(1 / 3)  # U1 of U1, U2 (failed), U3 (failed)
    # two NCRs (U2's torque, U3's visual) over four units; opportunities 4 units x 4 characteristics
    assert (t["defects"], t["opportunities"]) == (2, 16)
    assert t["dpu"] == pytest.approx(0.5) and t["dpmo"] == pytest.approx(2 / 16 * 1e6)
    assert (t["scrapped"], t["reworked"], t["scrap_rate"], t["rework_rate"]) == (1, 1, 0.25, 0.25)
    # U1 30 + 30 + 30, U2 40 (the rework attempt) + 30 + 30; standard 30 + 10 + 20
    cycle = t["cycle_minutes"]
    assert (cycle["n"], cycle["mean"], cycle["median"], cycle["standard"], cycle["left_out"]) == (2, 95.0, 95.0, 60.0, 0)
    assert cycle["p90"] == pytest.approx(99.0)
    assert r["groups"][0]["rty"] == t["rty"]

    assert sum(p["count"] for p in r["pareto"]) == 2  # an NCR was raised with each hold
    assert [a["count"] for a in r["ncr_aging"]] == [2, 0, 0, 0]  # dispositioned today, not yet closed

    # by operation, week (of each unit's first start) and phase
    by_op = service.metrics(session, oscar, program="ACT", by="operation").model_dump()
    assert [g["group"] for g in by_op["groups"]] == OPS
    assemble = by_op["groups"][0]
    assert assemble["fpy"] == pytest.approx(0.75) and assemble["rework_rate"] == pytest.approx(0.25)
    assert assemble["cycle_minutes"]["mean"] == pytest.approx((30 + 40 + 30 + 30) / 4)  # per unit that completed it
    assert by_op["groups"][1]["scrap_rate"] == pytest.approx(1 / 4)  # U3 of the four that reached 20
    dashboard = service.dashboard(session, oscar, program="ACT").model_dump()  # the page's figures, in one reading
    assert dashboard["by_operation"] == by_op["groups"] and dashboard["by_lot"]["groups"] == r["groups"]

    monday = start_time().date().toordinal() - start_time().weekday()
    by_week = service.metrics(session, oscar, program="ACT", by="week").model_dump()
    assert [g["group"] for g in by_week["groups"]] == [date.fromordinal(monday).isoformat()]
    by_phase = service.metrics(session, oscar, program="ACT", by="phase").model_dump()
    assert [g["group"] for g in by_phase["groups"]] == ["pilot"]  # the scene is built in pilot (lines.py)
    assert by_phase["total"] == by_op["total"]
    assert service.metrics(session, oscar, program="ACT", phase="lrip").groups == []


def test_metrics_refusals(session):
    build_line(session, phase="pilot")  # the scene alone (no factory pilot lot P1)
    oscar = actor(session, "oscar")
    with pytest.raises(Invalid, match="group by one of lot, operation, week, phase, not shift"):
        service.metrics(session, oscar, program="ACT", by="shift")
    with pytest.raises(NotFound, match="No program with code NOPE"):
        service.metrics(session, oscar, program="NOPE")
