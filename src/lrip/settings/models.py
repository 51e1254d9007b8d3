"""The installation's settings, one row each: key, value, who set it and when (every change audited)."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lrip.db import Base, UTCDateTime


class Setting(Base):
    __tablename__ = "installation_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String(80))
