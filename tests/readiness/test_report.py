"""The evidence package: every file written, the manifest and the PDF signed by the installation key,
tampering named (an edited file, a re-hashed manifest, a swapped key, a package of another assessment);
and the CLI and API around it (SQLite: the PDF takes a few seconds to lay out)."""
import hashlib
import json
import shutil
import sqlite3
import subprocess

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from weasyprint import HTML

from factory import actor
from lrip.app import create_app
from lrip.auth.service import create_token
from lrip.cli import app
from lrip.config import database_url
from lrip import keys
from lrip.db import unit_of_work
from lrip.readiness import figures, report, service
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
        service.set_target(session, pam, program="ACT", criterion="learning", name="hours_ratio_max", value=1.1,
                           reason="the customer's should-cost allows 10% over standard", password=PASSWORD)
        service.sign_target(session, actor(session, "quinn"), program="ACT", change=1, password=PASSWORD)
        service.evaluate(session, pam, program="ACT")
        for who in ("pam", "quinn"):  # the decision is signed by the program and quality
            service.sign_assessment(session, actor(session, who), program="ACT", password=PASSWORD)
    out = tmp_path_factory.mktemp("package")
    with unit_of_work(url) as session:
        written = report.write_package(session, actor(session, "pam"), program="ACT", out=out)
    return url, out, written


def test_the_package_shows_the_changed_target_and_who_signed_it(package):
    """A target change is signed by the program and quality, and the package shows it as a changed target."""
    _, out, _ = package
    evidence = json.loads((out / "evidence.json").read_text())
    changed = evidence["assessment"]["target_changes"]
    assert [(t["criterion"], t["name"], t["previous"], t["value"], t["signed_by"]) for t in changed] == [
        ("learning", "hours_ratio_max", 1.0, 1.1, ["Pam Program (program_manager)", "Quinn Quality (quality_engineer)"])]
    assert [(t["id"], t["status"], len(t["signatures"])) for t in evidence["target_changes"]] == [(1, "applied", 2)]
    html = (out / "report.html").read_text()
    assert "Changed targets" in html and 'id="target-change-1"' in html
    assert "the customer&#39;s should-cost allows 10% over standard" in html


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
            "attachments/1-funding memo.pdf", "installation.pub", "installation.crt", "manifest.sha256",
            "manifest.sha256.sig"} <= set(names)
    listed = [line.split("  ", 1)[1] for line in (out / "manifest.sha256").read_text().splitlines()]
    assert sorted(listed) == [n for n in names if n not in ("manifest.sha256", "manifest.sha256.sig")]
    assert (out / "installation.pub").read_bytes() == keys.public_pem()
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    evidence = json.loads((out / "evidence.json").read_text())
    assert evidence["assessment"]["verdict"] == written.verdict
    assert evidence["attestations"][0]["attachment_sha256"] == hashlib.sha256(b"%PDF-1.4 memo").hexdigest()
    assert evidence["signatures"][0]["name"] == "Pam Program"
    html = (out / "report.html").read_text()
    assert "Pam Program" in html and evidence["audit_head"]["hash"] in html
    assert '<img class="chart"' in html and "data:image/svg+xml;base64," in html  # the figures, vector
    assert evidence["signing"]["public_key_sha256"] == keys.public_fingerprint() and keys.public_fingerprint() in html


def test_verify_accepts_the_package_as_written(package):
    result = report.verify_package(package[1])
    assert result.model_dump() == {"ok": True, "files": len(package[2].files) - 2, "signatures": 6, "problems": [],
                                   "key_fingerprint": keys.public_fingerprint(),
                                   "key_checked_against": "this installation's key", "program": "ACT",
                                   "assessment": 1, "recorded": None, "unverified": []}


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
    assert problems[0] == REHASHED
    assert problems[1].startswith("evidence.json: assessment 1 does not hash to its recorded snapshot SHA-256")
    assert problems[2].startswith("evidence.json: the signed decision names a different snapshot or verdict")
    assert problems[3].startswith("waiver 1 (attestations): the signature of Pam Program (approved, ")


REHASHED = ("manifest.sha256: does not match its signature (manifest.sha256.sig): it was changed or re-hashed "
            "after the package was signed")


