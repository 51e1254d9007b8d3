"""Issue 13, configuration: a change's impact analysis finds every open lot and unit that consumes, uses or
is built on the changed item (as of now while the change waits), implementing pins the open lots to the
revision the effectivity gives them, a delta FAI falls on the first unit the effectivity reaches, and change
traffic (design stability's measure) counts a change in the week of its latest step."""
from datetime import timedelta

import pytest

from changeover import ENGINEER, approve_and_implement, change_part, engineers, next_lot, raise_part_change
from factory import ADMIN, PM, actor, build_line, run_op10
from lrip.change import service as change
from lrip.db import utcnow
from lrip.execution import service as execution
from lrip.inspection import first_article
from lrip.program import service as program
from lrip.readiness import criteria


@pytest.fixture
def line(session):
    build_line(session)
    engineers(session)
    return session


def test_the_impact_finds_a_lot_opened_after_submission_that_consumes_the_part(line):
    """Today CR-0003 says 'open lots: none' although open lot L3 consumes HSG-200 at operation 20: its
    analysis was frozen when it was submitted, before L3 opened."""
    program.close_lot(line, actor(line, PM), number="L1", reason="built")
    number = raise_part_change(line)
    assert change.get_change(line, number).impact["open_lots"] == []  # the snapshot kept at submission
    next_lot(line)
    impact = change.change_detail(line, actor(line, ENGINEER), number=number).impact
    assert impact.as_of == "now"
    assert [(x.lot, x.reaches) for x in impact.open_lots] == [("L2", ["consumes SCR-4 at operation 10"])]


def test_the_impact_lists_the_units_built_on_the_changed_item_and_those_it_still_reaches(line):
    admin = actor(line, ADMIN)
    for serial in ("SN-1", "SN-2"):
        execution.create_unit(line, admin, lot="L1", serial=serial)
    run_op10(line, "SN-1", "M-001")
    number = raise_part_change(line)
    units = change.change_detail(line, actor(line, ENGINEER), number=number).impact.units
    assert [(u.serial, u.operations_ahead, u.operations_done, u.contains) for u in units] == [
        ("SN-1", [], [10], ["SCR-4 rev A (SCR-LOT-1)"]), ("SN-2", [10], [], [])]


def test_implementing_keeps_the_open_lot_on_the_old_revision_and_says_so(line):
    number = change_part(line, effectivity="next_lot")
    detail = change.change_detail(line, actor(line, ENGINEER), number=number)
    assert detail.implementation.configurations == ["L1 keeps building with SCR-4 rev A"]
    assert detail.impact.as_of == "implementation"
    assert program.get_lot(line, "L1").configuration == {"SCR-4": [{"revision": "A", "change": number}]}


def test_a_next_lot_change_owes_its_delta_fai_on_the_first_unit_of_the_next_lot(line):
    """Today a 'next lot' change opened its delta FAI on a unit of the current lot."""
    admin = actor(line, ADMIN)
    execution.create_unit(line, admin, lot="L1", serial="SN-1")
    change_part(line, effectivity="next_lot")
    delta = [r for r in first_article.fai_owed(line, admin, serial="SN-1").reasons if r.startswith("delta")]
    assert delta == []  # SN-1's lot keeps building the old configuration: nothing of the change to inspect
    next_lot(line)
    execution.create_unit(line, admin, lot="L2", serial="SN-20")
    owed = first_article.fai_owed(line, admin, serial="SN-20")
    assert any(r.startswith("delta after a change: CR-") for r in owed.reasons)
    [outstanding] = [o for o in first_article.fai_status(line, admin, program="ACT").outstanding
                     if o.kind == "partial"]
    assert outstanding.serial == "SN-20" and "SN-20 is the first unit the change reaches" in outstanding.reason


def test_change_traffic_counts_a_change_in_the_week_it_was_implemented(line):
    """Today design stability passes on the day a major change is implemented: '0 changes in the last 8 weeks',
    because the change was submitted ten weeks ago."""
    number = raise_part_change(line, submitted_at=utcnow() - timedelta(weeks=10))
    approve_and_implement(line, number)
    weeks = change.change_traffic(line, actor(line, PM), program="ACT", weeks=8)
    assert (sum(w.major for w in weeks), weeks[-1].major) == (1, 1)
    judged = criteria.judge_design_stability([], [w.model_dump() for w in weeks],
                                             {"weeks": 8, "changes_per_week_max": 1.0})
    assert judged["message"] == "0 open major change request(s); 1 change(s) in the last 8 weeks."
