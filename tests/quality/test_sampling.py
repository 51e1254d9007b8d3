"""Tests for ANSI/ASQ Z1.4 (MIL-STD-105E) single sampling and switching rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrip.stats.sampling import (
    AQLS,
    LEVELS,
    SEVERITIES,
    LotResult,
    SamplingState,
    code_letter,
    lot_disposition,
    master_plan,
    next_state,
    record_corrective_action,
    single_sampling_plan,
)

LETTERS = "ABCDEFGHJKLMNPQR"

# ---------------------------------------------------------------- Table I


# (lowest lot size, highest lot size, letters for S-1 S-2 S-3 S-4 I II III)
TABLE_I = [
    (2, 8, "AAAAAAB"),
    (9, 15, "AAAAABC"),
    (16, 25, "AABBBCD"),
    (26, 50, "ABBCCDE"),
    (51, 90, "BBCCCEF"),
    (91, 150, "BBCDDFG"),
    (151, 280, "BCDEEGH"),
    (281, 500, "BCDEFHJ"),
    (501, 1200, "CCEFGJK"),
    (1201, 3200, "CDEGHKL"),
    (3201, 10000, "CDFGJLM"),
    (10001, 35000, "CDFHKMN"),
    (35001, 150000, "DEGJLNP"),
    (150001, 500000, "DEGJMPQ"),
    (500001, 10**9, "DEHKNQR"),
]


@pytest.mark.parametrize("low, high, letters", TABLE_I)
def test_table_i_code_letters_at_both_ends_of_every_lot_size_range(low, high, letters):
    """ANSI/ASQ Z1.4-2003 Table I, every row, every inspection level."""
    for level, letter in zip(LEVELS, letters):
        assert code_letter(low, level) == letter
        assert code_letter(high, level) == letter


def test_code_letter_defaults_to_general_level_ii():
    """Z1.4-2003: general inspection level II is used unless otherwise specified."""
    assert code_letter(1000) == "J"
    assert code_letter(500) == "H"


@pytest.mark.parametrize("lot_size", [1, 0, -5, 2.5, "100", True, None])
def test_code_letter_refuses_a_lot_size_outside_table_i(lot_size):
    with pytest.raises(ValueError, match="lot size"):
        code_letter(lot_size)


@pytest.mark.parametrize("level", ["IV", "s-1", "2", "", None])
def test_code_letter_refuses_an_unknown_level(level):
    with pytest.raises(ValueError, match="inspection level must be one of S-1, S-2, S-3, S-4, I, II, III"):
        code_letter(100, level)


# ---------------------------------------------------------------- published examples


def test_cli_contract_lot_500_aql_1_level_ii():
    """Z1.4-2003 Table I (281-500, II -> H) and Table II-A (H, AQL 1.0 -> n=50, Ac 1, Re 2)."""
    plan = single_sampling_plan(500, 1.0, level="II")
    assert plan.as_dict() == {
        "code_letter": "H",
        "sample_size": 50,
        "accept": 1,
        "reject": 2,
        "severity": "normal",
        "level": "II",
        "aql": 1.0,
        "hundred_percent": False,
    }


def test_lot_1000_aql_1_normal():
    """Z1.4-2003 Table I (501-1200, II -> J) and Table II-A (J, AQL 1.0 -> n=80, Ac 2, Re 3)."""
    plan = single_sampling_plan(1000, 1.0)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 80, 2, 3)


def test_montgomery_lot_2000_aql_065_normal_tightened_reduced():
    """Montgomery, Introduction to Statistical Quality Control, MIL STD 105E example:
    N = 2000, AQL 0.65 %, level II -> K; normal n=125 c=2, tightened n=125 c=1,
    reduced n=50 c=1 (Tables II-A, II-B, II-C; Re for reduced from Table II-C)."""
    normal = single_sampling_plan(2000, 0.65)
    tightened = single_sampling_plan(2000, 0.65, severity="tightened")
    reduced = single_sampling_plan(2000, 0.65, severity="reduced")
    assert normal.code_letter == tightened.code_letter == reduced.code_letter == "K"
    assert (normal.sample_size, normal.accept, normal.reject) == (125, 2, 3)
    assert (tightened.sample_size, tightened.accept, tightened.reject) == (125, 1, 2)
    assert (reduced.sample_size, reduced.accept, reduced.reject) == (50, 1, 3)


def test_common_consumer_goods_inspection_lot_3000_major_25_minor_40():
    """Z1.4-2003 Table II-A row K (lot 1201-3200, level II): n=125, AQL 2.5 -> 7/8, AQL 4.0 -> 10/11."""
    assert master_plan("K", 2.5) == (125, 7, 8)
    assert master_plan("K", 4.0) == (125, 10, 11)
    assert single_sampling_plan(3000, 4.0).as_dict()["accept"] == 10


def test_tightened_and_reduced_letter_j_at_aql_1():
    """Z1.4-2003 Table II-B (J, 1.0 -> 80, 1/2) and Table II-C (J, 1.0 -> 32, 1/3)."""
    assert master_plan("J", 1.0, "tightened") == (80, 1, 2)
    assert master_plan("J", 1.0, "reduced") == (32, 1, 3)


def test_table_ii_a_whole_aql_1_column_with_its_arrows():
    """Z1.4-2003 Table II-A, AQL 1.0 column: E holds 0/1 (A-D follow the arrow down to it,
    F the arrow up), G follows the arrow down to H's 1/2, R the arrow up to Q's 21/22."""
    expected = {
        "A": (13, 0, 1), "B": (13, 0, 1), "C": (13, 0, 1), "D": (13, 0, 1),
        "E": (13, 0, 1), "F": (13, 0, 1), "G": (50, 1, 2), "H": (50, 1, 2),
        "J": (80, 2, 3), "K": (125, 3, 4), "L": (200, 5, 6), "M": (315, 7, 8),
        "N": (500, 10, 11), "P": (800, 14, 15), "Q": (1250, 21, 22), "R": (1250, 21, 22),
    }
    assert {letter: master_plan(letter, 1.0) for letter in LETTERS} == expected


@pytest.mark.parametrize(
    "letter, aql, expected",
    [
        ("A", 6.5, (2, 0, 1)),  # the only Ac 0 plan of row A
        ("A", 10, (5, 1, 2)),  # arrow down through B to C
        ("A", 15, (3, 1, 2)),  # arrow down to B
        ("B", 6.5, (2, 0, 1)),  # arrow up to A
        ("J", 0.25, (50, 0, 1)),  # arrow up to H
        ("J", 0.40, (125, 1, 2)),  # arrow down to K
        ("F", 100, (13, 21, 22)),  # arrow up to E
        ("C", 1000, (3, 44, 45)),  # arrow up to B
        ("R", 0.010, (1250, 0, 1)),  # arrow up to Q
        ("R", 0.025, (2000, 1, 2)),
        ("Q", 0.010, (1250, 0, 1)),
        ("A", 1000, (2, 30, 31)),
    ],
)
def test_table_ii_a_cells_and_arrows(letter, aql, expected):
    """ANSI/ASQ Z1.4-2003 Table II-A (normal inspection, master table)."""
    assert master_plan(letter, aql) == expected


@pytest.mark.parametrize(
    "letter, aql, expected",
    [
        ("J", 0.25, (80, 0, 1)),
        ("J", 0.15, (125, 0, 1)),  # arrow down to K
        ("J", 0.65, (125, 1, 2)),  # arrow down to K
        ("H", 6.5, (50, 5, 6)),
        ("H", 10, (50, 8, 9)),
        ("K", 10, (125, 18, 19)),
        ("K", 15, (80, 18, 19)),  # arrow up to J
        ("A", 10, (8, 1, 2)),  # arrow down to D
        ("A", 1000, (2, 27, 28)),
        ("B", 1000, (3, 41, 42)),
        ("R", 0.010, (2000, 0, 1)),
        ("R", 0.025, (3150, 1, 2)),  # arrow down to the tightened-only letter S
    ],
)
def test_table_ii_b_cells_and_arrows(letter, aql, expected):
    """ANSI/ASQ Z1.4-2003 Table II-B (tightened inspection, master table)."""
    assert master_plan(letter, aql, "tightened") == expected


def test_table_ii_c_row_k_keeps_the_gap_between_ac_and_re():
    """ANSI/ASQ Z1.4-2003 Table II-C, row K (n=50): 0/2, 1/3, 1/4, 2/5, 3/6, 5/8, 7/10, 10/13."""
    row = [master_plan("K", aql, "reduced") for aql in (0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10)]
    assert row == [
        (50, 0, 2), (50, 1, 3), (50, 1, 4), (50, 2, 5),
        (50, 3, 6), (50, 5, 8), (50, 7, 10), (50, 10, 13),
    ]


@pytest.mark.parametrize(
    "letter, aql, expected",
    [
        ("K", 0.10, (50, 0, 1)),
        ("K", 0.15, (32, 0, 1)),  # arrow up to J
        ("K", 0.25, (80, 0, 2)),  # arrow down to L
        ("C", 400, (2, 14, 17)),
        ("C", 650, (2, 21, 24)),
        ("D", 650, (2, 21, 24)),  # arrow up to C
        ("R", 0.025, (800, 0, 2)),
        ("Q", 0.010, (500, 0, 1)),
    ],
)
def test_table_ii_c_cells_and_arrows(letter, aql, expected):
    """ANSI/ASQ Z1.4-2003 Table II-C (reduced inspection, master table)."""
    assert master_plan(letter, aql, "reduced") == expected


# ---------------------------------------------------------------- 100 % inspection


def test_sample_larger_than_lot_means_hundred_percent_inspection():
    """Z1.4-2003 Table II-A note: if the sample size equals or exceeds the lot size, do
    100 percent inspection. Lot 10 -> B; AQL 0.65 follows the arrow down to F (n=20)."""
    plan = single_sampling_plan(10, 0.65)
    assert plan.code_letter == "B"
    assert (plan.sample_size, plan.accept, plan.reject, plan.hundred_percent) == (10, 0, 1, True)


def test_sample_equal_to_lot_means_hundred_percent_inspection():
    plan = single_sampling_plan(2, 6.5)
    assert (plan.code_letter, plan.sample_size, plan.hundred_percent) == ("A", 2, True)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("aql", [0.5, 2.0, 0.0, "1.0", True, None])
def test_a_non_standard_aql_is_refused_with_the_series(aql):
    with pytest.raises(ValueError, match=r"AQL must be one of 0\.01, 0\.015, .* 650\.0, 1000\.0"):
        single_sampling_plan(500, aql)


def test_integer_aql_of_the_series_is_accepted():
    assert single_sampling_plan(500, 10).aql == 10.0


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError, match="severity must be one of normal, tightened, reduced"):
        single_sampling_plan(500, 1.0, severity="strict")


def test_letter_s_exists_only_on_tightened_inspection():
    assert master_plan("S", 0.025, "tightened") == (3150, 1, 2)
    with pytest.raises(ValueError, match="code letter"):
        master_plan("S", 0.025, "normal")


def test_every_problem_with_the_request_is_named_at_once():
    """DESIGN: a refusal gives every reason, not the first one found."""
    with pytest.raises(ValueError) as refused:
        single_sampling_plan(1, 0.5, level="IV", severity="strict")
    message = str(refused.value)
    for what in ("lot size", "inspection level", "AQL", "severity"):
        assert what in message


# ---------------------------------------------------------------- whole-table properties


ALL_CELLS = [(letter, aql) for letter in LETTERS for aql in AQLS]


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_letter_and_aql_resolves_to_a_plan(severity):
    for letter, aql in ALL_CELLS:
        n, accept, reject = master_plan(letter, aql, severity)
        assert n >= 2 and 0 <= accept < reject
        if severity != "reduced":
            assert reject == accept + 1


@pytest.mark.parametrize("severity", SEVERITIES)
def test_plans_loosen_as_the_aql_grows(severity):
    """Along a row, Ac and Ac/n never decrease: arrows never jump to a stricter plan."""
    for letter in LETTERS:
        plans = [master_plan(letter, aql, severity) for aql in AQLS]
        for (n1, ac1, _), (n2, ac2, _) in zip(plans, plans[1:]):
            assert ac2 >= ac1
            assert ac2 / n2 >= ac1 / n1


@pytest.mark.parametrize("severity", SEVERITIES)
def test_sample_size_never_shrinks_with_a_later_code_letter(severity):
    for aql in AQLS:
        sizes = [master_plan(letter, aql, severity)[0] for letter in LETTERS]
        assert sizes == sorted(sizes)


def test_tightened_is_never_looser_than_normal():
    """Tightened keeps or enlarges the sample and keeps or lowers Ac (Z1.4 section 8)."""
    for letter, aql in ALL_CELLS:
        n, accept, _ = master_plan(letter, aql, "normal")
        n_t, accept_t, _ = master_plan(letter, aql, "tightened")
        assert n_t >= n and accept_t <= accept


def test_reduced_never_samples_more_than_normal():
    for letter, aql in ALL_CELLS:
        assert master_plan(letter, aql, "reduced")[0] <= master_plan(letter, aql, "normal")[0]


@given(
    lot_size=st.integers(min_value=2, max_value=2_000_000),
    aql=st.sampled_from(AQLS),
    level=st.sampled_from(LEVELS),
    severity=st.sampled_from(SEVERITIES),
)
def test_a_plan_never_samples_more_than_the_lot(lot_size, aql, level, severity):
    plan = single_sampling_plan(lot_size, aql, level, severity)
    table_n, accept, reject = master_plan(plan.code_letter, aql, severity)
    assert plan.sample_size == min(table_n, lot_size) <= lot_size
    assert plan.hundred_percent == (table_n >= lot_size)
    assert (plan.accept, plan.reject) == (accept, reject)
    assert plan.code_letter == code_letter(lot_size, level)


# ---------------------------------------------------------------- lot disposition


def test_disposition_on_normal_inspection():
    plan = single_sampling_plan(1000, 1.0)  # n=80, Ac 2, Re 3
    assert lot_disposition(plan, 2).decision == "accept"
    assert not lot_disposition(plan, 2).reinstate_normal
    assert lot_disposition(plan, 3).decision == "reject"


def test_disposition_between_ac_and_re_on_reduced_accepts_and_reinstates_normal():
    """Z1.4-2003 Table II-C footnote: if Ac is exceeded but Re is not reached, accept the
    lot but reinstate normal inspection. J reduced at AQL 1.0 is n=32, Ac 1, Re 3."""
    plan = single_sampling_plan(1000, 1.0, severity="reduced")
    assert (lot_disposition(plan, 1).decision, lot_disposition(plan, 1).reinstate_normal) == ("accept", False)
    between = lot_disposition(plan, 2)
    assert between.accepted and between.reinstate_normal
    assert lot_disposition(plan, 3).decision == "reject"


@pytest.mark.parametrize("defects", [-1, 1.5, None])
def test_disposition_refuses_a_bad_count(defects):
    with pytest.raises(ValueError, match="defects found"):
        lot_disposition(single_sampling_plan(500, 1.0), defects)


# ---------------------------------------------------------------- switching rules


def run(state, results):
    """Feed lot results (True = accepted) or LotResults; return final state and transitions."""
    transitions = []
    for result in results:
        lot = result if isinstance(result, LotResult) else LotResult(accepted=result)
        state, transition = next_state(state, lot)
        if transition:
            transitions.append(transition)
    return state, transitions


def test_two_rejections_within_five_lots_switch_normal_to_tightened():
    """Z1.4-2003 8.3.1: 2 out of 5 or fewer consecutive lots not accepted."""
    state, transitions = run(SamplingState(), [True, False, True, True, False])
    assert state.severity == "tightened"
    assert [(t.from_severity, t.to_severity, t.clause) for t in transitions] == [
        ("normal", "tightened", "Z1.4 8.3.1")
    ]
    assert run(SamplingState(), [False, False])[0].severity == "tightened"


def test_two_rejections_six_lots_apart_stay_on_normal():
    state, transitions = run(SamplingState(), [False, True, True, True, True, False])
    assert state.severity == "normal" and transitions == []


def test_resubmitted_lots_do_not_count():
    """Z1.4-2003 8.3.1: resubmitted lots are ignored by the switching rules."""
    state, _ = run(SamplingState(), [False, LotResult(accepted=False, resubmitted=True)])
    assert state.severity == "normal"
    assert state.recent_normal == (False,)


def test_five_consecutive_accepted_return_tightened_to_normal():
    """Z1.4-2003 8.3.2."""
    state, transitions = run(SamplingState("tightened"), [True, True, True, True, False] + [True] * 5)
    assert state == SamplingState("normal")
    assert transitions[-1].as_dict() == {
        "from_severity": "tightened",
        "to_severity": "normal",
        "reason": "5 consecutive lots accepted",
        "clause": "Z1.4 8.3.2",
    }


def test_ten_accepted_lots_steady_and_approved_switch_to_reduced():
    """Z1.4 8.3.3 as our issue states it: 10 consecutive lots accepted, production steady,
    reduced inspection approved by the responsible authority."""
    approved = LotResult(accepted=True, reduced_approved=True)
    assert run(SamplingState(), [approved] * 9)[0].severity == "normal"
    state, transitions = run(SamplingState(), [approved] * 10)
    assert state.severity == "reduced"
    assert (transitions[0].to_severity, transitions[0].clause) == ("reduced", "Z1.4 8.3.3")


def test_reduced_needs_approval_and_steady_production():
    unapproved = [True] * 12
    assert run(SamplingState(), unapproved)[0].severity == "normal"
    unsteady = [LotResult(accepted=True, reduced_approved=True, production_steady=False)] * 12
    assert run(SamplingState(), unsteady)[0].severity == "normal"
    late_approval = [True] * 11 + [LotResult(accepted=True, reduced_approved=True)]
    assert run(SamplingState(), late_approval)[0].severity == "reduced"


def test_a_rejection_restarts_the_run_towards_reduced():
    approved = LotResult(accepted=True, reduced_approved=True)
    state, _ = run(SamplingState(), [approved] * 9 + [False] + [approved] * 9)
    assert state.severity == "normal"


@pytest.mark.parametrize(
    "lot, reason",
    [
        (LotResult(accepted=False), "a lot was not accepted"),
        (LotResult(accepted=True, reinstate_normal=True), "a lot was accepted with a count between Ac and Re"),
        (LotResult(accepted=True, production_steady=False), "production became irregular or delayed"),
    ],
)
def test_reduced_returns_to_normal(lot, reason):
    """Z1.4-2003 8.3.4 (a), (b), (c)."""
    state, transition = next_state(SamplingState("reduced"), lot)
    assert state == SamplingState("normal")
    assert (transition.from_severity, transition.to_severity, transition.reason) == ("reduced", "normal", reason)


def test_reduced_stays_reduced_on_a_clean_accepted_lot():
    state = SamplingState("reduced")
    assert next_state(state, LotResult(accepted=True)) == (state, None)


def test_reduced_disposition_feeds_the_switching_rules():
    plan = single_sampling_plan(1000, 1.0, severity="reduced")
    disposition = lot_disposition(plan, 2)
    lot = LotResult(accepted=disposition.accepted, reinstate_normal=disposition.reinstate_normal)
    assert next_state(SamplingState("reduced"), lot)[0].severity == "normal"


def test_five_lots_not_accepted_on_tightened_discontinue_inspection():
    """Z1.4-2003 8.4: the cumulative number of lots not accepted in a sequence of consecutive
    lots on tightened inspection reaches 5 -> discontinue; resume on tightened after
    corrective action."""
    state, transitions = run(SamplingState("tightened"), [False, True, False, True, False, True, False, True, False])
    assert state.discontinued and state.severity == "tightened"
    assert (transitions[-1].to_severity, transitions[-1].clause) == ("discontinued", "Z1.4 8.4")
    with pytest.raises(ValueError, match="discontinued"):
        next_state(state, LotResult(accepted=True))
    resumed, transition = record_corrective_action(state)
    assert resumed == SamplingState("tightened")
    assert (transition.from_severity, transition.to_severity) == ("discontinued", "tightened")


def test_five_lots_on_tightened_alone_do_not_discontinue():
    """The standard counts lots not accepted, not lots spent on tightened inspection."""
    state, _ = run(SamplingState("tightened"), [False, True, True, True])
    assert not state.discontinued and state.severity == "tightened"


def test_corrective_action_needs_a_discontinued_stream():
    with pytest.raises(ValueError, match="not discontinued"):
        record_corrective_action(SamplingState("tightened"))


def test_state_refuses_an_unknown_severity():
    with pytest.raises(ValueError, match="severity"):
        SamplingState("skip-lot")


lot_results = st.builds(
    LotResult,
    accepted=st.booleans(),
    resubmitted=st.booleans(),
    production_steady=st.booleans(),
    reduced_approved=st.booleans(),
    reinstate_normal=st.booleans(),
)


@given(st.lists(lot_results, max_size=80))
def test_switching_invariants_hold_for_any_lot_sequence(lots):
    state = SamplingState()
    for lot in lots:
        if state.discontinued:
            state, _ = record_corrective_action(state)
        before = state
        state, transition = next_state(state, lot)
        assert len(state.recent_normal) <= 5
        assert state.tightened_not_accepted < 5 or state.discontinued
        if lot.resubmitted:
            assert (state, transition) == (before, None)
        elif transition is None:
            assert state.severity == before.severity
        else:
            assert transition.from_severity == before.severity
            assert transition.to_severity == ("discontinued" if state.discontinued else state.severity)
            if transition.to_severity == "reduced":
                assert lot.accepted and lot.reduced_approved and lot.production_steady
                assert before.consecutive_accepted + 1 >= 10
            if state.discontinued:
                assert before.severity == "tightened" and not lot.accepted