def sha256sum(directory):
    """What a forger does after editing a file: `sha256sum` every file again into manifest.sha256."""
    names = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                   if p.is_file() and p.name not in report.UNLISTED)
    listed = subprocess.run(["sha256sum", *names], cwd=directory, capture_output=True, check=True).stdout
    (directory / "manifest.sha256").write_bytes(listed)


def test_the_verdict_changed_on_the_report_and_the_manifest_rehashed_is_named(package, tmp_path):
    copy = _copy(package, tmp_path)
    word = report.VERDICT_WORDS[package[2].verdict]
    html = (copy / "report.html").read_text()
    assert f">{word}</div>" in html
    (copy / "report.html").write_text(html.replace(f">{word}</div>", ">GO</div>"))
    sha256sum(copy)
    assert report.verify_package(copy).problems == [REHASHED]


def test_findings_edited_and_the_manifest_rehashed_is_named(package, tmp_path):
    copy = _copy(package, tmp_path)
    (copy / "findings.csv").write_text("criterion,kind,finding\n")
    sha256sum(copy)
    result = report.verify_package(copy)
    assert not result.ok and result.problems == [REHASHED]


def _forge(package, tmp_path, monkeypatch):
    """Edit report.html, then sign everything again with another key (the PDF included), as a forger who has
    lrip but not the installation key would: the package is whole under the forger's key."""
    copy = _copy(package, tmp_path)
    files = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    for name in (*report.UNLISTED, report.PUBLIC_KEY, report.CERTIFICATE):
        del files[name]
    files["report.html"] = files["report.html"].replace(b"Pam Program", b"Someone Else")
    files["report.pdf"] = HTML(string=files["report.html"].decode()).write_pdf()
    forger = tmp_path / "forger-keys"
    keys.init(forger)
    monkeypatch.setenv("LRIP_KEYS_DIR", str(forger))
    for name, content in report.sign_files(files, reason="forged").items():
        (copy / name).write_bytes(content)
    return copy, keys.public_fingerprint(forger)


def test_a_package_signed_again_with_another_key_is_named(package, installation_key, tmp_path, monkeypatch):
    copy, forged = _forge(package, tmp_path, monkeypatch)
    genuine = keys.public_fingerprint(installation_key)
    swapped = (f"installation.pub: the package is signed by key {forged[:16]}…, not by the trusted installation key "
               f"{genuine[:16]}… (the key was swapped)")
    problems = report.verify_package(copy, fingerprint=genuine).problems
    assert problems == [swapped, problems[-1]] and problems[-1].startswith("evidence.json: the audit checkpoint at "
                                                                           "event ")
    assert problems[-1].endswith("is not signed by installation.pub")  # the forger cannot sign a checkpoint either
    monkeypatch.setenv("LRIP_KEYS_DIR", str(installation_key))  # on the installation, its own key is trusted
    assert report.verify_package(copy).problems == problems
    monkeypatch.setenv("LRIP_KEYS_DIR", str(tmp_path / "nowhere"))  # elsewhere, nothing to compare with: said so
    result = report.verify_package(copy)
    assert result.problems == problems[1:] and result.key_fingerprint == forged and result.key_checked_against is None


def test_a_changed_pdf_fails_its_own_signature(package, tmp_path):
    copy = _copy(package, tmp_path)
    pdf = (copy / "report.pdf").read_bytes()
    (copy / "report.pdf").write_bytes(pdf.replace(b"%PDF-1.7", b"%PDF-1.6", 1))
    sha256sum(copy)
    assert report.verify_package(copy).problems == [
        REHASHED, "report.pdf: its signature does not match its content (the PDF was changed after it was signed)"]


