"""Pure program rules: the phase policy table, phase changes, lots, unit creation,
the LRIP quantity and policy edits. No database."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrip.program import rules
from lrip.program.rules import DEFAULT_POLICIES, PHASES

# ---------------------------------------------------------------- the DESIGN.md table


def test_default_policies_are_the_design_table():
    """Each row of DESIGN.md's phase table, column by column (prototype, pilot, lrip, frp)."""
    table = {
        "production_intent": (False, False, True, True),
        "released_instruction": (False, False, True, True),
        "production_tools": (False, False, True, True),
        "current_calibration": (True, True, True, True),
        "qualified_operator": (False, True, True, True),
        "approved_material": (False, True, True, True),
        "inspection": ("all", "all", "all", "kc_all_others_sampled"),
        "first_article": ("none", "none", "first_unit_and_delta", "delta"),
        "quantity_control": ("free", "free", "lrip_approved", "per_lot"),
        "open_lot_changes": ("allowed", "allowed", "next_lot_unless_urgent", "next_lot_unless_urgent"),
    }
    assert tuple(DEFAULT_POLICIES) == PHASES == ("prototype", "pilot", "lrip", "frp")
    for rule, expected in table.items():
        assert tuple(getattr(DEFAULT_POLICIES[p], rule) for p in PHASES) == expected, rule
    assert [len(DEFAULT_POLICIES[p].change_signatures) for p in PHASES] == [1, 2, 3, 2]
    assert [len(DEFAULT_POLICIES[p].disposition_signatures) for p in PHASES] == [1, 2, 3, 2]
    assert DEFAULT_POLICIES["prototype"].change_signatures == ("engineering",)
    assert set(DEFAULT_POLICIES["pilot"].disposition_signatures) == {"quality", "engineering"}
    assert set(DEFAULT_POLICIES["lrip"].change_signatures) == {"engineering", "quality", "program"}
    assert set(DEFAULT_POLICIES["lrip"].disposition_signatures) == {"quality", "engineering", "program"}


def test_policy_as_dict_lists_signatures_and_covers_every_field():
    d = DEFAULT_POLICIES["lrip"].as_dict()
    assert set(d) == set(rules.Policy.__dataclass_fields__)
    assert d["change_signatures"] == ["engineering", "quality", "program"]
    assert rules.Policy(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}) == DEFAULT_POLICIES["lrip"]


def test_the_policy_answer_shows_every_rule_of_the_policy():
    """`lrip policy show`, the API and the page draw the rules from PolicyOut: a rule it lacks (as
    customer_approval once was) is silently dropped from every one of them."""
    from lrip.program.schemas import PolicyOut

    assert set(PolicyOut.model_fields) - {"program", "phase"} == set(rules.Policy.__dataclass_fields__)


# ---------------------------------------------------------------- phase changes

@pytest.mark.parametrize("current", PHASES)
@pytest.mark.parametrize("target", PHASES)
def test_phase_moves_only_one_step_forward(current, target):
    v = rules.check_phase_change(current, target)
    one_step = PHASES.index(target) == PHASES.index(current) + 1
    assert v.allowed == one_step
    if not one_step:
        assert v.reasons[0].startswith(f"the program is in {current}; it can only move to the next phase")
        if current != "frp":
            assert f"({PHASES[PHASES.index(current) + 1]})" in v.reasons[0]


def test_phase_change_to_an_unknown_phase():
    v = rules.check_phase_change("pilot", "mass")
    assert v.reasons == ("'mass' is not a phase; phases are prototype, pilot, lrip, frp",)


# ---------------------------------------------------------------- the phase gates' conditions

OP = rules.OperationFacts


def test_the_pilot_gate_names_every_operation_whose_instruction_is_not_released():
    draft = rules.RoutingFacts("1", "released", (
        OP(10, "Assemble", "WI-10 rev A", "released", "assembly"),
        OP(20, "Inspect", "WI-20 rev A", "draft", None),
        OP(30, "Test", None, None, "test")))
    c = rules.released_routing("ACT-100 rev A", [draft, rules.RoutingFacts("2", "draft", ())])
    assert (c.key, c.met) == ("released_routing", False)
    assert c.words == ("routing rev 1: operation 20 (Inspect) needs WI-20 rev A released; it is draft",
                       "routing rev 1: operation 30 (Test) has no work instruction")
    assert rules.released_routing("ACT-100 rev A", [rules.RoutingFacts("2", "draft", ())]).words == (
        "ACT-100 rev A has no released routing (rev 2 is draft)",)
    ready = rules.RoutingFacts("3", "released", (OP(10, "Assemble", "WI-10 rev B", "released", None),))
    c = rules.released_routing("ACT-100 rev A", [draft, ready])
    assert c.met and c.words == ("routing rev 3 is released with every work instruction released",)


