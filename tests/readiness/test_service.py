"""The readiness gate on records, on SQLite and PostgreSQL: evaluate and freeze, what changed,
waivers and attestations with e-signatures, the signed decision and the phase change to FRP."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lrip import audit
from lrip.auth.models import Signature, User
from lrip.catalog.models import Qualification
from lrip.errors import Refused
from lrip.program import service as program
from lrip.readiness import criteria as rules
from lrip.readiness import service
from lrip.readiness.models import Assessment, Waiver

TOPICS = list(rules.ATTESTATION_TOPICS)


def _by_id(assessment: dict) -> dict:
    return {c["id"]: c for c in assessment["criteria"]}


def test_evaluate_freezes_every_criterion_with_its_evidence(gate):
    a = service.evaluate(gate, program="ACT", actor="pam")
    assert {"program", "verdict", "criteria", "assessment", "findings", "changes"} <= set(a)
    assert a["program"] == "ACT" and a["assessment"] == 1 and a["previous"] is None
    assert [c["number"] for c in a["criteria"]] == list(range(1, 12))
    for c in a["criteria"]:
        assert {"id", "title", "status", "value", "target", "evidence"} <= set(c)
        assert c["status"] in rules.STATUSES
    by = _by_id(a)
    assert a["verdict"] == rules.NO_GO  # nothing attested, three units are no capability study
    assert by["attestations"]["status"] == rules.FAIL
    assert by["workforce"]["status"] == rules.PASS and by["workforce"]["message"].startswith("9 of 9")
    assert by["capability"]["stand_in"] and by["capability"]["status"] == rules.PASS
    assert "first-pass yield instead" in by["capability"]["message"]
    assert [f["kind"] for f in a["findings"]] == sorted((f["kind"] for f in a["findings"]), reverse=False)
    stored = gate.execute(select(Assessment)).scalar_one()
    assert stored.verdict == rules.NO_GO and stored.snapshot["criteria"] == a["criteria"]
    assert stored.snapshot_sha256 == rules_hash(stored.snapshot)
    event = audit.history(gate, "program", "ACT", limit=1)[0]
    assert event.action == "readiness.assessed" and event.after["assessment"] == 1


def rules_hash(snapshot: dict) -> str:
    from lrip.auth.rules import content_hash

    return content_hash(snapshot)


def test_workforce_names_the_operation_done_before_the_operator_was_qualified(gate):
    with gate.begin():  # the record says olga was granted "test" 60 days later than she was
        olga = gate.execute(select(User.id).where(User.username == "olga")).scalar_one()
        q = gate.execute(select(Qualification).filter_by(user_id=olga, skill="test")).scalar_one()
        q.granted_on += timedelta(days=60)
    work = _by_id(service.evaluate(gate, program="ACT", actor="pam"))["workforce"]
    assert work["status"] == rules.FAIL and work["value"] == 3, work["message"]
    assert work["findings"][0].startswith("SN-1 operation 30: olga was qualified for test only from ")
    assert {"kind": "unit", "id": "SN-1", "url": "/units/SN-1", "note": "op 30, olga"} in work["evidence"]


def test_evaluating_again_makes_a_new_assessment_and_says_what_changed(gate, password):
    service.evaluate(gate, program="ACT", actor="pam")
    service.attest(gate, program="ACT", topic="funding", statement="FY27 production funds released",
                   attachment_name="funding.pdf", attachment=b"%PDF-1.4 funding memo", username="pam",
                   password=password)
    second = service.evaluate(gate, program="ACT", actor="pam")
    assert second["assessment"] == 2 and second["previous"] == 1
    change = next(c for c in second["changes"] if c["id"] == "attestations")
    assert (change["value_before"], change["value"]) == (0, 1)
    assert any("funding" in f for f in change["resolved"])
    assert [r["number"] for r in service.list_assessments(gate, program="ACT")] == [2, 1]


def test_a_waiver_is_signed_and_turns_its_criterion_into_a_condition(gate, password):
    with pytest.raises(Refused) as wrong:
        service.waive(gate, program="ACT", criterion="attestations", condition="attest before the first FRP lot",
                      reason="review board meets first", username="pam", password="not-it")
    assert wrong.value.code == "signature_refused"
    assert gate.execute(select(Waiver)).first() is None  # refused: nothing recorded
    w = service.waive(gate, program="ACT", criterion="attestations", condition="attest before the first FRP lot",
                      reason="review board meets first", username="pam", password=password)
    sig = gate.execute(select(Signature).where(Signature.record_type == "readiness_waiver")).scalar_one()
    assert (sig.record_id, sig.username, sig.meaning) == (f"ACT/{w['id']}", "pam", "approved")
    a = service.evaluate(gate, program="ACT", actor="pam")
    crit = _by_id(a)["attestations"]
    assert crit["status"] == rules.WAIVED and crit["waiver"]["name"] == "Pam Program"
    assert a["findings"][-1]["text"] == "waived by Pam Program: attest before the first FRP lot"
    service.withdraw_waiver(gate, program="ACT", waiver=w["id"], actor="pam", reason="attested after all")
    assert _by_id(service.evaluate(gate, program="ACT", actor="pam"))["attestations"]["status"] == rules.FAIL


def test_an_attestation_needs_a_statement_and_a_document(gate, password):
    with pytest.raises(Refused) as refused:
        service.attest(gate, program="ACT", topic="moon", statement=" ", attachment_name="", attachment=b"",
                       username="quinn", password=password)
    assert refused.value.reasons == [
        "'moon' is not an attestation topic; they are facilities, funding, operational_test, risk_register",
        "an attestation needs a statement", "an attestation needs an attachment (the document that backs it)",
        "the attachment needs a file name"]
    for topic in TOPICS:
        service.attest(gate, program="ACT", topic=topic, statement=f"{topic} ready", attachment_name=f"{topic}.txt",
                       attachment=topic.encode(), username="quinn", password=password)
    crit = _by_id(service.evaluate(gate, program="ACT", actor="quinn"))["attestations"]
    assert crit["status"] == rules.PASS and crit["value"] == 4
    rows = service.list_attestations(gate, program="ACT")
    assert all(r["signatures"][0]["valid"] and r["signatures"][0]["meaning"] == "verified" for r in rows)


def _go_with_conditions(session, password: str) -> dict:
    """Attest everything and waive whatever does not pass, then evaluate."""
    for topic in TOPICS:
        service.attest(session, program="ACT", topic=topic, statement="ready", attachment_name="memo.txt",
                       attachment=b"memo", username="pam", password=password)
    for c in service.evaluate(session, program="ACT", actor="pam")["criteria"]:
        if c["status"] != rules.PASS:
            service.waive(session, program="ACT", criterion=c["id"], condition=f"close {c['id']} within 30 days",
                          reason="test", username="pam", password=password)
    return service.evaluate(session, program="ACT", actor="pam")


def test_full_rate_needs_a_signed_go(gate, password):
    with pytest.raises(Refused) as refused:
        program.change_phase(gate, program="ACT", phase="frp", actor="pam", reason="ready")
    assert refused.value.reasons == ["moving to full-rate production needs a readiness assessment that is GO and signed"]
    a = _go_with_conditions(gate, password)
    assert a["verdict"] == rules.GO_WITH_CONDITIONS
    prog_id = program.get_program(gate, "ACT").id
    assert not service.latest_go(gate, prog_id)  # not signed yet
    with pytest.raises(Refused):
        program.change_phase(gate, program="ACT", phase="frp", actor="pam", reason="ready")
    signed = service.sign_assessment(gate, program="ACT", username="pam", password=password)
    assert [s["name"] for s in signed["signatures"] if s["valid"]] == ["Pam Program"]
    assert service.latest_go(gate, prog_id)
    assert program.change_phase(gate, program="ACT", phase="frp", actor="pam", reason="signed GO").phase == "frp"


def test_a_newer_no_go_takes_the_go_away_and_only_the_latest_is_signed(gate, password):
    _go_with_conditions(gate, password)
    service.sign_assessment(gate, program="ACT", username="pam", password=password)
    latest = gate.execute(select(Waiver).order_by(Waiver.id.desc())).scalars().first()
    service.withdraw_waiver(gate, program="ACT", waiver=latest.id, actor="pam", reason="not acceptable after all")
    again = service.evaluate(gate, program="ACT", actor="pam")
    assert again["verdict"] == rules.NO_GO
    assert not service.latest_go(gate, program.get_program(gate, "ACT").id)
    with pytest.raises(Refused) as refused:
        service.sign_assessment(gate, program="ACT", number=again["assessment"] - 1, username="pam", password=password)
    assert "is not the latest" in refused.value.reasons[0]


def test_targets_are_set_per_program_with_a_reason(gate):
    with pytest.raises(Refused) as refused:
        service.set_target(gate, program="ACT", criterion="capability", name="cpk_min", value=-1, actor="quinn",
                           reason="")
    assert refused.value.reasons == ["a target is zero or more, not -1", "a target change needs a reason"]
    service.set_target(gate, program="ACT", criterion="capability", name="cpk_min", value=1.67, actor="quinn",
                       reason="new process: PPAP asks 1.67")
    crit = next(c for c in service.list_criteria(gate, program="ACT") if c["id"] == "capability")
    assert crit["targets"][0] | {} == crit["targets"][0] and crit["targets"][0]["value"] == 1.67
    assert _by_id(service.evaluate(gate, program="ACT", actor="quinn"))["capability"]["target"] == 1.67
