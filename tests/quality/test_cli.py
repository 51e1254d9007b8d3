"""The statistics CLI contracts of the quality issue, on published data."""
import json

from typer.testing import CliRunner

from lrip.cli import app

runner = CliRunner()

# Montgomery, Introduction to SQC 6th ed., Example 7.1: orange juice cans, 30 samples of n = 50,
# nonconforming counts; p-bar 0.2313, UCL 0.4102, LCL 0.0524.
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]


def test_sampling_plan_contract():
    """ANSI/ASQ Z1.4-2003 Table I: lot 281-500 at level II is H; Table II-A: H at AQL 1.0 is n=50, Ac 1, Re 2."""
    result = runner.invoke(app, ["sampling", "plan", "--lot-size", "500", "--aql", "1.0", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"code_letter": "H", "sample_size": 50, "accept": 1, "reject": 2,
                                         "severity": "normal", "level": "II", "aql": 1.0}


def test_sampling_plan_refuses_an_aql_not_in_the_standard():
    result = runner.invoke(app, ["sampling", "plan", "--lot-size", "500", "--aql", "1.1", "--json"])
    assert result.exit_code == 2
    assert "AQL must be one of" in json.loads(result.output)["reasons"][0]


def test_spc_analyze_p_chart_from_a_csv(tmp_path):
    csv = tmp_path / "oj.csv"
    csv.write_text("sample,nonconforming,n\n" + "".join(f"{i},{c},50\n" for i, c in enumerate(ORANGE_JUICE, 1)))
    result = runner.invoke(app, ["spc", "analyze", "--csv", str(csv), "--column", "nonconforming", "--chart", "p",
                                 "--sample-size-column", "n", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["chart"] == "p" and body["n_points"] == 30
    assert round(body["center"], 4) == 0.2313
    assert round(body["ucl"], 4) == 0.4102 and round(body["lcl"], 4) == 0.0524  # one n: one pair of limits
    assert {"rule": 1, "index": 14} in body["violations"] and {"rule": 1, "index": 22} in body["violations"]
    assert body["capability"] is None


def test_spc_analyze_names_a_bad_cell(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("x\n1.0\nabc\n")
    result = runner.invoke(app, ["spc", "analyze", "--csv", str(csv), "--column", "x", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["reasons"] == ["bad.csv line 3: 'abc' in column x is not a number"]


# Montgomery, Introduction to SQC 6th ed., Table 6.3 (Examples 6.1 and 8.x): piston-ring inside
# diameters, 25 samples of 5 in mm; x-bar chart 74.001 +- A2 R-bar (UCL 74.014, LCL 73.988),
# R chart 0.023 (UCL 0.049, LCL 0); with specs 74.000 +- 0.05, sigma = R-bar/d2 = 0.0099, Cp 1.68.
PISTON_RINGS = """74.030 74.002 74.019 73.992 74.008 73.995 73.992 74.001 74.011 74.004 73.988 74.024 74.021 74.005
74.002 74.002 73.996 73.993 74.015 74.009 73.992 74.007 74.015 73.989 74.014 74.009 73.994 73.997 73.985 73.993
73.995 74.006 73.994 74.000 74.005 73.985 74.003 73.993 74.015 73.988 74.008 73.995 74.009 74.005 74.004 73.998
74.000 73.990 74.007 73.995 73.994 73.998 73.994 73.995 73.990 74.004 74.000 74.007 74.000 73.996 73.983 74.002
73.998 73.997 74.012 74.006 73.967 73.994 74.000 73.984 74.012 74.014 73.998 73.999 74.007 74.000 73.984 74.005
73.998 73.996 73.994 74.012 73.986 74.005 74.007 74.006 74.010 74.018 74.003 74.000 73.984 74.002 74.003 74.005
73.997 74.000 74.010 74.013 74.020 74.003 73.982 74.001 74.015 74.005 73.996 74.004 73.999 73.990 74.006 74.009
74.010 73.989 73.990 74.009 74.014 74.015 74.008 73.993 74.000 74.010 73.982 73.984 73.995 74.017 74.013""".split()
CONTRACT = {"chart", "n_points", "center", "ucl", "lcl", "points", "secondary", "violations", "capability"}
CAPABILITY = {"cp", "cpk", "pp", "ppk", "cpk_ci_low", "cpk_ci_high", "sigma_within", "sigma_overall", "n"}


def test_spc_analyze_xbar_r_contract_on_montgomerys_piston_rings(tmp_path):
    """The issue's JSON contract, key by key, on Montgomery's published example."""
    csv = tmp_path / "rings.csv"
    csv.write_text("sample,diameter\n" + "".join(f"{i // 5 + 1},{v}\n" for i, v in enumerate(PISTON_RINGS)))
    result = runner.invoke(app, ["spc", "analyze", "--csv", str(csv), "--column", "diameter", "--subgroup-column",
                                 "sample", "--chart", "xbar-r", "--lsl", "73.95", "--usl", "74.05", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert CONTRACT <= set(body) and set(body) - CONTRACT == {"normality"}  # the normality test, besides
    assert body["chart"] == "xbar-r" and body["n_points"] == 25 == len(body["points"])
    # the text rounds R-bar to 0.023 before multiplying by A2 (unrounded: UCL 74.0146, LCL 73.9878)
    assert round(body["center"], 3) == 74.001
    assert abs(body["ucl"] - 74.014) < 1e-3 and abs(body["lcl"] - 73.988) < 1e-3
    assert set(body["secondary"]) == {"center", "ucl", "lcl", "points"}
    assert round(body["secondary"]["center"], 3) == 0.023 and round(body["secondary"]["ucl"], 3) == 0.049
    assert body["secondary"]["lcl"] == 0.0 and len(body["secondary"]["points"]) == 25
    assert body["violations"] == []
    assert set(body["capability"]) == CAPABILITY
    assert round(body["capability"]["sigma_within"], 4) == 0.0100 and abs(body["capability"]["cp"] - 1.68) < 0.015
    assert body["capability"]["n"] == 125
    assert body["capability"]["cpk_ci_low"] < body["capability"]["cpk"] < body["capability"]["cpk_ci_high"]


def test_spc_analyze_phase_two_against_a_baseline(tmp_path):
    """NIST/SEMATECH e-Handbook 6.3.2.2 flow rates set the limits (phase I, UCL 55.80); then 56.0 is out."""
    csv = tmp_path / "flow.csv"
    csv.write_text("flow\n" + "\n".join(["49.6", "47.6", "49.9", "51.3", "47.8", "51.2", "52.6", "52.4", "53.6",
                                         "52.1", "56.0", "50.0"]) + "\n")
    result = runner.invoke(app, ["spc", "analyze", "--csv", str(csv), "--column", "flow", "--baseline", "10",
                                 "--json"])
    body = json.loads(result.output)
    assert round(body["center"], 2) == 50.81 and round(body["ucl"], 1) == 55.8
    assert body["violations"] == [{"rule": 1, "index": 10}]
    assert body["secondary"]["points"][0] is None


def test_program_commands_print_json_and_refuse_in_words(sqlite_url):
    from factory import actor
    from lrip.auth.service import create_token
    from lrip.db import unit_of_work
    from quality.lines import build_torque_series

    with unit_of_work(sqlite_url) as session:
        build_torque_series(session)
        token = create_token(session, actor(session, "oscar"), username="oscar", name="cli test").token

    def lrip(*args):
        return runner.invoke(app, [*args, "--db", sqlite_url], env={"LRIP_TOKEN": token})

    result = lrip("spc", "characteristic", "ACT", "TORQUE", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert CONTRACT <= set(body) and {"characteristic", "lsl", "usl", "units", "key"} <= set(body)
    assert (body["characteristic"], body["n_points"], round(body["center"] * 25, 2)) == ("TORQUE", 10, 50.81)
    text = lrip("spc", "characteristic", "ACT", "TORQUE")
    assert "imr chart of 10 points" in text.output and "Cpk" in text.output

    result = lrip("metrics", "ACT", "--by", "operation", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["by"] == "operation" and [g["group"] for g in body["groups"]] == ["10 Assemble"]
    assert body["groups"][0]["fpy"] == 1.0 and body["total"]["units"] == 10

    refused = lrip("spc", "characteristic", "ACT", "NOPE", "--json")
    assert refused.exit_code == 2
    assert json.loads(refused.output)["reasons"] == ["ACT has no characteristic NOPE; it has TORQUE, VISUAL, "
                                                     "CURRENT, NOISE"]
    shift = lrip("metrics", "ACT", "--by", "shift", "--json")  # the API's own query schema refuses it
    assert shift.exit_code == 2 and json.loads(shift.output)["reasons"][0].startswith("by: Input should be")
    nobody = runner.invoke(app, ["metrics", "ACT", "--db", sqlite_url, "--json"], env={"LRIP_TOKEN": ""})
    assert nobody.exit_code == 2 and json.loads(nobody.output)["error"] == "not_signed_in"
