"""The installation's settings: read by the areas that print them (the organization on AS9102 Form 1),
set by an admin with a reason, each change audited. A setting is the installation's, so every program's
records say the same thing."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.db import utcnow
from lrip.settings import rules
from lrip.settings.models import Setting
from lrip.settings.schemas import SettingOut


def value_of(session: Session, key: str) -> str | None:
    """A setting's value, or None when it is not set."""
    return session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()


NO_ORGANIZATION = ("the installation has no organization name for its quality records (AS9102 Form 1); an admin "
                   "sets it: lrip settings set organization \"Company, plant\" --reason …")


def organization(session: Session) -> str | None:
    """The organization's name the quality records print (None until an admin sets it: NO_ORGANIZATION)."""
    return value_of(session, "organization")


def _out(key: str, row: Setting | None) -> SettingOut:
    return SettingOut(key=key, meaning=rules.SETTINGS[key], value=row.value if row else None,
                      set_at=row.set_at if row else None, set_by=row.set_by if row else None)


@query()
def settings(session: Session, actor: Actor) -> list[SettingOut]:
    """Every setting the installation has, with its value and who set it."""
    rows = {r.key: r for r in session.execute(select(Setting)).scalars()}
    return [_out(key, rows.get(key)) for key in rules.SETTINGS]


@command("settings.edit")
def set_setting(session: Session, actor: Actor, *, key: str, value: str, reason: str) -> SettingOut:
    """Set one of the installation's settings, with the reason (audited)."""
    rules.check_setting(key, value, reason).raise_if_refused("setting_refused")
    row = session.get(Setting, key, with_for_update=True)
    before = {"value": row.value} if row else {"value": None}
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value, row.set_at, row.set_by = value.strip(), utcnow(), actor.username
    session.flush()
    audit.record(session, actor=actor, action="setting.set", record_type="setting", record_id=key,
                 before=before, after={"value": row.value}, reason=reason.strip())
    return _out(key, row)
