"""Users, passwords and sign-in: hashed, slowed per account and source after wrong passwords (never locked
by them), locked only by an admin, every attempt recorded."""
import pytest

from lrip.auth.service import actor_of, get_user
from lrip import audit
from lrip.auth import service
from lrip.auth.actor import INSTALLATION
from lrip.auth.passwords import verify_password
from lrip.auth.models import FailedSignIn
from lrip.auth.rules import DISABLED, WRONG_LOGIN, wait_after
from lrip.errors import Forbidden, NotFound, NotSignedIn, Refused

PASSWORD = "correct horse battery"  # the people fixture's


def actor(session, username):
    return actor_of(get_user(session, username))


def events(session, action, record_id=None):
    return [e for e in audit.history(session, "user", record_id, limit=1000) if e.action == action]


def sign_in(session, username, password, source="10.0.0.7"):
    return service.sign_in(session, username=username, password=password, kind="web", source=source)


def refusal(session, username, password, source="10.0.0.7"):
    outcome = sign_in(session, username, password, source)
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
    assert [e.reason for e in events(people, "user.login_failed", "olga")] == ["wrong password"]
    assert [e.reason for e in events(people, "user.login_failed", "nobody")] == ["no such user"]
    assert audit.verify(people).ok


def test_a_refused_sign_in_raises_only_after_it_is_recorded(people):
    outcome = sign_in(people, "olga", "wrong password!")
    with pytest.raises(Refused) as exc:
        outcome.raise_if_refused()
    assert exc.value.code == "login_refused" and exc.value.reasons == [WRONG_LOGIN]


def test_the_wait_doubles_after_the_second_wrong_password_up_to_a_quarter_hour():
    assert [wait_after(n).total_seconds() for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 32, 64]
    assert wait_after(12).total_seconds() == 900 and wait_after(10_000).total_seconds() == 900


def test_wrong_passwords_slow_the_next_try_from_the_same_source_exponentially(people, clock):
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN + "; wait 2 seconds before trying again from here"]
    [waiting] = refusal(people, "olga", PASSWORD)  # even the right password is not checked while waiting
    assert waiting.startswith("too many wrong passwords for this name from here: wait 2 seconds")
    clock.advance(seconds=2)
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN + "; wait 4 seconds before trying again from here"]
    clock.advance(seconds=4)
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN + "; wait 8 seconds before trying again from here"]
    assert [e.reason for e in events(people, "user.login_refused", "olga")] == ["waiting after wrong passwords"]
    assert [e.after["failures"] for e in events(people, "user.login_failed", "olga")] == [5, 4, 3, 2, 1]
    clock.advance(seconds=8)
    assert sign_in(people, "olga", PASSWORD).signed_in.username == "olga"
    assert people.query(FailedSignIn).count() == 0  # a right password clears this source's count
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]  # a fresh count
    assert audit.verify(people).ok


def test_wrong_passwords_from_elsewhere_never_lock_the_owner_out(people, clock):
    """Five (or thirty) anonymous wrong passwords for olga from another address: olga, at her own station,
    signs in at once, her sessions go on, and her account is not locked."""
    own = sign_in(people, "olga", PASSWORD, source="10.0.0.7").signed_in.token
    for _ in range(30):
        clock.advance(seconds=901)
        refusal(people, "olga", "guess guess guess", source="203.0.113.9")
    assert sign_in(people, "olga", PASSWORD, source="10.0.0.7").signed_in.username == "olga"
    assert service.actor_for_session(people, own).username == "olga"
    assert service.get_user(people, "olga").locked_until is None
    assert events(people, "user.locked", "olga") == []
    [waiting] = refusal(people, "olga", PASSWORD, source="203.0.113.9")  # the guesser's own source still waits
    assert "wait 15 minutes" in waiting


def test_failures_are_forgotten_after_a_day(people, clock):
    for _ in range(3):
        refusal(people, "olga", "not it at all")
    clock.advance(hours=24)
    assert refusal(people, "olga", "not it at all") == [WRONG_LOGIN]


def test_an_unknown_name_is_slowed_like_a_real_one(people):
    assert refusal(people, "ghost", "whatever it is") == refusal(people, "olga", "whatever it is") == [WRONG_LOGIN]
    refusal(people, "ghost", "whatever it is")
    refusal(people, "olga", "whatever it is")
    assert refusal(people, "ghost", "whatever it is") == refusal(people, "olga", "whatever it is")


def test_only_an_admin_locks_an_account_and_the_lock_ends_its_sessions(people, ada, clock):
    token = sign_in(people, "olga", PASSWORD).signed_in.token
    with pytest.raises(Forbidden):
        service.lock_user(people, actor(people, "olga"), username="quinn", hours=1)
    with pytest.raises(Refused) as exc:
        service.lock_user(people, ada, username="ada", hours=0)
    assert exc.value.reasons == ["a lock lasts 1 to 720 hours, not 0", "an admin does not lock their own account"]
    assert service.lock_user(people, ada, username="olga", hours=2, reason="badge lost").locked_until
    with pytest.raises(NotSignedIn, match="locked until 2026-03-02 10:00 UTC"):
        service.actor_for_session(people, token)
    [locked] = refusal(people, "olga", PASSWORD)
    assert locked == "this account is locked by an admin until 2026-03-02 10:00 UTC; ask an admin to unlock it"
    assert [e.reason for e in events(people, "user.locked", "olga")] == ["badge lost"]
    clock.advance(hours=2)
    assert sign_in(people, "olga", PASSWORD).signed_in.username == "olga"


def test_a_disabled_account_says_so_only_to_whoever_knows_its_password(people, ada):
    service.disable_user(people, ada, username="olga", reason="left the company")
    assert refusal(people, "olga", PASSWORD) == [DISABLED]
    assert refusal(people, "olga", "a wrong password") == [WRONG_LOGIN]


def test_set_password_checks_every_rule_forgets_the_failures_and_unlocks(people, ada):
    with pytest.raises(Refused) as exc:
        service.set_password(people, ada, username="olga", password=" olga ")
    assert exc.value.reasons == ["a password needs at least 12 characters", "a password may not contain the user name",
                                 "a password may not begin or end with a space"]
    for _ in range(5):
        refusal(people, "olga", "not it at all")
    service.lock_user(people, ada, username="olga", hours=1)
    service.set_password(people, ada, username="olga", password="a brand new secret", reason="locked out")
    assert sign_in(people, "olga", "a brand new secret").signed_in.username == "olga"
    [event] = events(people, "user.password_set", "olga")
    assert "secret" not in str(event.after) and event.reason == "locked out"


def test_enable_unlocks_a_locked_user_and_refuses_a_no_op(people, ada):
    with pytest.raises(Refused, match="enabled already and not locked"):
        service.enable_user(people, ada, username="olga")
    service.lock_user(people, ada, username="olga", hours=1)
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
