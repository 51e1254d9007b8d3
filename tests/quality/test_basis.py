"""The SPC page said MTR-TQ Cpk/Ppk 3.11/1.15 and readiness 2.94/1.11, with nothing to explain why: the
page charts the first result of every unit of every phase, readiness judges the LRIP units only. Each
figure now says which results it comes from, in words, beside the number (quality.service.basis), on the
API, the CLI, the pages and the readiness criterion.

The scene: the NIST/SEMATECH e-Handbook 6.3.2.2 flow rates (quality.lines.TORQUES, / 25 N·m), the first
ten units built in the LRIP lot, and the pilot lot's one unit (torque 2.0) after them. Cpk for I-MR (Montgomery, Introduction
to SQC, 6th ed., 6.2 and 8.2): sigma within = mean moving range / d2 (2/sqrt(pi) = 1.1284, tabled as 1.128), Cpk = min(USL - mean,
mean - LSL) / (3 sigma within); Ppk the same with the sample standard deviation."""
import json
import re
from datetime import timedelta
from math import pi, sqrt
from statistics import mean, stdev

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import actor, build_line
from lrip.app import create_app
from lrip.auth.service import create_token, create_user
from lrip.cli import app as cli
from lrip.db import unit_of_work
from lrip.execution import service as execution
from lrip.quality import service
from lrip.readiness.criteria import judge_capability
from quality.lines import TORQUES, op, start_time

LSL, USL = 1.8, 2.2
PASSWORD = "basis-pages-pass-7"


def cpk_ppk(values: list[float]) -> tuple[float, float]:
    """By hand, as the docstring above says."""
    m = mean(values)
    within = mean(abs(b - a) for a, b in zip(values, values[1:])) / (2 / sqrt(pi))
    return min(USL - m, m - LSL) / (3 * within), min(USL - m, m - LSL) / (3 * stdev(values))


def build_pilot_then_lrip(session) -> None:
    """The pilot lot P1 (factory.build_pilot_lot: SN-P1, torque 2.0, built today), then the LRIP lot L1:
    SN-01..10 with the NIST torques, one an hour from two days ago. Build order: SN-01..10, then SN-P1."""
    names = build_line(session, lot_quantity=10)
    admin = actor(session, "admin")
    t0 = start_time()
    for i, torque in enumerate(TORQUES):
        serial = f"SN-{i + 1:02d}"
        execution.create_unit(session, admin, lot="L1", serial=serial)
        op(session, serial, 10, t0 + timedelta(hours=i), 30, [("TORQUE", torque)], motor=names["motors"][i])


@pytest.fixture()
def scene(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        build_pilot_then_lrip(session)
        create_user(session, actor(session, "admin"), username="vera", full_name="Vera Viewer", roles=["viewer"],
                    password=PASSWORD)
        token = create_token(session, actor(session, "oscar"), username="oscar", name="basis").token
    return sqlite_url, token


def test_the_spc_figure_and_the_readiness_figure_each_say_which_results_they_come_from(scene):
    url, _ = scene
    lrip_values = [float(v) for v in TORQUES]
    with unit_of_work(url, write=False) as session:
        oscar = actor(session, "oscar")
        page = service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE")
        lrip = service.characteristic_spc(session, oscar, program="ACT", characteristic="TORQUE", phase="lrip")
        listed = {r.characteristic: r for r in service.characteristics_overview(session, oscar, program="ACT")}
    assert (page.n_points, lrip.n_points) == (11, 10)
    assert (page.capability.cpk, page.capability.ppk) == pytest.approx(cpk_ppk(lrip_values + [2.0]))
    assert (lrip.capability.cpk, lrip.capability.ppk) == pytest.approx(cpk_ppk(lrip_values))
    assert page.capability.cpk != pytest.approx(lrip.capability.cpk)  # two Cpks of one characteristic ...
    assert page.basis == "first result of each of 11 units, every phase (readiness judges the LRIP units only)"
    assert lrip.basis == "first result of each of 10 LRIP units only"  # ... each saying which
    assert listed["TORQUE"].basis == page.basis

    judged = judge_capability([{"code": "TORQUE", "name": "Screw torque", "n": lrip.n_points,
                                "cpk": lrip.capability.cpk, "ppk": lrip.capability.ppk, "basis": lrip.basis,
                                "rule1": []}], {"cpk_min": 1.33, "min_samples": 5, "fpy_min": 0.9})
    assert [m["name"] for m in judged["measures"]] == ["TORQUE Cpk / Ppk (first result of each of 10 LRIP units only)"]


def test_the_cli_and_the_page_show_the_basis_beside_cpk(scene):
    url, token = scene
    runner = CliRunner()
    text = runner.invoke(cli, ["spc", "characteristic", "ACT", "TORQUE", "--phase", "lrip", "--db", url],
                         env={"LRIP_TOKEN": token})
    assert text.exit_code == 0, text.output
    assert "first result of each of 10 LRIP units only" in " ".join(text.output.split())
    body = json.loads(runner.invoke(cli, ["spc", "characteristic", "ACT", "TORQUE", "--db", url, "--json"],
                                    env={"LRIP_TOKEN": token}).output)
    assert body["basis"].startswith("first result of each of 11 units, every phase")

    client = TestClient(create_app(url))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "vera", "password": PASSWORD, "next": "/", "csrf_token": csrf})
    chart = client.get("/programs/ACT/spc/TORQUE?phase=lrip").text
    assert '<span data-testid="basis">first result of each of 10 LRIP units only</span>' in chart
    assert "<td>From</td><td colspan=\"3\">first result of each of 10 LRIP units only</td>" in chart
    listing = client.get("/programs/ACT/spc").text
    assert "every phase (readiness judges the LRIP units only)" in listing
