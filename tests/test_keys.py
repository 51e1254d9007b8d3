"""The installation key (lrip.keys) and the checkpoints it signs (lrip.audit.checkpoint): kept outside the
database, in the database and the file beside the key once the transaction commits, and named by
`lrip audit verify` when anything about them is wrong."""
import json
import os
import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from factory import actor, build_line
from lrip import audit, keys
from lrip.app import create_app
from lrip.auditing import service
from lrip.auditing.installation import checkpoint_if_moved
from lrip.auth.actor import INSTALLATION
from lrip.auth.service import create_token, create_user
from lrip.cli import app
from lrip.db import unit_of_work
from lrip.errors import Conflict, Forbidden
from lrip.readiness import service as readiness
from readiness.gate_line import PASSWORD, build_gate_line

runner = CliRunner()


def test_a_key_is_made_once_readable_by_its_owner_only(tmp_path):
    made = keys.init(tmp_path / "keys")
    assert stat.S_IMODE(os.stat(made.private).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(made.directory).st_mode) == 0o700
    assert made.fingerprint == keys.public_fingerprint(made.directory) == keys.fingerprint(keys.load(made.directory)
                                                                                          .public_key())
    signature = keys.sign(b"evidence", made.directory)
    assert keys.verify(keys.public_key(made.directory), signature, b"evidence")
    assert not keys.verify(keys.public_key(made.directory), signature, b"evidence!")
    with pytest.raises(Conflict, match="never replaces an installation key"):
        keys.init(made.directory)
    with pytest.raises(keys.NoKey, match="lrip keys init"):
        keys.load(tmp_path / "nowhere")


def test_keys_init_and_show_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("LRIP_KEYS_DIR", str(tmp_path / "k"))
    assert runner.invoke(app, ["keys", "show"]).exit_code == 2
    result = runner.invoke(app, ["keys", "init"])
    assert result.exit_code == 0 and f"Created the installation key in {tmp_path / 'k'}" in result.output
    shown = json.loads(runner.invoke(app, ["keys", "show", "--json"]).output)
    assert shown["fingerprint"] == keys.public_fingerprint() and shown["checkpoints"] == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 2


def test_init_makes_the_key_when_there_is_none_and_starts_the_new_database_in_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LRIP_KEYS_DIR", str(tmp_path / "k"))
    url = f"sqlite:///{tmp_path / 'new.db'}"
    answer = json.loads(runner.invoke(app, ["init", "--db", url, "--json"]).output)
    assert answer["key"]["fingerprint"] == keys.public_fingerprint()
    lines = keys.checkpoints_file().read_text().splitlines()
    assert [(json.loads(line)["seq"], json.loads(line)["reason"]) for line in lines] == [(0, "a new database")]
    assert "key" not in json.loads(runner.invoke(app, ["init", "--db", url, "--json"]).output)


def test_a_new_database_at_the_same_place_does_not_inherit_the_old_ones_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("LRIP_KEYS_DIR", str(tmp_path / "k"))
    path = tmp_path / "lrip.db"
    url = f"sqlite:///{path}"
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    with unit_of_work(url) as session:
        create_user(session, INSTALLATION, username="olga", full_name="Olga", roles=["operator"])
        audit.checkpoint(session, reason="the old database")
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    with unit_of_work(url, write=False) as session:
        report = audit.verify(session)
    assert report.ok, report.findings


def test_a_checkpoint_is_written_to_the_file_only_when_its_transaction_commits(db_url, keys_dir):
    with unit_of_work(db_url) as session:
        build_line(session)
    with pytest.raises(RuntimeError):
        with unit_of_work(db_url) as session:
            audit.checkpoint(session, reason="rolled back")
            raise RuntimeError("the use case failed after its checkpoint")
    assert not keys.checkpoints_file(keys_dir).exists()
    with unit_of_work(db_url) as session:
        made = audit.checkpoint(session, reason="kept")
    assert [json.loads(line) for line in keys.checkpoints_file(keys_dir).read_text().splitlines()] == [
        json.loads(made.line())]
    with unit_of_work(db_url, write=False) as session:
        report = audit.verify(session)
        assert session.execute(select(func.count(audit.AuditCheckpoint.id))).scalar_one() == 1
    assert (report.ok, report.checkpoints, report.last_checkpoint, report.key) == (
        True, 1, made.seq, keys.public_fingerprint())


