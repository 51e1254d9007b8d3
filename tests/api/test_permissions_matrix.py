"""Every API endpoint × every role, checked against the one permission table.

Each route documents the permission of the use case it calls (`x-permission`, read from the service by
`api.deps.uses`); the service checks it. A role the table allows is never refused with 403, a role it
does not allow always is."""
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from factory import actor, build_line
from lrip.app import create_app
from lrip.auth.permissions import ROLES, allowed
from lrip.auth.service import create_token, create_user
from lrip.db import unit_of_work

SAMPLE_PATH = {"serial": "SN-1", "lot": "L1", "operation": "10", "program": "ACT",
               "supplier": "SUP-M", "po": "PO-1", "line": "1", "identifier": "SCR-LOT-1", "number": "CR-0001",
               "characteristic": "TORQUE", "criterion": "capability", "name": "cpk_min", "waiver": "1",
               "attestation": "1", "attachment_id": "1", "action_id": "1", "change": "1",
               "part": "ACT-100", "revision": "A", "child": "SCR-4", "routing": "1", "document": "WI-10",
               "image": "a.png", "tool": "TQ-1", "username": "oscar", "skill": "test"}
SAMPLE_BODY = {"/api/v1/lots/{lot}/units": {"serial": "SN-NEW"},
               "/api/v1/ncrs": {"description": "test", "severity": "minor", "lot": "L1"},
               "/api/v1/ncrs/{number}/review": {"action": "scrap", "reason": "test"},
               "/api/v1/ncrs/{number}/signatures": {"password": "not-it"},
               "/api/v1/ncrs/{number}/close": {"reason": "test"},
               "/api/v1/capas": {"title": "test"},
               "/api/v1/capas/{number}/actions": {"description": "t", "owner": "admin", "due_on": "2030-01-01"},
               "/api/v1/capas/{number}/actions/{action_id}/done": {"done_on": "2026-01-01"},
               "/api/v1/capas/{number}/close": {"reason": "test"},
               "/api/v1/programs/{program}/readiness/assessments/{number}/signatures": {"password": "not-it"},
               "/api/v1/programs/{program}/readiness/criteria/{criterion}/targets/{name}": {"value": 1.5,
                                                                                            "reason": "test"},
               "/api/v1/programs/{program}/readiness/waivers": {"criterion": "yield", "condition": "c", "reason": "r",
                                                                "password": "not-it"},
               "/api/v1/programs/{program}/readiness/waivers/{waiver}/withdraw": {"reason": "test"},
               "/api/v1/programs/{program}/readiness/attestations": {"topic": "funding", "statement": "s",
                                                                     "attachment_name": "a.txt",
                                                                     "attachment_base64": "bWVtbw==",
                                                                     "password": "not-it"},
               "/api/v1/fai": {"serial": "SN-1"},
               "/api/v1/fai/{number}/signatures": {"password": "not-it"},
               "/api/v1/fai-requirements": {"part": "ACT-100", "part_revision": "A", "characteristics": ["NOISE"],
                                            "reason": "test"},
               "/api/v1/programs/{program}/inspection-plans/{operation}/reduced-approval": {"reason": "test"},
               "/api/v1/programs/{program}/inspection-plans/{operation}/corrective-action": {"reason": "test"},
               "/api/v1/units/{serial}/measurements": {"characteristic": "TORQUE", "value": "2.0"},
               "/api/v1/units/{serial}/operations/{operation}/pause": {"reason": "test"},
               "/api/v1/units/{serial}/consumptions": {"operation": "10", "material": "M-001"},
               "/api/v1/units/{serial}/disposition": {"action": "scrap", "reason": "test"},
               "/api/v1/suppliers": {"code": "SUP-NEW", "name": "New supplier"},
               "/api/v1/suppliers/{supplier}/status": {"status": "conditional", "reason": "test"},
               "/api/v1/suppliers/{supplier}/approved-sources": {"part": "SCR-4"},
               "/api/v1/purchase-orders": {"number": "PO-M", "supplier": "SUP-M"},
               "/api/v1/purchase-orders/{po}/lines/{line}/receipts": {"quantity": 1, "lot": "LOT-M"},
               "/api/v1/receipts/{lot}/inspection": {"defects": 0},
               "/api/v1/changes": {"program": "ACT", "title": "t", "reason": "r", "description": "d",
                                   "change_class": "minor", "items": [{"kind": "tool", "identifier": "TQ-1"}]},
               "/api/v1/changes/{number}/signatures": {"password": "not-it"},
               "/api/v1/changes/{number}/reject": {"reason": "test"},
               "/api/v1/changes/{number}/cancel": {"reason": "test"},
               "/api/v1/units/{serial}/redlines": {"operation": "10", "markup": "test"},
               "/api/v1/parts": {"number": "NEW-P", "description": "x", "tracking": "lot"},
               "/api/v1/parts/{part}/revisions": {"revision": "Z"},
               "/api/v1/parts/{part}/revisions/{revision}/obsolete": {"reason": "test"},
               "/api/v1/parts/{part}/revisions/{revision}/bom": {"child": "SCR-4", "quantity": 1, "operation": 10},
               "/api/v1/parts/{part}/revisions/{revision}/bom/import": {"filename": "bom.csv",
                                                                       "content_base64": "cGFydCxxdHksb3AK"},
               "/api/v1/parts/{part}/revisions/{revision}/routings": {"revision": "7"},
               "/api/v1/parts/{part}/revisions/{revision}/routings/{routing}/operations": {
                   "sequence": 40, "name": "x", "work_center": "ASSY", "standard_minutes": 1},
               "/api/v1/parts/{part}/revisions/{revision}/routings/{routing}/operations/{operation}/characteristics": {
                   "code": "NEW", "name": "x", "usl": 1},
               "/api/v1/parts/{part}/revisions/{revision}/routings/{routing}/characteristics/import": {
                   "filename": "cal.csv", "content_base64": "cGFydCxxdHksb3AK"},
               "/api/v1/documents": {"number": "WI-NEW", "title": "x"},
               "/api/v1/documents/{document}/revisions": {"revision": "Z", "content": "x"},
               "/api/v1/documents/{document}/revisions/{revision}": {"content": "x"},
               "/api/v1/documents/{document}/revisions/{revision}/supersede": {"reason": "test"},
               "/api/v1/work-centers": {"code": "WC-NEW", "name": "x", "hours_per_day": 8},
               "/api/v1/tools": {"code": "T-NEW", "kind": "torque driver"},
               "/api/v1/tools/{tool}/calibrations": {"due": "2031-01-01", "certificate": "C-1"},
               "/api/v1/qualifications": {"username": "olga", "skill": "assembly", "expires": "2031-01-01"},
               "/api/v1/qualifications/{username}/{skill}/revoke": {"reason": "test"},
               "/api/v1/products/import": {"content": "work_centers: []\n"},
               "/api/v1/programs/{program}/lrip-quantity": {"quantity": 20, "password": "not-it"},
               "/api/v1/programs": {"code": "NEW", "part": "ACT-100", "revision": "A", "planned_total": 10,
                                    "frp_target_rate": 1},
               "/api/v1/programs/{program}/phase-gate/signatures": {"phase": "frp", "password": "not-it"},
               "/api/v1/programs/{program}/phase": {"phase": "frp", "reason": "test"},
               "/api/v1/programs/{program}/policy-changes": {"phase": "frp", "rule": "inspection", "value": "all",
                                                             "reason": "test"},
               "/api/v1/programs/{program}/policy-changes/{change}/signatures": {"password": "not-it"},
               "/api/v1/programs/{program}/lots": {"number": "L-NEW", "quantity": 1},
               "/api/v1/lots/{lot}/close": {"reason": "test"},
               "/api/v1/programs/{program}/ramp-plan": {"weeks": [{"week": "2030-01-07", "starts": 1}]},
               "/api/v1/lots/{lot}/units/batch": {"count": 1, "pattern": "SN-X{}"}}


