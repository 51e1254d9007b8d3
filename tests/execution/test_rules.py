"""Pure shop-floor rules, in every phase: start, consume, complete, measure, disposition.
The combinatorics live here because these functions need no database."""
import math
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lrip.errors import Verdict
from lrip.execution import rules
from lrip.execution.rules import CharacteristicView, MaterialView, OperatorView, StepView, ToolView
from lrip.program.rules import DEFAULT_POLICIES, PHASES

TODAY = date(2026, 3, 2)
STEP = StepView(sequence=10, name="Assemble", instruction="WI-10 rev A", instruction_status="released",
                required_tool_kinds=("torque driver",), required_skill="assembly")
OLGA = OperatorView("olga", True, {"assembly": TODAY + timedelta(days=100)})
TQ1 = ToolView("TQ-1", "torque driver", "production", TODAY + timedelta(days=90))

phases = pytest.mark.parametrize("phase", PHASES)


def start(phase="lrip", **kw):
    args = dict(serial="SN-1", unit_status="planned", policy=DEFAULT_POLICIES[phase], step=STEP, next_sequence=10,
                open_sequence=None, operator=OLGA, tools=[TQ1], bad_material=[], today=TODAY)
    args.update(kw)
    return rules.check_start(**args)


# ---------------------------------------------------------------- start, rule by rule, in every phase

@phases
def test_a_good_start_is_allowed_in_every_phase(phase):
    assert start(phase).allowed


@phases
@pytest.mark.parametrize("status", ["draft", "redline", "superseded"])
def test_unreleased_instruction_refused_where_the_policy_asks(phase, status):
    v = start(phase, step=replace(STEP, instruction_status=status))
    if DEFAULT_POLICIES[phase].released_instruction:
        assert v.reasons == (f"Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is {status}",)
    else:
        assert v.allowed


@phases
def test_an_operation_without_instruction_never_starts(phase):
    v = start(phase, step=replace(STEP, instruction=None, instruction_status=None))
    assert v.reasons == ("Operation 10 (Assemble) has no work instruction",)


@phases
def test_temporary_tool_refused_where_the_policy_asks(phase):
    v = start(phase, tools=[replace(TQ1, code="TQ-TMP", category="temporary")])
    if DEFAULT_POLICIES[phase].production_tools:
        assert v.reasons == ("tool TQ-TMP is a temporary tool; this phase needs production tools",)
    else:
        assert v.allowed


@phases
def test_lapsed_calibration_refused_where_the_policy_asks(phase):
    v = start(phase, tools=[replace(TQ1, code="TQ-OLD", calibration_due=TODAY - timedelta(days=1))])
    assert DEFAULT_POLICIES[phase].current_calibration  # every default phase asks
    assert v.reasons == ("tool TQ-OLD calibration expired on 2026-03-01",)


@phases
def test_calibration_due_today_is_still_current(phase):
    assert start(phase, tools=[replace(TQ1, calibration_due=TODAY)]).allowed


def test_lapsed_calibration_allowed_when_a_policy_does_not_ask():
    policy = replace(DEFAULT_POLICIES["prototype"], current_calibration=False)
    assert start(policy=policy, tools=[replace(TQ1, calibration_due=TODAY - timedelta(days=9))]).allowed


@phases
def test_missing_and_retired_tools_refused_in_every_phase(phase):
    assert start(phase, tools=[]).reasons == ("Operation 10 (Assemble) needs a torque driver; none was scanned",)
    assert start(phase, tools=[replace(TQ1, active=False)]).reasons == ("tool TQ-1 is retired",)
    v = start(phase, tools=[ToolView("CAL-1", "caliper", "production", None)])
    assert v.reasons == ("Operation 10 (Assemble) needs a torque driver; none was scanned",)


@phases
def test_tools_not_given_yet_are_not_judged(phase):
    """The traveler asks with tools=None and operator=None: only what is known is judged."""
    assert start(phase, tools=None, operator=None).allowed


@phases
def test_unqualified_operator_refused_where_the_policy_asks(phase):
    v = start(phase, operator=OperatorView("newbie", True, {}))
    if DEFAULT_POLICIES[phase].qualified_operator:
        assert v.reasons == ("operator newbie is not qualified for 'assembly'",)
    else:
        assert v.allowed