def test_a_reviewer_checks_the_package_with_common_tools(package):
    """sha256sum checks the files, openssl the manifest's signature, pdfsig shows the PDF's (poppler's NSS
    may be too old to check an Ed25519 signature itself: lrip readiness verify does)."""
    _, out, _ = package
    for tool in ("sha256sum", "openssl", "pdfsig"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make test installs poppler-utils)")
    files = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=out, capture_output=True, text=True)
    assert files.returncode == 0 and "FAILED" not in files.stdout
    signature = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "installation.pub", "-rawin",
                                "-in", "manifest.sha256", "-sigfile", "manifest.sha256.sig"],
                               cwd=out, capture_output=True, text=True)
    assert signature.stdout.strip() == "Signature Verified Successfully"
    shown = subprocess.run(["pdfsig", "report.pdf"], cwd=out, capture_output=True, text=True).stdout
    assert "Signature Field Name: lrip-evidence" in shown and "Total document signed" in shown
    assert f"Signer Certificate Common Name: lrip installation key {keys.public_fingerprint()[:16]}" in shown


def test_verify_with_the_database_names_a_package_of_another_assessment(package, tokens, tmp_path, monkeypatch):
    """Two copies of one database each evaluate again: assessment 2 of one is not assessment 2 of the other."""
    url, out, _ = package
    copies = []
    for name in ("here", "elsewhere"):
        path = tmp_path / f"{name}.db"
        with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as target:
            source.backup(target)  # the committed transactions still in the write-ahead log included
        copies.append(database_url(f"sqlite:///{path}"))
        with unit_of_work(copies[-1]) as session:
            service.evaluate(session, actor(session, "quinn"), program="ACT")
    with unit_of_work(copies[1]) as session:
        report.write_package(session, actor(session, "quinn"), program="ACT", out=tmp_path / "pkg")
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    runner = CliRunner(env={"LRIP_TOKEN": tokens["quinn"]})
    result = runner.invoke(app, ["readiness", "verify", str(tmp_path / "pkg"), "--db", copies[0]])
    assert result.exit_code == 1, result.output
    assert "assessment 2 of ACT is recorded with snapshot" in result.output
    assert "the package is of another assessment" in result.output
    assert "is not this database's event" in result.output
    result = runner.invoke(app, ["readiness", "verify", str(tmp_path / "pkg"), "--db", copies[1]])
    assert result.exit_code == 0, result.output
    assert "The assessment and the audit-chain head are the ones this database recorded." in result.output
    result = runner.invoke(app, ["readiness", "verify", str(out), "--db", copies[1], "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["recorded"] is True


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
                                 "--db", url], input=PASSWORD + "\n")
    assert result.exit_code == 2 and "rty_min is a fraction between 0 and 1" in result.output
    result = runner.invoke(app, ["readiness", "set-target", "ACT", "yield", "rty_min", "-0.5", "--reason", "x",
                                 "--db", url], input=PASSWORD + "\n")
    assert result.exit_code == 2 and "a target is zero or more, not -0.5" in result.output
    result = runner.invoke(app, ["readiness", "sign", "ACT", "--db", url, "--json"], input="x\n")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "signature_refused"


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
    assert sign.status_code == 409 and sign.json()["reasons"] == [  # quality signs the decision, with its password
        "the password of quinn is not right; nothing was signed"]
    sign = client.post(f"/api/v1/programs/ACT/readiness/assessments/{rows[0]['number']}/signatures",
                       json={"password": PASSWORD}, headers={"Authorization": f"Bearer {tokens['olga']}"})
    assert sign.status_code == 409 and sign.json()["reasons"] == [
        f"assessment {rows[0]['number']} is not signed by an operator (olga); it still needs a program signature "
        "(a program manager); a quality signature (a quality engineer or an MRB member)"]
    zipped = client.get("/api/v1/programs/ACT/readiness/report", headers=auth)
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    assert zipped.headers["content-disposition"] == f'attachment; filename="ACT-readiness-{rows[0]["number"]}.zip"'


# ---------------------------------------------------------------- the figures, read as SVG

def _spc(n: int, *, out_of_spec: int = 0) -> dict:
    """An I-MR analysis of `n` points, every other point flagged by a run rule, `out_of_spec` above the USL."""
    import random

    rng = random.Random(3)
    points = [2.0 + rng.gauss(0, 0.01) for _ in range(n - out_of_spec)] + [2.2] * out_of_spec
    return {"chart": "imr", "points": points, "center": 2.0, "ucl": 2.03, "lcl": 1.97, "lsl": 1.9, "usl": 2.1,
            "units": "N·m", "name": "Torque", "baseline": n, "rules": "nelson",
            "violations": [{"index": i, "rule": 2} for i in range(0, n, 2)],
            "secondary": {"points": [None] + [0.01] * (n - 1), "center": 0.01, "ucl": 0.03, "lcl": 0.0}}


