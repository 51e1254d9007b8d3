"""The tamper suite (issue 12, "records that prove themselves"): each way a person with SQL access to
the database could rewrite history, run against a copy of a small demo database, and `lrip audit verify`
naming it. The edits go through a plain sqlite3 connection, as such a person's would; the checkpoint
before them is the one lrip signs hourly, at each readiness decision and each evidence package.

The evidence package's forgeries the issue lists (a verdict changed on report.html or findings.csv edited with
the manifest re-hashed by `sha256sum`, a package signed again with another key, a changed PDF, a package of
another assessment) are run on a package the demo's program manager wrote, and `lrip readiness verify` names each.

On the code before this issue every test here failed: verify said "intact" (or writing stopped)."""
import csv
import json
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from typer.testing import CliRunner
from weasyprint import HTML

from lrip import audit, keys
from lrip.auth.service import actor_of, create_token, get_user
from lrip.cli import app
from lrip.config import database_url
from lrip.db import engine_for, unit_of_work
from lrip.demo import DEMO_PASSWORD, PROGRAM
from lrip.readiness import report
from lrip.readiness import service as readiness
from lrip.traveler import service as traveler

runner = CliRunner()


@pytest.fixture(scope="session")
def tamper_template(demo_template, tmp_path_factory):
    """The run's 12-unit demo, with a token for the quality engineer."""
    path = tmp_path_factory.mktemp("demo") / "lrip.db"
    shutil.copy(demo_template, path)
    url = database_url(f"sqlite:///{path}")
    with unit_of_work(url) as session:
        rchen = actor_of(get_user(session, "rchen"))
        token = create_token(session, rchen, username="rchen", name="tamper suite").token
    engine_for(url).dispose()
    return path, token


@dataclass
class Demo:
    url: str
    path: str
    token: str

    def lrip(self, *args):
        return runner.invoke(app, [*args, "--db", self.url], env={"LRIP_TOKEN": self.token})

    def verify(self) -> dict:
        result = self.lrip("audit", "verify", "--json")
        answer = json.loads(result.output)
        assert result.exit_code == (0 if answer["ok"] else 1), result.output
        return answer

    def sql(self, *statements: str, params=()):
        """What someone with the database file and the sqlite3 shell can do."""
        with sqlite3.connect(self.path) as connection:
            for statement in statements:
                connection.execute(statement, params)
        connection.close()

    def one(self, query: str, params=()):
        with sqlite3.connect(self.path) as connection:
            row = connection.execute(query, params).fetchone()
        connection.close()
        return row


@pytest.fixture
def demo(tamper_template, tmp_path) -> Demo:
    """A copy of the demo, checkpointed (`lrip audit checkpoint`) and verified intact."""
    template, token = tamper_template
    path = tmp_path / "lrip.db"
    shutil.copy(template, path)
    d = Demo(database_url(f"sqlite:///{path}"), str(path), token)
    result = d.lrip("audit", "checkpoint", "--reason", "before the tamper test")
    assert result.exit_code == 0, result.output
    assert d.verify()["ok"]
    yield d
    engine_for(d.url).dispose()


def kinds(answer: dict) -> list[str]:
    return [f["kind"] for f in answer["findings"]]


def last_seq(d: Demo) -> int:
    return d.one("SELECT max(seq) FROM audit_event")[0]


def test_the_demo_as_built_verifies_with_every_record_as_the_chain_says(demo):
    answer = demo.verify()
    assert answer["ok"] and answer["findings"] == []
    assert answer["records"] > 500 and answer["checkpoints"] == 1 and answer["last_checkpoint"] == last_seq(demo)
    result = demo.lrip("audit", "verify")
    assert result.exit_code == 0 and "Audit chain intact" in result.output and "1 checkpoint signed by key" in result.output


# ---------------------------------------------------------------- the chain

def test_deleting_the_last_events_and_fixing_the_head_is_named_truncation(demo):
    end = last_seq(demo)
    keep = demo.one("SELECT seq, hash FROM audit_event WHERE seq = ?", (end - 3,))
    demo.sql(f"DELETE FROM audit_event WHERE seq > {end - 3}")
    demo.sql("UPDATE audit_head SET seq = ?, hash = ?", params=keep)
    answer = demo.verify()
    assert not answer["ok"] and "truncated" in kinds(answer)
    truncated = next(f for f in answer["findings"] if f["kind"] == "truncated")
    assert f"the chain ends at event {end - 3}" in truncated["message"]
    assert f"events {end - 2}–{end} were removed" in truncated["message"]