@phases
def test_expired_qualification_refused_where_the_policy_asks(phase):
    v = start(phase, operator=OperatorView("olga", True, {"assembly": TODAY - timedelta(days=1)}))
    if DEFAULT_POLICIES[phase].qualified_operator:
        assert v.reasons == ("operator olga's qualification for 'assembly' expired on 2026-03-01",)
    else:
        assert v.allowed


@phases
def test_qualification_expiring_today_still_counts(phase):
    assert start(phase, operator=OperatorView("olga", True, {"assembly": TODAY})).allowed


@phases
def test_operation_without_a_required_skill_takes_anyone(phase):
    assert start(phase, step=replace(STEP, required_skill=None), operator=OperatorView("newbie", True, {})).allowed


@phases
def test_disabled_operator_refused_in_every_phase(phase):
    assert start(phase, operator=replace(OLGA, active=False)).reasons == ("operator olga is disabled",)


@phases
@pytest.mark.parametrize("status,words", [("on_hold", "is on hold"), ("scrapped", "is scrapped")])
def test_held_or_scrapped_unit_never_starts(phase, status, words):
    assert start(phase, unit_status=status).reasons == (f"SN-1 {words}",)


@phases
def test_complete_unit_says_so_once(phase):
    assert start(phase, unit_status="complete", next_sequence=None).reasons == ("SN-1 is complete",)


@phases
def test_operations_run_in_routing_sequence(phase):
    v = start(phase, step=replace(STEP, sequence=20, name="Inspect"), next_sequence=10)
    assert v.reasons == ("SN-1 is at operation 10; operations run in routing sequence",)


@phases
def test_already_started_and_other_operation_in_work(phase):
    assert start(phase, open_sequence=10, unit_status="in_work").reasons == (
        "Operation 10 (Assemble) is already started on SN-1",)
    v = start(phase, open_sequence=10, next_sequence=10, unit_status="in_work",
              step=replace(STEP, sequence=20, name="Inspect"))
    assert v.reasons == ("Operation 10 is in work on SN-1; complete it first",)


@phases
def test_every_operation_done(phase):
    assert start(phase, unit_status="in_work", next_sequence=None).reasons == ("every operation on SN-1 is done",)


@phases
def test_bad_material_in_the_unit_blocks_the_start(phase):
    v = start(phase, bad_material=["lot SCR-LOT-1 (SCR-4), which is rejected, not accepted"])
    assert v.reasons == ("SN-1 contains lot SCR-LOT-1 (SCR-4), which is rejected, not accepted",)


def test_every_reason_at_once_in_lrip():
    """A temporary tool with lapsed calibration, an unqualified operator, an unreleased instruction,
    out of sequence on a held unit with rejected material: all of it, in plain words."""
    v = start("lrip", unit_status="on_hold", next_sequence=5,
              step=replace(STEP, instruction_status="draft"),
              operator=OperatorView("newbie", True, {}),
              tools=[ToolView("TQ-TMP", "torque driver", "temporary", TODAY - timedelta(days=3))],
              bad_material=["lot SCR-LOT-Z (SCR-4), which is rejected, not accepted"])
    assert v.reasons == (
        "SN-1 is on hold",
        "SN-1 is at operation 5; operations run in routing sequence",
        "Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is draft",
        "operator newbie is not qualified for 'assembly'",
        "tool TQ-TMP is a temporary tool; this phase needs production tools",
        "tool TQ-TMP calibration expired on 2026-02-27",
        "SN-1 contains lot SCR-LOT-Z (SCR-4), which is rejected, not accepted",
    )


@phases
def test_same_bad_start_in_each_phase_refuses_exactly_what_the_policy_asks(phase):
    policy = DEFAULT_POLICIES[phase]
    v = start(phase, step=replace(STEP, instruction_status="redline"), operator=OperatorView("newbie", True, {}),
              tools=[ToolView("TQ-TMP", "torque driver", "temporary", TODAY - timedelta(days=1))])
    expected = []
    if policy.released_instruction:
        expected.append("Operation 10 (Assemble) needs work instruction WI-10 rev A released; it is redline")
    if policy.qualified_operator:
        expected.append("operator newbie is not qualified for 'assembly'")
    if policy.production_tools:
        expected.append("tool TQ-TMP is a temporary tool; this phase needs production tools")
    if policy.current_calibration:
        expected.append("tool TQ-TMP calibration expired on 2026-03-01")
    assert v.reasons == tuple(expected)


# ---------------------------------------------------------------- material, in every phase

