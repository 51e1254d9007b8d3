"""Nonconformance rules, pure: signatures per phase, dispositions per subject, recurrence, CAPA checks."""
from datetime import datetime, timedelta, timezone

import pytest

from lrip.nonconformance import rules
from lrip.nonconformance.rules import DispositionView
from lrip.program.rules import DEFAULT_POLICIES, missing_signatures

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("phase, signed, missing", [
    ("prototype", [], ["an engineering signature (from a manufacturing engineer)"]),
    ("prototype", ["manufacturing_engineer"], []),
    ("pilot", ["quality_engineer"], ["an engineering signature (from a manufacturing engineer)"]),
    ("pilot", ["mrb_member", "manufacturing_engineer"], []),  # an MRB member signs for quality
    ("lrip", [], ["a quality signature (from a quality engineer or an MRB member)",
                  "an engineering signature (from a manufacturing engineer)",
                  "a program signature (from a program manager)"]),
    ("lrip", ["quality_engineer", "manufacturing_engineer"], ["a program signature (from a program manager)"]),
    ("lrip", ["program_manager", "quality_engineer", "manufacturing_engineer"], []),
    # two quality signatures are still one quality signature
    ("lrip", ["quality_engineer", "mrb_member", "program_manager"],
     ["an engineering signature (from a manufacturing engineer)"]),
    ("frp", ["operator", "inspector"], ["a quality signature (from a quality engineer or an MRB member)",
                                        "an engineering signature (from a manufacturing engineer)"]),
])
def test_the_phase_policy_decides_which_signatures_a_use_as_is_needs(phase, signed, missing):
    assert missing_signatures(DEFAULT_POLICIES[phase].disposition_signatures, signed) == missing


def test_program_and_customer_need_two_program_office_signatures():
    required = ("quality", "program", "customer")
    assert missing_signatures(required, ["quality_engineer", "program_manager"]) == [
        "a customer signature (from a program manager)"]
    assert missing_signatures(required, ["quality_engineer", "program_manager", "program_manager"]) == []


def view(**kw) -> DispositionView:
    base = dict(number="NCR-000001", status="mrb_review", subject="unit", action="rework", quantity=1.0,
                remaining=1.0, reason="re-torque", rework_sequence=10, reached_sequences=(10, 20), unit_label="SN-1")
    return DispositionView(**(base | kw))


def test_a_good_proposal_passes():
    assert rules.check_proposal(view()).allowed
    assert rules.check_proposal(view(subject="material_lot", action="return_to_supplier", supplier="SUP-M",
                                     quantity=5, remaining=30)).allowed


def test_every_reason_at_once():
    assert rules.check_proposal(view(status="closed", action="return_to_supplier", quantity=2, reason=" ")).reasons == (
        "NCR-000001 is closed; only an open NCR or one under MRB review is dispositioned",
        "return_to_supplier is not a disposition for a unit; it takes use_as_is, repair, rework, scrap",
        "the quantity 2 is more than the 1 of NCR-000001 still to disposition",
        "a disposition needs a reason")


@pytest.mark.parametrize("subject, action, allowed", [
    ("unit", "repair", True), ("unit", "scrap", True), ("lot", "use_as_is", True), ("lot", "rework", False),
    ("material_lot", "rework", False), ("material_lot", "use_as_is", True), ("lot", "return_to_supplier", False),
])
def test_which_dispositions_fit_which_subject(subject, action, allowed):
    v = view(subject=subject, action=action, rework_sequence=None, supplier="SUP-M", quantity=1, remaining=5)
    assert rules.check_proposal(v).allowed is allowed


def test_rework_goes_back_only_to_an_operation_reached():
    assert rules.check_proposal(view(rework_sequence=30)).reasons == (
        "rework names an operation SN-1 has reached to return to, one of 10, 20",)


def test_missing_signatures_are_added_to_the_proposal_reasons():
    reasons = rules.check_disposition(view(action="use_as_is", reason=""), ["a program signature (from x)"]).reasons
    assert reasons == ("a disposition needs a reason",
                       "use_as_is of NCR-000001 needs a program signature (from x). "
                       "Signatures are given to the disposition under MRB review")


def test_recurrence_counts_k_within_the_window_including_the_new_one():
    times = [T0, T0 + timedelta(days=10)]
    assert not rules.is_recurring(times, T0 + timedelta(days=10))
    assert rules.is_recurring(times + [T0 + timedelta(days=30)], T0 + timedelta(days=30))
    # the first fell out of the 30-day window
    assert not rules.is_recurring(times + [T0 + timedelta(days=31)], T0 + timedelta(days=31))
    assert rules.is_recurring(times + [T0 + timedelta(days=31)], T0 + timedelta(days=31), days=31)
    assert rules.is_recurring(times, T0 + timedelta(days=10), count=2)