def test_deleting_every_event_and_the_head_is_named(demo):
    demo.sql("DELETE FROM audit_event", "DELETE FROM audit_head")
    answer = demo.verify()
    assert not answer["ok"] and answer["events"] == 0
    assert {"head_deleted", "truncated", "record_added"} <= set(kinds(answer))
    result = demo.lrip("audit", "verify")
    assert result.exit_code == 1 and "Audit chain intact" not in result.output
    assert "more record(s) (--json lists every one)" in result.output


def test_deleting_the_checkpoints_too_leaves_the_file_beside_the_key(demo):
    demo.sql("DELETE FROM audit_event", "DELETE FROM audit_head", "DELETE FROM audit_checkpoint")
    answer = demo.verify()
    assert {"head_deleted", "truncated", "checkpoint_deleted"} <= set(kinds(answer))


def test_deleting_only_the_head_is_named_and_writing_goes_on(demo):
    end = last_seq(demo)
    demo.sql("DELETE FROM audit_head")
    answer = demo.verify()
    assert kinds(answer) == ["head_deleted"]
    result = demo.lrip("audit", "checkpoint")  # a write: it appends the rebuilding of the head, then signs
    assert result.exit_code == 0, result.output
    log = demo.lrip("audit", "log", "--limit", "1").output
    assert f"audit.head_restored audit:head: seq {end} — the chain's head was missing; rebuilt from event {end}" in log
    answer = demo.verify()
    assert answer["ok"] and answer["notes"] == [f"the head was missing and was rebuilt at event {end + 1}"]


def test_a_rewritten_head_is_named(demo):
    demo.sql("UPDATE audit_head SET hash = ?", params=("ab" * 32,))
    answer = demo.verify()
    assert kinds(answer) == ["head_rewritten"]


def test_a_chain_recomputed_before_a_checkpoint_is_named(demo):
    """Change an old event and recompute every hash after it and the head, as anyone with the formula can."""
    end = last_seq(demo)
    target = end - 20
    with unit_of_work(demo.url, write=False) as session:
        events = [(e.seq, e.at, e.actor, e.action, e.record_type, e.record_id, e.before, e.after, e.reason,
                   e.records) for e in session.execute(
            select(audit.AuditEvent).where(audit.AuditEvent.seq >= target)
            .order_by(audit.AuditEvent.seq)).scalars()]
        prev = session.execute(select(audit.AuditEvent.hash).where(audit.AuditEvent.seq == target - 1)).scalar()
    rewritten = []
    for seq, at, actor, action, rtype, rid, before, after, reason, records in events:
        if seq == target:
            actor = "mallory"
        digest = audit.event_hash(prev, seq, at, actor, action, rtype, rid, before, after, reason, records)
        rewritten.append((actor, prev, digest, seq))
        prev = digest
    with sqlite3.connect(demo.path) as connection:
        connection.executemany("UPDATE audit_event SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", rewritten)
        connection.execute("UPDATE audit_head SET hash = ?", (prev,))
    connection.close()
    answer = demo.verify()
    assert kinds(answer) == ["rewritten"]
    assert f"event {end} no longer hashes to what the checkpoint signed" in answer["findings"][0]["message"]


def test_a_forged_checkpoint_is_named(demo):
    demo.sql("UPDATE audit_checkpoint SET seq = seq - 5")
    answer = demo.verify()
    assert "forged_checkpoint" in kinds(answer)


# ---------------------------------------------------------------- the records

def _a_measurement(d: Demo):
    return d.one("SELECT m.id, u.serial, m.value FROM measurement m JOIN unit u ON u.id = m.unit_id "
                 "WHERE m.value IS NOT NULL AND u.status = 'complete' ORDER BY m.id DESC LIMIT 1")


def test_a_measurement_changed_in_place_is_named_and_the_traveler_shows_it_unverified(demo):
    key, serial, value = _a_measurement(demo)
    demo.sql("UPDATE measurement SET value = 0.5, in_spec = 1 WHERE id = ?", params=(key,))
    answer = demo.verify()
    assert kinds(answer) == ["record_changed"]
    f = answer["findings"][0]
    assert (f["record_type"], f["record_id"]) == ("measurement", str(key))
    assert f["message"].startswith(f"measurement #{key}: changed since its last audited state (event ")
    with unit_of_work(demo.url, write=False) as session:
        assert audit.unverified(session, "measurement", [key, key - 1]) == {key}
        rchen = actor_of(get_user(session, "rchen"))
        t = traveler.traveler(session, rchen, serial=serial)
    shown = [m for o in t.operations for a in o.attempts for m in a.measurements if m.value == 0.5]
    assert [m.verified for m in shown] == [False]
    text = demo.lrip("traveler", serial).output
    assert "UNVERIFIED" in text