def test_a_long_control_chart_is_drawn_at_the_plot_s_resolution_and_says_so():
    """1,744 points with 872 rule violations: the old chart drew 872 diamonds over the trace."""
    from lrip.quality.charts import ENVELOPE, control_chart, drawn_as

    svg = control_chart(_spc(1744, out_of_spec=3), title="t")
    assert svg.count("<use ") <= ENVELOPE + 60  # a marker per group at most, out-of-spec points, ticks, legend
    assert "1,744 points drawn as the min–max of 240 groups" in svg
    assert "1,744 points, drawn as the smallest and largest value" in drawn_as(1744)
    assert drawn_as(37) == "All 37 points drawn."


def test_a_long_control_chart_marks_its_rule_violations_by_a_bar_that_hides_no_point():
    """Where a rule fires for long (a drifting process), a diamond per group covered the whole trace; and 300
    out-of-spec points drew 300 crosses on a few groups' width: a cross per group is what the eye sees."""
    from lrip.quality.charts import control_chart, drawn_as

    svg = control_chart(_spc(1744, out_of_spec=300), title="t")
    assert "rule violation (bar on top: its groups)" in svg and "out of spec (the farthest of each group)" in svg
    assert svg.count("<use ") < 100  # ticks, legend, a cross per group of out-of-spec points (42 groups)
    assert "marked by a bar along the top" in drawn_as(1744)


def test_a_long_name_on_a_stacked_control_chart_is_written_on_lines_that_fit_its_plot():
    """"Motor mount screw torque (N·m)" ran down over the moving range's label beside the plot below."""
    import re

    from lrip.quality.charts import control_chart
    from lrip.web.charts import for_print

    with for_print(figures.PRINT_WIDTH):
        svg = control_chart(_spc(40) | {"name": "Motor mount screw torque"}, title="t")
    lines = re.findall(r">([^<>]+)</text>", svg)
    label = [line for line in lines if line in "Motor mount screw torque (N·m)"]
    assert len(label) > 2 and " ".join(label).startswith("Motor mount screw torque (N·m)")  # and moving range's


def _drawn(monkeypatch) -> list:
    """Every time Matplotlib draws a figure (a pass over all its artists), from now on."""
    from matplotlib.figure import Figure

    passes, draw = [], Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: passes.append(self) or draw(self, renderer))
    return passes


def test_the_package_draws_each_figure_once(package, monkeypatch):
    """report.html and report.pdf are one HTML: each figure is drawn once for both, in one Matplotlib pass
    (savefig's tight box cost a second pass; the HTML is written from the figures already drawn)."""
    from lrip.quality.charts import control_chart
    from lrip.web.charts import for_print

    evidence = json.loads((package[1] / "evidence.json").read_text())
    passes = _drawn(monkeypatch)
    with for_print(figures.PRINT_WIDTH):
        control_chart(_spc(40), title="t")
    assert len(passes) == 1
    passes.clear()
    numbered = report.figures(evidence)
    html = report.render_html(evidence, numbered)
    drawn = sum(len(f) for f in numbered.values())
    assert drawn >= 4 and len(passes) == drawn and html.count('<img class="chart"') == drawn


