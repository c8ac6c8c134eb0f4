"""SQLAlchemy tables: members, drafts and revisions, decisions, publications, notices, register."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Roles (policy §3): the chief (課長) decides, a deputy decides only while the chief is away.
CHIEF, DEPUTY, OPERATOR = "chief", "deputy", "operator"
ROLES = (CHIEF, DEPUTY, OPERATOR)

# Draft states.
PENDING, APPROVED, REJECTED, WITHDRAWN, EXPIRED = (
    "pending",
    "approved",
    "rejected",
    "withdrawn",
    "expired",
)

# Publication states (the outbox).
QUEUED, SENDING, PUBLISHED, FAILED, CANCELLED = (
    "queued",
    "sending",
    "published",
    "failed",
    "cancelled",
)
OPEN_PUBLICATION_STATES = (QUEUED, SENDING)

# Notice kinds (chat messages the dispatcher owes someone).
CARD, CARD_UPDATE, SUBMITTED, REJECTED_NOTICE, RESULTS = (
    "card",
    "card_update",
    "submitted",
    "rejected",
    "results",
)
EDITED, WITHDRAWN_NOTICE, EXPIRED_NOTICE, CANCELLED_NOTICE = (
    "edited",
    "withdrawn",
    "expired",
    "cancelled",
)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: snsbot stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class Member(Base):
    """A person on the roster: a chat identity and a role."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    user_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Draft(Base):
    """A post awaiting, or past, the chief's decision; its text lives in revisions."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    author_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    results_sent: Mapped[bool] = mapped_column(Boolean, default=False)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="draft", order_by="Revision.number"
    )
    publications: Mapped[list[Publication]] = relationship(
        back_populates="draft", order_by="Publication.id"
    )
    card_messages: Mapped[list[CardMessage]] = relationship(order_by="CardMessage.id")

    @property
    def current(self) -> Revision:
        return next(r for r in self.revisions if r.number == self.revision)


class Revision(Base):
    """One version of a draft's content, exactly as submitted."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    x_text: Mapped[str] = mapped_column(Text, default="")
    blog_title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[list] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16))
    group_name: Mapped[str] = mapped_column(Text, default="")
    publish_at: Mapped[datetime | None]
    images: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    draft: Mapped[Draft] = relationship(back_populates="revisions")


class Decision(Base):
    """The chief's decision on one revision; unique, so a revision is decided once."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    revision: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")


class Publication(Base):
    """One channel of one approved revision: the outbox row the dispatcher works through."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("draft_id", "revision", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    payload: Mapped[dict] = mapped_column(JSON)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_id: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    draft: Mapped[Draft] = relationship(back_populates="publications")


class CardMessage(Base):
    """Where an approval card was posted, so it can be updated in place."""

    __tablename__ = "card_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(64))


class Notice(Base):
    """A chat message owed to someone, written in the same transaction as the change it reports."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    done: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class RegisterEntry(Base):
    """One line of the approval register (決裁簿), chained to the previous line by its hash."""

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    draft_id: Mapped[int | None] = mapped_column(Integer, index=True)
    revision: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RegisterHead(Base):
    """A single row naming the register's last entry; updating it serialises appends."""

    __tablename__ = "register_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class ReminderLog(Base):
    """One row per reminder sent (kind, day): a business day's reminder goes out once."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime]
