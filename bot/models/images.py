"""Pictures a chat front end received for a draft before the form was sent (Teams' personal chat)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class ChatImage(Base):
    """One picture sent to the bot, kept until its draft is published; `used_at` once a submitted
    draft took it (before that it waits for the sender's next draft)."""

    __tablename__ = "chat_images"
    __table_args__ = (Index("ix_chat_images_owner", "front_end", "owner", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    front_end: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    alt_text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
