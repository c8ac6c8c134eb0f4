"""Group intake (policy §5(4)): each registered group's private link and the requests it sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class IntakeLink(Base):
    """A group's private intake link: only the SHA-256 of its token is kept; one per group."""

    __tablename__ = "intake_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # the link stops working at this moment


class GroupRequest(Base):
    """A registered group's request as it sent it (its own words kept unchanged), and the draft
    an operator made of it."""

    __tablename__ = "group_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # what the group is shown
    group_name: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # the group's draft (原稿案)
    x_text: Mapped[str] = mapped_column(Text, default="")
    blog_title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")  # the group's own page or SNS post
    wished_date: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD
    channels: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), index=True)
    reason_shared: Mapped[bool] = mapped_column(Boolean, default=False)  # the chief's choice


class GroupRequestImage(Base):
    """An image a group sent with its request, with its alternative text; published from here."""

    __tablename__ = "group_request_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("group_requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
