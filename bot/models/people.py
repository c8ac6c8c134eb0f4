"""People and groups: the roster, chat addresses, registered groups, form submissions, rotations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Member(Base):
    """A person on the roster: a chat identity and a role."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("front_end", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    front_end: Mapped[str] = mapped_column(String(16), default="slack")
    user_id: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    away: Mapped[bool] = mapped_column(Boolean, default=False)  # the chief's absence (代決)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatAddress(Base):
    """Where a chat front end reaches a person (e.g. a Teams conversation reference), as it wrote it."""

    __tablename__ = "chat_addresses"
    __table_args__ = (UniqueConstraint("front_end", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    front_end: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    address: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class Group(Base):
    """A registered group (登録団体, policy §5(4)) whose requests the center may post."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    site: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Submission(Base):
    """A form submission already stored, by the chat front end's view id and hash: a repeat of
    the same delivery (a retry) stores nothing twice."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime]
    draft_id: Mapped[int | None]  # the draft it stored, to answer a repeat with it


class RotationTask(Base):
    """A password or token to change after a roster change (policy §6), until marked done."""

    __tablename__ = "rotation_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(16), index=True)  # x, facebook, blog, slack
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(255))