def test_a_deleted_signature_is_named(demo):
    (key,) = demo.one("SELECT max(id) FROM signature")
    demo.sql("DELETE FROM signature WHERE id = ?", params=(key,))
    answer = demo.verify()
    assert kinds(answer) == ["record_deleted"]
    assert answer["findings"][0]["message"].startswith(f"signature #{key}: deleted (its last audited state is event ")


def test_a_row_added_behind_the_chains_back_is_named(demo):
    demo.sql("INSERT INTO measurement (unit_id, characteristic_id, operation_record_id, value, passed, in_spec, gauge, "
             "recorded_at, recorded_by_id, source) SELECT unit_id, characteristic_id, operation_record_id, 1.0, NULL, 1, "
             "gauge, recorded_at, recorded_by_id, source FROM measurement WHERE value IS NOT NULL LIMIT 1")
    (key,) = demo.one("SELECT max(id) FROM measurement")
    answer = demo.verify()
    assert [(f["kind"], f["record_type"], f["record_id"]) for f in answer["findings"]] == [
        ("record_added", "measurement", str(key))]


def test_a_unit_whose_status_was_changed_is_named_by_its_serial(demo):
    (serial,) = demo.one("SELECT serial FROM unit WHERE status = 'on_hold' LIMIT 1")
    demo.sql("UPDATE unit SET status = 'complete' WHERE serial = ?", params=(serial,))
    answer = demo.verify()
    assert [f["message"].split(":")[0] for f in answer["findings"]] == [f"unit {serial}"]


def test_an_event_deleted_with_the_records_it_stated_restored_is_still_named(demo):
    """Undo a measurement's event and keep the row: the chain no longer states it, so it was added behind its back."""
    key, _serial, _value = _a_measurement(demo)
    (seq,) = demo.one("SELECT max(seq) FROM audit_event WHERE records LIKE ?", (f'%"measurement"%"{key}"%',))
    assert seq is not None
    demo.sql(f"DELETE FROM audit_event WHERE seq >= {seq}")
    demo.sql("UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_event), "
             "hash = (SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1)")
    answer = demo.verify()
    assert "truncated" in kinds(answer)
    assert ("record_added", "measurement", str(key)) in [(f["kind"], f["record_type"], f["record_id"])
                                                           for f in answer["findings"]]


# ---------------------------------------------------------------- the evidence package

@pytest.fixture(scope="module")
def package(tamper_template, tmp_path_factory):
    """A copy of the demo whose program manager (ggarcia) evaluates readiness, signs the decision with quality
    (rchen) and writes the evidence package, all through `lrip`: the package and its database."""
    template, rchen = tamper_template
    path = tmp_path_factory.mktemp("packaged") / "lrip.db"
    shutil.copy(template, path)
    url = database_url(f"sqlite:///{path}")
    with unit_of_work(url) as session:
        ggarcia = actor_of(get_user(session, "ggarcia"))
        token = create_token(session, ggarcia, username="ggarcia", name="tamper suite").token
    d = Demo(url, str(path), token)
    out = tmp_path_factory.mktemp("package") / PROGRAM
    for who, args, password in ((token, ("readiness", "evaluate", PROGRAM), None),
                                (token, ("readiness", "sign", PROGRAM), DEMO_PASSWORD),
                                (rchen, ("readiness", "sign", PROGRAM), DEMO_PASSWORD),
                                (token, ("readiness", "report", PROGRAM, "--out", str(out)), None)):
        result = runner.invoke(app, [*args, "--db", url], env={"LRIP_TOKEN": who},
                               input=f"{password}\n" if password else None)
        assert result.exit_code == 0, result.output
    yield d, out
    engine_for(url).dispose()


def readiness_verify(directory: Path, *args: str):
    """`lrip readiness verify DIR`, as a reviewer runs it: no one signed in, the key's fingerprint given apart."""
    return runner.invoke(app, ["readiness", "verify", str(directory), "--fingerprint", keys.public_fingerprint(),
                               *args], env={"LRIP_TOKEN": ""})