def test_the_pilot_lot_must_be_closed_with_a_unit_complete():
    lot = rules.LotFacts
    assert rules.closed_pilot_lot([]).words == ("no pilot lot has been built",)
    c = rules.closed_pilot_lot([lot("P1", "open", None), lot("P2", "closed", {"scrapped": 2})])
    assert c.words == ("pilot lot P1 is still open; close it when its units are done",
                       "pilot lot P2 was closed with no unit complete")
    c = rules.closed_pilot_lot([lot("P1", "open", None), lot("P2", "closed", {"complete": 4, "scrapped": 1})])
    assert c.met and c.words == ("pilot lot P2 closed: 4 complete, 1 scrapped",)


def test_every_characteristic_gauge_kind_needs_a_gauge_in_calibration():
    routing = rules.RoutingFacts("1", "released", (
        OP(10, "Machine", None, None, None, (("BORE-D", "cmm"), ("DEPTH", "Depth gauge"))),
        OP(20, "Test", None, None, None, (("LEAK", "leak tester"),))))
    c = rules.gauges_in_calibration(routing, {"depth gauge"})
    assert c.words == ("BORE-D (operation 10 (Machine)) is measured with a cmm; no cmm gauge is in calibration",
                       "LEAK (operation 20 (Test)) is measured with a leak tester; no leak tester gauge is in "
                       "calibration")
    assert rules.gauges_in_calibration(routing, {"cmm", "depth gauge", "leak tester"}).words == (
        "in calibration: Depth gauge, cmm, leak tester",)
    assert rules.gauges_in_calibration(None, set()).words == ("there is no released routing to read the gauges of",)


def test_every_skill_needs_a_qualified_operator():
    routing = rules.RoutingFacts("1", "released", (OP(10, "Machine", None, None, "machining"),
                                                   OP(20, "Assemble", None, None, "Assembly"),
                                                   OP(30, "Pack", None, None, None)))
    c = rules.qualified_operators(routing, {"assembly": 2})
    assert c.words == ("nobody holds a current qualification for 'machining' (operation 10 (Machine))",)
    c = rules.qualified_operators(routing, {"assembly": 2, "machining": 1})
    assert c.met and c.words == ("'machining': 1 qualified; 'Assembly': 2 qualified",)


def test_the_lrip_quantity_must_be_approved_with_a_matching_signature():
    assert rules.lrip_quantity_approved(None, False).words == ("no LRIP quantity has been approved",)
    assert rules.lrip_quantity_approved(20, False).words == (
        "the approval of the LRIP quantity 20 does not carry its valid signatures",)
    assert rules.lrip_quantity_approved(20, True).met


def test_the_move_names_the_signatures_it_still_needs():
    c = rules.move_signed("lrip", {"program": "petra"}, ["a quality signature (a quality engineer or an MRB member)"])
    assert c.words == ("the move to LRIP still needs a quality signature (a quality engineer or an MRB member)",)
    assert rules.move_signed("lrip", {"program": "petra", "quality": "quinn"}, []).words == (
        "signed by petra (program), quinn (quality)",)


# ---------------------------------------------------------------- lots

LOT_OK = dict(number="L1", number_taken=False, planned_quantity=5, phase="lrip", program_phase="lrip",
              routing_status="released")


def test_a_good_lot_is_allowed():
    assert rules.check_lot(**LOT_OK).allowed


def test_a_bad_lot_gets_every_reason_at_once():
    v = rules.check_lot(number="L 1", number_taken=True, planned_quantity=0, phase="pilot",
                        program_phase="lrip", routing_status="draft")
    assert v.reasons == (
        "a lot number is 1 to 60 of the characters A-Z, a-z, 0-9, '-', '_' and '.', beginning with a letter or "
        "digit, without '..', not 'L 1'",
        "lot number L 1 is already used",
        "a lot plans at least 1 unit, not 0",
        "the program is in lrip; a new lot is built in that phase, not pilot",
    )


@pytest.mark.parametrize("phase", PHASES)
def test_draft_routing_is_refused_only_from_lrip_on(phase):
    v = rules.check_lot(**{**LOT_OK, "phase": phase, "program_phase": phase, "routing_status": "draft"})
    if phase in ("lrip", "frp"):
        assert v.reasons == (f"an {phase.upper()} lot builds on a released routing; this routing is draft",)
    else:
        assert v.allowed


