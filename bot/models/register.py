"""The approval register (決裁簿): its hash-chained entries and the head that serialises appends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class RegisterEntry(Base):
    """One line of the approval register (決裁簿), chained to the previous line by its hash."""

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    draft_id: Mapped[int | None] = mapped_column(Integer, index=True)
    revision: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))  # HMAC of `hash` with the register key


class RegisterHead(Base):
    """A single row naming the register's last entry; updating it serialises appends."""

    __tablename__ = "register_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
