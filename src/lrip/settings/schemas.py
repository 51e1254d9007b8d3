"""Requests and answers of the installation's settings."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from lrip.fields import Answer, Name, Reason, Strict


class SettingSet(Strict):
    value: Name
    reason: Reason


class SettingOut(Answer):
    key: str
    meaning: str
    value: str | None = Field(description="None: not set yet.")
    set_at: datetime | None
    set_by: str | None