def test_only_an_open_lot_is_closed():
    status, v = rules.LOT.next("open", "close", "lot L1")
    assert (status, v.allowed) == (rules.LotStatus.CLOSED, True)
    status, v = rules.LOT.next(rules.LotStatus.CLOSED, "close", "lot L1")
    assert (status, v.reasons) == (None, ("lot L1 is closed; only an open lot is closed",))


def test_lot_in_unknown_phase():
    v = rules.check_lot(**{**LOT_OK, "phase": "beta"})
    assert v.reasons == ("'beta' is not a phase; phases are prototype, pilot, lrip, frp",)


# ---------------------------------------------------------------- unit creation

UNIT_OK = dict(serials=["SN-1"], taken=[], lot_number="L1", lot_status="open", lot_planned=5, lot_units=0,
               lrip_quantity=20, lrip_units=0, quantity_control="lrip_approved")


def test_a_unit_within_plan_is_allowed():
    assert rules.check_unit_creation(**UNIT_OK).allowed


def test_unit_creation_gives_every_reason_at_once():
    v = rules.check_unit_creation(**{**UNIT_OK, "serials": [""], "taken": ["SN-1"], "lot_status": "closed",
                                     "lot_units": 5, "lrip_units": 20})
    assert v.reasons == (
        "a unit needs a serial number",
        "serial SN-1 is already used",
        "lot L1 is closed",
        "lot L1 already has its planned 5 units",
        "the program's approved LRIP quantity of 20 units is used up",
    )


def test_many_units_at_once_fit_the_lot_and_the_lrip_quantity_or_none_is_made():
    v = rules.check_unit_creation(**{**UNIT_OK, "serials": ["A1", "A2", "A2", "A3", "A1"], "taken": ["A3"],
                                     "lot_units": 2, "lrip_quantity": 5, "lrip_units": 2})
    assert v.reasons == (
        "serials A1, A2 are asked for twice",
        "serial A3 is already used",
        "lot L1 has room for 3 more of its planned 5 units, not 5",
        "the program's approved LRIP quantity of 5 units has room for 3 more, not 5",
    )
    many = [f"S{i}" for i in range(14)]
    assert rules.check_unit_creation(**{**UNIT_OK, "serials": many, "taken": many, "lot_planned": 20})\
        .reasons == ("serials S0, S1, S2, S3, S4, S5, S6, S7, S8, S9 and 4 more are already used",)


def test_lrip_without_an_approved_quantity_is_refused():
    v = rules.check_unit_creation(**{**UNIT_OK, "lrip_quantity": None})
    assert v.reasons == ("the program has no approved LRIP quantity yet",)


@pytest.mark.parametrize("control", ["free", "per_lot"])
def test_lrip_quantity_only_counts_under_lrip_approved(control):
    v = rules.check_unit_creation(**{**UNIT_OK, "quantity_control": control, "lrip_quantity": None, "lrip_units": 99})
    assert v.allowed


@settings(deadline=None)
@given(planned=st.integers(1, 500), units=st.integers(0, 1000), control=st.sampled_from(rules.POLICY_CHOICES["quantity_control"]),
       lrip_q=st.one_of(st.none(), st.integers(1, 1000)), lrip_units=st.integers(0, 1000), count=st.integers(1, 30))
def test_unit_creation_never_passes_the_lot_plan_or_the_lrip_quantity(planned, units, control, lrip_q, lrip_units,
                                                                      count):
    v = rules.check_unit_creation(**{**UNIT_OK, "serials": [f"S{i}" for i in range(count)], "lot_planned": planned,
                                     "lot_units": units, "quantity_control": control, "lrip_quantity": lrip_q,
                                     "lrip_units": lrip_units})
    if units >= planned:
        assert f"lot L1 already has its planned {planned} units" in v.reasons
    lrip_ok = control != "lrip_approved" or (lrip_q is not None and lrip_units + count <= lrip_q)
    assert v.allowed == (units + count <= planned and lrip_ok)


# ---------------------------------------------------------------- LRIP quantity

def test_lrip_quantity_within_10_percent_needs_no_rationale():
    v, warnings = rules.check_lrip_quantity(quantity=20, planned_total=200, current=None, units_built=0, rationale=None)
    assert v.allowed and warnings == []


