"""The pure inspection rules: which units a Z1.4 sample picks and why, lot decisions per class,
FAI completion checks, and the two-year production lapse (AS9102 4.6)."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from lrip.inspection import rules
from lrip.stats.sampling import single_sampling_plan


def _fisher_yates(lot_size: int, n: int, seed: str) -> tuple[int, ...]:
    """The draw as anyone would redo it from the seed on the lot: Python's Mersenne Twister random(),
    seeded with the string, drives a partial Fisher-Yates shuffle of 1..N (Knuth, TAOCP vol. 2, 3.4.2,
    Algorithm P)."""
    rng = random.Random(seed)
    units = list(range(1, lot_size + 1))
    for i in range(n):
        j = i + int(rng.random() * (lot_size - i))
        units[i], units[j] = units[j], units[i]
    return tuple(sorted(units[:n]))


def test_the_sample_is_drawn_at_random_not_every_kth_unit_from_the_first():
    """ANSI/ASQ Z1.4-2003 (R2018) section 7 (MIL-STD-105E 4.5): the units of a sample are selected at random,
    without regard to their quality. Lot 30, n=5 was units 1, 7, 13, 19, 25 for every lot (issue 13)."""
    draws = {rules.sample_positions(30, 5, seed=seed, stream="30/minor") for seed in range(1, 201)}
    assert (1, 7, 13, 19, 25) not in draws and len(draws) > 190
    assert all(len(set(d)) == 5 and 1 <= d[0] and d[-1] <= 30 for d in draws)


def test_the_sample_is_reproducible_from_the_seed_on_the_lot():
    first = rules.sample_positions(500, 50, seed=1_234_567, stream="30/major")
    assert rules.sample_positions(500, 50, seed=1_234_567, stream="30/major") == first
    assert first == _fisher_yates(500, 50, "1234567/30/major")  # redone by hand from the seed
    assert rules.sample_positions(500, 50, seed=1_234_567, stream="40/major") != first  # each sample its own draw
    assert rules.sample_positions(500, 50, seed=7_654_321, stream="30/major") != first
    assert rules.sample_positions(5, 13, seed=1, stream="x") == (1, 2, 3, 4, 5)  # n > N: the whole lot


def test_every_unit_is_equally_likely_to_be_drawn():
    """Over 3,000 seeds, lot 30 and n=5, each unit is drawn about 500 times: Pearson's chi-square against the
    uniform (29 degrees of freedom) stays below 58.3, its 0.1% critical value (NIST/SEMATECH e-Handbook of
    Statistical Methods, 1.3.6.7.4, table of upper critical values of the chi-square distribution)."""
    counts = [0] * 30
    for seed in range(1, 3001):
        for p in rules.sample_positions(30, 5, seed=seed, stream="30/minor"):
            counts[p - 1] += 1
    expected = 3000 * 5 / 30
    assert sum((c - expected) ** 2 / expected for c in counts) < 58.3


@pytest.mark.parametrize("lot_size, n", [(2, 2), (10, 3), (37, 13), (1200, 80), (91, 20)])
def test_sample_positions_are_distinct_and_inside_the_lot(lot_size, n):
    positions = rules.sample_positions(lot_size, n, seed=42, stream="10/major")
    assert len(set(positions)) == len(positions) == min(n, lot_size)
    assert positions == tuple(sorted(positions)) and positions[0] >= 1 and positions[-1] <= lot_size


def _sample(lot_size=500, aql=1.0, severity="normal", seed=20_260_301):
    return rules.class_sample(lot_size=lot_size, klass="major", aql=aql, level="II", severity=severity, seed=seed,
                              operation=30)


def test_the_lot_of_500_at_aql_1_samples_50_units():
    """ANSI/ASQ Z1.4-2003 Table I and II-A: lot 500, level II, AQL 1.0 -> H, n=50, Ac 1, Re 2."""
    s = _sample()
    assert (s.plan.code_letter, s.plan.sample_size, s.plan.accept, s.plan.reject) == ("H", 50, 1, 2)
    assert len(s.positions) == 50
    inside = s.positions[3]
    outside = next(p for p in range(1, 501) if p not in s.positions)
    picked = rules.requirement(code="NOISE", key=False, klass="major", inspection="kc_all_others_sampled",
                               phase="frp", discontinued=False, sample=s, stored=s.positions, position=inside,
                               lot_size=500)
    skipped = rules.requirement(code="NOISE", key=False, klass="major", inspection="kc_all_others_sampled",
                                phase="frp", discontinued=False, sample=s, stored=s.positions, position=outside,
                                lot_size=500)
    assert picked.required and picked.why.startswith(f"sampled: unit {inside} of 500")
    assert "n=50 Ac 1 Re 2, drawn at random with the lot's seed 20260301" in picked.why
    assert not skipped.required and skipped.why.startswith(f"not sampled: unit {outside} of 500")


@pytest.mark.parametrize("inspection, key, klass, discontinued, why", [
    ("all", False, "minor", False, "100%: the LRIP policy inspects every characteristic"),
    ("kc_all_others_sampled", True, "major", False, "100%: key characteristic"),
    ("kc_all_others_sampled", False, "critical", False, "100%: critical characteristic"),
    ("kc_all_others_sampled", False, "major", True, "100%: sampling is discontinued (Z1.4 8.4)"),
])
def test_what_stays_at_100_percent(inspection, key, klass, discontinued, why):
    r = rules.requirement(code="X", key=key, klass=klass, inspection=inspection, phase="lrip",
                          discontinued=discontinued, sample=_sample(), stored=None, position=12, lot_size=500)
    assert r.required and r.why.startswith(why)


def test_a_sample_as_large_as_the_lot_inspects_it_whole():
    """Z1.4-2003 Table II-A note: lot 10 -> B; AQL 0.65 follows the arrow to F (n=20) > 10: 100%."""
    r = rules.requirement(code="X", key=False, klass="major", inspection="kc_all_others_sampled", phase="frp",
                          discontinued=False, sample=_sample(10, 0.65), stored=None, position=7, lot_size=10)
    assert r.required and "covers the lot of 10" in r.why


def test_the_sample_stored_on_the_lot_decides_and_the_plan_gives_its_words():
    """A lot keeps the sample it was given; the plan may have moved on (here to tightened) since."""
    stored = (1, 11, 21, 31)
    now = _sample(severity="tightened")
    r = rules.requirement(code="X", key=False, klass="major", inspection="kc_all_others_sampled", phase="frp",
                          discontinued=False, sample=now, stored=stored, position=11, lot_size=500)
    assert r.required and r.why == ("sampled: unit 11 of 500 is in the sample (units 1, 11, 21, 31, the sample "
                                    "stored on the lot)")
    none = rules.requirement(code="X", key=False, klass="major", inspection="kc_all_others_sampled", phase="frp",
                             discontinued=False, sample=now, stored=None, position=12, lot_size=500)
    assert none.required and none.why == "100%: no sample is stored on the lot for it"


def test_what_an_operation_samples_for_a_lot():
    """Key and critical characteristics, a discontinued plan, a lot of one and a sample covering the lot are
    inspected on every unit: they are left out of the stored sample."""
    chars = [rules.Classified("TQ", True, "critical"), rules.Classified("NOISE", False, "major"),
             rules.Classified("GAP", False, "major"), rules.Classified("FINISH", False, "minor"),
             rules.Classified("CRACK", False, "critical")]
    assert rules.sampled_classes(chars) == ["major", "minor"]
    samples = {k: rules.class_sample(lot_size=500, klass=k, aql=a, level="II", severity="normal", seed=9,
                                     operation=30) for k, a in (("major", 1.0), ("minor", 2.5))}
    picked = rules.operation_sample(chars, samples, discontinued=False, lot_size=500)
    assert set(picked) == {"NOISE", "GAP", "FINISH"}
    assert picked["NOISE"] == picked["GAP"] == list(samples["major"].positions)
    assert picked["FINISH"] == list(samples["minor"].positions) != picked["NOISE"]
    assert rules.operation_sample(chars, samples, discontinued=True, lot_size=500) == {}
    whole = {"major": rules.class_sample(lot_size=10, klass="major", aql=0.65, level="II", severity="normal", seed=9,
                                         operation=30)}
    assert rules.operation_sample(chars, whole, discontinued=False, lot_size=10) == {}


def test_a_lot_result_is_counted_from_the_first_result_of_each_sample_unit():
    """The lot is presented with each unit's first result: SN-3's NOISE failed and was reworked in spec, so it
    is defective; SN-5 is not built, SN-7 not measured: the count waits, saying so."""
    s = rules.ClassSample("major", 1.0, single_sampling_plan(8, 1.0), (1, 3, 5, 7), 5)
    serials = {1: "SN-1", 3: "SN-3", 7: "SN-7"}
    first = {("SN-1", "NOISE"): True, ("SN-1", "GAP"): True, ("SN-3", "NOISE"): False, ("SN-3", "GAP"): True,
             ("SN-7", "GAP"): True}
    c = rules.count_class(klass="major", sample=s, codes=["NOISE", "GAP"], serials=serials, first=first, lot="L1")
    assert c.inspected == ("SN-1", "SN-3") and c.defective == (("SN-3", 3, ("NOISE",)),)
    assert c.missing == ("unit 5 of lot L1 (in the major sample) is not built yet",
                         "SN-7 (unit 7, in the major sample) has no result for NOISE")


def test_a_count_brought_by_a_person_must_be_what_the_records_show():
    """Issue 13: `--minor 3` was accepted where the records showed none."""
    count = rules.ClassCount("minor", ("SN-1", "SN-2"), (), ())
    assert rules.check_counted({"minor": 0}, {"minor": count}) == []
    assert rules.check_counted({"minor": 3}, {"minor": count}) == [
        "3 minor defective unit(s) were given, but the records show 0 in the minor sample (none out of spec); a lot "
        "result is counted from the unit records: record the results (an out-of-spec one raises its NCR) and "
        "confirm the count again"]
    assert rules.check_lot_open(lot="L1", status="closed") == [
        "lot L1 is closed; a closed lot takes no new inspection results"]


def test_the_fai_lifecycle():
    assert rules.next_fai_status("open", "complete") == "complete"
    assert rules.next_fai_status("complete", "approve") == "approved"
    for current, step in (("open", "approve"), ("approved", "complete"), ("approved", "approve")):
        with pytest.raises(ValueError):
            rules.next_fai_status(current, step)


def test_a_lot_is_rejected_when_any_class_reaches_its_rejection_number():
    """Lot 1000, level II -> J. Table II-A: J at AQL 1.0 -> n=80 Ac 2 Re 3; at AQL 2.5 -> 80, 5/6."""
    plans = {"major": single_sampling_plan(1000, 1.0), "minor": single_sampling_plan(1000, 2.5)}
    assert rules.lot_accepted(plans, {"major": 2, "minor": 5})[:2] == (True, False)
    accepted, _, words = rules.lot_accepted(plans, {"major": 3, "minor": 0})
    assert not accepted and words[0] == "major: 3 defective in 80, reject (Re 3)"


def test_between_ac_and_re_on_reduced_accepts_and_reinstates_normal():
    """Z1.4-2003 Table II-C: J reduced at AQL 1.0 is n=32, Ac 1, Re 3; 2 defectives: accept, back to normal."""
    plans = {"major": single_sampling_plan(1000, 1.0, severity="reduced")}
    assert rules.lot_accepted(plans, {"major": 2})[:2] == (True, True)


def test_a_plan_names_every_problem_at_once():
    v = rules.check_plan(codes=["A", "B"], classes={"C": "major", "A": "severe"}, aql={"major": 2.0, "critical": 1.0},
                         level="IV")
    assert len(v.reasons) == 5
    assert rules.check_plan(codes=["A"], classes={"A": "minor"}, aql={"minor": 4.0}, level="II").allowed


def _row(code, **kw):
    base = dict(code=code, name=code.title(), operation=10, operation_done=True, has_result=True, in_spec=True,
                result="1", dispositioned=False)
    return rules.Form3Row(**{**base, **kw})


def test_an_fai_is_not_completed_with_anything_missing_and_says_everything():
    rows = [_row("A"), _row("B", has_result=False, in_spec=None, result=""),
            _row("C", in_spec=False, result="2.6 N·m"), _row("D", in_spec=False, dispositioned=True),
            _row("E", operation=30, operation_done=False, has_result=False, in_spec=None)]
    v = rules.check_fai_complete(number="FAI-0001", status="open", serial="SN-1", unit_status="on_hold", rows=rows,
                                 unknown=["ZZ"])
    assert v.reasons == ("SN-1 is on hold; disposition the hold first", "ZZ is not a characteristic of SN-1's routing",
                         "operation 30 is not complete on SN-1 (E)", "B B has no result on SN-1",
                         "C C is out of spec (2.6 N·m) with no NCR disposition", "E E has no result on SN-1")
    assert rules.check_fai_complete(number="FAI-0001", status="open", serial="SN-1", unit_status="complete",
                                    rows=[_row("A"), _row("D", in_spec=False, dispositioned=True)], unknown=[]).allowed


def test_two_years_without_production_owe_a_delta():
    """AS9102 4.6: a lapse in production of two years."""
    t0 = datetime(2024, 1, 10, tzinfo=timezone.utc)
    dates = [("SN-1", t0, t0 + timedelta(days=2)), ("SN-2", t0 + timedelta(days=400), t0 + timedelta(days=401)),
             ("SN-3", t0 + timedelta(days=401 + 731), None), ("SN-4", t0 + timedelta(days=401 + 732), None)]
    assert rules.production_lapse(dates) == [("SN-3", t0 + timedelta(days=401))]
    assert rules.production_lapse(dates[:2]) == []


def test_default_classes():
    assert rules.default_class(key=True, kind="attribute") == "critical"
    assert rules.default_class(key=False, kind="variable") == "major"
    assert rules.default_class(key=False, kind="attribute") == "minor"
