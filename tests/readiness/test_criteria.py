"""The pure readiness logic: each judge, the verdict with blocking findings first, and the diff."""
from lrip.readiness import criteria as r
from lrip.readiness.rules import is_go

T = r.targets_for({})


def _passing() -> list[dict]:
    return [r.result(c.id, r.PASS, message="ok") for c in r.CRITERIA]


def test_every_criterion_passing_is_go():
    verdict, results, findings = r.decide(_passing(), {})
    assert verdict == r.GO
    assert findings == []
    assert [c["number"] for c in results] == list(range(1, 12))


def test_a_failing_criterion_is_no_go_and_blocking_findings_come_first():
    results = _passing()
    results[0] = r.result("attestations", r.INSUFFICIENT, message="unknown", findings=["no data"])
    results[5] = r.result("quality", r.FAIL, message="open NCRs", findings=["NCR-1 is open"])
    waiver = {"name": "Gabriel García", "condition": "100% inspection of MTR-TQ until Cpk ≥ 1.33"}
    results[2] = r.result("capability", r.FAIL, message="Cpk low", findings=["MTR-TQ Ppk 1.12"])
    verdict, out, findings = r.decide(results, {"capability": waiver})
    assert verdict == r.NO_GO
    assert [f["criterion"] for f in findings] == ["quality", "attestations", "capability"]
    assert [f["kind"] for f in findings] == ["blocking", "blocking", "condition"]
    assert next(c for c in out if c["id"] == "capability")["status"] == r.WAIVED


def test_waived_failures_only_is_go_with_conditions_naming_the_signer():
    results = _passing()
    results[3] = r.result("supply_chain", r.FAIL, message="late supplier", findings=["NGE 80% on time"])
    verdict, out, findings = r.decide(results, {"supply_chain": {"name": "Laura Martin", "condition": "expedite NGE"}})
    assert verdict == r.GO_WITH_CONDITIONS
    assert findings[0]["text"] == "waived by Laura Martin: expedite NGE"
    assert is_go(verdict) and not is_go(r.NO_GO)


def test_a_waiver_does_not_change_a_passing_criterion():
    verdict, out, findings = r.decide(_passing(), {"yield": {"name": "x", "condition": "y"}})
    assert verdict == r.GO and all(c["status"] == r.PASS for c in out)


def test_diff_names_status_value_and_findings_changes():
    before = [r.result("quality", r.FAIL, value=2, message="", findings=["NCR-1 open", "NCR-2 open"]),
              r.result("yield", r.PASS, value=0.95, message="")]
    after = [r.result("quality", r.FAIL, value=1, message="", findings=["NCR-2 open"]),
             r.result("yield", r.PASS, value=0.95, message="")]
    changes = r.diff(before, after)
    assert len(changes) == 1
    assert changes[0]["value_before"] == 2 and changes[0]["value"] == 1
    assert changes[0]["resolved"] == ["NCR-1 open"] and changes[0]["new"] == []
    assert r.diff(None, after) == []


def test_capability_judges_the_lower_of_cpk_and_ppk_and_recent_rule_1_points():
    good = {"code": "SPEED", "name": "Speed", "n": 40, "cpk": 1.8, "ppk": 1.7, "rule1": []}
    drifted = {"code": "MTR-TQ", "name": "Torque", "n": 73, "cpk": 3.04, "ppk": 1.12, "rule1": []}
    out_of_control = {"code": "GEAR-BL", "name": "Backlash", "n": 74, "cpk": 1.55, "ppk": 1.44, "rule1": ["SN-72"]}
    assert r.judge_capability([good], T["capability"])["status"] == r.PASS
    res = r.judge_capability([good, drifted, out_of_control], T["capability"])
    assert res["status"] == r.FAIL and res["value"] == 1.12
    assert any("Ppk 1.12 is below 1.33 although Cpk is 3.04" in f for f in res["findings"])
    assert any("GEAR-BL" in f and "SN-72" in f for f in res["findings"])
    assert {"kind": "unit", "id": "SN-72", "url": "/units/SN-72", "note": "GEAR-BL beyond control limits"} in res["evidence"]


def test_capability_of_a_small_lot_falls_back_to_yield_and_says_so():
    small = {"code": "TORQUE", "name": "Torque", "n": 5, "fpy": 1.0, "scrap": 0.0, "rework": 0.0,
             "cycle_minutes": 31.0, "standard_minutes": 30}
    res = r.judge_capability([small], T["capability"])
    assert res["status"] == r.PASS and res["stand_in"]
    assert "first-pass yield instead" in res["message"]
    assert "stand-in" in res["measures"][0]["name"] and "cycle 31 min" in res["measures"][0]["name"]
    assert r.judge_capability([small | {"fpy": 0.8}], T["capability"])["status"] == r.FAIL
    assert r.judge_capability([], T["capability"])["status"] == r.INSUFFICIENT


