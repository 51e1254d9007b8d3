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
