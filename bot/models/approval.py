"""What the chief decides: drafts (revisions, decisions), engagements, moderation items."""

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

from bot.models.base import PENDING, Base

if TYPE_CHECKING:
    from bot.models.delivery import CardMessage, Publication


class Draft(Base):
    """A post awaiting, or past, the chief's decision; its text lives in revisions."""

    __tablename__ = "drafts"
    __table_args__ = (  # the App Home lists, each in its own order (bot/features/dashboard.py)
        Index("ix_drafts_status_id", "status", "id"),
        Index("ix_drafts_author_id_id", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    front_end: Mapped[str] = mapped_column(String(16), default="slack")
    author_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    results_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The approval route (SNSBOT_ROUTE) this draft follows: the review steps' roles before the
    # chief, the step it waits at (len(route): the chief's), the revision its round began with.
    route: Mapped[list] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    route_from: Mapped[int] = mapped_column(Integer, default=1)

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
    on_internet: Mapped[bool | None] = mapped_column(Boolean)  # §4 question; None: not asked
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


class Engagement(Base):
    """A follow, retweet, like or share (policy §7, §8): requested, decided by the chief, done."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    front_end: Mapped[str] = mapped_column(String(16), default="slack")  # the requester's
    requester_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # follow, retweet, like, share
    network: Mapped[str] = mapped_column(String(16))  # x, facebook
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


class ModerationItem(Base):
    """A mention, reply or comment by someone else (policy §11), seen once, and its decision."""

    __tablename__ = "moderation_items"
    __table_args__ = (UniqueConstraint("network", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(16))  # x, facebook, blog
    remote_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # mention, reply, comment
    author: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime] = mapped_column(index=True)
    actions: Mapped[list] = mapped_column(JSON, default=list)  # what the network can do
    fetched_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    acting: Mapped[bool] = mapped_column(Boolean, default=False)  # decided by the deputy (代決)
    reviewed_at: Mapped[datetime | None]  # the chief's later review (後閲) of a deputy decision
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