def test_lrip_quantity_above_10_percent_needs_a_rationale():
    v, warnings = rules.check_lrip_quantity(quantity=21, planned_total=200, current=None, units_built=0, rationale="  ")
    assert v.reasons == ("21 is above 10% of the planned total (200); write the rationale",)
    assert warnings == []


def test_lrip_quantity_above_10_percent_with_rationale_warns_not_blocks():
    v, warnings = rules.check_lrip_quantity(quantity=30, planned_total=200, current=None, units_built=0,
                                            rationale="long-lead test campaign")
    assert v.allowed
    assert warnings == ["30 is 15% of the planned total, above 10%; rationale recorded"]


def test_lrip_quantity_every_reason_at_once():
    v, _ = rules.check_lrip_quantity(quantity=300, planned_total=200, current=400, units_built=350, rationale=None)
    assert v.reasons == (
        "350 LRIP units already exist; the quantity cannot go below that",
        "the LRIP quantity 300 exceeds the planned total of 200",
        "300 is above 10% of the planned total (200); write the rationale",
    )


@pytest.mark.parametrize("q", [0, -3])
def test_lrip_quantity_is_positive(q):
    v, _ = rules.check_lrip_quantity(quantity=q, planned_total=200, current=None, units_built=0, rationale=None)
    assert v.reasons == (f"the LRIP quantity is at least 1, not {q}",)


@settings(deadline=None)
@given(total=st.integers(1, 100_000), q=st.integers(1, 100_000), rationale=st.sampled_from([None, "", "because"]))
def test_rationale_is_required_exactly_above_10_percent(total, q, rationale):
    v, warnings = rules.check_lrip_quantity(quantity=q, planned_total=total, current=None, units_built=0,
                                            rationale=rationale)
    above = q * 10 > total  # exact integer arithmetic
    needs = any("write the rationale" in r for r in v.reasons)
    assert needs == (above and not rationale)
    assert bool(warnings) == (above and bool(rationale))
    assert v.allowed == (q <= total and not needs)


# ---------------------------------------------------------------- policy edits

@pytest.mark.parametrize("field,value", [
    ("inspection", "kc_all_others_sampled"), ("first_article", "delta"), ("quantity_control", "per_lot"),
    ("open_lot_changes", "allowed"), ("change_signatures", ["engineering", "customer"]),
    ("disposition_signatures", ("quality",)), ("qualified_operator", False), ("production_intent", True),
])
def test_valid_policy_changes(field, value):
    assert rules.check_policy_change(field, value).allowed


@pytest.mark.parametrize("field,value,reason", [
    ("speed", True, "'speed' is not a phase policy rule; the rules are: "
                    + ", ".join(rules.Policy.__dataclass_fields__)),
    ("inspection", "some", "inspection must be one of all, kc_all_others_sampled, not 'some'"),
    ("first_article", True, "first_article must be one of none, first_unit_and_delta, delta, not 'True'"),
    ("change_signatures", [], "change_signatures must list one or more of engineering, quality, program, customer"),
    ("disposition_signatures", ["quality", "ceo"],
     "disposition_signatures must list one or more of engineering, quality, program, customer"),
    ("qualified_operator", "yes", "qualified_operator is yes or no, not 'yes'"),
    ("production_tools", 1, "production_tools is yes or no, not '1'"),
])
def test_invalid_policy_changes_say_why(field, value, reason):
    assert rules.check_policy_change(field, value).reasons == (reason,)


def test_signatures_that_are_not_a_list_are_refused_not_crashed():
    v = rules.check_policy_change("change_signatures", 3)
    assert not v.allowed


@pytest.mark.parametrize("rule,typed,value", [
    ("qualified_operator", "yes", True), ("qualified_operator", "No", False), ("production_tools", False, False),
    ("change_signatures", "engineering, customer", ["engineering", "customer"]),
    ("change_signatures", ["quality"], ["quality"]), ("inspection", "kc_all_others_sampled", "kc_all_others_sampled"),
])
def test_a_policy_value_typed_on_a_command_line_or_sent_as_json(rule, typed, value):
    parsed, v = rules.policy_value(rule, typed)
    assert (parsed, v.allowed) == (value, True)


def test_a_bad_policy_value_is_refused_in_words():
    assert rules.policy_value("qualified_operator", "maybe")[1].reasons == (
        "qualified_operator is yes or no, not 'maybe'",)
    assert rules.policy_value("change_signatures", "engineering,ceo")[1].reasons == (
        "change_signatures must list one or more of engineering, quality, program, customer",)
