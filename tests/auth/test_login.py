"""Users, passwords and log-in: hashed, locked after repeated failures, every refusal audited."""
import pytest
from sqlalchemy import select

from lrip import audit
from lrip.auth import service
from lrip.auth.models import User
from lrip.auth.passwords import verify_password
from lrip.auth.rules import DISABLED, MAX_FAILED_LOGINS, WRONG_LOGIN
from lrip.errors import NotFound, Refused

PASSWORD = "correct horse battery"  # the people fixture's


def events(session, action, record_id=None):
    session.rollback()
    return [e for e in audit.history(session, "user", record_id, limit=1000) if e.action == action]


def refusal(session, username, password):
    with pytest.raises(Refused) as exc:
        service.authenticate(session, username, password)
    assert exc.value.code == "login_refused"
    return exc.value.reasons


def test_passwords_are_stored_as_argon2_hashes_only(people):
    user = service.get_user(people, "olga")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "!")
    assert service.authenticate(people, "olga", PASSWORD).username == "olga"


def test_a_user_without_a_password_cannot_log_in(session):
    service.create_user(session, username="nopw", full_name="No Password", roles=["viewer"], actor="system")
    assert refusal(session, "nopw", "") == [WRONG_LOGIN]


def test_a_wrong_password_and_an_unknown_name_read_the_same_and_are_audited(people):
    assert refusal(people, "olga", "wrong password!") == [WRONG_LOGIN]
    assert refusal(people, "nobody", "wrong password!") == [WRONG_LOGIN]
    assert service.get_user(people, "olga").failed_logins == 1
    assert [e.reason for e in events(people, "user.login_failed", "olga")] == ["wrong password"]
    assert [e.reason for e in events(people, "user.login_failed", "nobody")] == ["no such user"]
    assert audit.verify(people).ok


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
    assert service.authenticate(people, "olga", PASSWORD).username == "olga"
    user = service.get_user(people, "olga")
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert audit.verify(people).ok


def test_a_success_resets_the_count_of_failures(people):
    for _ in range(MAX_FAILED_LOGINS - 1):
        refusal(people, "olga", "not it at all")
    service.authenticate(people, "olga", PASSWORD)
    assert service.get_user(people, "olga").failed_logins == 0
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]  # a fresh count, not a lock


def test_an_unknown_name_locks_like_a_real_one(people):
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert refusal(people, "ghost", "whatever it is") == [WRONG_LOGIN]
    [locked] = refusal(people, "ghost", "whatever it is")
    assert "locked after 5 failed log-ins" in locked
    assert refusal(people, "ghost", "whatever it is") == [locked]


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(people):
    service.disable_user(people, username="olga", actor="ada", reason="left the company")
    assert refusal(people, "olga", PASSWORD) == [DISABLED]
    assert refusal(people, "olga", "a wrong password") == [WRONG_LOGIN]


def test_a_failure_is_kept_even_when_the_callers_transaction_fails(people):
    with pytest.raises(Refused):
        with people.begin():
            service.create_user(people, username="temp", full_name="Temp", roles=["viewer"], actor="ada")
            service.authenticate(people, "olga", "a wrong password")
    assert people.execute(select(User).where(User.username == "temp")).first() is None
    assert service.get_user(people, "olga").failed_logins == 1


def test_set_password_checks_every_rule_and_unlocks(people):
    with pytest.raises(Refused) as exc:
        service.set_password(people, username="olga", password=" olga ", actor="ada")
    assert exc.value.reasons == ["a password needs at least 12 characters", "a password may not contain the user name",
                                 "a password may not begin or end with a space"]
    for _ in range(MAX_FAILED_LOGINS):
        refusal(people, "olga", "not it at all")
    service.set_password(people, username="olga", password="a brand new secret", actor="ada", reason="locked out")
    assert service.authenticate(people, "olga", "a brand new secret").username == "olga"
    [event] = events(people, "user.password_set", "olga")
    assert "secret" not in str(event.after) and event.reason == "locked out"


def test_enable_unlocks_a_locked_user_and_refuses_a_no_op(people):
    with pytest.raises(Refused, match="enabled already and not locked"):
        service.enable_user(people, username="olga", actor="ada")
    for _ in range(MAX_FAILED_LOGINS):
        refusal(people, "olga", "not it at all")
    service.enable_user(people, username="olga", actor="ada")
    assert service.authenticate(people, "olga", PASSWORD)


def test_disable_and_set_roles_keep_one_active_admin(people):
    with pytest.raises(Refused) as exc:
        service.set_roles(people, username="ada", roles=["viewer", "wizard"], actor="ada")
    assert exc.value.reasons == ["'wizard' is not a role; roles are " + ", ".join(service.ROLES),
                                 "ada is the last active admin; make another user admin first"]
    with pytest.raises(Refused, match="last active admin"):
        service.disable_user(people, username="ada", actor="ada")
    service.set_roles(people, username="quinn", roles=["quality_engineer", "admin"], actor="ada", reason="backup")
    service.disable_user(people, username="ada", actor="quinn")
    with pytest.raises(Refused, match="disabled already"):
        service.disable_user(people, username="ada", actor="quinn")
    with pytest.raises(Refused, match="at least one role"):
        service.set_roles(people, username="olga", roles=[], actor="quinn")
    assert [e.after for e in events(people, "user.roles_set", "quinn")] == [{"roles": ["quality_engineer", "admin"]}]
    with pytest.raises(NotFound):
        service.disable_user(people, username="nobody", actor="quinn")


def test_create_user_refuses_a_weak_password_with_the_other_reasons(session):
    with pytest.raises(Refused) as exc:
        service.create_user(session, username="two words", full_name="X", roles=["chef"], actor="system",
                            password="short")
    assert len(exc.value.reasons) == 3


def test_the_first_admin_is_created_once(session):
    password = service.create_first_admin(session)
    assert service.authenticate(session, "admin", password).roles == ["admin"]
    assert service.create_first_admin(session) is None


def test_a_cheap_hash_is_upgraded_at_the_next_log_in_with_production_parameters(people, monkeypatch):
    monkeypatch.delenv("LRIP_FAST_HASH")
    service.authenticate(people, "olga", PASSWORD)
    new_hash = service.get_user(people, "olga").password_hash
    assert "m=65536" in new_hash and verify_password(new_hash, PASSWORD)
