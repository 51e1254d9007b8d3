"""The permission table: every action × every role, and the words of a refusal."""
from types import SimpleNamespace

import pytest

from lrip.auth import service
from lrip.auth.permissions import PERMISSIONS, WORDS, allowed, check, check_token_owner
from lrip.errors import Forbidden

NEEDED = ["read", "unit.create", "operation.start", "operation.complete", "measurement.record", "material.consume",
          "measurement.import", "hold.disposition", "audit.read", "audit.verify", "user.manage", "token.manage",
          "program.manage", "lot.create", "policy.edit", "catalog.manage", "supply.manage", "signature.sign"]


def person(username, *roles, active=True):
    return SimpleNamespace(username=username, roles=list(roles), active=active)


def test_every_action_and_role_is_answered_by_the_table():
    assert set(NEEDED) <= set(PERMISSIONS)
    for action, roles in PERMISSIONS.items():
        assert roles <= set(service.ROLES), action
        assert "admin" in roles, f"admin may do everything, {action} too"
        assert WORDS[action]
        for role in service.ROLES:
            assert allowed([role], action) == (role in roles), (action, role)
        assert not allowed([], action)


def test_what_the_plant_expects():
    assert PERMISSIONS["read"] == frozenset(service.ROLES)
    assert {a for a, roles in PERMISSIONS.items() if "viewer" in roles} == {"read", "token.manage"}
    assert allowed(["operator"], "operation.start") and allowed(["operator"], "material.consume")
    assert allowed(["inspector"], "measurement.record") and not allowed(["operator"], "hold.disposition")
    assert allowed(["quality_engineer"], "hold.disposition") and allowed(["mrb_member"], "hold.disposition")
    assert not allowed(["program_manager"], "user.manage") and allowed(["operator", "admin"], "user.manage")


def test_a_refusal_names_the_person_and_the_roles_that_may():
    with pytest.raises(Forbidden) as exc:
        check(person("olga", "operator"), "hold.disposition")
    assert exc.value.reasons == ["olga (operator) may not disposition holds; "
                                 "that needs quality_engineer, mrb_member or admin"]
    with pytest.raises(Forbidden, match=r"^ada \(no role\) may not manage users; that needs admin$"):
        check(person("ada"), "user.manage")
    with pytest.raises(Forbidden, match="olga's account is disabled"):
        check(person("olga", "operator", active=False), "read")
    check(person("ada", "admin"), "policy.edit")
    with pytest.raises(ValueError, match="unknown action"):
        allowed(["admin"], "unit.teleport")


def test_tokens_are_ones_own_unless_admin():
    check_token_owner(person("olga", "viewer"), "olga")
    check_token_owner(person("ada", "admin"), "olga")
    with pytest.raises(Forbidden, match="manage other people's API tokens"):
        check_token_owner(person("quinn", "quality_engineer"), "olga")
