"""Nonconformance rules, pure: dispositions per subject, recurrence, CAPA checks."""
from datetime import datetime, timedelta, timezone

import pytest

from lrip.nonconformance import rules
from lrip.nonconformance.rules import DispositionView

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


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
                                  verified=False, open_ncrs=["NCR-000001"], opened_on=T0.date(),
                                  today=T0.date() + timedelta(days=9), waived=False).reasons == (
        "CAPA-0001 is proposed; only an open CAPA closes", "CAPA-0001 still needs D4 root cause",
        "CAPA-0001's effectiveness is not verified yet", "linked NCRs are still open: NCR-000001")


def test_a_capa_closes_the_day_it_opened_only_under_a_waiver():
    """It was closed 16 s after it was opened: on the day it opens, only a signed quality waiver closes it."""
    kw = dict(number="CAPA-0004", status="open", missing_fields=[], verified=True, open_ncrs=[],
              opened_on=T0.date())
    assert rules.check_capa_close(**kw, today=T0.date(), waived=False).reasons == (
        "CAPA-0004 was opened today (2026-03-02): a CAPA closes on the day it opened only under a quality waiver, "
        "signed (give the waiver and your password), and it is kept as such",)
    assert rules.check_capa_close(**kw, today=T0.date(), waived=True).allowed
    assert rules.check_capa_close(**kw, today=T0.date() + timedelta(days=1), waived=False).allowed


def test_an_action_is_done_between_the_day_it_existed_and_today():
    """`lrip capa done CAPA-0004 6 --on 2026-09-20` on a CAPA opened today was accepted."""
    opened, today = T0.date(), T0.date() + timedelta(days=10)
    kw = dict(today=today, capa="CAPA-0004", opened_on=opened, action=6, added_on=opened + timedelta(days=3))
    assert rules.done_on_problems(opened - timedelta(days=1), **kw) == [
        "2026-03-01 is before CAPA-0004 was opened on 2026-03-02: an action of it cannot be done before it existed"]
    assert rules.done_on_problems(opened + timedelta(days=2), **kw) == [
        "2026-03-04 is before action 6 was added on 2026-03-05: it cannot be done before it existed"]
    assert rules.done_on_problems(today + timedelta(days=1), **kw) == ["2026-03-13 is in the future"]
    assert rules.done_on_problems(opened + timedelta(days=3), **kw) == []


@pytest.mark.parametrize("kind, value, usl, code", [
    ("attribute", None, None, "TEST-FAIL"), ("variable", 2.9, 2.8, "OOS-HIGH"), ("variable", 12.0, None, "OOS-LOW"),
    ("variable", 2.1, 2.8, "OOS-LOW")])
def test_automatic_defect_codes(kind, value, usl, code):
    assert rules.defect_code_for(kind, value, usl) == code


def test_attachments_are_small_known_files():
    assert rules.check_attachment(filename="photo.jpg", content_type="image/jpeg", size=1000).allowed
    assert rules.check_attachment(filename="x.exe", content_type="application/x-msdownload",
                                  size=rules.MAX_ATTACHMENT_BYTES + 1).reasons == (
        "x.exe is a application/x-msdownload file; lrip keeps only PNG, JPEG, GIF and WebP images, PDF documents, "
        "plain text and CSV files",
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
