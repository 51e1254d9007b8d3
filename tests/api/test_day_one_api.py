"""Day one through the API: on a database `lrip init` has just created, the admin adds the people and
gives each an API token (the command line: the API has no user administration), then everything else
is done under /api/v1 with each person's own Bearer token: the product file with its image, a gauge's
calibration, qualifications, a supplier and its approved sources, a purchase order, its receipts and
their incoming inspection, the program, a signed policy change, the move to pilot, the pilot lot and its
units, an operation with its measurement and material, the signed move to LRIP, an LRIP lot and the
readiness assessment. A bad file and bad values are refused with every reason and change nothing."""
import base64
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lrip.app import create_app
from lrip.cli import app as cli

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples" / "pmp-40" / "product.yaml"
PASSWORD = "day-one-over-http-26"
PEOPLE = [("mel", "manufacturing_engineer"), ("quinn", "quality_engineer"), ("ines", "inspector"),
          ("sam", "supply_chain"), ("pat", "program_manager"), ("olga", "operator")]
YEAR_AHEAD = (date.today() + timedelta(days=365)).isoformat()


def _cli(url: str, *args: str, stdin: str | None = None) -> dict:
    r = runner.invoke(cli, [*args, "--db", url, "--json"], input=stdin)
    assert r.exit_code == 0, r.output
    return json.loads(r.output[min(i for i in (r.output.find("{"), r.output.find("[")) if i >= 0):])


@pytest.fixture
def http(tmp_path, monkeypatch):
    """An empty database from `lrip init`; the people added by the admin, each with an API token."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LRIP_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'plant.db'}"
    admin_password = _cli(url, "init")["admin"]["password"]
    _cli(url, "login", "admin", "--password-stdin", stdin=admin_password + "\n")
    tokens = {}
    for username, role in PEOPLE:
        _cli(url, "user", "add", username, "--name", username.title(), "--role", role, "--password-stdin",
             stdin=PASSWORD + "\n")
        tokens[username] = _cli(url, "token", "create", username, "--name", "day one")["token"]
    return TestClient(create_app(url)), tokens


class As:
    """Requests under /api/v1 with one person's token."""

    def __init__(self, client: TestClient, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path: str):
        r = self.client.get("/api/v1" + path, headers=self.headers)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r.json()

    def post(self, path: str, body: dict | None = None, status: int | tuple = (200, 201)):
        r = self.client.post("/api/v1" + path, json=body or {}, headers=self.headers)
        assert r.status_code in ((status,) if isinstance(status, int) else status), \
            f"POST {path}: {r.status_code} {r.text}"
        return r.json()


