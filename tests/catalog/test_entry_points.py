"""The engineering CLI, API and pages over one SQLite database (the services run on both databases in
test_product.py and test_engineering.py): every command with --json, the same answers through the API,
refusals with every reason, and the pages' forms as the signed-in engineer."""
import base64
import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from catalog.conftest import EXAMPLE, PASSWORD
from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()


@pytest.fixture
def tokens(pump_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    with unit_of_work(pump_url) as session:
        return {u: create_token(session, actor(session, "admin"), username=u, name="test").token
                for u in ("mel", "quinn", "olga", "vera")}


def lrip(url, tokens, who, *args, json_out=True):
    result = runner.invoke(app, [*args, "--db", url, *(["--json"] if json_out else [])],
                           env={"LRIP_TOKEN": tokens[who]})
    return result.exit_code, (json.loads(result.stdout) if json_out and result.stdout.strip() else result.stdout)


# ---------------------------------------------------------------- the CLI

def test_the_product_file_through_the_cli(pump_url, tokens, tmp_path):
    code, report = lrip(pump_url, tokens, "mel", "product", "import", str(EXAMPLE))
    assert (code, report["changes"], report["unchanged"]) == (0, 0, 16)
    code, words = lrip(pump_url, tokens, "mel", "product", "import", str(EXAMPLE), "--dry-run", json_out=False)
    assert code == 0 and words.strip().endswith("Would make 0 changes; 16 unchanged (dry run: nothing was written).")
    out = tmp_path / "export" / "pmp-40.yaml"
    out.parent.mkdir()
    code, words = lrip(pump_url, tokens, "vera", "product", "export", "PMP-40", "--output", str(out), json_out=False)
    assert code == 0 and words.strip() == f"Wrote {out} (1 image beside it)."
    assert (out.parent / "datum-a.png").read_bytes() == (EXAMPLE.parent / "datum-a.png").read_bytes()
    code, report = lrip(pump_url, tokens, "mel", "product", "import", str(out))
    assert (code, report["changes"]) == (0, 0)
    bad = tmp_path / "bad.yaml"
    bad.write_text("routings:\n  - {part: PMP-40, part_revision: A, revision: '9', operations: []}\n")
    code, answer = lrip(pump_url, tokens, "mel", "product", "import", str(bad))
    assert code == 2 and answer == {"error": "product_file_invalid", "kind": "invalid", "reasons": [
        "line 2: routings[0].operations: a routing has at least one operation"]}
    code, answer = lrip(pump_url, tokens, "olga", "product", "import", str(EXAMPLE))
    assert code == 2 and answer["error"] == "forbidden"


def test_a_routing_drafted_and_released_from_the_cli(pump_url, tokens):
    def run(*args):
        code, answer = lrip(pump_url, tokens, "mel", *args)
        assert code == 0, answer
        return answer

    run("routing", "create", "PMP-40", "A", "2")
    code, answer = lrip(pump_url, tokens, "mel", "routing", "add-operation", "PMP-40", "A", "2", "10", "--name",
                        "Machine", "--work-center", "MILL", "--minutes", "-1", "--instruction", "WI-310:Z")
    assert code == 2 and answer["reasons"] == ["operation 10 needs positive standard minutes",
                                               "operation 10: no work center MILL",
                                               "operation 10: No revision of WI-310 with revision Z"]
    run("routing", "add-operation", "PMP-40", "A", "2", "10", "--name", "Machine", "--work-center", "MACH",
        "--minutes", "28", "--instruction", "WI-310:A", "--skill", "machining", "--tool-kind", "machining fixture")
    r = run("routing", "add-characteristic", "PMP-40", "A", "2", "10", "BORE-D", "--name", "Bore", "--nominal",
            "12", "--lsl", "11.98", "--usl", "12.02", "--units", "mm", "--key", "--balloon", "3", "--zone", "B4",
            "--gauge-kind", "cmm")
    assert r["operations"][0]["characteristics"][0] | {"name": "Bore"} == {
        "code": "BORE-D", "name": "Bore", "kind": "variable", "nominal": 12.0, "lsl": 11.98, "usl": 12.02,
        "units": "mm", "key": True, "balloon": "3", "drawing_zone": "B4", "gauge_kind": "cmm"}
    assert run("routing", "release", "PMP-40", "A", "2", "--reason", "shorter cycle")["status"] == "released"
    rows = run("routing", "list", "--part", "PMP-40")
    assert [(r["revision"], r["status"], r["operations"]) for r in rows] == [("1", "superseded", 3),
                                                                            ("2", "released", 1)]


def test_gauges_and_qualifications_from_the_cli(pump_url, tokens):
    code, t = lrip(pump_url, tokens, "mel", "tool", "calibrate", "CMM-1", "--due", "2028-06-30", "--certificate",
                   "CAL-2027-004", "--as-found", "out")
    assert code == 0 and (t["calibration_due"], t["as_found"]) == ("2028-06-30", "out")
    code, history = lrip(pump_url, tokens, "vera", "tool", "calibrations", "CMM-1")
    assert [(c["certificate"], c["as_found"]) for c in history] == [("CAL-2026-118", None), ("CAL-2027-004", "out")]
    code, answer = lrip(pump_url, tokens, "mel", "tool", "calibrate", "CMM-1", "--due", "30/06/2028",
                        "--certificate", "C", "--as-found", "maybe")
    assert code == 2 and answer["reasons"] == ["due: '30/06/2028' is not a date; write it like 2026-03-01",
                                               "as_found: Input should be 'in' or 'out'"]
    code, q = lrip(pump_url, tokens, "quinn", "qualification", "grant", "olga", "machining", "--expires",
                   "2099-01-01", "--training", "TR-118")
    assert code == 0 and (q["username"], q["skill"], q["training"], q["status"]) == (
        "olga", "machining", "TR-118", "current")
    code, q = lrip(pump_url, tokens, "quinn", "qualification", "revoke", "olga", "machining", "--reason", "audit")
    assert code == 0 and q["status"] == "revoked"
    code, rows = lrip(pump_url, tokens, "vera", "qualification", "list", "--user", "olga")
    assert [(r["skill"], r["status"]) for r in rows] == [("machining", "revoked")]
    code, skills = lrip(pump_url, tokens, "vera", "qualification", "skills")
    assert {s["skill"]: s["holders"] for s in skills} == {"assembly": [], "machining": [], "test": []}


def test_an_instruction_from_a_markdown_file_with_its_image(pump_url, tokens, tmp_path):
    (tmp_path / "datum-a.png").write_bytes((EXAMPLE.parent / "datum-a.png").read_bytes())
    (tmp_path / "wi.md").write_text("1. Clamp on datum A. ![datum A](datum-a.png)\n2. Bore to 12 mm.\n")
    code, d = lrip(pump_url, tokens, "mel", "document", "revise", "WI-310", "B", "--file", str(tmp_path / "wi.md"))
    assert code == 0 and (d["revision"], d["status"]) == ("B", "draft")
    code, d = lrip(pump_url, tokens, "mel", "document", "release", "WI-310", "B")
    assert code == 0 and d["status"] == "released"
    code, detail = lrip(pump_url, tokens, "vera", "document", "show", "WI-310")
    assert [(r["revision"], r["status"], [i["name"] for i in r["images"]]) for r in detail["revisions"]] == [
        ("A", "superseded", ["datum-a.png"]), ("B", "released", ["datum-a.png"])]


# ---------------------------------------------------------------- the API

def test_the_api_gives_the_clis_answers(pump_url, tokens):
    client = TestClient(create_app(pump_url))
    mel = {"Authorization": f"Bearer {tokens['mel']}"}
    api = client.get("/api/v1/parts/PMP-40/revisions/A/routings/1", headers=mel).json()
    code, cli = lrip(pump_url, tokens, "mel", "routing", "show", "PMP-40", "A", "1")
    assert api == cli
    r = client.post("/api/v1/tools/MIC-2/calibrations", headers=mel,
                    json={"due": "2020-01-01", "certificate": "C-9", "calibrated_on": "2021-01-01"})
    assert r.status_code == 409 and r.json()["reasons"] == [
        "the next calibration is due after this one (2021-01-01), not on 2020-01-01"]
    upload = {"content": EXAMPLE.read_text(), "filename": "product.yaml",
              "images": {"datum-a.png": base64.b64encode((EXAMPLE.parent / "datum-a.png").read_bytes()).decode()}}
    r = client.post("/api/v1/products/import", headers=mel, json=upload)
    assert r.status_code == 200 and (r.json()["changes"], r.json()["unchanged"]) == (0, 16)
    r = client.post("/api/v1/products/import", headers=mel,
                    json={**upload, "content": upload["content"].replace("usl: 12.02", "usl: 11.97")})
    assert r.status_code == 422 and r.json()["reasons"] == [
        "line 58: routings[0].operations[0].characteristics[0].usl: 11.97 is below lsl 11.98"]
    exported = client.get("/api/v1/products/PMP-40/export", headers=mel).json()
    assert base64.b64decode(exported["images"]["datum-a.png"]) == (EXAMPLE.parent / "datum-a.png").read_bytes()
    image = client.get("/api/v1/documents/WI-310/revisions/A/images/datum-a.png", headers=mel)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    r = client.post("/api/v1/documents/WI-310/revisions", headers=mel,
                    json={"revision": "B", "content": "x ![a](a.png)", "images": {"a.png": "not base64!"}})
    assert r.status_code == 422 and r.json()["reasons"] == ["images.a.png: is not base64"]


def test_a_work_center_or_tool_is_held_to_what_the_product_file_and_the_table_take(pump_url, tokens):
    """One schema each, the product file's: the API once took a 200-character work center name and a
    60-character tool code into columns of 120 and 40 (PostgreSQL refused them, SQLite kept them)."""
    client = TestClient(create_app(pump_url))
    mel = {"Authorization": f"Bearer {tokens['mel']}"}
    r = client.post("/api/v1/work-centers", headers=mel, json={"code": "PAINT", "name": "P" * 121, "hours_per_day": 8})
    assert r.status_code == 422 and r.json()["reasons"] == ["name: the name has at most 120 characters, not 121"]
    r = client.post("/api/v1/tools", headers=mel, json={"code": "T" * 41, "kind": "gauge block"})
    assert r.status_code == 422 and r.json()["reasons"] == ["code: a code has at most 40 characters, not 41"]
    assert client.get("/api/v1/work-centers", headers=mel).status_code == 200
    assert "PAINT" not in client.get("/api/v1/work-centers", headers=mel).text


# ---------------------------------------------------------------- the pages

def signed_in(url: str, who: str = "mel") -> tuple[TestClient, str]:
    client = TestClient(create_app(url))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": who, "password": PASSWORD, "next": "/", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    page = client.get("/parts").text
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_engineering_pages(pump_url):
    client, csrf = signed_in(pump_url, "vera")
    for path, seen in [("/parts", 'data-part="PMP-40"'), ("/parts/PMP-40", "Rev A"),
                       ("/parts/PMP-40/revisions/A/bom", "BODY-40"), ("/documents", 'data-document="WI-310"'),
                       ("/routings", 'data-routing="PMP-40/A/1"'), ("/routings/PMP-40/A/1", 'data-char="BORE-D"'),
                       ("/tools", 'data-tool="CMM-1"'), ("/tools/CMM-1", "CAL-2026-118"),
                       ("/qualifications", 'data-skill="machining"')]:
        page = client.get(path)
        assert page.status_code == 200 and seen in page.text, path
        assert 'action="/parts"' not in page.text  # a viewer gets no forms
    doc = client.get("/documents/WI-310").text
    assert '<img src="/documents/WI-310/revisions/A/images/datum-a.png" alt="datum A">' in doc
    assert client.get("/documents/WI-310/revisions/A/images/datum-a.png").headers["content-type"] == "image/png"
    assert client.get("/parts/NOPE").status_code == 404


def test_the_engineers_forms_and_their_refusals(pump_url):
    client, csrf = signed_in(pump_url)
    r = client.post("/parts", data={"csrf_token": csrf, "number": "GSK-40", "description": "Gasket",
                                    "tracking": "lot"})
    assert r.status_code == 200 and "Part GSK-40 added." in r.text
    r = client.post("/parts/PMP-40/revisions/A/routing", data={"csrf_token": csrf, "routing": "2"})
    assert "Routing 2 drafted" in r.text
    r = client.post("/routings/PMP-40/A/2/operation", data={
        "csrf_token": csrf, "sequence": "10", "name": "Machine", "work_center": "MACH", "standard_minutes": "0",
        "instruction": "", "tool_kinds": "lathe"})
    assert r.status_code == 409 and re.findall(r"<li>(.*?)</li>", r.text)[-2:] == [
        "Operation 10 needs positive standard minutes.", "Operation 10: no tool is of kind lathe."]
    r = client.post("/documents/WI-310/revisions", data={"csrf_token": csrf, "revision": "B",
                                                         "content": "<script>alert(1)</script> **Clamp**"})
    assert "WI-310 rev B drafted." in r.text and "<script>alert" not in r.text
    r = client.post("/tools/CMM-1/calibrate", data={"csrf_token": csrf, "due": "2028-01-31", "certificate": "CAL-9",
                                                    "as_found": "out"})
    assert "CMM-1 calibrated (CAL-9); next due 2028-01-31." in r.text
    r = client.post("/qualifications", data={"csrf_token": csrf, "username": "olga", "skill": "machining",
                                             "expires": "2099-01-01"})
    assert "olga is qualified for machining until 2099-01-01." in r.text
    r = client.post("/parts/import", data={"dry_run": "1"}, headers={"X-CSRF-Token": csrf},
                    files=[("files", ("product.yaml", EXAMPLE.read_bytes(), "application/yaml")),
                           ("files", ("datum-a.png", (EXAMPLE.parent / "datum-a.png").read_bytes(), "image/png"))])
    assert "product.yaml: would make 0 changes, 16 unchanged." in r.text


def test_the_traveler_shows_the_instruction_as_markdown_with_its_images(pump_url):
    """The station's traveler renders the released instruction's Markdown (bold, the datum image served
    from the revision), sanitised, where it once showed the raw text."""
    from lrip.execution.service import create_units
    from lrip.program.service import create_lot, create_program

    with unit_of_work(pump_url) as session:
        admin = actor(session, "admin")
        create_program(session, admin, code="PMP", part="PMP-40", part_revision="A", planned_total=10,
                       frp_target_rate=1)
        create_lot(session, admin, program="PMP", number="P0", planned_quantity=1)
        create_units(session, admin, lot="P0", serials=["PMP-0001"])
    client, _ = signed_in(pump_url, "olga")
    page = client.get("/units/PMP-0001").text
    shown = page[page.index('id="instruction"'):]
    shown = shown[:shown.index("</div>")]
    assert "<strong>FX-10</strong>" in shown and "**FX-10**" not in shown
    assert '<img src="/documents/WI-310/revisions/A/images/datum-a.png" alt="datum A">' in shown
    assert client.get("/documents/WI-310/revisions/A/images/datum-a.png").status_code == 200
