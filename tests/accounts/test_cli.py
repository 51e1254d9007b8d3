"""`lrip init`, `login`, `logout`, `whoami`, `lrip user …` and `lrip token …` on a real SQLite file:
every command runs as whoever is signed in, never as a name typed on the command line."""
import json
import os
import stat

import pytest
from typer.testing import CliRunner

from lrip.auth import service
from lrip.cli import app
from lrip.db import unit_of_work

runner = CliRunner()
PASSWORD = "a long secret phrase"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """Each test has its own $LRIP_HOME, so no session leaks between tests or from the machine."""
    monkeypatch.setenv("LRIP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LRIP_TOKEN", raising=False)
    return tmp_path / "home"


def lrip(url, *args, input=None, env=None):
    return runner.invoke(app, [*args, "--db", url], input=input, env=env)


def signs_in(url, username, password):
    with unit_of_work(url) as session:
        return service.sign_in(session, username=username, password=password, kind="web").signed_in is not None


@pytest.fixture
def installed(tmp_path):
    """A new database with its admin signed in, and the admin's password."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    admin = json.loads(lrip(url, "init", "--json").output)["admin"]["password"]
    assert lrip(url, "login", "admin", "--password-stdin", input=admin + "\n").exit_code == 0
    return url


def add(url, username, *roles):
    args = ["user", "add", username, "--name", username.title(), "--password-stdin"]
    for role in roles:
        args += ["--role", role]
    result = lrip(url, *args, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def test_init_creates_the_first_admin_once_and_shows_the_password_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = lrip(url, "init")
    assert result.exit_code == 0, result.output
    password = result.output.split("write it down): ")[1].strip()
    assert signs_in(url, "admin", password)
    again = lrip(url, "init", "--json")
    assert json.loads(again.output) == {"database": url, "status": "up to date"}
    assert password not in again.output


def test_a_bad_database_url_is_one_line_of_error(tmp_path):
    for command in (["init"], ["whoami"], ["user", "list"]):
        result = runner.invoke(app, [*command, "--db", "bogus://x", "--json"])
        assert result.exit_code == 2, result.output
        answer = json.loads(result.output)
        assert answer["error"] == "database_url_invalid" and "Traceback" not in result.output


def test_without_a_sign_in_nothing_runs_and_the_answer_says_how_to_sign_in(installed):
    lrip(installed, "logout")
    result = lrip(installed, "user", "list", "--json")
    assert result.exit_code == 2
    answer = json.loads(result.output)
    assert answer["error"] == "not_signed_in" and "lrip login USERNAME" in answer["reasons"][0]


def test_login_keeps_a_session_token_readable_by_its_owner_only(installed, home):
    path = home / "sessions.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    entry = json.loads(path.read_text())[installed]
    assert entry["username"] == "admin" and len(entry["token"]) > 30
    who = json.loads(lrip(installed, "whoami", "--json").output)
    assert who == {"username": "admin", "full_name": "Administrator", "roles": ["admin"]}


def test_logout_ends_the_session_on_the_server_too(installed, home):
    token = json.loads((home / "sessions.json").read_text())[installed]["token"]
    assert "Signed out admin" in lrip(installed, "logout").output
    with unit_of_work(installed, write=False) as session:
        with pytest.raises(Exception, match="ended"):
            service.actor_for_session(session, token)
    assert lrip(installed, "whoami").exit_code == 2


def test_an_operator_cannot_make_himself_admin_or_mint_a_token_for_someone_else(installed):
    add(installed, "mreyes", "operator")
    add(installed, "rchen", "quality_engineer")
    assert lrip(installed, "login", "mreyes", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    result = lrip(installed, "user", "set-roles", "mreyes", "--role", "admin", "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["error"] == "forbidden"
    assert "may not manage users" in json.loads(result.output)["reasons"][0]
    result = lrip(installed, "token", "create", "rchen", "--name", "for rchen", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "forbidden"
    assert lrip(installed, "token", "create", "mreyes", "--name", "my station").exit_code == 0
    with unit_of_work(installed, write=False) as session:
        assert service.get_user(session, "mreyes").roles == ["operator"]


def test_there_is_no_by_option_to_act_as_someone_else(installed):
    result = lrip(installed, "user", "set-roles", "admin", "--role", "admin", "--by", "admin")
    assert result.exit_code == 2 and "No such option: --by" in result.output


def test_a_disabled_or_locked_account_stops_at_once(installed):
    add(installed, "mreyes", "operator")
    result = lrip(installed, "token", "create", "mreyes", "--name", "station", "--json")
    token = json.loads(result.output)["token"]
    assert lrip(installed, "whoami", env={"LRIP_TOKEN": token}).output.startswith("mreyes")
    assert lrip(installed, "user", "disable", "mreyes").exit_code == 0
    result = lrip(installed, "whoami", "--json", env={"LRIP_TOKEN": token})
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "token_invalid"
    assert lrip(installed, "user", "enable", "mreyes").exit_code == 0
    for _ in range(5):  # wrong passwords slow the next sign-in from here; they lock nobody
        lrip(installed, "login", "mreyes", "--password-stdin", input="not the password\n")
    assert lrip(installed, "whoami", env={"LRIP_TOKEN": token}).output.startswith("mreyes")
    result = lrip(installed, "user", "lock", "mreyes", "--hours", "2", "--reason", "station stolen")
    assert result.exit_code == 0 and result.output.startswith("User mreyes is locked until ")
    result = lrip(installed, "whoami", "--json", env={"LRIP_TOKEN": token})
    assert result.exit_code == 2 and "locked" in json.loads(result.output)["reasons"][0]


def test_user_add_with_a_generated_or_given_password(installed):
    result = lrip(installed, "user", "add", "olga", "--name", "Olga Operator", "--role", "operator", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["roles"] == ["operator"] and signs_in(installed, "olga", data["password"])
    add(installed, "quinn", "quality_engineer", "mrb_member")
    assert signs_in(installed, "quinn", PASSWORD)


def test_user_add_refused_with_every_reason(installed):
    add(installed, "olga", "operator")
    result = lrip(installed, "user", "add", "OLGA", "--name", "Olga", "--role", "chef", "--json")
    assert result.exit_code == 2
    reasons = json.loads(result.output)["reasons"]
    assert len(reasons) == 1 and reasons[0].startswith("roles.0: Input should be")
    result = lrip(installed, "user", "add", "OLGA", "--name", "Olga", "--role", "operator", "--json")
    assert json.loads(result.output)["reasons"] == ["username OLGA is taken"]
    result = lrip(installed, "user", "add", "ol/ga", "--name", "Olga", "--role", "operator", "--json")
    assert json.loads(result.output)["error"] == "invalid_input"


def test_disable_set_roles_and_passwd(installed):
    add(installed, "olga", "operator")
    result = lrip(installed, "user", "set-roles", "olga", "--role", "operator", "--role", "inspector")
    assert result.exit_code == 0, result.output
    assert "operator, inspector" in result.output
    result = lrip(installed, "user", "passwd", "olga", input="a new long password\n")
    assert result.exit_code == 0, result.output
    assert signs_in(installed, "olga", "a new long password")
    result = lrip(installed, "user", "passwd", "olga", input="short\n")
    assert result.exit_code == 2 and "at least 12 characters" in result.output
    assert lrip(installed, "user", "disable", "olga", "--reason", "left").exit_code == 0
    users = {u["username"]: u for u in json.loads(lrip(installed, "user", "list", "--json").output)}
    assert users["olga"]["active"] is False and users["olga"]["roles"] == ["operator", "inspector"]
    result = lrip(installed, "user", "disable", "admin")
    assert result.exit_code == 2 and "last active admin" in result.output


def test_token_create_list_revoke(installed):
    add(installed, "olga", "operator")
    data = json.loads(lrip(installed, "token", "create", "olga", "--name", "station 3", "--days", "30",
                           "--json").output)
    assert data["token"].startswith("lrip_") and data["user"] == "olga"
    listed = json.loads(lrip(installed, "token", "list", "--json").output)
    assert [t["status"] for t in listed] == ["active"] and "token" not in listed[0]
    assert lrip(installed, "token", "revoke", data["prefix"], "--reason", "station scrapped").exit_code == 0
    assert json.loads(lrip(installed, "token", "list", "olga", "--json").output)[0]["status"] == "revoked"
    result = lrip(installed, "token", "create", "olga", "--name", "x", "--days", "0", "--json")
    assert result.exit_code == 2 and json.loads(result.output)["error"] == "invalid_input"
