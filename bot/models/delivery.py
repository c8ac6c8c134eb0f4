"""The outboxes and their workers: publications, notices, card locations, reminders sent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import DRAFT, QUEUED, Base

if TYPE_CHECKING:
    from bot.models.approval import Draft


class Installation(Base):
    """This database's one random id, part of every publication's identity on the networks."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1: one row
    installation_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Publication(Base):
    """One channel of one approved revision: the outbox row the dispatcher works through."""

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("draft_id", "revision", "channel"),
        Index("ix_publications_draft_revision_status", "draft_id", "revision", "status"),
        Index("ix_publications_status_draft_id", "status", "draft_id"),
        Index("ix_publications_status_published_at", "status", "published_at"),
        Index("ix_publications_status_due_at", "status", "due_at", "id"),  # the queue
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    # When the first attempt began (kept across re-claims): find-again only adopts a post made
    # after it, so an older post with the same text is never taken for this one.
    first_claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the worker sending it
    payload: Mapped[dict] = mapped_column(JSON)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_id: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    draft: Mapped[Draft] = relationship(back_populates="publications")


class Worker(Base):
    """A running dispatcher, heard from every few seconds: its claims are taken over once silent."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]


class CardMessage(Base):
    """Where a card about a subject (a draft, an engagement, a moderation item) was posted, so it
    can be updated in place."""

    __tablename__ = "card_messages"
    __table_args__ = (
        Index("ix_card_messages_subject", "subject", "subject_id"),
        Index("ix_card_messages_conversation_ts", "conversation", "ts"),  # a reply's card
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), default=DRAFT)  # see SUBJECTS
    subject_id: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the draft revision it shows
    conversation: Mapped[str] = mapped_column(String(255))  # Slack channel, Teams conversation
    ts: Mapped[str] = mapped_column(String(255))  # Slack message ts, Teams activity id
    step: Mapped[int | None] = mapped_column(Integer)  # a review step's card (None: the chief's)


class Notice(Base):
    """A chat message owed to someone about one subject, written in the same transaction as the
    change it reports; the chat front end named delivers it."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), default=DRAFT)  # see SUBJECTS
    subject_id: Mapped[int] = mapped_column(Integer)
    front_end: Mapped[str] = mapped_column(String(16))  # slack, teams
    kind: Mapped[str] = mapped_column(String(16))
    done: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the worker sending it
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    first_tried_at: Mapped[datetime | None]  # first claimed for sending: it may be delivered since


class ReminderLog(Base):
    """One row per reminder sent (kind, day): a business day's reminder goes out once."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime]
