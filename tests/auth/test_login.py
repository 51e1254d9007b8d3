"""Users, passwords and sign-in: hashed, locked after repeated failures, every attempt recorded."""
import pytest

from lrip.auth.service import actor_of, get_user
from lrip import audit
from lrip.auth import service
from lrip.auth.actor import INSTALLATION
from lrip.auth.passwords import verify_password
from lrip.auth.rules import DISABLED, MAX_FAILED_LOGINS, WRONG_LOGIN
from lrip.errors import Forbidden, NotFound, Refused

PASSWORD = "correct horse battery"  # the people fixture's


def actor(session, username):
    return actor_of(get_user(session, username))


def events(session, action, record_id=None):
    return [e for e in audit.history(session, "user", record_id, limit=1000) if e.action == action]


def sign_in(session, username, password):
    return service.sign_in(session, username=username, password=password, kind="web")


def refusal(session, username, password):
    outcome = sign_in(session, username, password)
    assert outcome.signed_in is None
    return [outcome.refusal]


def test_passwords_are_stored_as_argon2_hashes_only(people):
    user = service.get_user(people, "olga")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "!")
    assert sign_in(people, "olga", PASSWORD).signed_in.username == "olga"


def test_a_user_without_a_password_cannot_sign_in(session):
    service.create_user(session, INSTALLATION, username="nopw", full_name="No Password", roles=["viewer"])
    assert refusal(session, "nopw", "") == [WRONG_LOGIN]


def test_a_wrong_password_and_an_unknown_name_read_the_same_and_are_audited(people):
    assert refusal(people, "olga", "wrong password!") == [WRONG_LOGIN]
    assert refusal(people, "nobody", "wrong password!") == [WRONG_LOGIN]
    assert service.get_user(people, "olga").failed_logins == 1
    assert [e.reason for e in events(people, "user.login_failed", "olga")] == ["wrong password"]
    assert [e.reason for e in events(people, "user.login_failed", "nobody")] == ["no such user"]
    assert audit.verify(people).ok


def test_a_refused_sign_in_raises_only_after_it_is_recorded(people):
    outcome = sign_in(people, "olga", "wrong password!")
    with pytest.raises(Refused) as exc:
        outcome.raise_if_refused()
    assert exc.value.code == "login_refused" and exc.value.reasons == [WRONG_LOGIN]


def test_repeated_failures_lock_the_account_until_time_passes(people, clock):
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]
    [locked] = refusal(people, "olga", "not it at all")
    assert "locked after 5 failed log-ins until 2026-03-02 08:15 UTC" in locked
    assert len(events(people, "user.locked", "olga")) == 1
    assert len(events(people, "user.login_failed", "olga")) == MAX_FAILED_LOGINS

    clock.advance(minutes=14)
    assert refusal(people, "olga", PASSWORD) == [locked]  # even the right password, while locked
    assert [e.reason for e in events(people, "user.login_refused", "olga")] == ["locked"]

    clock.advance(minutes=2)
    assert sign_in(people, "olga", PASSWORD).signed_in.username == "olga"
    user = service.get_user(people, "olga")
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert audit.verify(people).ok


def test_a_success_resets_the_count_of_failures(people):
    for _ in range(MAX_FAILED_LOGINS - 1):
        refusal(people, "olga", "not it at all")
    sign_in(people, "olga", PASSWORD)
    assert service.get_user(people, "olga").failed_logins == 0
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]  # a fresh count, not a lock


def test_an_unknown_name_locks_like_a_real_one(people):
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert refusal(people, "ghost", "whatever it is") == [WRONG_LOGIN]
    [locked] = refusal(people, "ghost", "whatever it is")
    assert "locked after 5 failed log-ins" in locked
    assert refusal(people, "ghost", "whatever it is") == [locked]


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(people, ada):
    service.disable_user(people, ada, username="olga", reason="left the company")
    assert refusal(people, "olga", PASSWORD) == [DISABLED]
    assert refusal(people, "olga", "a wrong password") == [WRONG_LOGIN]