def test_effectiveness_wants_the_actions_done_then_n_clean_units():
    kw = dict(needed=20, operation="operation 40 (Motor install)")
    assert rules.effectiveness(units_after=0, recurrences=[], actions_open=["corrective 'x'"], since=None,
                               **kw).reasons == ("action not done yet: corrective 'x'",)
    assert rules.effectiveness(units_after=0, recurrences=[], actions_open=[], since=None, **kw).reasons == (
        "the CAPA has no corrective action to check the effect of",)
    assert rules.effectiveness(units_after=12, recurrences=["NCR-000042"], actions_open=[], since="2026-03-02",
                               **kw).reasons == (
        "only 12 of the 20 units needed have gone through operation 40 (Motor install) since the actions were "
        "done on 2026-03-02",
        "the defect came back at operation 40 (Motor install) after the actions: NCR-000042")
    assert rules.effectiveness(units_after=20, recurrences=[], actions_open=[], since="2026-03-02", **kw).allowed


def test_capa_close_lists_everything_missing():
    assert rules.check_capa_close(number="CAPA-0001", status="proposed", missing_fields=["D4 root cause"],
                                  verified=False, open_ncrs=["NCR-000001"]).reasons == (
        "CAPA-0001 is proposed; only an open CAPA closes", "CAPA-0001 still needs D4 root cause",
        "CAPA-0001's effectiveness is not verified yet", "linked NCRs are still open: NCR-000001")


@pytest.mark.parametrize("kind, value, usl, code", [
    ("attribute", None, None, "TEST-FAIL"), ("variable", 2.9, 2.8, "OOS-HIGH"), ("variable", 12.0, None, "OOS-LOW"),
    ("variable", 2.1, 2.8, "OOS-LOW")])
def test_automatic_defect_codes(kind, value, usl, code):
    assert rules.defect_code_for(kind, value, usl) == code


def test_attachments_are_small_known_files():
    assert rules.check_attachment(filename="photo.jpg", content_type="image/jpeg", size=1000).allowed
    assert rules.check_attachment(filename="../x", content_type="application/x-msdownload",
                                  size=rules.MAX_ATTACHMENT_BYTES + 1).reasons == (
        "an attachment needs a plain file name",
        "files of type application/x-msdownload are not kept; use " + ", ".join(rules.ATTACHMENT_TYPES),
        "the file is 2.0 MB; attachments are at most 2 MB")


@pytest.mark.parametrize("current, step, remaining, after", [
    ("open", "review", 0, "mrb_review"), ("mrb_review", "review", 0, "mrb_review"),
    ("mrb_review", "disposition", 0, "dispositioned"), ("open", "disposition", 0, "dispositioned"),
    ("mrb_review", "disposition", 2.0, "open"),  # part of the quantity: the rest is still open
    ("dispositioned", "close", 0, "closed")])
def test_the_ncr_lifecycle(current, step, remaining, after):
    assert rules.next_ncr_status(current, step, remaining=remaining) == after


@pytest.mark.parametrize("current, step", [("closed", "review"), ("dispositioned", "disposition"),
                                           ("open", "close"), ("closed", "close")])
def test_the_ncr_lifecycle_refuses_a_step_out_of_turn(current, step):
    with pytest.raises(ValueError):
        rules.next_ncr_status(current, step)


def test_the_capa_lifecycle_says_why_in_words():
    assert rules.next_capa_status("proposed", "accept") == rules.next_capa_status("open", "accept") == "open"
    assert rules.next_capa_status("proposed", "reject") == "rejected"
    assert rules.next_capa_status("open", "close") == "closed"
    assert rules.capa_step_problems("CAPA-0001", "open", "reject") == [
        "CAPA-0001 is open; only a proposed CAPA is turned down"]
    assert rules.capa_step_problems("CAPA-0001", "closed", "accept") == ["CAPA-0001 is closed"]
    with pytest.raises(ValueError):
        rules.next_capa_status("rejected", "close")


def test_open_ncrs_by_age_in_whole_days():
    ages = [0, 7, 8, 30, 31, 90, 91, 400]
    assert rules.aging([T0 - timedelta(days=d, hours=1) for d in ages], T0) == [
        {"bucket": "0–7 days", "count": 2}, {"bucket": "8–30 days", "count": 2},
        {"bucket": "31–90 days", "count": 2}, {"bucket": "over 90 days", "count": 2}]
    assert rules.age_days(T0, None, T0 + timedelta(hours=36)) == 1.5
