"""The evidence package: every file written, the manifest verifies, tampering is named, the PDF is a PDF;
and the CLI and API around it (SQLite: the PDF takes a few seconds to lay out)."""
import hashlib
import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.config import database_url
from lrip.db import unit_of_work
from lrip.readiness import report, service
from readiness.gate_line import PASSWORD, build_gate_line


@pytest.fixture(scope="module")
def package(sqlite_template, tmp_path_factory):
    """A signed, waived and attested assessment of the small line, written out once."""
    path = tmp_path_factory.mktemp("gate") / "lrip.db"
    shutil.copy(sqlite_template, path)
    url = database_url(f"sqlite:///{path}")
    with unit_of_work(url) as session:
        build_gate_line(session)
        pam = actor(session, "pam")
        service.attest(session, pam, program="ACT", topic="funding", statement="FY27 funds released",
                       attachment_name="funding memo.pdf", attachment=b"%PDF-1.4 memo", password=PASSWORD)
        service.waive(session, pam, program="ACT", criterion="attestations",
                      condition="attest the rest by the first FRP lot", reason="board date", password=PASSWORD)
        service.evaluate(session, pam, program="ACT")
        service.sign_assessment(session, pam, program="ACT", password=PASSWORD)
    out = tmp_path_factory.mktemp("package")
    with unit_of_work(url, write=False) as session:
        written = report.write_package(session, actor(session, "pam"), program="ACT", out=out)
    return url, out, written


def _copy(package, tmp_path):
    _, out, _ = package
    target = tmp_path / "copy"
    shutil.copytree(out, target)
    return target


def test_the_package_has_every_file_in_its_manifest(package):
    _, out, written = package
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == written.files
    assert {"report.html", "report.pdf", "evidence.json", "criteria.csv", "findings.csv", "evidence.csv",
            "attachments/1-funding_memo.pdf", "manifest.sha256"} <= set(names)
    listed = [line.split("  ", 1)[1] for line in (out / "manifest.sha256").read_text().splitlines()]
    assert sorted(listed) == [n for n in names if n != "manifest.sha256"]
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    evidence = json.loads((out / "evidence.json").read_text())
    assert evidence["assessment"]["verdict"] == written.verdict
    assert evidence["attestations"][0]["attachment_sha256"] == hashlib.sha256(b"%PDF-1.4 memo").hexdigest()
    assert evidence["signatures"][0]["name"] == "Pam Program"
    html = (out / "report.html").read_text()
    assert "Pam Program" in html and evidence["audit_head"]["hash"] in html and "<svg" in html


def test_verify_accepts_the_package_as_written(package):
    result = report.verify_package(package[1])
    assert result.model_dump() == {"ok": True, "files": len(package[2].files) - 1, "signatures": 3, "problems": []}


def test_verify_names_the_changed_file(package, tmp_path):
    copy = _copy(package, tmp_path)
    (copy / "report.html").write_text((copy / "report.html").read_text().replace("Pam Program", "Someone Else"))
    (copy / "notes.txt").write_text("added later")
    assert report.verify_package(copy).problems == [
        "report.html: changed since the package was written (its SHA-256 differs from the manifest)",
        "notes.txt: not in the manifest (added after the package was written)"]


def test_verify_names_a_signature_that_no_longer_matches(package, tmp_path):
    """Rewrite evidence.json and its manifest line consistently: the signatures still catch it."""
    copy = _copy(package, tmp_path)
    evidence = json.loads((copy / "evidence.json").read_text())
    evidence["assessment"]["verdict"] = "GO"
    evidence["waivers"][0]["content"]["condition"] = "none"
    text = json.dumps(evidence).encode()
    (copy / "evidence.json").write_bytes(text)
    manifest = (copy / "manifest.sha256").read_text().splitlines()
    manifest = [f"{hashlib.sha256(text).hexdigest()}  evidence.json" if line.endswith("  evidence.json") else line
                for line in manifest]
    (copy / "manifest.sha256").write_text("\n".join(manifest) + "\n")
    problems = report.verify_package(copy).problems
    assert problems[0].startswith("evidence.json: assessment 1 does not hash to its recorded snapshot SHA-256")
    assert problems[1].startswith("evidence.json: the signed decision names a different snapshot or verdict")
    assert problems[2].startswith("waiver 1 (attestations): the signature of Pam Program (approved, ")


@pytest.fixture
def tokens(package):
    url, _, _ = package
    with unit_of_work(url) as session:
        admin = actor(session, "admin")
        return {who: create_token(session, admin, username=who, name="test").token for who in ("quinn", "olga")}


def test_cli_evaluate_json_and_verify(package, tokens, tmp_path, monkeypatch):
    url, _, _ = package
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    runner = CliRunner(env={"LRIP_TOKEN": tokens["quinn"]})
    result = runner.invoke(app, ["readiness", "evaluate", "ACT", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["program"] == "ACT" and data["verdict"] in ("GO", "GO_WITH_CONDITIONS", "NO_GO")
    assert data["evaluated_by"] == "quinn" and data["status"] == "assessed"
    assert {"id", "title", "status", "value", "target", "evidence"} <= set(data["criteria"][0])
    copy = _copy(package, tmp_path)
    (copy / "criteria.csv").write_text("tampered\n")
    result = CliRunner(env={"LRIP_TOKEN": ""}).invoke(app, ["readiness", "verify", str(copy)])
    assert result.exit_code == 1 and "criteria.csv: changed since the package was written" in result.output
    result = runner.invoke(app, ["readiness", "set-target", "ACT", "yield", "rty_min", "95", "--reason", "x",
                                 "--db", url])
    assert result.exit_code == 2 and "rty_min is a fraction between 0 and 1" in result.output
    result = runner.invoke(app, ["readiness", "set-target", "ACT", "yield", "rty_min", "-0.5", "--reason", "x",
                                 "--db", url])
    assert result.exit_code == 2 and "a target is zero or more, not -0.5" in result.output
    result = runner.invoke(app, ["readiness", "sign", "ACT", "--db", url, "--json"], input="x\n")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "forbidden"


def test_api_evaluates_lists_and_downloads(package, tokens):
    url, _, _ = package
    client = TestClient(create_app(url))
    auth = {"Authorization": f"Bearer {tokens['quinn']}"}
    made = client.post("/api/v1/programs/ACT/readiness/assessments", headers=auth)
    assert made.status_code == 201 and made.json()["evaluated_by"] == "quinn"
    rows = client.get("/api/v1/programs/ACT/readiness/assessments", headers=auth).json()
    assert rows[0]["number"] == made.json()["assessment"] and rows[0]["status"] == "assessed"
    refused = client.post("/api/v1/programs/ACT/readiness/assessments",
                          headers={"Authorization": f"Bearer {tokens['olga']}"})
    assert refused.status_code == 403
    sign = client.post(f"/api/v1/programs/ACT/readiness/assessments/{rows[0]['number']}/signatures",
                       json={"password": "x"}, headers=auth)
    assert sign.status_code == 403  # a quality engineer does not decide readiness
    zipped = client.get("/api/v1/programs/ACT/readiness/report", headers=auth)
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    assert zipped.headers["content-disposition"] == f'attachment; filename="ACT-readiness-{rows[0]["number"]}.zip"'
