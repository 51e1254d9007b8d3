"""`lrip init`, `lrip user …` and `lrip token …` on a real SQLite file."""
import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lrip.auth import service
from lrip.cli import app
from lrip.db import engine_for

runner = CliRunner()


def lrip(url, *args, input=None):
    return runner.invoke(app, [*args, "--db", url], input=input)


def login(url, username, password):
    with Session(engine_for(url), expire_on_commit=False) as session:
        return service.authenticate(session, username, password)


def test_init_creates_the_first_admin_once_and_shows_the_password_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = lrip(url, "init")
    assert result.exit_code == 0, result.output
    password = result.output.split("write it down): ")[1].strip()
    assert login(url, "admin", password).roles == ["admin"]
    again = lrip(url, "init", "--json")
    assert json.loads(again.output) == {"database": url, "status": "up to date"}
    assert password not in again.output


def test_init_json_gives_the_admin_password(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    admin = json.loads(lrip(url, "init", "--json").output)["admin"]
    assert login(url, admin["username"], admin["password"])


def test_user_add_with_a_generated_or_given_password(sqlite_url):
    result = lrip(sqlite_url, "user", "add", "olga", "--name", "Olga Operator", "--role", "operator", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["roles"] == ["operator"] and login(sqlite_url, "olga", data["password"])

    result = lrip(sqlite_url, "user", "add", "quinn", "--name", "Quinn Quality", "--role", "quality_engineer",
                  "--role", "mrb_member", "--password-stdin", input="a long secret phrase\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert login(sqlite_url, "quinn", "a long secret phrase").roles == ["quality_engineer", "mrb_member"]


def test_user_add_refused_with_every_reason(sqlite_url):
    lrip(sqlite_url, "user", "add", "olga", "--name", "Olga", "--role", "operator")
    result = lrip(sqlite_url, "user", "add", "olga", "--name", "Olga", "--role", "chef", "--json")
    assert result.exit_code == 2
    reasons = json.loads(result.output)["reasons"]
    assert reasons[0] == "username olga is taken" and reasons[1].startswith("'chef' is not a role")


def test_disable_set_roles_and_passwd(sqlite_url):
    lrip(sqlite_url, "user", "add", "ada", "--name", "Ada Admin", "--role", "admin")
    lrip(sqlite_url, "user", "add", "olga", "--name", "Olga", "--role", "operator")
    result = lrip(sqlite_url, "user", "set-roles", "olga", "--role", "operator", "--role", "inspector", "--by", "ada")
    assert result.exit_code == 0, result.output
    assert "operator, inspector" in result.output

    result = lrip(sqlite_url, "user", "passwd", "olga", input="a new long password\n")
    assert result.exit_code == 0, result.output
    assert login(sqlite_url, "olga", "a new long password").username == "olga"
    result = lrip(sqlite_url, "user", "passwd", "olga", input="short\n")
    assert result.exit_code == 2 and "at least 12 characters" in result.output

    assert lrip(sqlite_url, "user", "disable", "olga", "--reason", "left").exit_code == 0
    users = {u["username"]: u for u in json.loads(lrip(sqlite_url, "user", "list", "--json").output)}
    assert users["olga"]["active"] is False and users["olga"]["roles"] == ["operator", "inspector"]
    result = lrip(sqlite_url, "user", "disable", "ada")
    assert result.exit_code == 2 and "last active admin" in result.output


def test_token_create_shows_it_once_and_revoke_stops_it(sqlite_url):
    lrip(sqlite_url, "user", "add", "olga", "--name", "Olga", "--role", "operator")
    result = lrip(sqlite_url, "token", "create", "olga", "--name", "test station 3", "--days", "30")
    assert result.exit_code == 0, result.output
    token = result.output.split("store it now): ")[1].strip()
    with Session(engine_for(sqlite_url), expire_on_commit=False) as session:
        assert service.user_for_token(session, token).username == "olga"

    listed = lrip(sqlite_url, "token", "list", "olga", "--json")
    assert token not in listed.output
    [row] = json.loads(listed.output)
    assert row["status"] == "active" and token.startswith(row["prefix"])

    result = lrip(sqlite_url, "token", "revoke", row["prefix"], "--reason", "station scrapped")
    assert result.exit_code == 0, result.output
    result = lrip(sqlite_url, "token", "revoke", str(row["id"]))
    assert result.exit_code == 2 and "revoked already" in result.output
    assert json.loads(lrip(sqlite_url, "token", "list", "--json").output)[0]["status"] == "revoked"


def test_token_create_refused_with_every_reason(sqlite_url):
    lrip(sqlite_url, "user", "add", "olga", "--name", "Olga", "--role", "operator")
    result = lrip(sqlite_url, "token", "create", "olga", "--name", "", "--days", "999", "--json")
    assert result.exit_code == 2
    assert len(json.loads(result.output)["reasons"]) == 2
    assert lrip(sqlite_url, "token", "create", "nobody", "--name", "x").exit_code == 2
