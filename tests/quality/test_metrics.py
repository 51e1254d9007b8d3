"""The yield and defect metrics (pure), against hand-worked cases and published examples."""
from datetime import datetime, timedelta, timezone

import pytest

from lrip.quality import metrics as m

T0 = datetime(2026, 3, 2, 6, tzinfo=timezone.utc)


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


CHARS = {"10 Assemble": 1, "20 Inspect": 1, "30 Test": 2}  # 4 characteristics a unit
STANDARD = {"10 Assemble": 30, "20 Inspect": 10, "30 Test": 20}


def _step(unit, operation, first_pass, minutes=None, **kw):
    return m.Step(unit=unit, operation=operation, first_pass=first_pass, minutes=minutes,
                  opportunities=CHARS[operation], standard_minutes=STANDARD[operation], **kw)


def _scene() -> list[m.UnitRecord]:
    """Seven units of a lot, three operations (30, 10, 20 standard minutes; 1, 1 and 2 characteristics):

    A passes 10, 20, 30 first time.    B fails 10 (held, reworked), then passes 10, 20, 30.
    C passes 10, fails 20 (held, scrapped).    D passes 10; its first attempt at 20 is still open.
    E went on hold under an NCR raised by hand before its first operation.
    F was scrapped under an NCR raised by hand before its first operation.    G is planned: nothing yet.
    """
    def unit(name, status, *steps, **kw):
        return m.UnitRecord(unit=name, status=status, steps=tuple(steps), opportunities=4, **kw)

    return [
        unit("A", "complete", _step("A", "10 Assemble", True, 30), _step("A", "20 Inspect", True, 10),
             _step("A", "30 Test", True, 20)),
        unit("B", "complete", _step("B", "10 Assemble", False, 40, reworked=True, defects=1),
             _step("B", "20 Inspect", True, 10), _step("B", "30 Test", True, 30), reworked=True, defects=1),
        unit("C", "scrapped", _step("C", "10 Assemble", True, 30),
             _step("C", "20 Inspect", False, scrapped=True, defects=1), defects=1),
        unit("D", "in_work", _step("D", "10 Assemble", True, 35), _step("D", "20 Inspect", None)),
        unit("E", "on_hold", held=True, defects=1),
        unit("F", "scrapped", held=True, defects=1),
        unit("G", "planned"),
    ]


def test_summary_of_a_hand_worked_lot():
    """Worked by hand from the definitions in lrip.quality.metrics (Juran's Quality Handbook, 5th ed.,
    Sect. 22, for first-pass and rolled throughput yield; Breyfogle, Implementing Six Sigma, 2nd ed.,
    Sect. 9.4, and Pyzdek, The Six Sigma Handbook, Ch. 9, for DPU and DPMO = DPU x 10^6 / opportunities
    per unit)."""
    t = m.summarize(_scene(), lot_defects=2)  # an NCR of quantity 2 raised on the lot
    # A-F are counted (G has had nothing done); through: A complete, B, C, E and F failed (D is still open)
    assert (t["units"], t["units_through"]) == (6, 5)
    assert t["fpy"] == pytest.approx(1 / 5)  # only A passed everything first time
    # 10: A, C, D of A, B, C, D = 3/4; 20: A, B of A, B, C (D undecided) = 2/3; 30: 2/2
    assert t["fpy_by_operation"] == pytest.approx({"10 Assemble": 0.75, "20 Inspect": 2 / 3, "30 Test": 1.0})
    assert t["rty"] == pytest.approx(0.75 * 2 / 3)
    # defects: B, C, E, F one NCR each and the lot's 2 = 6 over 6 units; opportunities 6 units x 4
    assert (t["defects"], t["opportunities"]) == (6, 24)
    assert t["dpu"] == pytest.approx(1.0)
    assert t["dpmo"] == pytest.approx(6 / 24 * 1e6)  # 250,000 = DPU 1.0 x 10^6 / 4 opportunities a unit
    # scrap counts F, scrapped before it started, with C
    assert (t["scrapped"], t["reworked"]) == (2, 1)
    assert t["scrap_rate"] == pytest.approx(2 / 6) and t["rework_rate"] == pytest.approx(1 / 6)
    # cycle per complete unit: A 30 + 10 + 20 = 60, B 40 + 10 + 30 = 80; standard 60; p90 = 60 + 0.9 x 20
    assert t["cycle_minutes"] == {"n": 2, "mean": 70.0, "median": 70.0, "p90": pytest.approx(78.0),
                                  "standard": 60.0, "mean_to_standard": pytest.approx(70 / 60), "left_out": 0}