def test_figures_of_many_points_are_drawn_in_a_second_process_as_they_are_drawn_here(package, monkeypatch, tmp_path):
    """From DRAWN_BESIDE points, a process of its own draws the figures while the evidence is read (the
    10,000-unit package: a second and a half of Matplotlib): the same figures, in the same package."""
    import re

    evidence = json.loads((package[1] / "evidence.json").read_text())
    started, drawn_by = [], figures._drawn_by
    monkeypatch.setattr(figures, "_drawn_by", lambda child: started.append(child.args) or drawn_by(child))
    with figures.drawing(evidence["assessment"]) as drawn:
        assert drawn() == figures.draw(evidence["assessment"]) and not started  # a few points: drawn here
    monkeypatch.setattr(figures, "DRAWN_BESIDE", 0)
    with figures.drawing(evidence["assessment"]) as drawn:
        assert drawn() == figures.draw(evidence["assessment"]) and len(started) == 1
    with unit_of_work(package[0]) as session:
        report.write_package(session, actor(session, "pam"), program="ACT", out=tmp_path / "beside")
    images = [re.findall(r'src="(data:image/svg[^"]+)"', (folder / "report.html").read_text())
              for folder in (package[1], tmp_path / "beside")]
    assert len(started) == 2 and images[0] and images[0] == images[1]
    assert report.verify_package(tmp_path / "beside").ok


def test_writing_a_package_leaves_the_objects_held_before_it_to_the_collector_after(package, tmp_path, monkeypatch):
    """Each full collection while a package was written walked every object of the process (a second of the
    10,000-unit package): they are frozen for the while, and handed back after, even when writing fails."""
    import gc

    url = package[0]
    frozen, laid_out = [], report._pdf
    monkeypatch.setattr(report, "_pdf", lambda html: frozen.append(gc.get_freeze_count()) or laid_out(html))
    with unit_of_work(url) as session:
        report.write_package(session, actor(session, "pam"), program="ACT", out=tmp_path / "again")
    assert frozen[0] > 10_000 and gc.get_freeze_count() == 0
    monkeypatch.setattr(report, "_pdf", lambda html: 1 / 0)
    with pytest.raises(ZeroDivisionError), unit_of_work(url) as session:
        report.write_package(session, actor(session, "pam"), program="ACT", out=tmp_path / "failed")
    assert gc.get_freeze_count() == 0


def test_a_figure_is_a_vector_image_of_only_what_draws(package):
    """WeasyPrint walks an SVG's elements in Python: no naming-only group, no metadata, no CSS to parse;
    every path, mark and text kept."""
    import base64
    import re
    from xml.etree import ElementTree

    from lrip.quality.charts import control_chart
    from lrip.web.charts import for_print

    with for_print(figures.PRINT_WIDTH):
        svg = control_chart(_spc(40, out_of_spec=1), title="t")
    lean = base64.b64decode(figures._svg_image(svg).split(",", 1)[1]).decode()
    ElementTree.fromstring(lean)
    assert 'style="' not in lean and "<metadata" not in lean and not re.search(r'<g(?: id="[^"]*")?>', lean)
    assert [lean.count(tag) for tag in ("<path", "<use", "<text")] == [svg.count(tag) for tag in
                                                                       ("<path", "<use", "<text")]
    assert 'stroke="#000000"' in lean and 'text-anchor="middle"' in lean


def test_every_table_header_is_repeated_on_each_page_the_table_runs_onto(package):
    """The files of the package ran onto the last page without their header: a header row is a <thead>,
    which WeasyPrint repeats."""
    html = (package[1] / "report.html").read_text()
    assert html.count("<th>") and html.count("<tr><th>") == html.count("<thead><tr><th>")


def test_findings_are_shown_five_in_the_summary_and_ten_in_their_section(package):
    """A 10,000-unit demo listed 26 NCR findings, two lines each, in "Open findings" and again in its section:
    two pages of one sentence with another number."""
    evidence = json.loads((package[1] / "evidence.json").read_text())
    c = evidence["assessment"]["criteria"][0]
    c["findings"] = [f"finding {k}." for k in range(1, 13)]
    evidence["assessment"]["findings"] = [{"criterion": c["id"], "kind": "blocking", "text": "twelve findings",
                                           "findings": c["findings"]}]
    html = report.render_html(evidence)
    summary = html.split('<h2 id="findings">')[1].split('<h2 id="waivers">')[0]
    assert "finding 5." in summary and "finding 6." not in summary
    assert f'… and more, in <a class="see" href="#criterion-{c["id"]}">section {c["number"]}</a>' in summary
    section = html.split(f'id="criterion-{c["id"]}"')[1]
    assert "finding 10." in section and "finding 11." not in section
    assert f"… and more, in findings.csv (criterion = {c['id']})" in section
    assert "finding 12." in report.extracts(evidence)["findings.csv"].decode()


