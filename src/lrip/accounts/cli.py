"""`lrip login`, `logout`, `whoami`, `lrip user …` and `lrip token …`.

Signing in is the one action without a signed-in person: `lrip login` records its attempt either
way (a new session, or a counted failure), then keeps the session's token for this database in
$LRIP_HOME/sessions.json. Everything else runs as whoever is signed in.
"""
from __future__ import annotations

import socket
from typing import Annotated

import typer

from lrip.auth import service
from lrip.auth.passwords import generate_password
from lrip.auth.schemas import RevokeRequest, TokenCreate, UserCreate
from lrip.errors import Refused
from lrip.fields import identifier
from lrip.terminal import (AsJson, Db, Reason, fail, out, parse, password, run, say, store_session, stored_sessions,
                           table, url_of, within)

user_app = typer.Typer(no_args_is_help=True, help="Users, their roles and passwords.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens: shown once, stored hashed, revocable.")
Roles = Annotated[list[str], typer.Option("--role", help="A role (repeat for several).")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


# ---------------------------------------------------------------- signing in

def login(username: str, password_stdin: PasswordStdin = False, db: Db = None, as_json: AsJson = False) -> None:
    """Sign in on this database; the session lasts a shift (12 h) or until `lrip logout`."""
    secret = password(f"Password of {username}: ", from_stdin=password_stdin)
    outcome = within(db, as_json, lambda s: service.sign_in(s, username=username, password=secret, kind="cli",
                                                            source=socket.gethostname()))
    try:
        signed = outcome.raise_if_refused()
    except Refused as exc:
        fail(exc.code, exc.reasons, as_json)
    store_session(url_of(db), {"token": signed.token, "username": signed.username})
    if as_json:
        say(signed.model_copy(update={"token": "(kept in the session file)"}).model_dump_json(indent=2))
    else:
        say(f"Signed in as {signed.username} ({signed.full_name}; {', '.join(signed.roles)}) until "
            f"{signed.expires_at:%Y-%m-%d %H:%M} UTC.")


def logout(db: Db = None, as_json: AsJson = False) -> None:
    """End this database's session (on the server too) and forget its token."""
    url = url_of(db)
    entry = stored_sessions().get(url)
    ended = within(db, as_json, lambda s: service.sign_out(s, entry["token"])) if entry else None
    store_session(url, None)
    if as_json:
        say('{"signed_out": %s}' % ("true" if ended else "false"))
    else:
        say(f"Signed out {ended.username}." if ended else "Nobody was signed in on this database.")


def whoami(db: Db = None, as_json: AsJson = False) -> None:
    """Who is signed in on this database."""
    run(db, as_json, lambda s, actor: service.whoami(s, actor),
        lambda me: say(f"{me.username} ({me.full_name}): {', '.join(me.roles)}"), write=False)


# ---------------------------------------------------------------- users

@user_app.command("add")
def user_add(username: str, name: Annotated[str, typer.Option("--name", help="Full name, as printed on signatures.")],
             role: Roles, password_stdin: Annotated[bool, typer.Option(
                 "--password-stdin", help="Read the password from standard input instead of generating one.")] = False,
             db: Db = None, as_json: AsJson = False) -> None:
    """Add a user; prints a generated password once, unless --password-stdin."""
    request = parse(UserCreate, as_json, username=username, full_name=name, roles=role)
    secret = password("Password: ", from_stdin=True) if password_stdin else generate_password()

    def work(s, actor):
        user = service.create_user(s, actor, username=request.username, full_name=request.full_name,
                                   roles=list(request.roles), password=secret)
        return user.model_dump(mode="json") | {"password": None if password_stdin else secret}

    def show(d):
        say(f"User {d['username']} ({d['full_name']}) added with roles {', '.join(d['roles'])}.")
        if d["password"]:
            say(f"Password (shown once, pass it on safely): {d['password']}")

    run(db, as_json, work, show)


def _state(u) -> str:
    if not u.active:
        return "disabled"
    if u.locked_until:
        return f"locked until {u.locked_until:%Y-%m-%d %H:%M}"
    return "active" if u.has_password else "no password"


@user_app.command("list")
def user_list(db: Db = None, as_json: AsJson = False) -> None:
    """List users with their roles and state."""
    run(db, as_json, service.list_users, lambda rows: out.print(table(
        "Users", ["User", "Name", "Roles", "State"],
        [[u.username, u.full_name, ", ".join(u.roles), _state(u)] for u in rows])), write=False)


@user_app.command("disable")
def user_disable(username: str, reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Disable a user: no sign-in, no signing, no tokens or sessions. Nothing is deleted."""
    name = _name(username, as_json)
    run(db, as_json, lambda s, actor: service.disable_user(s, actor, username=name, reason=reason),
        lambda u: say(f"User {u.username} is disabled."))


@user_app.command("enable")
def user_enable(username: str, reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Enable a disabled user, or unlock a locked one."""
    name = _name(username, as_json)
    run(db, as_json, lambda s, actor: service.enable_user(s, actor, username=name, reason=reason),
        lambda u: say(f"User {u.username} is enabled and unlocked."))


@user_app.command("lock")
def user_lock(username: str, hours: Annotated[int, typer.Option("--hours", help="How long (1 to 720 hours).")] = 24,
              reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Lock an account now: no sign-in, and its sessions and tokens stop, until the time passes or `enable`."""
    name = _name(username, as_json)
    run(db, as_json, lambda s, actor: service.lock_user(s, actor, username=name, hours=hours, reason=reason),
        lambda u: say(f"User {u.username} is locked until {u.locked_until:%Y-%m-%d %H:%M} UTC."))


@user_app.command("set-roles")
def user_set_roles(username: str, role: Roles, reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Replace a user's roles."""
    name = _name(username, as_json)
    run(db, as_json, lambda s, actor: service.set_roles(s, actor, username=name, roles=role, reason=reason),
        lambda u: say(f"User {u.username} now has roles {', '.join(u.roles)}."))


@user_app.command("passwd")
def user_passwd(username: str, reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Set a user's password, read from standard input (asked twice at a terminal); it also unlocks the account."""
    name = _name(username, as_json)
    secret = password("New password: ", twice=True)
    run(db, as_json, lambda s, actor: service.set_password(s, actor, username=name, password=secret, reason=reason),
        lambda u: say(f"Password of {u.username} set."))


def _name(username: str, as_json: bool) -> str:
    try:
        return identifier(username, "a username")
    except ValueError as exc:
        fail("invalid_input", [str(exc)], as_json, "invalid")


# ---------------------------------------------------------------- tokens

@token_app.command("create")
def token_create(username: str, name: Annotated[str, typer.Option("--name", help="What uses it, e.g. 'test station 3'.")],
                 days: Annotated[int, typer.Option("--days", help="Days until it expires.")] = 90,
                 db: Db = None, as_json: AsJson = False) -> None:
    """Create an API token (your own; an admin's for anyone); prints it once."""
    request = parse(TokenCreate, as_json, username=username, name=name, days=days)

    def show(t):
        say(f"Token {t.id} ({t.prefix}…) for {t.user}, '{t.name}', expires {t.expires_at:%Y-%m-%d}.")
        say(f"Token (shown once, store it now): {t.token}")

    run(db, as_json, lambda s, actor: service.create_token(s, actor, username=request.username, name=request.name,
                                                           expires_in_days=request.days), show)


@token_app.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="The token's id, its prefix, or the token itself.")],
                 reason: Reason = None, db: Db = None, as_json: AsJson = False) -> None:
    """Revoke an API token; it stops working at once."""
    request = parse(RevokeRequest, as_json, reason=reason)
    run(db, as_json, lambda s, actor: service.revoke_token(s, actor, token=token.strip(), reason=request.reason),
        lambda t: say(f"Token {t.id} ({t.prefix}…) revoked."))


@token_app.command("list")
def token_list(username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
               db: Db = None, as_json: AsJson = False) -> None:
    """List API tokens (never the tokens themselves): your own, or an admin's view of anyone's."""
    run(db, as_json, lambda s, actor: service.list_tokens(s, actor, username), lambda rows: out.print(table(
        "API tokens", ["Id", "Prefix", "User", "Name", "Status", "Expires", "Last used"],
        [[t.id, t.prefix, t.user, t.name, t.status, f"{t.expires_at:%Y-%m-%d}",
          f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else ""] for t in rows])), write=False)