def test_one_operation_by_hand():
    steps = [s for u in _scene() for s in u.steps if s.operation == "10 Assemble"]
    assemble = m.summarize_operation("10 Assemble", steps, lot_defects=0)
    assert (assemble["units"], assemble["units_through"]) == (4, 4)
    assert assemble["fpy"] == assemble["rty"] == pytest.approx(0.75)
    assert (assemble["defects"], assemble["opportunities"]) == (1, 4)  # 4 units x 1 characteristic
    assert assemble["dpmo"] == pytest.approx(250_000)
    assert assemble["rework_rate"] == pytest.approx(0.25) and assemble["scrap_rate"] == 0
    assert assemble["cycle_minutes"]["mean"] == pytest.approx((30 + 40 + 30 + 35) / 4)
    assert assemble["cycle_minutes"]["standard"] == 30
    inspect = m.summarize_operation("20 Inspect", [s for u in _scene() for s in u.steps
                                                   if s.operation == "20 Inspect"])
    assert inspect["fpy"] == pytest.approx(2 / 3) and inspect["scrap_rate"] == pytest.approx(1 / 4)
    assert inspect["dpmo"] == pytest.approx(1 / 4 * 1e6)  # C's one defect over four units' one characteristic


def test_times_off_the_trend_are_left_out_and_counted():
    """A's 30 + 10 + 20 and B's 40 + 10 + 30 minutes with a third unit whose clock ran over a weekend:
    flagged (lrip.stats.outliers), it is left out of the minutes and counted."""
    weekend = m.UnitRecord(unit="W", status="complete", opportunities=4, outlier=True, steps=(
        _step("W", "10 Assemble", True, 30), _step("W", "20 Inspect", True, 10),
        _step("W", "30 Test", True, 4000, outlier=True)))
    units = _scene() + [weekend]
    cycle = m.summarize(units)["cycle_minutes"]
    assert (cycle["n"], cycle["mean"], cycle["left_out"]) == (2, 70.0, 1)
    test = m.summarize_operation("30 Test", [s for u in units for s in u.steps if s.operation == "30 Test"])
    assert (test["cycle_minutes"]["n"], test["cycle_minutes"]["mean"], test["cycle_minutes"]["left_out"]) == (2, 25.0, 1)


def test_nothing_decided_yet_gives_no_yield_rather_than_zero():
    t = m.summarize([m.UnitRecord(unit="A", status="in_work", steps=(_step("A", "10 Assemble", None),),
                                  opportunities=4)])
    assert t["fpy"] is None and t["rty"] is None and t["dpu"] == 0 and t["units_through"] == 0
    assert m.summarize([])["dpu"] is None and m.summarize([])["dpmo"] is None


def _attempt(operation, start_h, end_h):
    return m.Attempt(operation, T0 + timedelta(hours=start_h), None if end_h is None else T0 + timedelta(hours=end_h))


def test_a_hold_is_blamed_on_the_attempt_its_result_raised_it_on_or_its_ncr_names_or_the_one_in_work():
    attempts = [_attempt("10 Assemble", 0, 1), _attempt("20 Inspect", 2, None)]
    by_result = m.Hold(record_operation="10 Assemble", record_attempt=1, ncr_operation=None, opened_at=T0)
    assert m.blame(by_result, attempts) == ("10 Assemble", True)
    again = m.Hold(record_operation="10 Assemble", record_attempt=2, ncr_operation=None, opened_at=T0)
    assert m.blame(again, attempts) == ("10 Assemble", False)  # a defect of the rework, not of the first pass
    named = m.Hold(record_operation=None, record_attempt=None, ncr_operation="10 Assemble",
                   opened_at=T0 + timedelta(hours=3))
    assert m.blame(named, attempts) == ("10 Assemble", True)  # found later, traced to 10 by its NCR
    by_hand = m.Hold(record_operation=None, record_attempt=None, ncr_operation=None, opened_at=T0 + timedelta(hours=3))
    assert m.blame(by_hand, attempts) == ("20 Inspect", True)  # raised while 20 was in work
    before = m.Hold(record_operation=None, record_attempt=None, ncr_operation="30 Test",
                    opened_at=T0 - timedelta(hours=1))
    assert m.blame(before, attempts) == (None, False)  # on the unit itself


def test_a_hold_a_result_raised_is_blamed_without_reading_the_attempts():
    """The attempts' times are converted from storage only for the holds that need them (a generator is read lazily);
    before, every hold read them."""
    read = []

    def attempts():
        read.append(True)
        yield _attempt("10 Assemble", 0, 1)

    by_result = m.Hold(record_operation="10 Assemble", record_attempt=1, ncr_operation=None, opened_at=T0)
    assert m.blame(by_result, attempts()) == ("10 Assemble", True) and read == []
    by_hand = m.Hold(record_operation=None, record_attempt=None, ncr_operation=None, opened_at=T0)
    assert m.blame(by_hand, attempts()) == ("10 Assemble", True) and read == [True]