GOOD_LOT = MaterialView("SCR-LOT-1", "SCR-4", "accepted", 100, supplier="SUP-M", supplier_status="approved",
                        approved_source=True)


@phases
@pytest.mark.parametrize("material,problem", [
    (replace(GOOD_LOT, identifier="SCR-LOT-Q", status="quarantine"),
     "lot SCR-LOT-Q (SCR-4), which is quarantine, not accepted"),
    (replace(GOOD_LOT, status="rejected"), "lot SCR-LOT-1 (SCR-4), which is rejected, not accepted"),
    (replace(GOOD_LOT, identifier="SCR-LOT-X", supplier="SUP-X", approved_source=False),
     "lot SCR-LOT-X (SCR-4) from SUP-X, not an approved source"),
    (replace(GOOD_LOT, supplier=None, supplier_status=None, approved_source=False),
     "lot SCR-LOT-1 (SCR-4) from an unknown supplier, not an approved source"),
    (replace(GOOD_LOT, supplier_status="disqualified"), "lot SCR-LOT-1 (SCR-4) from SUP-M, which is disqualified"),
])
def test_material_problem_where_the_policy_asks(phase, material, problem):
    expected = problem if DEFAULT_POLICIES[phase].approved_material else None
    assert rules.material_problem(material, DEFAULT_POLICIES[phase]) == expected


@phases
def test_good_material_and_conditional_supplier_are_fine(phase):
    assert rules.material_problem(GOOD_LOT, DEFAULT_POLICIES[phase]) is None
    assert rules.material_problem(replace(GOOD_LOT, supplier_status="conditional"), DEFAULT_POLICIES[phase]) is None


@phases
def test_a_scrapped_child_unit_is_bad_in_every_phase(phase):
    child = MaterialView("SUB-1", "MTR-1", "scrapped", 1, child_unit=True)
    assert rules.material_problem(child, DEFAULT_POLICIES[phase]) == "SUB-1, a scrapped unit"
    assert rules.material_problem(replace(child, status="complete"), DEFAULT_POLICIES[phase]) is None


BOM = {"MTR-1": 1.0, "SCR-4": 4.0}


def consume(phase="lrip", **kw):
    args = dict(serial="SN-1", unit_status="in_work", step=STEP, record_open=True, material=GOOD_LOT, quantity=4.0,
                bom=BOM, already=0.0, policy=DEFAULT_POLICIES[phase])
    args.update(kw)
    return rules.check_consume(**args)


@phases
def test_consume_good_lot_allowed(phase):
    assert consume(phase).allowed
    assert consume(phase, quantity=1.0, already=3.0).allowed


@phases
def test_consume_not_on_the_bom(phase):
    v = consume(phase, material=replace(GOOD_LOT, part_number="GLUE-1"))
    assert v.reasons == ("GLUE-1 is not on the BOM at operation 10 (Assemble); it takes MTR-1, SCR-4",)
    v = consume(phase, bom={})
    assert v.reasons == ("SCR-4 is not on the BOM at operation 10 (Assemble); it takes nothing",)


@phases
def test_consume_too_much(phase):
    v = consume(phase, quantity=2.0, already=3.0)
    assert v.reasons == ("SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 3 already consumed, 2 more is too many",)


@phases
def test_consume_more_than_on_hand(phase):
    v = consume(phase, material=replace(GOOD_LOT, on_hand=2.5))
    assert v.reasons == ("lot SCR-LOT-1 has 2.5 on hand, not 4",)


@phases
@pytest.mark.parametrize("q", [0.0, -1.0, math.nan, math.inf])
def test_consume_quantity_is_a_positive_finite_number(phase, q):
    reasons = consume(phase, quantity=q).reasons
    assert reasons[0] == f"the quantity must be a positive number, not {q}"


@phases
@pytest.mark.parametrize("material,kind", [
    (replace(GOOD_LOT, identifier="SCR-LOT-Q", status="quarantine"), "quarantine"),
    (replace(GOOD_LOT, status="rejected"), "rejected"),
    (replace(GOOD_LOT, identifier="SCR-LOT-X", supplier="SUP-X", approved_source=False), "unapproved"),
])
def test_consume_unaccepted_or_unapproved_refused_where_policy_asks(phase, material, kind):
    v = consume(phase, material=material)
    if DEFAULT_POLICIES[phase].approved_material:
        assert len(v.reasons) == 1 and v.reasons[0].startswith(f"cannot use lot {material.identifier} (SCR-4)")
    else:
        assert v.allowed


