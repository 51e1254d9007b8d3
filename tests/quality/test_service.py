"""SPC of a program's characteristic, through the service, on SQLite and PostgreSQL."""
from datetime import timedelta

import pytest

from factory import actor
from lrip.errors import Invalid, NotFound, Refused
from lrip.execution import service as execution
from lrip.program.service import create_lot
from lrip.quality import service
from lrip.stats import spc
from quality.lines import FLOW_RATE, build_four_units, build_torque_series, op, selects_while, start_time


def test_characteristic_spc_on_the_nist_individuals_example(session):
    """NIST/SEMATECH e-Handbook 6.3.2.2 (flow rate of 10 batches, here / 25 as torque in N·m):
    center 50.81 / 25, MR-bar 1.8778 / 25; with the exact d2 = 1.12838, UCL 55.8024 / 25 and
    LCL 45.8176 / 25. Spec limits are the characteristic's (1.8-2.2); the units in build order."""
    build_torque_series(session)
    oscar = actor(session, "oscar")
    r = service.characteristic_spc(session, oscar, program="ACT", characteristic="torque").model_dump()
    assert r["chart"] == "imr" and r["n_points"] == 10 and r["units_measured"] == 10
    assert r["points"] == pytest.approx([v / 25 for v in FLOW_RATE])
    assert r["labels"] == [f"SN-{i:02d}" for i in range(1, 11)]
    assert r["center"] == pytest.approx(50.81 / 25)
    assert r["ucl"] == pytest.approx(55.8024 / 25, abs=1e-4)
    assert r["lcl"] == pytest.approx(45.8176 / 25, abs=1e-4)
    assert r["secondary"]["center"] == pytest.approx(1.8778 / 25, abs=1e-5)
    assert r["violations"] == []
    assert (r["characteristic"], r["lsl"], r["usl"], r["units"], r["key"]) == ("TORQUE", 1.8, 2.2, "N·m", True)
    cap = r["capability"]
    assert cap["sigma_within"] == pytest.approx(1.8778 / 25 / 1.12838, rel=1e-4)
    assert cap["cp"] == pytest.approx(0.4 / (6 * cap["sigma_within"]))
    assert cap["n"] == 10
    assert r["lots"] == [{"lot": "L1", "first": 0, "last": 9}]
    assert set(spc.analyze([1.0, 2.0, 4.0])) <= set(r)  # the `lrip spc analyze` keys, and more

    # phase I: the first 6 units set the limits; phase II: the last 4 are judged against them
    frozen = service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE", baseline=6).model_dump()
    alone = spc.analyze([v / 25 for v in FLOW_RATE[:6]])
    assert frozen["baseline"] == 6
    assert (frozen["center"], frozen["ucl"]) == pytest.approx((alone["center"], alone["ucl"]))
    assert frozen["violations"] == spc.nelson(frozen["points"], alone["center"], (alone["ucl"] - alone["center"]) / 3)
    assert frozen["violations"] != r["violations"]

    # X-bar R of consecutive units: three subgroups of 3, the tenth unit waits for its subgroup
    xbar = service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE", chart="xbar-r",
                                      subgroup_size=3).model_dump()
    assert xbar["points"] == pytest.approx([sum(FLOW_RATE[i:i + 3]) / 75 for i in (0, 3, 6)])
    assert xbar["labels"][0] == "SN-01 … SN-03" and len(xbar["values"]) == 9


def test_overview_lists_every_characteristic_in_a_few_statements(session):
    """Set-based: the overview reads every characteristic's results at once (and the program's own targets)."""
    build_torque_series(session)
    oscar = actor(session, "oscar")
    overview, selects = selects_while(session, lambda: service.characteristics_overview(session, oscar, program="ACT"))
    assert selects <= 5
    rows = {r.characteristic: r for r in overview}
    assert list(rows) == ["TORQUE", "VISUAL", "CURRENT", "NOISE"]
    torque = rows["TORQUE"]
    assert torque.n_points == 10 and torque.cpk is not None
    assert torque.status == "not capable"  # NIST's spread at 1/25 is wide for a 0.4 N·m tolerance
    assert rows["VISUAL"].status == "too few data" and rows["VISUAL"].units_measured == 0
    key = service.characteristics_overview(session, oscar, program="ACT", key_only=True)
    assert [r.characteristic for r in key] == ["TORQUE", "CURRENT"] and key[0] == torque


def test_reworked_units_pass_fail_and_refusals(session):
    build_four_units(session)
    oscar, admin = actor(session, "oscar"), actor(session, "admin")
    # U2 read 2.3 (held, reworked), then 2.0: the chart keeps 2.3, what the process made
    torque = service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE")
    assert dict(zip(torque.labels, torque.points)) == {"U1": 2.0, "U2": 2.3, "U3": 2.0, "U4": 2.0}

    with pytest.raises(Refused, match="VISUAL has 1 point to chart; a control chart needs at least 2"):
        service.characteristic_spc(session, oscar, program="ACT", characteristic="VISUAL")
    create_lot(session, admin, program="ACT", number="L2", planned_quantity=2, routing_revision="1")
    execution.create_unit(session, admin, lot="L2", serial="U5")
    t = start_time() + timedelta(hours=6)
    op(session, "U5", 10, t, 30, [("TORQUE", "2.0")], motor="M-005")
    op(session, "U5", 20, t + timedelta(hours=1), 30, [("VISUAL", "pass")])
    visual = service.characteristic_spc(session, oscar, program="ACT", characteristic="VISUAL")
    assert visual.chart == "p" and visual.labels == ["L1", "L2"]
    assert visual.points == pytest.approx([1 / 3, 0.0])  # U1, U2 passed, U3 failed; U5 passed
    assert visual.capability is None

    with pytest.raises(NotFound, match="ACT has no characteristic BOGUS; it has TORQUE, VISUAL, CURRENT, NOISE"):
        service.characteristic_spc(session, oscar, program="ACT", characteristic="BOGUS")
    with pytest.raises(Invalid, match="VISUAL is pass/fail"):
        service.characteristic_spc(session, oscar, program="ACT", characteristic="VISUAL", chart="imr")
    with pytest.raises(Invalid, match="phase must be one of"):
        service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE", phase="beta")
    with pytest.raises(Refused, match="has 0 points"):  # the scene is built in pilot (lines.py)
        service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE", phase="lrip")


@pytest.mark.parametrize("cpk, violations, n, word", [
    (1.5, 0, 30, "capable"), (1.2, 0, 30, "watch"), (1.5, 2, 30, "watch"), (0.9, 0, 30, "not capable"),
    (None, 0, 30, "in control"), (None, 0, 1, "too few data")])
def test_status_words(cpk, violations, n, word):
    assert service.status_of(cpk, violations, n, target=1.33) == word
    assert service.status_of(1.5, 0, 30, target=1.67) == "watch"  # a program that signed 1.67 for a new process