def problems(result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Evidence package NOT intact" in result.output
    return [line.strip()[2:] for line in result.output.splitlines() if line.strip().startswith("• ")]


REHASHED = ("manifest.sha256: does not match its signature (manifest.sha256.sig): it was changed or re-hashed "
            "after the package was signed")


@pytest.fixture
def copy(package, tmp_path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(package[1], target)
    return target


def sha256sum(directory: Path) -> None:
    """What a forger does after editing a file: `sha256sum` every file again into manifest.sha256."""
    names = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*")
                   if p.is_file() and p.name not in report.UNLISTED)
    listed = subprocess.run(["sha256sum", *names], cwd=directory, capture_output=True, check=True).stdout
    (directory / "manifest.sha256").write_bytes(listed)


def test_the_package_as_written_verifies_alone_and_against_its_database(package):
    d, out = package
    result = readiness_verify(out)
    assert result.exit_code == 0, result.output
    assert "Evidence package intact: ACT-200 assessment 1" in result.output and "the fingerprint given" in result.output
    evidence = json.loads((out / "evidence.json").read_text())
    assert [s["username"] for s in evidence["signatures"]] == ["ggarcia", "rchen"]
    result = d.lrip("readiness", "verify", str(out))
    assert result.exit_code == 0 and "the ones this database recorded" in result.output, result.output


def test_the_verdict_changed_on_the_report_and_the_manifest_rehashed_is_named(package, copy):
    verdict = json.loads((copy / "evidence.json").read_text())["assessment"]["verdict"]
    word = report.VERDICT_WORDS[verdict]
    html = (copy / "report.html").read_text()
    assert verdict != "GO" and f">{word}</div>" in html
    (copy / "report.html").write_text(html.replace(f">{word}</div>", ">GO</div>"))
    sha256sum(copy)
    assert problems(readiness_verify(copy)) == [REHASHED]


def test_findings_edited_and_the_manifest_rehashed_is_named(copy):
    (copy / "findings.csv").write_text("criterion,kind,finding\n")
    sha256sum(copy)
    assert problems(readiness_verify(copy)) == [REHASHED]


def test_an_edited_file_is_named_by_the_manifest(copy):
    (copy / "findings.csv").write_text("criterion,kind,finding\n")
    assert problems(readiness_verify(copy)) == [
        "findings.csv: changed since the package was written (its SHA-256 differs from the manifest)"]


def test_the_verdict_changed_in_the_evidence_breaks_the_signatures_it_carries(copy):
    evidence = json.loads((copy / "evidence.json").read_text())
    evidence["assessment"]["verdict"] = evidence["signed_content"]["verdict"] = "GO"
    (copy / "evidence.json").write_text(json.dumps(evidence))
    sha256sum(copy)
    found = problems(readiness_verify(copy))
    assert found[0] == REHASHED
    assert any(p.startswith("evidence.json: assessment 1 does not hash to its recorded snapshot SHA-256") for p in found)
    assert any(p.startswith("assessment 1 decision: the signature of Gabriel García (approved, ") for p in found)


def test_a_changed_pdf_fails_its_own_signature(copy):
    pdf = (copy / "report.pdf").read_bytes()
    (copy / "report.pdf").write_bytes(pdf.replace(b"/lrip-evidence", b"/lrip-evidencf", 1)
                                      if b"/lrip-evidence" in pdf else pdf.replace(b"%PDF-1.7", b"%PDF-1.6", 1))
    sha256sum(copy)
    found = problems(readiness_verify(copy))
    assert found[0] == REHASHED and found[1].startswith("report.pdf: ")


def test_a_package_signed_again_with_another_key_is_named(copy, tmp_path, monkeypatch):
    """A forger with lrip but not the installation key edits the report and signs everything again with a key
    of their own: whole under that key, but not the trusted one, and its checkpoint not signed by it."""
    genuine = keys.public_fingerprint()
    files = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    for name in (*report.UNLISTED, report.PUBLIC_KEY, report.CERTIFICATE):
        del files[name]
    files["report.html"] = files["report.html"].replace("Gabriel García".encode(), b"Someone Else")
    files["report.pdf"] = HTML(string=files["report.html"].decode()).write_pdf()
    forger = keys.init(tmp_path / "forger").directory
    monkeypatch.setenv("LRIP_KEYS_DIR", str(forger))
    for name, content in report.sign_files(files, reason="forged").items():
        (copy / name).write_bytes(content)
    forged = keys.public_fingerprint(forger)
    result = runner.invoke(app, ["readiness", "verify", str(copy), "--fingerprint", genuine], env={"LRIP_TOKEN": ""})
    found = problems(result)
    assert found[0] == (f"installation.pub: the package is signed by key {forged[:16]}…, not by the trusted "
                        f"installation key {genuine[:16]}… (the key was swapped)")
    assert found[-1].startswith("evidence.json: the audit checkpoint at event ") and found[-1].endswith(
        "is not signed by installation.pub")


def test_a_package_of_another_assessment_is_named_against_the_database(package, demo):
    """The package of ACT-200's assessment 1 checked against another copy of the demo, which has none."""
    _d, out = package
    result = demo.lrip("readiness", "verify", str(out), "--fingerprint", keys.public_fingerprint())
    found = problems(result)
    assert "evidence.json: ACT-200 has no assessment 1 in this database: the package is of another assessment" in found
    assert any(p.startswith("evidence.json: the package's signed checkpoint (event ") and
               p.endswith("is not one this database recorded") for p in found)
    assert readiness_verify(out).exit_code == 0  # the package itself is whole: it is just not this database's


def test_event_ids_apart_from_their_sequence_numbers_do_not_make_the_package_foreign(package, tmp_path):
    """On PostgreSQL a rolled-back transaction uses up the ids its events took, so an event's id and its place
    in the chain part: the package's head is looked up by its place."""
    d, out = package
    path = tmp_path / "lrip.db"
    with sqlite3.connect(d.path) as source, sqlite3.connect(path) as target:
        source.backup(target)  # the committed transactions still in the write-ahead log included
    source.close()
    target.close()
    moved = Demo(database_url(f"sqlite:///{path}"), str(path), d.token)
    moved.sql("UPDATE audit_event SET id = -id", "UPDATE audit_event SET id = 1000 - id")
    result = moved.lrip("readiness", "verify", str(out))
    assert result.exit_code == 0 and "the ones this database recorded" in result.output, result.output
    engine_for(moved.url).dispose()


# ---------------------------------------------------------------- the record check in the evidence package

def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (make test installs poppler-utils)")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def record_check(tamper_template, tmp_path_factory):
    """A copy of the demo whose capability study needs 5 values (a target change signed by the program and quality,
    so that the 12 units' key-characteristic values are charted and listed), evaluated, and its package written by
    the program manager; then a listed key-characteristic value, an NCR and a signature of the target change
    changed in place with sqlite3, and the package written again. The database, both packages, what was changed
    and what `lrip readiness report` said the second time."""
    template, rchen_token = tamper_template
    path = tmp_path_factory.mktemp("record-check") / "lrip.db"
    shutil.copy(template, path)
    url = database_url(f"sqlite:///{path}")
    with unit_of_work(url) as session:
        ggarcia, rchen = (actor_of(get_user(session, who)) for who in ("ggarcia", "rchen"))
        proposed = readiness.set_target(session, ggarcia, program=PROGRAM, criterion="capability", name="min_samples",
                                        value=5.0, reason="a 12-unit LRIP charts its key characteristics",
                                        password=DEMO_PASSWORD, role="program_manager")
        readiness.sign_target(session, rchen, program=PROGRAM, change=proposed.id, password=DEMO_PASSWORD,
                              role="quality_engineer")
        readiness.evaluate(session, ggarcia, program=PROGRAM)
        token = create_token(session, ggarcia, username="ggarcia", name="record check").token
    d = Demo(url, str(path), token)
    clean, marked = (tmp_path_factory.mktemp(name) / PROGRAM for name in ("clean", "marked"))
    result = d.lrip("readiness", "report", PROGRAM, "--out", str(clean))
    assert result.exit_code == 0 and "record check" not in result.output, result.output
    point = _csv_rows(clean / "key_characteristics.csv")[-1]
    ncr = next(row["id"] for row in _csv_rows(clean / "evidence.csv") if row["kind"] == "ncr")  # in ncrs.csv too
    (measurement,) = d.one("SELECT m.id FROM measurement m JOIN characteristic c ON c.id = m.characteristic_id "
                           "JOIN unit u ON u.id = m.unit_id WHERE c.code = ? AND u.serial = ? ORDER BY m.id LIMIT 1",
                           (point["characteristic"], point["serial"]))
    (signature,) = d.one("SELECT max(id) FROM signature WHERE record_type = 'readiness_target_change'")
    d.sql("UPDATE measurement SET value = value * 0.5, in_spec = 1 WHERE id = ?", params=(measurement,))
    d.sql("UPDATE ncr SET quantity = quantity + 1 WHERE number = ?", params=(ncr,))
    d.sql("UPDATE signature SET printed_name = 'Someone Else' WHERE id = ?", params=(signature,))
    said = d.lrip("readiness", "report", PROGRAM, "--out", str(marked))
    assert said.exit_code == 0, said.output
    yield SimpleNamespace(demo=d, clean=clean, marked=marked, point=point, ncr=ncr, measurement=measurement,
                          signature=signature, said=said.output)
    engine_for(url).dispose()


def test_a_package_marks_each_record_it_cites_that_fails_the_record_check(record_check):
    """The traveler showed a changed measurement as unverified; the evidence package showed it, and a changed NCR
    and signature, as if nothing had happened."""
    r = record_check
    value = f"{r.point['characteristic']} {r.point['serial']}"
    named = [f"measurement #{r.measurement} ({value})", f"NCR {r.ncr}", f"signature #{r.signature}"]
    evidence = json.loads((r.marked / "evidence.json").read_text())
    assert sorted(u["record"] for u in evidence["record_check"]["unverified"]) == sorted(
        [f"measurement #{r.measurement}", f"NCR {r.ncr}", f"signature #{r.signature}"])
    assert evidence["record_check"]["checked"] > 60
    # each CSV row that cites one of them, and no other row
    for name, marked_rows in (("key_characteristics.csv", [f"measurement #{r.measurement}"]),
                              ("ncrs.csv", [f"NCR {r.ncr}"]), ("evidence.csv", [f"NCR {r.ncr}"])):
        rows = _csv_rows(r.marked / name)
        assert [row["unverified"] for row in rows if row["unverified"]] == marked_rows, name
    point = next(row for row in _csv_rows(r.marked / "key_characteristics.csv")
                 if (row["characteristic"], row["serial"]) == (r.point["characteristic"], r.point["serial"]))
    assert point["unverified"] == f"measurement #{r.measurement}"
    # the report: named on the cover and in the summary, marked where each is cited
    html = (r.marked / "report.html").read_text()
    summary = "<b>3 records in this package fail the record check</b>: "
    for where in ("record-check", "summary-record-check"):
        paragraph = html.split(f'id="{where}">', 1)[1].split("</p>", 1)[0]
        assert paragraph.startswith(summary) and all(n in paragraph for n in named), paragraph
    assert "3 of the" in html and "records cited differ from the audit trail" in html
    assert f"values, which fail the record check: {value} (measurement #{r.measurement})" in html
    assert re.search(rf"ncr <b>{r.ncr}</b> <b class=\"unverified\"[^>]*>UNVERIFIED</b>", html)
    changed_target = html.split('id="target-change-1">', 1)[1].split("</tr>", 1)[0]
    assert (f'title="differs from its last state in the audit trail: signature #{r.signature}">UNVERIFIED'
            in changed_target)
    text = " ".join(_pdf_text(r.marked / "report.pdf").split())
    assert "3 records in this package fail the record check" in text and f"NCR {r.ncr}" in text
    # whoever writes it is told, and a reviewer checking it is told again: the package itself is whole
    assert "3 record(s) in this package fail the record check and are marked UNVERIFIED in it" in r.said
    checked = readiness_verify(r.marked)
    assert checked.exit_code == 0, checked.output
    assert "3 record(s) in this package failed the record check when it was written" in checked.output


def test_a_package_whose_records_are_as_the_audit_trail_says_marks_none(record_check):
    r = record_check
    evidence = json.loads((r.clean / "evidence.json").read_text())
    assert evidence["record_check"]["unverified"] == [] and evidence["record_check"]["checked"] > 60
    for name in ("key_characteristics.csv", "ncrs.csv", "evidence.csv", "yield_by_lot.csv"):
        rows = _csv_rows(r.clean / name)
        assert rows and "unverified" in rows[0] and not any(row["unverified"] for row in rows), name
    html = (r.clean / "report.html").read_text()
    assert "UNVERIFIED" not in html and "fail the record check" not in html and 'class="unverified"' not in html
    checked = evidence["record_check"]["checked"]
    assert f"each of the {checked:,} records cited is as the audit trail last recorded it" in html
    assert "fail the record check" not in _pdf_text(r.clean / "report.pdf")
    result = readiness_verify(r.clean)
    assert result.exit_code == 0 and "record check" not in result.output, result.output
