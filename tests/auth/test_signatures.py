"""Electronic signatures: the password again, bound to the content, one role per person,
independent approval, audited, never changed."""
from datetime import date, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from lrip import audit
from lrip.auth import service
from lrip.auth.models import Signature
from lrip.auth.rules import PriorSignature, content_hash, signing_verdict
from lrip.auth.service import actor_of, get_user
from lrip.auth.signatures import sign, signatures_for
from lrip.db import is_postgres
from lrip.errors import Refused

PASSWORD = "correct horse battery"  # the people fixture's
NCR = {"number": "NCR-7", "disposition": "use_as_is", "units": ["SN-1", "SN-2"], "note": "cosmetic scratch"}


def sign_ncr(session, username, meaning, password=PASSWORD, content=NCR, **kw):
    return sign(session, actor_of(get_user(session, username)), record_type="ncr", record_id="NCR-7",
                content=content, password=password, meaning=meaning, **kw)


# ---------------------------------------------------------------- pure rules

def verdict(**kw):
    args = dict(username="quinn", roles=["quality_engineer", "mrb_member"], role="quality_engineer",
                meaning="approved", content_hash="h1", prior=[], author=None, independent=False)
    return list(signing_verdict(**(args | kw)).reasons)


def test_content_hash_is_canonical():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert content_hash({"on": date(2026, 3, 2)}) == content_hash({"on": "2026-03-02"})


def test_the_signing_rules_give_every_reason():
    assert verdict() == []
    assert verdict(meaning="liked", role="chef") == [
        "'liked' is not a signature meaning; the meanings are authored, reviewed, approved, verified",
        "quinn does not hold the role chef"]
    assert verdict(role=None) == ["quinn holds several roles (quality_engineer, mrb_member); "
                                  "say in which role this signature is given"]
    assert verdict(roles=["viewer"], role="viewer") == ["the role viewer may not sign records"]
    prior = [PriorSignature("quinn", "mrb_member", "reviewed", "h1")]
    assert verdict(prior=prior) == ["quinn already signed this record as mrb_member; "
                                    "one person signs a record in one role only"]
    prior = [PriorSignature("quinn", "quality_engineer", "approved", "h1")]
    assert verdict(prior=prior) == ["quinn already signed this record as approved"]
    assert verdict(prior=prior, content_hash="h2") == []  # the record changed: signing again is right
    assert verdict(author="quinn", independent=True) == [
        "quinn is the author of this record and may not sign it as approved: it needs independent approval"]
    assert verdict(author="quinn") == []
    authored = [PriorSignature("quinn", "quality_engineer", "authored", "h1")]
    assert verdict(prior=authored, meaning="verified", independent=True) == [
        "quinn is the author of this record and may not sign it as verified: it needs independent verification"]


# ---------------------------------------------------------------- the service

def test_a_signature_records_name_time_meaning_role_and_the_content_hash(people, clock):
    sig = sign_ncr(people, "quinn", "approved", role="quality_engineer")
    assert (sig.printed_name, sig.meaning, sig.role, sig.username) == ("Quinn Quality", "approved",
                                                                       "quality_engineer", "quinn")
    assert sig.signed_at == clock.now and sig.signed_at.tzinfo == timezone.utc
    assert sig.content_hash == content_hash(NCR)
    [event] = audit.history(people, "ncr", "NCR-7")
    assert event.action == "signature.signed" and event.actor == "quinn"
    assert event.after["meaning"] == "approved" and event.after["content_hash"] == sig.content_hash
    assert audit.verify(people).ok


def test_a_changed_record_shows_its_signatures_no_longer_match(people):
    sign_ncr(people, "mel", "authored")
    sign_ncr(people, "quinn", "approved", role="mrb_member")
    assert [(s["name"], s["meaning"], s["valid"]) for s in signatures_for(people, "ncr", "NCR-7", NCR)] == [
        ("Mel Engineer", "authored", True), ("Quinn Quality", "approved", True)]
    changed = NCR | {"disposition": "repair"}
    assert [s["valid"] for s in signatures_for(people, "ncr", "NCR-7", changed)] == [False, False]
    assert [s["valid"] for s in signatures_for(people, "ncr", "NCR-7")] == [None, None]
    assert signatures_for(people, "ncr", "NCR-8", NCR) == []


def test_the_password_is_asked_again_and_a_wrong_one_is_refused_without_locking_anyone_out(people):
    for _ in range(6):
        with pytest.raises(Refused) as exc:
            sign_ncr(people, "quinn", "approved", password="not my password", role="quality_engineer")
    assert exc.value.code == "signature_refused"
    assert exc.value.reasons == ["the password of quinn is not right; nothing was signed"]
    assert people.execute(select(Signature)).first() is None
    assert service.get_user(people, "quinn").locked_until is None
    assert sign_ncr(people, "quinn", "approved", role="quality_engineer").meaning == "approved"


def test_one_person_signs_a_record_in_one_role(people):
    sign_ncr(people, "quinn", "reviewed", role="quality_engineer")
    with pytest.raises(Refused) as exc:
        sign_ncr(people, "quinn", "approved", role="mrb_member")
    assert exc.value.reasons == ["quinn already signed this record as quality_engineer; "
                                 "one person signs a record in one role only"]


def test_an_author_may_not_approve_their_own_record_when_independence_is_asked(people):
    with pytest.raises(Refused) as exc:
        sign_ncr(people, "mel", "approved", author="mel", independent=True)
    assert exc.value.reasons == ["mel is the author of this record and may not sign it as approved: "
                                 "it needs independent approval"]
    sign_ncr(people, "mel", "authored")
    with pytest.raises(Refused, match="independent review"):
        sign_ncr(people, "mel", "reviewed", independent=True)
    assert sign_ncr(people, "mel", "approved").meaning == "approved"  # allowed where the policy does not ask


def test_a_viewer_and_a_disabled_user_may_not_sign(people):
    with pytest.raises(Refused, match="the role viewer may not sign records"):
        sign_ncr(people, "vic", "reviewed")
    service.disable_user(people, actor_of(get_user(people, "ada")), username="olga")
    with pytest.raises(Refused, match="disabled"):
        sign_ncr(people, "olga", "verified")


def test_signatures_cannot_be_updated_or_deleted_on_postgresql(people):
    if not is_postgres(people):
        pytest.skip("the append-only trigger is PostgreSQL's")
    sig = sign_ncr(people, "quinn", "approved", role="quality_engineer")
    people.commit()
    for statement in ("UPDATE signature SET meaning = 'reviewed' WHERE id = :id",
                      "DELETE FROM signature WHERE id = :id"):
        with pytest.raises(DBAPIError, match="signatures are never edited or deleted"):
            people.execute(text(statement), {"id": sig.id})
        people.rollback()
    assert signatures_for(people, "ncr", "NCR-7", NCR)[0]["meaning"] == "approved"
