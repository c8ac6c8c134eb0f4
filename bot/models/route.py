"""The approval route's records: each review step's mark on a revision, and comments on a draft."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class RouteMark(Base):
    """What became of one review step of a draft's route: passed on, sent back or skipped."""

    __tablename__ = "route_marks"
    __table_args__ = (Index("ix_route_marks_draft_revision", "draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    revision: Mapped[int] = mapped_column(Integer)  # the revision the step saw
    step: Mapped[int] = mapped_column(Integer)  # its place on the route, from 0
    role: Mapped[str] = mapped_column(String(16))  # the step's role (e.g. reviewer)
    outcome: Mapped[str] = mapped_column(String(16))  # passed, sent_back, skipped
    reason: Mapped[str] = mapped_column(
        String(16), default=""
    )  # a skip's: own, away, nobody, decided
    actor: Mapped[str] = mapped_column(String(255), default="")  # who acted ("" when skipped)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class DraftComment(Base):
    """A word on a draft (a reply in its card's thread, a コメント on the card): never a decision."""

    __tablename__ = "draft_comments"
    __table_args__ = (Index("ix_draft_comments_draft_id", "draft_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    revision: Mapped[int] = mapped_column(Integer)  # the revision it was made on
    author_id: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    origin: Mapped[str | None] = mapped_column(String(255), unique=True)  # a chat message, once