def test_the_checkpoint_use_case_needs_its_permission_and_the_api_makes_one(db_url):
    with unit_of_work(db_url) as session:
        build_line(session)
        token = create_token(session, actor(session, "admin"), username="admin", name="api").token
        with pytest.raises(Forbidden, match="sign a checkpoint of the audit trail"):
            service.checkpoint(session, actor(session, "olga"), reason="shift")
    client = TestClient(create_app(db_url))
    response = client.post("/api/v1/audit/checkpoints", json={"reason": "end of shift"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert response.json()["reason"] == "end of shift (admin)"
    verified = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}).json()
    assert verified["ok"] and verified["checkpoints"] == 1 and verified["last_checkpoint"] == response.json()["seq"]


def test_the_server_checkpoints_when_it_starts_and_only_when_the_chain_moved(db_url, keys_dir):
    with unit_of_work(db_url) as session:
        build_line(session)
    with TestClient(create_app(db_url)):  # the lifespan: one checkpoint at start
        pass
    lines = keys.checkpoints_file(keys_dir).read_text().splitlines()
    assert [json.loads(line)["reason"] for line in lines] == ["while serving"]
    assert checkpoint_if_moved(db_url, "while serving") is None  # nothing happened since
    with unit_of_work(db_url) as session:
        create_user(session, INSTALLATION, username="late", full_name="Late", roles=["viewer"])
    assert checkpoint_if_moved(db_url, "while serving").seq == json.loads(lines[0])["seq"] + 1


def test_a_checkpoint_signed_by_another_key_is_named(db_url, tmp_path):
    with unit_of_work(db_url) as session:
        build_line(session)
        audit.checkpoint(session, reason="by a key that is not the installation's",
                         directory=keys.init(tmp_path / "other").directory)
    with unit_of_work(db_url, write=False) as session:
        report = audit.verify(session)
    assert [f.kind for f in report.findings] == ["forged_checkpoint"]


def test_without_the_key_verify_checks_the_chain_and_says_it_did_not_check_checkpoints(db_url, monkeypatch, tmp_path):
    with unit_of_work(db_url) as session:
        build_line(session)
        audit.checkpoint(session, reason="signed")
    monkeypatch.setenv("LRIP_KEYS_DIR", str(tmp_path / "none"))
    with unit_of_work(db_url, write=False) as session:
        report = audit.verify(session)
    assert report.ok and report.key is None and report.notes[0].startswith("no installation key in ")
    with unit_of_work(db_url) as session, pytest.raises(keys.NoKey):
        audit.checkpoint(session, reason="no key")


def test_the_readiness_decision_signs_a_checkpoint_once_it_is_made(session, keys_dir):
    """Each readiness decision signs the head: the first signature alone makes none, the second (the decision
    made) does, and the checkpoint covers the decision's own event."""
    build_gate_line(session)
    readiness.evaluate(session, actor(session, "pam"), program="ACT")
    readiness.sign_assessment(session, actor(session, "pam"), program="ACT", password=PASSWORD)
    assert audit.last_checkpoint(session) is None
    readiness.sign_assessment(session, actor(session, "quinn"), program="ACT", password=PASSWORD)
    made = audit.last_checkpoint(session)
    decided = session.execute(select(audit.AuditEvent).where(audit.AuditEvent.action == "readiness.decided")
                              ).scalar_one()
    assert made is not None and made.seq == audit.head(session)[0] and made.seq >= decided.seq
    assert made.reason.startswith("readiness decision of ACT assessment 1 (")
    session.commit()
    assert json.loads(keys.checkpoints_file(keys_dir).read_text().splitlines()[-1])["seq"] == made.seq


def test_a_pdf_is_signed_and_checked_while_an_event_loop_runs(tmp_path):
    """pyHanko's synchronous calls start an asyncio loop of their own; inside a running loop (the server's,
    or a browser test's earlier in the same run) Python refused it and every package failed to write."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from weasyprint import HTML

    from lrip.readiness import signing
    keys.init(tmp_path)
    pdf = HTML(string="<p>Assessment 1</p>").write_pdf()

    async def inside_a_loop():
        signed = signing.sign_pdf(pdf, reason="test", directory=tmp_path)
        return signing.pdf_problems("report.pdf", signed, keys.public_key(tmp_path))

    # on a thread of the test's own: in the whole suite the browser tests' loop already runs on this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result() == []
