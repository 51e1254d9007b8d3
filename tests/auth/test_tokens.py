"""API tokens: shown once, stored as a hash, refused in words when revoked, expired or orphaned;
looked up without writing, so a read never waits behind a writer."""
import hashlib

import pytest
from sqlalchemy import select

from lrip import audit
from lrip.auth import service
from lrip.auth.models import ApiToken
from lrip.auth.service import actor_of, get_user
from lrip.errors import Forbidden, NotFound, NotSignedIn, Refused


def refused(session, plaintext):
    with pytest.raises(NotSignedIn) as exc:
        service.actor_for_token(session, plaintext)
    assert exc.value.code == "token_invalid"
    return exc.value.reasons


def test_a_token_is_shown_once_and_stored_as_its_hash(people, ada, clock):
    created = service.create_token(people, ada, username="olga", name="test station 3", expires_in_days=30)
    plaintext = created.token
    assert plaintext.startswith("lrip_") and len(plaintext) > 40
    stored = people.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert stored.prefix == plaintext[:12]
    assert plaintext not in str([getattr(stored, c.key) for c in ApiToken.__table__.columns])
    assert stored.expires_at == clock.now.replace(day=1, month=4)  # 30 days after 2 March
    [event] = [e for e in audit.history(people, "api_token") if e.action == "token.created"]
    assert plaintext not in str(event.after) and event.after["prefix"] == created.prefix
    assert not any(plaintext in str(t) for t in service.list_tokens(people, ada))


def test_a_token_stands_for_its_user_without_writing_and_notes_its_use_at_most_once_a_minute(people, ada, clock):
    plaintext = service.create_token(people, ada, username="olga", name="station").token
    found = service.actor_for_token(people, plaintext)
    assert found.actor.username == "olga" and found.stale
    assert not people.dirty  # the lookup changed nothing
    service.note_token_use(people, found.token_id)
    row = people.execute(select(ApiToken)).scalar_one()
    assert row.last_used_at == clock.now
    clock.advance(seconds=20)
    assert not service.actor_for_token(people, plaintext).stale
    clock.advance(minutes=2)
    assert service.actor_for_token(people, plaintext).stale


def test_revoked_expired_unknown_disabled_and_locked_are_refused_in_words(people, ada, clock):
    created = service.create_token(people, ada, username="olga", name="station", expires_in_days=90)
    plaintext = created.token
    assert refused(people, plaintext + "x") == ["this API token is not known; check it was copied whole"]

    clock.advance(days=90)
    assert refused(people, plaintext) == ["this API token expired on 2026-05-31 08:00 UTC"]
    clock.advance(days=-1)
    service.disable_user(people, ada, username="olga")
    assert refused(people, plaintext) == ["the account olga that owns this API token is disabled"]
    service.enable_user(people, ada, username="olga")
    for _ in range(5):  # wrong passwords slow sign-ins; they do not stop her station's token
        service.sign_in(people, username="olga", password="not the password", kind="web", source="10.9.9.9")
    assert service.actor_for_token(people, plaintext).actor.username == "olga"
    service.lock_user(people, ada, username="olga", hours=1)
    assert refused(people, plaintext) == ["the account olga that owns this API token is locked until "
                                          "2026-05-30 09:00 UTC"]
    service.enable_user(people, ada, username="olga")

    service.revoke_token(people, ada, token=created.prefix, reason="station scrapped")
    assert refused(people, plaintext) == ["this API token was revoked on 2026-05-30 08:00 UTC by ada"]
    clock.advance(days=2)
    assert len(refused(people, plaintext)) == 2  # revoked and expired: every reason


def test_revoke_by_id_or_whole_token_and_not_twice(people, ada):
    olga = actor_of(get_user(people, "olga"))
    first = service.create_token(people, ada, username="olga", name="one")
    second = service.create_token(people, olga, username="olga", name="two")
    assert service.revoke_token(people, ada, token=str(first.id)).id == first.id
    assert service.revoke_token(people, olga, token=second.token).id == second.id
    with pytest.raises(Refused, match="revoked already"):
        service.revoke_token(people, ada, token=str(first.id))
    with pytest.raises(NotFound):
        service.revoke_token(people, ada, token="lrip_nothing")
    assert [t.status for t in service.list_tokens(people, ada, "olga")] == ["revoked", "revoked"]
    assert audit.verify(people).ok


def test_only_an_admin_makes_or_revokes_someone_elses_token(people, ada):
    olga = actor_of(get_user(people, "olga"))
    quinns = service.create_token(people, ada, username="quinn", name="quinn's")
    with pytest.raises(Forbidden, match="may not manage other people's API tokens"):
        service.create_token(people, olga, username="quinn", name="for quinn")
    with pytest.raises(Forbidden):
        service.revoke_token(people, olga, token=str(quinns.id))
    with pytest.raises(Forbidden):
        service.list_tokens(people, olga, "quinn")
    assert [t.user for t in service.list_tokens(people, olga)] == []


def test_create_token_gives_every_reason(people, ada):
    service.disable_user(people, ada, username="vic")
    with pytest.raises(Refused) as exc:
        service.create_token(people, ada, username="vic", name=" ", expires_in_days=0)
    assert exc.value.reasons == ["a token needs a name saying what uses it", "a token lasts 1 to 366 days, not 0",
                                 "vic's account is disabled"]