@phases
def test_a_unit_on_hold_takes_no_material(phase):
    assert consume(phase, unit_status="on_hold").reasons == (
        "SN-1 is on hold; it takes no new work until the MRB's disposition releases it",)


@phases
def test_consume_child_unit(phase):
    child = MaterialView("SUB-1", "MTR-1", "complete", 1, child_unit=True)
    assert consume(phase, material=child, quantity=1.0).allowed
    v = consume(phase, material=replace(child, status="on_hold"), quantity=1.0, child_already_used_in="SN-7")
    assert v.reasons == ("SUB-1 is on hold, not complete", "SUB-1 is already built into SN-7")
    v = consume(phase, material=replace(child, status="scrapped"), quantity=1.0)
    assert v.reasons == ("SUB-1 is scrapped, not complete", "cannot use SUB-1, a scrapped unit")


def test_consume_every_reason_at_once():
    v = consume("pilot", unit_status="scrapped", record_open=False, quantity=7.0, already=0.0,
                material=replace(GOOD_LOT, identifier="SCR-LOT-Q", status="quarantine", on_hand=5.0))
    assert v.reasons == (
        "SN-1 is scrapped",
        "operation 10 (Assemble) is not in work on SN-1; start it first",
        "SN-1 needs 4 of SCR-4 at operation 10 (Assemble); 0 already consumed, 7 more is too many",
        "lot SCR-LOT-Q has 5 on hand, not 7",
        "cannot use lot SCR-LOT-Q (SCR-4), which is quarantine, not accepted",
    )


@settings(deadline=None)
@given(on_hand=st.floats(0, 1000), quantity=st.floats(0.001, 1000))
def test_consume_never_takes_more_than_on_hand(on_hand, quantity):
    v = consume(material=replace(GOOD_LOT, on_hand=on_hand), quantity=quantity, bom={"SCR-4": 1e6})
    if quantity > on_hand + 1e-9:
        assert not v.allowed
    else:
        assert v.allowed


# ---------------------------------------------------------------- inspection and completion

TORQUE = CharacteristicView("TORQUE", "Screw torque", "variable", 1.8, 2.2, "N·m", key=True)
VISUAL = CharacteristicView("VISUAL", "Visual inspection", "attribute")
NOISE = CharacteristicView("NOISE", "Noise", "variable", None, 45.0, "dB")
CHARS = [TORQUE, VISUAL, NOISE]


@phases
def test_required_characteristics_per_phase(phase):
    required = rules.required_characteristics(DEFAULT_POLICIES[phase], CHARS, {"VISUAL": [2], "NOISE": [1, 3]}, 1)
    if phase == "frp":
        assert required == [TORQUE, NOISE]  # key: always; VISUAL: not unit 1; NOISE: unit 1 is in its sample
        assert rules.required_characteristics(DEFAULT_POLICIES[phase], CHARS, {"VISUAL": [2]}, 2) == CHARS
    else:
        assert required == CHARS


@phases
def test_a_characteristic_the_sample_leaves_out_is_required_on_every_unit(phase):
    assert rules.required_characteristics(DEFAULT_POLICIES[phase], CHARS, None, 7) == CHARS
    assert rules.required_characteristics(DEFAULT_POLICIES[phase], CHARS, {"NOISE": [1]}, 1) == CHARS


char_st = st.builds(CharacteristicView, code=st.text("ABCDEFGH", min_size=1, max_size=4), name=st.just("c"),
                    kind=st.sampled_from(["variable", "attribute"]), key=st.booleans())


@settings(deadline=None)
@given(chars=st.lists(char_st, max_size=8),
       sample=st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=4), st.lists(st.integers(1, 9), max_size=4)),
       position=st.integers(1, 9), phase=st.sampled_from(PHASES))
def test_required_characteristics_always_include_every_key_characteristic(chars, sample, position, phase):
    required = rules.required_characteristics(DEFAULT_POLICIES[phase], chars, sample, position)
    assert all(c in required for c in chars if c.key)
    assert all(c in chars for c in required)
    assert all(c in required for c in chars if c.code not in sample or position in sample[c.code])
    if DEFAULT_POLICIES[phase].inspection == "all":
        assert required == chars


def test_complete_allowed_when_everything_is_there():
    assert rules.check_complete(serial="SN-1", unit_status="in_work", step=STEP, record_open=True,
                                missing_characteristics=[], missing_material={}).allowed