def test_the_control_chart_writes_units_and_limit_values_and_tells_out_of_spec_from_rule_violations():
    from lrip.quality.charts import control_chart

    svg = control_chart(_spc(40, out_of_spec=1), title="t")
    for text in ("Torque (N·m)", "UCL 2.03", "LCL 1.97", "CL 2", "USL 2.1 N·m", "LSL 1.9 N·m",
                 "out of spec (beyond LSL / USL)", "rule violation (Nelson)", "moving range (N·m)"):
        assert text in svg, text


def test_chart_text_is_at_least_12_px_on_screen_and_9_5_pt_in_print():
    import re

    from lrip.quality.charts import control_chart
    from lrip.web.charts import for_print

    sizes = {float(s) for s in re.findall(r"font(?:-size)?:\s*([\d.]+)px", control_chart(_spc(40), title="t"))}
    assert sizes and min(sizes) >= 12
    with for_print(6.3):
        printed = control_chart(_spc(40), title="t")
    assert {float(s) for s in re.findall(r"font(?:-size)?:\s*([\d.]+)px", printed)} == {9.5}
    assert float(re.search(r'viewBox="0 0 ([\d.]+)', printed).group(1)) < 6.3 * 72 * 1.25


def test_a_supplier_at_zero_percent_is_drawn_above_the_axis_and_the_target_written():
    from lrip.quality.charts import on_time_by_supplier

    cards = [{"supplier": "NGE", "periods": [{"period": f"2026-0{m}", "on_time_rate": 0.0} for m in range(1, 6)]},
             {"supplier": "BIS", "periods": [{"period": f"2026-0{m}", "on_time_rate": 1.0} for m in range(1, 6)]}]
    svg = on_time_by_supplier(cards, title="t", target=0.95)
    assert "target 95%" in svg and "on-time delivery (%)" in svg and "month" in svg
    assert "rotate(-30" not in svg  # five months fit written flat


def test_the_supplier_chart_names_its_target_in_the_legend_where_no_line_crosses_it():
    """Written on the plot at its left end, "target 95%" was crossed by a supplier falling from 100% to 78%."""
    import re

    from lrip.quality.charts import on_time_by_supplier

    cards = [{"supplier": "KPM", "periods": [{"period": f"2026-0{m}", "on_time_rate": r}
                                             for m, r in zip(range(1, 6), (1.0, 0.78, 0.8, 0.77, 0.93))]}]
    svg = on_time_by_supplier(cards, title="t", target=0.95)
    x = {text: float(x) for x, text in re.findall(r'<text[^>]*\bx="([\d.]+)"[^>]*>([^<]+)</text>', svg)}
    assert x["target 95%"] == x["KPM"]  # one column: the legend beside the plot


def test_the_learning_chart_names_its_projections_in_the_legend_instead_of_overprinting_labels():
    from lrip.capacity.charts import learning_curve

    units = list(range(1, 1801))
    hours = [10 * u ** -0.15 for u in units]
    svg = learning_curve(units, hours, {"Crawford": hours}, title="t",
                         projections=[("next unit", 1801, 3.2), ("first FRP unit", 1810, 3.19)])
    assert "next unit: unit 1,801, 3.20 h" in svg and "first FRP unit: unit 1,810, 3.19 h" in svg
    assert "actual (least–most per group)" in svg and svg.count("<use ") < 60


def test_weekly_labels_are_thinned_to_what_fits():
    import re

    from lrip.web.charts import stacked_bars

    labels = [f"{d:02d} Jan" for d in range(1, 31)] + [f"{d:02d} Feb" for d in range(1, 23)]
    svg = stacked_bars(labels, {"major": [1] * 52}, ylabel="Change requests", title="t", xlabel="week starting")
    shown = [label for label in labels if re.search(rf">{label}<", svg)]
    assert 4 <= len(shown) <= 10 and "week starting" in svg  # 6 characters at 12 pt: 10 across 8 inches


def test_board_text_drops_command_lines():
    assert report.board_text("Disposition every NCR (lrip ncr ...), close every CAPA") == \
        "Disposition every NCR, close every CAPA"
