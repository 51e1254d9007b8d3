"""People: create, look up. Passwords, tokens and roles' permissions come with the platform issue."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.models import User
from lrip.db import get_one, transactional
from lrip.errors import verdict

ROLES = ("admin", "operator", "inspector", "quality_engineer", "manufacturing_engineer",
         "supply_chain", "program_manager", "mrb_member", "viewer")


@transactional
def create_user(session: Session, *, username: str, full_name: str, roles: list[str], actor: str) -> User:
    reasons = []
    if not username.strip() or " " in username:
        reasons.append("a username is one word")
    if session.execute(select(User.id).where(User.username == username)).first():
        reasons.append(f"username {username} is taken")
    reasons += [f"'{r}' is not a role; roles are {', '.join(ROLES)}" for r in roles if r not in ROLES]
    verdict(reasons).raise_if_refused("user_refused")
    user = User(username=username, full_name=full_name, roles=list(roles), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.created", record_type="user", record_id=username,
                 after={"full_name": full_name, "roles": list(roles)})
    return user


def get_user(session: Session, username: str) -> User:
    return get_one(session, User, "user", username=username)
