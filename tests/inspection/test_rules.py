"""The pure inspection rules: which units a Z1.4 sample picks and why, lot decisions per class,
FAI completion checks, and the two-year production lapse (AS9102 4.6)."""
from datetime import datetime, timedelta, timezone

import pytest

from lrip.inspection import rules
from lrip.stats.sampling import single_sampling_plan


def test_sample_positions_are_every_kth_unit_from_the_first():
    """N=500, n=50 (Z1.4-2003 Table I 281-500 level II -> H; Table II-A H -> n=50): every 10th unit."""
    assert rules.sample_positions(500, 50) == tuple(range(1, 501, 10))
    assert rules.sample_positions(30, 8) == (1, 4, 8, 12, 16, 19, 23, 27)
    assert rules.sample_positions(5, 13) == (1, 2, 3, 4, 5)


@pytest.mark.parametrize("lot_size, n", [(2, 2), (10, 3), (37, 13), (1200, 80), (91, 20)])
def test_sample_positions_are_distinct_and_inside_the_lot(lot_size, n):
    positions = rules.sample_positions(lot_size, n)
    assert len(set(positions)) == len(positions) == min(n, lot_size)
    assert positions[0] == 1 and positions[-1] <= lot_size


def _sample(lot_size=500, aql=1.0, severity="normal"):
    return rules.class_sample(lot_size=lot_size, klass="major", aql=aql, level="II", severity=severity)


def test_the_lot_of_500_at_aql_1_samples_50_units():
    """ANSI/ASQ Z1.4-2003 Table I and II-A: lot 500, level II, AQL 1.0 -> H, n=50, Ac 1, Re 2."""
    s = _sample()
    assert (s.plan.code_letter, s.plan.sample_size, s.plan.accept, s.plan.reject) == ("H", 50, 1, 2)
    picked = rules.requirement(code="NOISE", key=False, klass="major", inspection="kc_all_others_sampled",
                               phase="frp", discontinued=False, sample=s, stored=s.positions, position=11,
                               lot_size=500)
    skipped = rules.requirement(code="NOISE", key=False, klass="major", inspection="kc_all_others_sampled",
                                phase="frp", discontinued=False, sample=s, stored=s.positions, position=12,
                                lot_size=500)
    assert picked.required and picked.why.startswith("sampled: unit 11 of 500")
    assert "n=50 Ac 1 Re 2" in picked.why
    assert not skipped.required and skipped.why.startswith("not sampled: unit 12 of 500")


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
    stored = _sample().positions
    now = _sample(severity="tightened")
    r = rules.requirement(code="X", key=False, klass="major", inspection="kc_all_others_sampled", phase="frp",
                          discontinued=False, sample=now, stored=stored, position=11, lot_size=500)
    assert r.required and r.why.startswith("sampled: unit 11 of 500 is in the sample (units 1, 11, 21,")
    assert r.why.endswith("the sample stored on the lot)")
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
    samples = {k: rules.class_sample(lot_size=500, klass=k, aql=a, level="II", severity="normal")
               for k, a in (("major", 1.0), ("minor", 2.5))}
    picked = rules.operation_sample(chars, samples, discontinued=False, lot_size=500)
    assert set(picked) == {"NOISE", "GAP", "FINISH"} and picked["NOISE"] == list(range(1, 501, 10))
    assert rules.operation_sample(chars, samples, discontinued=True, lot_size=500) == {}
    whole = {"major": rules.class_sample(lot_size=10, klass="major", aql=0.65, level="II", severity="normal")}
    assert rules.operation_sample(chars, whole, discontinued=False, lot_size=10) == {}


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
