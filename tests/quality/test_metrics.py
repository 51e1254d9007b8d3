"""The yield and defect metrics (pure), against hand-worked cases and published examples."""

import pytest

from lrip.quality import metrics as m


def test_rolled_throughput_yield_pyzdek_table_24():
    """Pyzdek, The Six Sigma Project Planner (McGraw-Hill 2003), "Calculating yields", Table 24:
    four steps at 5,000, 15,000, 1,000 and 50 DPMO; RTY = 0.995 x 0.985 x 0.999 x 0.99995 = 0.979."""
    yields = [1 - dpmo / 1e6 for dpmo in (5_000, 15_000, 1_000, 50)]
    assert m.rolled_throughput_yield(yields) == pytest.approx(0.979, abs=5e-4)


def test_rolled_throughput_yield_minitab_labels():
    """Minitab Help, "What are throughput yield and rolled throughput yield?": three label-process
    steps at 0.95, 0.84 and 0.88 give 0.70. An operation with nothing decided is left out."""
    assert m.rolled_throughput_yield([0.95, 0.84, 0.88, None]) == pytest.approx(0.70, abs=5e-3)
    assert m.rolled_throughput_yield([None]) is None


def test_percentiles_are_hyndman_fan_definition_7():
    """1..10: median 5.5; p90 at h = (n - 1) p + 1 = 9.1, between the 9th and 10th values: 9.1."""
    d = m.distribution([float(v) for v in range(10, 0, -1)])
    assert d == {"n": 10, "mean": 5.5, "median": 5.5, "p90": pytest.approx(9.1)}
    assert m.distribution([]) == {"n": 0, "mean": None, "median": None, "p90": None}


def test_pareto_largest_first_with_cumulative_share():
    rows = m.pareto({"SOLDER": 2, "SCRATCH": 5, "TORQUE": 3, "NONE": 0})
    assert [(r["category"], r["count"]) for r in rows] == [("SCRATCH", 5), ("TORQUE", 3), ("SOLDER", 2)]
    assert [r["cumulative_percent"] for r in rows] == pytest.approx([50.0, 80.0, 100.0])
    assert rows[1]["percent"] == pytest.approx(30.0)


def _scene() -> list[m.Step]:
    """Four units, three operations (standards 30, 10, 20 min), worked by hand below.

    A passes 10, 20, 30 first time.   B fails 10 (held, reworked), then passes 10, 20, 30.
    C passes 10, fails 20 (scrapped). D passes 10; its first attempt at 20 is still open.
    """
    def s(unit, status, operation, first_pass, std, inspected=1, defects=0, minutes=None, **kw):
        return m.Step(unit=unit, group="L1", operation=operation, unit_status=status, first_pass=first_pass,
                      inspected=inspected, defects=defects, minutes=minutes, standard_minutes=std, **kw)

    return [
        s("A", "complete", "10 Assemble", True, 30, minutes=30),
        s("A", "complete", "20 Inspect", True, 10, minutes=10),
        s("A", "complete", "30 Test", True, 20, inspected=2, minutes=20),
        s("B", "complete", "10 Assemble", False, 30, inspected=2, defects=1, minutes=40, reworked=True),
        s("B", "complete", "20 Inspect", True, 10, minutes=10),
        s("B", "complete", "30 Test", True, 20, inspected=2, minutes=30),
        s("C", "scrapped", "10 Assemble", True, 30, minutes=30),
        s("C", "scrapped", "20 Inspect", False, 10, defects=1, scrapped=True),
        s("D", "in_work", "10 Assemble", True, 30, minutes=35),
        s("D", "in_work", "20 Inspect", None, 10, inspected=0),
    ]


def test_summary_of_a_hand_worked_lot():
    t = m.summarize(_scene())
    # FPY by operation: 10: A, C, D of A, B, C, D = 3/4; 20: A, B of A, B, C (D undecided) = 2/3; 30: 2/2
    assert t["fpy_by_operation"] == pytest.approx({"10 Assemble": 0.75, "20 Inspect": 2 / 3, "30 Test": 1.0})
    assert t["rty"] == pytest.approx(0.75 * 2 / 3)
    assert t["fpy"] == pytest.approx(1 / 3)  # of A, B, C finished, only A passed everything first time
    assert (t["units"], t["units_finished"], t["units_inspected"]) == (4, 3, 4)
    assert (t["defects"], t["opportunities"]) == (2, 12)
    assert t["dpu"] == pytest.approx(2 / 4)
    assert t["dpmo"] == pytest.approx(2 / 12 * 1e6)
    assert (t["scrapped"], t["reworked"]) == (1, 1)
    assert t["scrap_rate"] == t["rework_rate"] == pytest.approx(0.25)
    # cycle per complete unit: A 30 + 10 + 20 = 60, B 40 + 10 + 30 = 80; standard 60
    assert t["cycle_minutes"] == {"n": 2, "mean": 70.0, "median": 70.0, "p90": pytest.approx(78.0),
                                  "standard": 60.0, "mean_to_standard": pytest.approx(70 / 60)}


def test_grouped_by_operation():
    steps = [m.Step(**{**s.__dict__, "group": s.operation}) for s in _scene()]
    rows = {r["group"]: r for r in m.grouped(steps, ["10 Assemble", "20 Inspect", "30 Test", "40 Pack"])}
    assert list(rows) == ["10 Assemble", "20 Inspect", "30 Test"]
    assemble = rows["10 Assemble"]
    assert assemble["fpy"] == assemble["rty"] == pytest.approx(0.75)
    assert assemble["rework_rate"] == pytest.approx(0.25) and assemble["scrap_rate"] == 0
    assert assemble["cycle_minutes"]["mean"] == pytest.approx((30 + 40 + 30 + 35) / 4)  # per unit
    assert assemble["cycle_minutes"]["standard"] == 30
    inspect = rows["20 Inspect"]
    assert inspect["fpy"] == pytest.approx(2 / 3) and inspect["scrap_rate"] == pytest.approx(0.25)
    assert inspect["dpmo"] == pytest.approx(1 / 3 * 1e6)  # one defect in A, B, C's three inspections


def test_nothing_decided_yet_gives_no_yield_rather_than_zero():
    t = m.summarize([m.Step(unit="A", group="L1", operation="10 Assemble", unit_status="in_work", first_pass=None)])
    assert t["fpy"] is None and t["rty"] is None and t["dpu"] is None and t["dpmo"] is None
