"""API tokens: shown once, stored as a hash, refused in words when revoked, expired or orphaned."""
import hashlib

import pytest
from sqlalchemy import select

from lrip import audit
from lrip.auth import service
from lrip.auth.models import ApiToken
from lrip.errors import NotFound, Refused


def refused(session, plaintext):
    with pytest.raises(Refused) as exc:
        service.user_for_token(session, plaintext)
    assert exc.value.code == "token_refused"
    return exc.value.reasons


def test_a_token_is_shown_once_and_stored_as_its_hash(people, clock):
    plaintext, row = service.create_token(people, username="olga", name="test station 3", expires_in_days=30,
                                          actor="ada")
    assert plaintext.startswith("lrip_") and len(plaintext) > 40
    stored = people.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert stored.prefix == plaintext[:12]
    assert plaintext not in str([getattr(stored, c.key) for c in ApiToken.__table__.columns])
    assert stored.expires_at == clock.now.replace(day=1, month=4)  # 30 days after 2 March
    [event] = [e for e in audit.history(people, "api_token") if e.action == "token.created"]
    assert plaintext not in str(event.after) and event.after["prefix"] == row.prefix
    assert not any(plaintext in str(t) for t in service.list_tokens(people))


def test_a_token_stands_for_its_user_and_notes_when_it_was_used(people, clock):
    plaintext, _ = service.create_token(people, username="olga", name="station", actor="ada")
    assert service.user_for_token(people, plaintext).username == "olga"
    row = people.execute(select(ApiToken)).scalar_one()
    assert row.last_used_at == clock.now
    clock.advance(seconds=20)
    service.user_for_token(people, plaintext)
    assert row.last_used_at == clock.now.replace(second=0)  # written at most once a minute
    clock.advance(minutes=2)
    service.user_for_token(people, plaintext)
    assert row.last_used_at == clock.now


def test_revoked_expired_unknown_and_disabled_are_refused_in_words(people, clock):
    plaintext, row = service.create_token(people, username="olga", name="station", expires_in_days=90, actor="ada")
    assert refused(people, plaintext + "x") == ["this API token is not known; check it was copied whole"]

    clock.advance(days=90)
    assert refused(people, plaintext) == ["this API token expired on 2026-05-31 08:00 UTC"]
    clock.advance(days=-1)
    service.disable_user(people, username="olga", actor="ada")
    assert refused(people, plaintext) == ["the account olga that owns this API token is disabled"]
    service.enable_user(people, username="olga", actor="ada")

    service.revoke_token(people, token=row.prefix, actor="ada", reason="station scrapped")
    assert refused(people, plaintext) == ["this API token was revoked on 2026-05-30 08:00 UTC by ada"]
    clock.advance(days=2)
    assert len(refused(people, plaintext)) == 2  # revoked and expired: every reason


def test_revoke_by_id_or_whole_token_and_not_twice(people):
    first, row1 = service.create_token(people, username="olga", name="one", actor="ada")
    second, row2 = service.create_token(people, username="olga", name="two", actor="olga")
    assert service.revoke_token(people, token=str(row1.id), actor="ada").id == row1.id
    assert service.revoke_token(people, token=second, actor="olga").id == row2.id
    with pytest.raises(Refused, match="revoked already"):
        service.revoke_token(people, token=str(row1.id), actor="ada")
    with pytest.raises(NotFound):
        service.revoke_token(people, token="lrip_nothing", actor="ada")
    assert [t["status"] for t in service.list_tokens(people, "olga")] == ["revoked", "revoked"]
    assert audit.verify(people).ok


def test_create_token_gives_every_reason(people):
    service.disable_user(people, username="vic", actor="ada")
    with pytest.raises(Refused) as exc:
        service.create_token(people, username="vic", name=" ", expires_in_days=0, actor="ada")
    assert exc.value.reasons == ["a token needs a name saying what uses it", "a token lasts 1 to 366 days, not 0",
                                 "vic's account is disabled"]