def _action(route: APIRoute) -> str | None:
    return (route.openapi_extra or {}).get("x-permission")


def api_routes(app):
    return [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/v1")]


def test_every_api_route_declares_its_permission(sqlite_url):
    missing = [f"{sorted(r.methods)} {r.path}" for r in api_routes(create_app(sqlite_url)) if _action(r) is None]
    assert missing == []


@pytest.fixture(scope="module")
def setup(sqlite_template, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("matrix") / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with unit_of_work(url) as session:
        build_line(session)
        admin = actor(session, "admin")
        tokens = {}
        for role in ROLES:
            create_user(session, admin, username=f"u_{role}", full_name=role, roles=[role])
            tokens[role] = create_token(session, admin, username=f"u_{role}", name="matrix").token
    return url, tokens


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_table_allows(setup, role):
    url, tokens = setup
    app = create_app(url)
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    wrong = []
    for route in api_routes(app):
        action = _action(route)
        path = route.path.format(**SAMPLE_PATH)
        for method in route.methods:
            if method == "GET":
                r = client.get(path, headers=headers)
            elif route.path.endswith("/imports/measurements"):
                r = client.post(path, content=b"serial\n", headers={**headers, "content-type": "text/csv"})
            else:
                r = client.request(method, path, json=SAMPLE_BODY.get(route.path, {}), headers=headers)
            assert r.status_code not in (401, 500), f"{method} {path}: {r.status_code} {r.text}"
            if (r.status_code == 403) == allowed([role], action):
                wrong.append(f"{method} {route.path} ({action}): {r.status_code}")
    assert wrong == []
