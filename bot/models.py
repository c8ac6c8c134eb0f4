"""SQLAlchemy tables: members, drafts and revisions, decisions, publications, notices, register."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
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

# What a notice or a card is about: the kinds of request the chief decides, and HP entries.
DRAFT, ENGAGEMENT, MODERATION, FEED_ENTRY = "draft", "engagement", "moderation", "feed"
SUBJECTS = (DRAFT, ENGAGEMENT, MODERATION, FEED_ENTRY)

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


class Installation(Base):
    """This database's one random id, part of every publication's identity on the platforms."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1: one row
    installation_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Member(Base):
    """A person on the roster: a chat identity and a role."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    user_id: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    away: Mapped[bool] = mapped_column(Boolean, default=False)  # the chief's absence (代決)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatAddress(Base):
    """Where a chat front end reaches a person (e.g. a Teams conversation reference), as it wrote it."""

    __tablename__ = "chat_addresses"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    address: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class Draft(Base):
    """A post awaiting, or past, the chief's decision; its text lives in revisions."""

    __tablename__ = "drafts"
    __table_args__ = (  # the App Home lists, each in its own order (bot/features/dashboard.py)
        Index("ix_drafts_status_id", "status", "id"),
        Index("ix_drafts_author_id_id", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    author_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    results_sent: Mapped[bool] = mapped_column(Boolean, default=False)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="draft", order_by="Revision.number"
    )
    publications: Mapped[list[Publication]] = relationship(
        back_populates="draft", order_by="Publication.id"
    )
    card_messages: Mapped[list[CardMessage]] = relationship(
        primaryjoin="and_(CardMessage.subject == 'draft', foreign(CardMessage.subject_id) == Draft.id)",
        order_by="CardMessage.id",
        viewonly=True,
    )

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
    group_date: Mapped[str] = mapped_column(String(10), default="")  # the group's request date
    group_draft: Mapped[str] = mapped_column(Text, default="")  # the group's own draft, as sent
    publish_at: Mapped[datetime | None]
    images: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(255))
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
    decided_by: Mapped[str] = mapped_column(String(255))
    decided_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    acting: Mapped[bool] = mapped_column(Boolean, default=False)  # decided by the deputy (代決)
    reviewed_at: Mapped[datetime | None]  # the chief's later review (後閲) of a deputy decision


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
    __table_args__ = (Index("ix_card_messages_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), default=DRAFT)  # see SUBJECTS
    subject_id: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the draft revision it shows
    channel: Mapped[str] = mapped_column(String(255))  # Slack channel, Teams conversation
    ts: Mapped[str] = mapped_column(String(255))  # Slack message ts, Teams activity id


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


class ReminderLog(Base):
    """One row per reminder sent (kind, day): a business day's reminder goes out once."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime]


class Group(Base):
    """A registered group (登録団体, policy §5(4)) whose requests the center may post."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    site: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Submission(Base):
    """A form submission already stored, by the chat platform's view id and hash: a repeat of
    the same delivery (a retry) stores nothing twice."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime]


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


class FeedState(Base):
    """The Center HP feed's last answer: its validators for the next conditional request."""

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]


class FeedEntry(Base):
    """An entry seen in the HP feed (keyed by its id/guid, else its link), announced or not."""

    __tablename__ = "feed_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(512), unique=True)
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), index=True)  # due, announced or skipped
    announced_at: Mapped[datetime | None]


class ModerationItem(Base):
    """A mention, reply or comment by someone else (policy §11), seen once, and its decision."""

    __tablename__ = "moderation_items"
    __table_args__ = (UniqueConstraint("platform", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))  # x, facebook, blog
    remote_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # mention, reply, comment
    author: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime] = mapped_column(index=True)
    actions: Mapped[list] = mapped_column(JSON, default=list)  # what the platform can do
    fetched_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    action: Mapped[str | None] = mapped_column(String(16))  # dismiss, hide, delete, block
    category: Mapped[int | None] = mapped_column(Integer)  # 1-15, policy §11
    error: Mapped[str | None] = mapped_column(Text)  # the last failed action's reason
    front_end: Mapped[str | None] = mapped_column(String(16))  # where the decision was clicked
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # of the decided action
    due_at: Mapped[datetime | None]  # when the action outbox tries it (status acting)
    claimed_at: Mapped[datetime | None]  # set while a worker is calling the network
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # that worker
    failed_by: Mapped[str | None] = mapped_column(String(64))  # told of the last failure
    failed_action: Mapped[str | None] = mapped_column(String(16))  # what failed then


class ModerationPoll(Base):
    """When each platform's moderation inbox may be read next (platforms limit the rate)."""

    __tablename__ = "moderation_polls"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[datetime]
    polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Engagement(Base):
    """A follow, retweet, like or share (policy §7, §8): requested, decided by the chief, done."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat: Mapped[str] = mapped_column(String(16), default="slack")  # the requester's chat platform
    requester_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # follow, retweet, like, share
    platform: Mapped[str] = mapped_column(String(16))  # x, facebook
    target: Mapped[str] = mapped_column(Text)  # X handle, tweet id or Facebook URL
    target_url: Mapped[str] = mapped_column(Text)
    account: Mapped[str] = mapped_column(Text, default="")  # "@handle" / "facebook.com/page"
    category: Mapped[str] = mapped_column(String(32))
    official_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    acting: Mapped[bool] = mapped_column(Boolean, default=False)  # decided by the deputy (代決)
    reviewed_at: Mapped[datetime | None]  # the chief's later review (後閲) of a deputy decision
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the worker performing it
    remote_id: Mapped[str | None] = mapped_column(Text)
    result_url: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    submission: Mapped[str | None] = mapped_column(String(160), unique=True)  # chat form, once