def test_day_one_through_the_api(http):
    client, tokens = http
    mel, quinn, ines, sam, pat, olga = (As(client, tokens[u]) for u, _ in PEOPLE)
    image = base64.b64encode((EXAMPLE.parent / "datum-a.png").read_bytes()).decode()
    text = EXAMPLE.read_text()

    # ---- the engineer: a bad file changes nothing and says where; the good one, then again: no change
    bad = mel.post("/products/import", {"content": text.replace("work_center: ASSY", "work_center: NOWHERE"),
                                         "images": {"datum-a.png": image}}, status=422)
    assert bad["reasons"] == ["line 65: routings[0].operations[1].work_center: no work center NOWHERE"], bad
    assert mel.get("/parts") == []
    assert olga.post("/products/import", {"content": text, "images": {"datum-a.png": image}}, status=403)
    loaded = mel.post("/products/import", {"content": text, "images": {"datum-a.png": image}})
    assert loaded["changes"] > 0
    assert mel.post("/products/import", {"content": text, "images": {"datum-a.png": image}})["changes"] == 0
    assert mel.get("/parts/PMP-40/revisions/A/routings/1")["status"] == "released"
    # a bad value: nothing changes
    mel.post("/tools/CMM-1/calibrations", {"due": "2026-02-30", "certificate": "CAL-X"}, status=422)
    assert [c["certificate"] for c in mel.get("/tools/CMM-1/calibrations")] == ["CAL-2026-118"]
    for gauge in ("CMM-1", "MIC-2", "FLOW-1", "TQ-5"):
        mel.post(f"/tools/{gauge}/calibrations", {"due": YEAR_AHEAD, "certificate": f"CAL-API-{gauge}"})
    for skill in ("machining", "assembly", "test"):
        mel.post("/qualifications", {"username": "olga", "skill": skill, "expires": YEAR_AHEAD})

    # ---- supply chain and the inspector
    sam.post("/suppliers", {"code": "CASTCO", "name": "Castco Foundry"})
    for part in ("BODY-40", "IMP-40", "SCR-M5"):
        sam.post("/suppliers/CASTCO/approved-sources", {"part": part})
    promised = (date.today() + timedelta(days=7)).isoformat()
    sam.post("/purchase-orders", {"number": "PO-2001", "supplier": "CASTCO", "lines": [
        {"part": "BODY-40", "quantity": 5, "promised_on": promised},
        {"part": "IMP-40", "quantity": 1, "promised_on": promised},
        {"part": "SCR-M5", "quantity": 50, "promised_on": promised}]})
    sam.post("/purchase-orders/PO-2001/lines/1/receipts", {"quantity": 5, "lot": "CAST-0701"})
    sam.post("/purchase-orders/PO-2001/lines/2/receipts", {"quantity": 1, "serials": ["IMP-101"]})
    sam.post("/purchase-orders/PO-2001/lines/3/receipts", {"quantity": 50, "lot": "SCR-3301"})
    for lot in ("CAST-0701", "IMP-101", "SCR-3301"):
        assert ines.post(f"/receipts/{lot}/inspection", {"defects": 0})["result"] == "accepted"

    # ---- the program manager: program, a signed policy change, the move to pilot, the pilot lot
    pat.post("/programs", {"code": "PMP", "part": "PMP-40", "revision": "A", "planned_total": 400,
                           "frp_target_rate": 20})
    change = pat.post("/programs/PMP/policy-changes", {"phase": "lrip", "rule": "customer_approval",
                                                       "value": "critical", "reason": "contract terms"})
    pat.post(f"/programs/PMP/policy-changes/{change['number']}/signatures", {"password": PASSWORD})
    applied = quinn.post(f"/programs/PMP/policy-changes/{change['number']}/signatures", {"password": PASSWORD})
    assert applied["status"] == "applied"
    refused = pat.post("/programs/PMP/phase", {"phase": "pilot", "reason": "routing released"}, status=409)
    assert refused["reasons"] == ["the move to PILOT still needs a program signature (a program manager)"]
    pat.post("/programs/PMP/phase-gate/signatures", {"phase": "pilot", "password": PASSWORD})
    assert pat.post("/programs/PMP/phase", {"phase": "pilot", "reason": "routing released"})["phase"] == "pilot"
    pat.post("/programs/PMP/lots", {"number": "PMP-P1", "quantity": 1})
    assert pat.post("/lots/PMP-P1/units/batch", {"count": 1, "pattern": "PMP-{:04d}"})["serials"] == ["PMP-0001"]

    # ---- the operator
    steps = [(10, ["FX-10"], [("CAST-0701", None)], [("BORE-D", "12.003", "CMM-1"), ("FACE-T", "8.0", "MIC-2"),
                                                     ("VIS-10", "pass", None)]),
             (20, ["TQ-5"], [("IMP-101", None), ("SCR-3301", 6)], [("TORQUE-C", "4.5", None)]),
             (30, [], [], [("FLOW", "2.2", "FLOW-1"), ("LEAK", "pass", None)])]
    for op, tools, materials, results in steps:
        olga.post(f"/units/PMP-0001/operations/{op}/start", {"tools": tools})
        for material, quantity in materials:
            olga.post("/units/PMP-0001/consumptions", {"operation": str(op), "material": material,
                                                       **({"quantity": quantity} if quantity else {})})
        for code, value, gauge in results:
            recorded = olga.post("/units/PMP-0001/measurements", {"characteristic": code, "value": value,
                                                                  **({"gauge": gauge} if gauge else {})})
            assert recorded["in_spec"] is not False, recorded
        olga.post(f"/units/PMP-0001/operations/{op}/complete")

    # ---- the move to LRIP, signed by program and quality
    pat.post("/lots/PMP-P1/close", {"reason": "pilot build done"})
    pat.post("/programs/PMP/lrip-quantity", {"quantity": 40, "password": PASSWORD})
    pat.post("/programs/PMP/phase-gate/signatures", {"phase": "lrip", "password": PASSWORD})
    gate = quinn.post("/programs/PMP/phase-gate/signatures", {"phase": "lrip", "password": PASSWORD})
    assert gate["ready"], gate
    assert pat.post("/programs/PMP/phase", {"phase": "lrip", "reason": "PRR passed"})["phase"] == "lrip"
    lot = pat.post("/programs/PMP/lots", {"number": "PMP-L1", "quantity": 20})
    assert (lot["phase"], lot["routing_revision"]) == ("lrip", "1")
    assessment = pat.post("/programs/PMP/readiness/assessments")
    assert assessment["program"] == "PMP" and assessment["criteria"]
    assert olga.get("/programs/PMP")["phase"] == "lrip"