def test_complete_every_reason_at_once():
    v = rules.check_complete(serial="SN-1", unit_status="on_hold", step=STEP, record_open=True,
                             missing_characteristics=[TORQUE, VISUAL], missing_material={"SCR-4": 2.0, "MTR-1": 1.0})
    assert v.reasons == (
        "SN-1 is on hold",
        "Operation 10 (Assemble) needs a result for TORQUE Screw torque",
        "Operation 10 (Assemble) needs a result for VISUAL Visual inspection",
        "Operation 10 (Assemble) needs 1 more of MTR-1 consumed",
        "Operation 10 (Assemble) needs 2 more of SCR-4 consumed",
    )


def test_complete_needs_the_operation_in_work():
    v = rules.check_complete(serial="SN-1", unit_status="planned", step=STEP, record_open=False,
                             missing_characteristics=[], missing_material={})
    assert v.reasons == ("Operation 10 (Assemble) is not in work on SN-1",)


# ---------------------------------------------------------------- results

@pytest.mark.parametrize("raw,expected", [
    ("pass", True), ("P", True), (" ok ", True), ("true", True), ("1", True),
    ("fail", False), ("F", False), ("NOK", False), ("false", False), ("0", False),
])
def test_parse_attribute(raw, expected):
    assert rules.parse_result(VISUAL, raw) == (None, expected)


@pytest.mark.parametrize("raw", ["2.0", "yes", "", "passed"])
def test_parse_attribute_refuses_anything_else(raw):
    with pytest.raises(ValueError) as exc:
        rules.parse_result(VISUAL, raw)
    assert str(exc.value) == f"VISUAL Visual inspection is pass/fail, not '{raw}'"


@pytest.mark.parametrize("raw,value", [("2.0", 2.0), (" 1.95 ", 1.95), ("-3", -3.0), ("2e0", 2.0)])
def test_parse_variable(raw, value):
    assert rules.parse_result(TORQUE, raw) == (value, None)


@pytest.mark.parametrize("raw,words", [("abc", "needs a number"), ("", "needs a number"), ("pass", "needs a number"),
                                       ("nan", "needs a finite number"), ("inf", "needs a finite number"),
                                       ("-Infinity", "needs a finite number")])
def test_parse_variable_refuses_non_numbers(raw, words):
    with pytest.raises(ValueError) as exc:
        rules.parse_result(TORQUE, raw)
    assert str(exc.value) == f"TORQUE Screw torque {words}, not '{raw}'"


@pytest.mark.parametrize("raw", ["0_08", "٠.٠٨", "２.０", "2,1", "0x1p3", "1e5000", "--1", "2.0.1", "١"])
def test_parse_variable_takes_only_plain_ascii_decimals(raw):
    """Before, '0_08' was read as 8.0 and '٠.٠٨' (Arabic-Indic digits) as 0.08."""
    with pytest.raises(ValueError) as exc:
        rules.parse_result(TORQUE, raw)
    assert str(exc.value).startswith("TORQUE Screw torque needs a")


def test_evaluate_words():
    assert rules.evaluate(TORQUE, 2.0, None) is None
    assert rules.evaluate(TORQUE, 2.5, None) == "TORQUE Screw torque measured 2.5 N·m, above the upper limit 2.2 N·m"
    assert rules.evaluate(TORQUE, 1.5, None) == "TORQUE Screw torque measured 1.5 N·m, below the lower limit 1.8 N·m"
    assert rules.evaluate(NOISE, -100.0, None) is None  # one-sided: no lower limit
    assert rules.evaluate(NOISE, 45.5, None) == "NOISE Noise measured 45.5 dB, above the upper limit 45 dB"
    assert rules.evaluate(VISUAL, None, True) is None
    assert rules.evaluate(VISUAL, None, False) == "VISUAL Visual inspection failed"
    assert rules.evaluate(replace(TORQUE, units=None), 3.0, None) == \
        "TORQUE Screw torque measured 3, above the upper limit 2.2"


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(deadline=None)
@given(a=finite, b=finite, value=finite)
def test_evaluate_in_spec_exactly_within_the_limits(a, b, value):
    lsl, usl = min(a, b), max(a, b)
    c = CharacteristicView("X", "x", "variable", lsl, usl)
    in_spec = rules.evaluate(c, value, None) is None
    assert in_spec == (lsl <= value <= usl)