def test_dpu_trend_rising_is_the_least_squares_slope():
    assert r.dpu_rising([("L1", 0.1), ("L2", 0.2)])
    assert not r.dpu_rising([("L1", 0.3), ("L2", 0.1), ("L3", 0.2)])  # slope -0.05
    assert r.dpu_rising([("L1", 0.1), ("L2", 0.05), ("L3", 0.2)])  # slope +0.05
    assert not r.dpu_rising([("L1", 0.1)])


def test_quality_needs_no_open_major_ncr_and_every_capa_verified():
    ncr = {"number": "NCR-1", "severity": "major", "status": "mrb_review"}
    minor = {"number": "NCR-2", "severity": "minor", "status": "open"}
    capa = {"number": "CAPA-1", "status": "closed", "effectiveness_verified": False}
    res = r.judge_quality([ncr, minor], [capa], [("L1", 0.2), ("L2", 0.1)], T["quality"])
    assert res["status"] == r.FAIL and res["value"] == 1
    assert res["findings"] == ["NCR NCR-1 (major) is mrb review", "CAPA CAPA-1 is closed, effectiveness not verified"]
    assert r.judge_quality([minor], [capa | {"effectiveness_verified": True}], [], T["quality"])["status"] == r.PASS


def test_supply_chain_says_what_is_not_yet_measured():
    res = r.judge_supply([], None, None, T["supply_chain"], [])
    assert res["status"] == r.INSUFFICIENT
    assert any(f.startswith("not yet measured: supplier on-time") for f in res["findings"])
    late = [{"supplier": "NGE", "name": "Northgate", "on_time_rate": 0.8, "ppm": 0}]
    res = r.judge_supply(["BRKT-9"], late, [], T["supply_chain"], ["2026-05-04"])
    assert res["status"] == r.FAIL
    assert res["findings"][:2] == ["BOM part BRKT-9 has no approved source",
                                   "supplier NGE (Northgate) delivered 80.0% on time, below 95.0%"]


def test_a_supplier_without_receipts_is_not_judged():
    """Nothing delivered yet: its measure is shown unjudged (neither meeting nor missing its targets)."""
    quiet = [{"supplier": "NEW", "name": "New Co", "on_time_rate": None, "ppm": None},
             {"supplier": "NGE", "name": "Northgate", "on_time_rate": None, "ppm": 0}]
    measures = r.judge_supply([], quiet, [], T["supply_chain"], ["2026-05-04"])["measures"]
    assert [m["ok"] for m in measures if "on time / PPM" in m["name"]] == [None, True]


def test_capacity_and_learning_against_their_targets():
    assert r.judge_capacity(20, 15, "MECH", 0.6, [], T["capacity"])["status"] == r.PASS
    res = r.judge_capacity(12, 15, "MECH", 1.05, ["MECH needs 1 more station"], T["capacity"])
    assert res["status"] == r.FAIL and "MECH needs 1 more station" in res["findings"]
    fit = {"model": "crawford", "learning_rate": 0.85, "n": 40, "r_squared": 0.9}
    assert r.judge_learning(fit, 3.0, 3.5, 96, T["learning"])["status"] == r.PASS
    assert r.judge_learning(fit, 4.0, 3.5, 96, T["learning"])["status"] == r.FAIL
    assert r.judge_learning(None, None, 3.5, None, T["learning"], "2 units")["status"] == r.INSUFFICIENT


def test_targets_are_the_programs_own_with_defaults():
    assert r.targets_for({})["capability"]["cpk_min"] == 1.33
    assert r.targets_for({"capability": {"cpk_min": 1.67}})["capability"]["cpk_min"] == 1.67
    assert r.check_target("capability", "cpk_min", 1.67) == []
    assert r.check_target("yield", "rty_min", 90) == ["rty_min is a fraction between 0 and 1 (0.95 for 95%), not 90"]
    assert "has no target 'foo'" in r.check_target("yield", "foo", 1)[0]
    assert "not a readiness criterion" in r.check_target("nope", "x", 1)[0]


def test_many_findings_are_counted_not_listed():
    res = r.judge_workforce(100, [{"serial": f"SN-{i}", "operation": 10, "operator": "x", "why": "y"}
                                  for i in range(40)])
    assert len(res["findings"]) == r.MAX_FINDINGS + 1 and res["findings"][-1] == "… and 15 more like these"
