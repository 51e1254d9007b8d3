"""The readiness gate on records, on SQLite and PostgreSQL: evaluate and freeze, what changed,
waivers and attestations with e-signatures, the signed decision recorded on the program, and the
phase change to FRP."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from factory import actor
from reading import counting
from lrip import audit
from lrip.auth.models import Signature, User
from lrip.auth.rules import content_hash
from lrip.catalog.models import Qualification
from lrip.errors import Forbidden, LripError
from lrip.program import service as program
from lrip.readiness import criteria as rules
from lrip.readiness import service
from lrip.readiness.models import Assessment, Waiver
from lrip.readiness.rules import ASSESSMENT, AssessmentStatus, assessment_status

TOPICS = list(rules.ATTESTATION_TOPICS)


def refused(fn, session, who: str, **kw) -> LripError:
    """The refusal `who` gets; it changes nothing (a savepoint stands in for the entry point's rollback)."""
    with pytest.raises(LripError) as exc, session.begin_nested():
        fn(session, actor(session, who), **kw)
    return exc.value


def evaluate(session, who: str = "pam"):
    return service.evaluate(session, actor(session, who), program="ACT")


def _by_id(assessment) -> dict:
    return {c.id: c for c in assessment.criteria}


def test_evaluate_freezes_every_criterion_with_its_evidence(gate):
    a = evaluate(gate)
    assert (a.program, a.assessment, a.previous, a.evaluated_by) == ("ACT", 1, None, "pam")
    assert a.status == AssessmentStatus.ASSESSED
    assert [c.number for c in a.criteria] == list(range(1, 12))
    assert all(c.status in rules.STATUSES for c in a.criteria)
    by = _by_id(a)
    assert a.verdict == rules.NO_GO  # nothing attested, three units are no capability study
    assert by["attestations"].status == rules.FAIL
    assert by["workforce"].status == rules.PASS and by["workforce"].message.startswith("9 of 9")
    assert by["capability"].stand_in and by["capability"].status == rules.PASS
    assert "first-pass yield instead" in by["capability"].message
    assert [f.kind for f in a.findings] == sorted(f.kind for f in a.findings)
    stored = gate.execute(select(Assessment)).scalar_one()
    assert stored.verdict == rules.NO_GO
    assert [(c["id"], c["status"]) for c in stored.snapshot["criteria"]] == [(c.id, c.status) for c in a.criteria]
    assert stored.snapshot_sha256 == content_hash(stored.snapshot) == a.snapshot_sha256
    event = audit.history(gate, "program", "ACT", limit=1)[0]
    assert event.action == "readiness.assessed" and event.after["assessment"] == 1


def test_workforce_names_the_operation_done_before_the_operator_was_qualified(gate):
    olga = gate.execute(select(User.id).where(User.username == "olga")).scalar_one()
    q = gate.execute(select(Qualification).filter_by(user_id=olga, skill="test")).scalar_one()
    q.granted_on += timedelta(days=60)  # the record says olga was granted "test" 60 days later than she was
    work = _by_id(evaluate(gate))["workforce"]
    assert work.status == rules.FAIL and work.value == 3, work.message
    assert work.findings[0].startswith("SN-1 operation 30: olga was qualified for test only from ")
    assert {"kind": "unit", "id": "SN-1", "url": "/units/SN-1", "note": "op 30, olga"} in [
        e.model_dump() for e in work.evidence]


def test_evaluating_again_makes_a_new_assessment_and_says_what_changed(gate, password):
    evaluate(gate)
    service.attest(gate, actor(gate, "pam"), program="ACT", topic="funding", statement="FY27 production funds released",
                   attachment_name="funding.pdf", attachment=b"%PDF-1.4 funding memo", password=password)
    second = evaluate(gate)
    assert second.assessment == 2 and second.previous == 1
    change = next(c for c in second.changes if c.id == "attestations")
    assert (change.value_before, change.value) == (0, 1)
    assert any("funding" in f for f in change.resolved)
    rows = service.list_assessments(gate, actor(gate, "olga"), program="ACT")
    assert [(r.number, r.status) for r in rows] == [(2, AssessmentStatus.ASSESSED), (1, AssessmentStatus.SUPERSEDED)]


def test_a_waiver_is_signed_and_turns_its_criterion_into_a_condition(gate, password):
    wrong = refused(service.waive, gate, "pam", program="ACT", criterion="attestations",
                    condition="attest before the first FRP lot", reason="review board meets first", password="not-it")
    assert wrong.code == "signature_refused"
    assert gate.execute(select(Waiver)).first() is None  # refused: nothing recorded
    w = service.waive(gate, actor(gate, "pam"), program="ACT", criterion="attestations",
                      condition="attest before the first FRP lot", reason="review board meets first",
                      password=password)
    assert (w.granted_by, w.signatures[0].valid) == ("pam", True)
    sig = gate.execute(select(Signature).where(Signature.record_type == "readiness_waiver")).scalar_one()
    assert (sig.record_id, sig.username, sig.meaning) == (f"ACT/{w.id}", "pam", "approved")
    a = evaluate(gate)
    crit = _by_id(a)["attestations"]
    assert crit.status == rules.WAIVED and crit.waiver.name == "Pam Program"
    assert a.findings[-1].text == "waived by Pam Program: attest before the first FRP lot"
    withdrawn = service.withdraw_waiver(gate, actor(gate, "pam"), program="ACT", waiver=w.id,
                                        reason="attested after all")
    assert withdrawn.withdrawn_by == "pam"
    assert _by_id(evaluate(gate))["attestations"].status == rules.FAIL


def test_an_attestation_needs_a_statement_and_a_document(gate, password):
    assert refused(service.attest, gate, "pam", program="ACT", topic="moon", statement=" ", attachment_name="",
                   attachment=b"", password=password).reasons == [
        "'moon' is not an attestation topic; they are facilities, funding, operational_test, risk_register",
        "an attestation needs a statement", "an attestation needs an attachment (the document that backs it)",
        "the attachment needs a file name"]
    assert refused(service.attest, gate, "quinn", program="ACT", topic="funding", statement="funds released",
                   attachment_name="memo.txt", attachment=b"memo", password=password).reasons == [
        "the attestation of funding is not signed by a quality engineer (quinn); it still needs a program "
        "signature (a program manager)"]
    for topic in TOPICS:
        service.attest(gate, actor(gate, "pam"), program="ACT", topic=topic, statement=f"{topic} ready",
                       attachment_name=f"{topic}.txt", attachment=topic.encode(), password=password)
    crit = _by_id(evaluate(gate, "quinn"))["attestations"]
    assert crit.status == rules.PASS and crit.value == 4
    rows = service.list_attestations(gate, actor(gate, "olga"), program="ACT")
    assert all(r.attested_by == "pam" and r.signatures[0].valid and r.signatures[0].meaning == "verified"
               for r in rows)
    assert service.attestation_file(gate, actor(gate, "olga"), program="ACT", attestation=rows[0].id).content == (
        b"facilities")


def _go_with_conditions(session, password: str):
    """Attest everything and waive whatever does not pass, then evaluate."""
    pam = actor(session, "pam")
    for topic in TOPICS:
        service.attest(session, pam, program="ACT", topic=topic, statement="ready", attachment_name="memo.txt",
                       attachment=b"memo", password=password)
    for c in evaluate(session).criteria:
        if c.status != rules.PASS:
            w = service.waive(session, pam, program="ACT", criterion=c.id, condition=f"close {c.id} within 30 days",
                              reason="test", password=password)
            if w.missing:  # a quality criterion's waiver is signed by quality too
                service.sign_waiver(session, actor(session, "quinn"), program="ACT", waiver=w.id, password=password)
    return evaluate(session)


def decide(session, password: str):
    """The readiness decision, signed by the program and quality; the last answer."""
    service.sign_assessment(session, actor(session, "pam"), program="ACT", password=password)
    return service.sign_assessment(session, actor(session, "quinn"), program="ACT", password=password)


def test_full_rate_needs_a_signed_go_recorded_on_the_program(gate, password):
    pam = actor(gate, "pam")
    assert refused(program.change_phase, gate, "pam", program="ACT", phase="frp", reason="ready").reasons[0] == (
        "moving to full-rate production needs a readiness assessment that is GO and signed")
    a = _go_with_conditions(gate, password)
    assert a.verdict == rules.GO_WITH_CONDITIONS
    assert program.get_program(gate, "ACT").frp_go_at is None  # not signed yet
    half = service.sign_assessment(gate, pam, program="ACT", password=password)
    assert half.status == AssessmentStatus.ASSESSED and half.missing == [
        "a quality signature (a quality engineer or an MRB member)"]
    assert program.get_program(gate, "ACT").frp_go_at is None  # the program alone does not decide
    signed = service.sign_assessment(gate, actor(gate, "quinn"), program="ACT", password=password)
    assert [s.name for s in signed.signatures if s.valid] == ["Pam Program", "Quinn Quality"]
    assert signed.status == AssessmentStatus.DECIDED and signed.missing == []
    prog = program.get_program(gate, "ACT")
    assert prog.frp_go_assessment == str(a.assessment) and prog.frp_go_at == signed.signatures[1].signed_at
    for who in ("pam", "quinn"):  # the move itself is signed too (lrip.auth.decisions: PHASE_CHANGE)
        program.sign_phase_change(gate, actor(gate, who), program="ACT", phase="frp", password=password)
    assert program.change_phase(gate, pam, program="ACT", phase="frp", reason="signed GO").phase == "frp"


def test_a_newer_no_go_takes_the_go_away_and_only_the_latest_is_signed(gate, password):
    pam = actor(gate, "pam")
    _go_with_conditions(gate, password)
    decide(gate, password)
    assert program.get_program(gate, "ACT").frp_go_at is not None
    latest = gate.execute(select(Waiver).order_by(Waiver.id.desc())).scalars().first()
    service.withdraw_waiver(gate, pam, program="ACT", waiver=latest.id, reason="not acceptable after all")
    again = evaluate(gate)
    assert again.verdict == rules.NO_GO
    assert program.get_program(gate, "ACT").frp_go_at is None
    events = [e.action for e in audit.history(gate, "program", "ACT", limit=3)]
    assert events[:2] == ["program.frp_go_withdrawn", "readiness.assessed"]
    older = refused(service.sign_assessment, gate, "pam", program="ACT", number=again.assessment - 1,
                    password=password)
    assert older.reasons == [f"assessment {again.assessment - 1} is superseded; only the latest assessment is "
                             "signed: evaluate again, or sign the latest"]
    decide(gate, password)  # a signed NO-GO gives no GO
    assert program.get_program(gate, "ACT").frp_go_at is None


def test_the_decision_and_the_assessment_need_their_roles(gate, password):
    """Any role signed the readiness decision: it is the program's and quality's (lrip.auth.decisions), checked
    by the use case itself, so no entry point can skip it, and a refusal names who is still to sign."""
    evaluate(gate)
    for who, words in (("olga", "an operator"), ("lou", "a supply chain")):
        assert refused(service.sign_assessment, gate, who, program="ACT", password=password).reasons == [
            f"assessment 1 is not signed by {words} ({who}); it still needs a program signature (a program "
            "manager); a quality signature (a quality engineer or an MRB member)"]
    service.sign_assessment(gate, actor(gate, "quinn"), program="ACT", password=password)
    assert refused(service.sign_assessment, gate, "lou", program="ACT", password=password).reasons == [
        "assessment 1 is not signed by a supply chain (lou); it still needs a program signature (a program manager)"]
    assert isinstance(refused(service.evaluate, gate, "olga", program="ACT"), Forbidden)
    assert isinstance(refused(service.waive, gate, "lou", program="ACT", criterion="yield", condition="c",
                              reason="r", password=password), Forbidden)


def test_the_assessment_lifecycle_is_pure():
    assert assessment_status(latest=True, signed=False) == AssessmentStatus.ASSESSED
    assert assessment_status(latest=True, signed=True) == AssessmentStatus.DECIDED
    assert assessment_status(latest=False, signed=True) == AssessmentStatus.SUPERSEDED
    assert ASSESSMENT.next(AssessmentStatus.DECIDED, "decide", "assessment 2")[0] == AssessmentStatus.DECIDED
    assert ASSESSMENT.next(AssessmentStatus.SUPERSEDED, "decide", "assessment 1")[0] is None


def cpk_target(session) -> float:
    crit = next(c for c in service.list_criteria(session, actor(session, "olga"), program="ACT") if c.id == "capability")
    return crit.targets[0].value


def test_targets_change_only_when_the_program_and_quality_have_signed(gate, password):
    """`lrip readiness set-target ACT-200 capability cpk_min 0.1` turned capability from fail to pass, by anyone:
    a target change is signed by the program and quality, with a reason, before it counts."""
    assert refused(service.set_target, gate, "quinn", program="ACT", criterion="capability", name="cpk_min",
                   value=-1, reason="", password=password).reasons == [
        "a target is zero or more, not -1", "a target change needs a reason"]
    assert refused(service.set_target, gate, "lou", program="ACT", criterion="capability", name="cpk_min", value=0.1,
                   reason="x", password=password).reasons == [
        "the change of capability.cpk_min to 0.1 is not signed by a supply chain (lou); it still needs a program "
        "signature (a program manager); a quality signature (a quality engineer or an MRB member)"]
    assert isinstance(refused(service.set_target, gate, "olga", program="ACT", criterion="capability",
                              name="cpk_min", value=1.5, reason="x", password=password), Forbidden)
    proposed = service.set_target(gate, actor(gate, "pam"), program="ACT", criterion="capability", name="cpk_min",
                                  value=0.1, reason="to pass", password=password)
    assert (proposed.status, proposed.before, proposed.value) == ("pending", 1.33, 0.1)
    assert proposed.missing == ["a quality signature (a quality engineer or an MRB member)"]
    assert cpk_target(gate) == 1.33 and _by_id(evaluate(gate))["capability"].target == 1.33
    # quality proposes another value: it supersedes the pending one, and the program signs it
    better = service.set_target(gate, actor(gate, "quinn"), program="ACT", criterion="capability", name="cpk_min",
                                value=1.67, reason="new process: PPAP asks 1.67", password=password)
    assert [t.status for t in service.list_target_changes(gate, actor(gate, "olga"), program="ACT")] == [
        "superseded", "pending"]
    assert refused(service.sign_target, gate, "pam", program="ACT", change=proposed.id,
                   password=password).reasons == [f"target change {proposed.id} is superseded; only a pending one "
                                                  "is signed"]
    applied = service.sign_target(gate, actor(gate, "pam"), program="ACT", change=better.id, password=password)
    assert (applied.status, applied.missing) == ("applied", [])
    assert cpk_target(gate) == 1.67
    a = evaluate(gate, "quinn")
    assert _by_id(a)["capability"].target == 1.67
    assert [(t.criterion, t.name, t.previous, t.value, t.reason, t.signed_by) for t in a.target_changes] == [
        ("capability", "cpk_min", 1.33, 1.67, "new process: PPAP asks 1.67",
         ["Quinn Quality (quality_engineer)", "Pam Program (program_manager)"])]


def test_a_count_target_applies_when_signed_in_another_transaction(gate, password):
    """A count target's default is a whole number (open NCRs 0) and the table keeps floats: the proposer's
    signature was bound to "previous": 0, the row read back says 0.0, so the change never applied."""
    proposed = service.set_target(gate, actor(gate, "pam"), program="ACT", criterion="quality",
                                  name="open_major_ncrs_max", value=2, reason="two minor-turned-major NCRs in MRB",
                                  password=password)
    gate.expire_all()  # the signature comes in another unit of work, which reads the proposal back
    applied = service.sign_target(gate, actor(gate, "quinn"), program="ACT", change=proposed.id, password=password)
    assert (applied.status, applied.missing, [s.valid for s in applied.signatures]) == ("applied", [], [True, True])


def test_a_quality_criterion_is_waived_only_with_qualitys_signature(gate, password):
    """The capability waiver was signed by the program manager alone."""
    pam = actor(gate, "pam")
    assert _by_id(evaluate(gate))["first_article"].status == rules.FAIL  # no FAI on the line
    w = service.waive(gate, pam, program="ACT", criterion="first_article", condition="FAI on the first FRP unit",
                      reason="the customer witnesses it then", password=password)
    assert w.missing == ["a quality signature (a quality engineer or an MRB member)"]
    assert _by_id(evaluate(gate))["first_article"].status == rules.FAIL
    assert refused(service.sign_waiver, gate, "lou", program="ACT", waiver=w.id, password=password).reasons == [
        f"waiver {w.id} of first_article is not signed by a supply chain (lou); it still needs a quality signature "
        "(a quality engineer or an MRB member)"]
    assert service.sign_waiver(gate, actor(gate, "quinn"), program="ACT", waiver=w.id, password=password).missing == []
    assert _by_id(evaluate(gate))["first_article"].status == rules.WAIVED
    # a criterion that is not a quality criterion is the program's to waive
    assert service.waive(gate, pam, program="ACT", criterion="capacity", condition="second shift by FRP",
                         reason="hiring", password=password).missing == []


def test_the_assessment_history_reads_as_many_statements_for_three_as_for_one(gate, password):
    olga = actor(gate, "olga")
    evaluate(gate)
    with counting(gate) as one:
        service.list_assessments(gate, olga, program="ACT")
    evaluate(gate)
    decide(gate, password)
    evaluate(gate)
    with counting(gate) as three:
        rows = service.list_assessments(gate, olga, program="ACT")
    assert [(r.number, r.status, r.signed_by) for r in rows] == [
        (3, AssessmentStatus.ASSESSED, []), (2, AssessmentStatus.SUPERSEDED, ["Pam Program", "Quinn Quality"]),
        (1, AssessmentStatus.SUPERSEDED, [])]
    assert len(three) == len(one) == 3  # the program, the assessments, their signatures