def test_set_password_checks_every_rule_and_unlocks(people, ada):
    with pytest.raises(Refused) as exc:
        service.set_password(people, ada, username="olga", password=" olga ")
    assert exc.value.reasons == ["a password needs at least 12 characters", "a password may not contain the user name",
                                 "a password may not begin or end with a space"]
    for _ in range(MAX_FAILED_LOGINS):
        refusal(people, "olga", "not it at all")
    service.set_password(people, ada, username="olga", password="a brand new secret", reason="locked out")
    assert sign_in(people, "olga", "a brand new secret").signed_in.username == "olga"
    [event] = events(people, "user.password_set", "olga")
    assert "secret" not in str(event.after) and event.reason == "locked out"


def test_enable_unlocks_a_locked_user_and_refuses_a_no_op(people, ada):
    with pytest.raises(Refused, match="enabled already and not locked"):
        service.enable_user(people, ada, username="olga")
    for _ in range(MAX_FAILED_LOGINS):
        refusal(people, "olga", "not it at all")
    service.enable_user(people, ada, username="olga")
    assert sign_in(people, "olga", PASSWORD).signed_in


def test_disable_and_set_roles_keep_one_active_admin(people, ada):
    with pytest.raises(Refused) as exc:
        service.set_roles(people, ada, username="ada", roles=["viewer", "wizard"])
    assert exc.value.reasons == ["'wizard' is not a role; roles are " + ", ".join(service.ROLES),
                                 "ada is the last active admin; make another user admin first"]
    with pytest.raises(Refused, match="last active admin"):
        service.disable_user(people, ada, username="ada")
    service.set_roles(people, ada, username="quinn", roles=["quality_engineer", "admin"], reason="backup")
    quinn = actor(people, "quinn")
    service.disable_user(people, quinn, username="ada")
    with pytest.raises(Refused, match="disabled already"):
        service.disable_user(people, quinn, username="ada")
    with pytest.raises(Refused, match="at least one role"):
        service.set_roles(people, quinn, username="olga", roles=[])
    assert [e.after for e in events(people, "user.roles_set", "quinn")] == [{"roles": ["quality_engineer", "admin"]}]
    with pytest.raises(NotFound):
        service.disable_user(people, quinn, username="nobody")


def test_only_an_admin_manages_users(people):
    olga = actor(people, "olga")
    with pytest.raises(Forbidden) as exc:
        service.set_roles(people, olga, username="olga", roles=["admin"])
    assert exc.value.reasons == ["olga (operator) may not manage users; that needs admin"]
    assert service.get_user(people, "olga").roles == ["operator"]


def test_create_user_refuses_a_weak_password_with_the_other_reasons(session):
    with pytest.raises(Refused) as exc:
        service.create_user(session, INSTALLATION, username="two words", full_name="X", roles=["chef"],
                            password="short")
    assert len(exc.value.reasons) == 3


def test_usernames_are_unique_and_found_regardless_of_case(people, ada):
    with pytest.raises(Refused, match="username OLGA is taken"):
        service.create_user(people, ada, username="OLGA", full_name="Another Olga", roles=["operator"])
    assert sign_in(people, "Olga", PASSWORD).signed_in.username == "olga"
    assert service.get_user(people, "OLGA").username == "olga"


def test_the_first_admin_is_created_once(session):
    password = service.create_first_admin(session)
    assert sign_in(session, "admin", password).signed_in.roles == ["admin"]
    assert service.create_first_admin(session) is None


def test_a_cheap_hash_is_upgraded_at_the_next_sign_in_with_production_parameters(people, monkeypatch):
    monkeypatch.delenv("LRIP_FAST_HASH")
    sign_in(people, "olga", PASSWORD)
    new_hash = service.get_user(people, "olga").password_hash
    assert "m=65536" in new_hash and verify_password(new_hash, PASSWORD)
