"""`lrip user …` and `lrip token …`: thin, like lrip.cli, whose `run` and `out` they use.

lrip.cli registers these sub-apps, so it is imported inside the commands, not here.
"""
from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

user_app = typer.Typer(no_args_is_help=True, help="Users, their roles and passwords.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens: shown once, stored hashed, revocable.")

Db = Annotated[str | None, typer.Option("--db", envvar="LRIP_DATABASE_URL", show_envvar=True,
                                        help="Database URL (default sqlite:///./lrip.db).")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
By = Annotated[str, typer.Option("--by", help="Who does this (a user name); default: your login.")]
Roles = Annotated[list[str], typer.Option("--role", help="A role (repeat for several).")]
Reason = Annotated[str | None, typer.Option(help="Why: this goes in the audit trail.")]


def actor(by: str | None) -> str:
    """Who does it: --by, or the login of whoever runs the command."""
    return by or getpass.getuser()


def signing_password(username: str) -> str:
    """Signing asks for the password again: from the terminal (not echoed), or one line of standard input."""
    if sys.stdin.isatty():
        return getpass.getpass(f"Password of {username} (to sign): ")
    return sys.stdin.readline().rstrip("\r\n")


def _read_password() -> str:
    """From the terminal (asked twice, not echoed), or one line of standard input."""
    if sys.stdin.isatty():
        first, second = getpass.getpass("New password: "), getpass.getpass("Again: ")
        if first != second:
            from lrip.cli import _fail

            _fail("password_refused", ["the two passwords differ"], False)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _print(text: str) -> None:
    from lrip.cli import out

    out.print(text, markup=False, highlight=False, soft_wrap=True)


# ---------------------------------------------------------------- users

@user_app.command("add")
def user_add(username: str, name: Annotated[str, typer.Option("--name", help="Full name, as printed on signatures.")],
             role: Roles,
             password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                          help="Read the password from standard input "
                                                               "instead of generating one.")] = False,
             by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Add a user; prints a generated password once, unless --password-stdin."""
    from lrip.auth.passwords import generate_password
    from lrip.auth.service import create_user
    from lrip.cli import run

    password = _read_password() if password_stdin else generate_password()

    def work(s):
        u = create_user(s, username=username, full_name=name, roles=role, password=password, actor=actor(by))
        return {"username": u.username, "full_name": u.full_name, "roles": list(u.roles),
                "password": None if password_stdin else password}

    def show(d):
        _print(f"User {d['username']} ({d['full_name']}) added with roles {', '.join(d['roles'])}.")
        if d["password"]:
            _print(f"Password (shown once, pass it on safely): {d['password']}")

    run(db, as_json, work, show)


@user_app.command("list")
def user_list(db: Db = None, as_json: AsJson = False) -> None:
    """List users with their roles and state."""
    from lrip.auth.service import list_users
    from lrip.cli import _table, out, run

    run(db, as_json, list_users, lambda rows: out.print(_table(
        "Users", ["User", "Name", "Roles", "State"],
        [[r["username"], r["full_name"], ", ".join(r["roles"]),
          "disabled" if not r["active"] else f"locked until {r['locked_until'][:16]}" if r["locked_until"]
          else "no password" if not r["has_password"] else "active"] for r in rows])))


@user_app.command("disable")
def user_disable(username: str, reason: Reason = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Disable a user: no log-in, no signing, no API tokens. Nothing is deleted."""
    from lrip.auth.service import disable_user
    from lrip.cli import run

    run(db, as_json, lambda s: {"username": disable_user(s, username=username, actor=actor(by), reason=reason)
                                .username, "active": False},
        lambda d: _print(f"User {username} is disabled."))


@user_app.command("enable")
def user_enable(username: str, reason: Reason = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Enable a disabled user, or unlock a locked one."""
    from lrip.auth.service import enable_user
    from lrip.cli import run

    run(db, as_json, lambda s: {"username": enable_user(s, username=username, actor=actor(by), reason=reason)
                                .username, "active": True},
        lambda d: _print(f"User {username} is enabled and unlocked."))


@user_app.command("set-roles")
def user_set_roles(username: str, role: Roles, reason: Reason = None, by: By = "", db: Db = None,
                   as_json: AsJson = False) -> None:
    """Replace a user's roles."""
    from lrip.auth.service import set_roles
    from lrip.cli import run

    run(db, as_json, lambda s: {"username": username, "roles": list(
        set_roles(s, username=username, roles=role, actor=actor(by), reason=reason).roles)},
        lambda d: _print(f"User {username} now has roles {', '.join(d['roles'])}."))


@user_app.command("passwd")
def user_passwd(username: str, reason: Reason = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Set a user's password, read from standard input; it also unlocks the account."""
    from lrip.auth.service import set_password
    from lrip.cli import run

    password = _read_password()
    run(db, as_json, lambda s: {"username": set_password(s, username=username, password=password,
                                                         actor=actor(by), reason=reason).username,
                                "password_set": True},
        lambda d: _print(f"Password of {username} set."))


# ---------------------------------------------------------------- tokens

@token_app.command("create")
def token_create(username: str, name: Annotated[str, typer.Option("--name", help="What uses it, e.g. 'test station 3'.")],
                 days: Annotated[int, typer.Option("--days", help="Days until it expires.")] = 90,
                 by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Create an API token for a user; prints it once."""
    from lrip.auth.service import create_token
    from lrip.cli import run

    def work(s):
        plaintext, row = create_token(s, username=username, name=name, expires_in_days=days, actor=actor(by))
        return {"id": row.id, "prefix": row.prefix, "user": username, "name": row.name,
                "expires_at": row.expires_at.isoformat(), "token": plaintext}

    def show(d):
        _print(f"Token {d['id']} ({d['prefix']}…) for {username}, '{d['name']}', expires {d['expires_at'][:10]}.")
        _print(f"Token (shown once, store it now): {d['token']}")

    run(db, as_json, work, show)


@token_app.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="The token's id, its prefix, or the token itself.")],
                 reason: Reason = None, by: By = "", db: Db = None, as_json: AsJson = False) -> None:
    """Revoke an API token; it stops working at once."""
    from lrip.auth.service import revoke_token
    from lrip.cli import run

    def work(s):
        row = revoke_token(s, token=token, actor=actor(by), reason=reason)
        return {"id": row.id, "prefix": row.prefix, "revoked_at": row.revoked_at.isoformat()}

    run(db, as_json, work, lambda d: _print(f"Token {d['id']} ({d['prefix']}…) revoked."))


@token_app.command("list")
def token_list(username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """List API tokens (never the tokens themselves)."""
    from lrip.auth.service import list_tokens
    from lrip.cli import _table, out, run

    run(db, as_json, lambda s: list_tokens(s, username), lambda rows: out.print(_table(
        "API tokens", ["Id", "Prefix", "User", "Name", "Status", "Expires", "Last used"],
        [[r["id"], r["prefix"], r["user"], r["name"], r["status"], r["expires_at"][:10],
          (r["last_used_at"] or "")[:16]] for r in rows])))