@settings(deadline=None)
@given(limit=finite, value=finite, upper=st.booleans())
def test_evaluate_one_sided_limits(limit, value, upper):
    c = CharacteristicView("X", "x", "variable", None if upper else limit, limit if upper else None)
    in_spec = rules.evaluate(c, value, None) is None
    assert in_spec == (value <= limit if upper else value >= limit)


@settings(deadline=None)
@given(lsl=finite, width=st.floats(1e-3, 1e3), frac=st.floats(0, 1))
def test_evaluate_the_limits_themselves_are_in_spec(lsl, width, frac):
    usl = lsl + width
    assume(usl > lsl)
    c = CharacteristicView("X", "x", "variable", lsl, usl)
    assert rules.evaluate(c, lsl, None) is None
    assert rules.evaluate(c, usl, None) is None
    assert rules.evaluate(c, min(usl, lsl + frac * width), None) is None


# ---------------------------------------------------------------- measure

def test_measure_needs_the_operation_in_work_and_a_live_unit_not_on_hold():
    """Before, a unit on hold took more results, each raising an NCR of its own."""
    assert rules.check_measure(serial="SN-1", unit_status="in_work", step=STEP, record_open=True).allowed
    assert rules.check_measure(serial="SN-1", unit_status="on_hold", step=STEP, record_open=True).reasons == (
        "SN-1 is on hold; it takes no new work until the MRB's disposition releases it",)
    assert rules.check_measure(serial="SN-1", unit_status="scrapped", step=STEP, record_open=False).reasons == (
        "SN-1 is scrapped", "operation 10 (Assemble) is not in work on SN-1; start it first")


def test_an_operation_cannot_complete_before_it_started():
    step = rules.StepView(10, "Assemble", "WI-10 rev A", "released")
    v = rules.check_complete(serial="SN-1", unit_status="in_work", step=step, record_open=True,
                             missing_characteristics=[], missing_material={}, ends_before_start=True)
    assert v.reasons == ("Operation 10 (Assemble) cannot complete before it started",)


# ---------------------------------------------------------------- lifecycles

@pytest.mark.parametrize("current, action, after", [
    ("planned", "start", "in_work"), ("in_work", "start", "in_work"), ("in_work", "finish", "complete"),
    ("in_work", "hold", "on_hold"), ("complete", "hold", "on_hold"), ("on_hold", "hold", "on_hold"),
])
def test_a_unit_moves_on_the_floor(current, action, after):
    assert rules.UNIT.next(current, action, "SN-1") == (after, Verdict(()))


@pytest.mark.parametrize("current, action", [("on_hold", "start"), ("scrapped", "start"), ("complete", "start"),
                                             ("planned", "finish"), ("scrapped", "hold")])
def test_a_unit_does_not_move_where_it_may_not(current, action):
    status, decision = rules.UNIT.next(current, action, "SN-1")
    assert status is None and decision.reasons[0].startswith(f"SN-1 is {current}; ")


@pytest.mark.parametrize("current, action, after", [
    ("in_work", "complete", "complete"), ("in_work", "rework", "reworked"), ("complete", "rework", "reworked"),
    ("in_work", "stop", "stopped"),
])
def test_an_operation_record_moves(current, action, after):
    assert rules.RECORD.next(current, action, "operation 10")[0] == after


@pytest.mark.parametrize("current, action", [("complete", "complete"), ("reworked", "rework"), ("stopped", "stop"),
                                             ("complete", "stop")])
def test_an_operation_record_does_not_move_where_it_may_not(current, action):
    assert rules.RECORD.next(current, action, "operation 10")[0] is None


@pytest.mark.parametrize("disposition, still_held, started, all_done, after", [
    ("scrap", True, True, False, "scrapped"),
    ("use_as_is", True, True, True, "on_hold"),
    ("use_as_is", False, True, True, "complete"),
    ("repair", False, True, False, "in_work"),
    ("rework", False, True, False, "in_work"),
    ("use_as_is", False, False, False, "planned"),
])
def test_where_a_released_unit_goes(disposition, still_held, started, all_done, after):
    assert rules.unit_after_release(disposition=disposition, still_held=still_held, started=started,
                                    all_done=all_done) == after


def test_a_negative_zero_is_read_as_zero():
    """'-0.00' typed at a station was kept as -0.0 in the row's digest while SQLite stores 0: `lrip audit verify`
    then named the measurement as changed."""
    value, _ = rules.parse_result(TORQUE, "-0.00")
    assert value == 0 and math.copysign(1.0, value) == 1.0
