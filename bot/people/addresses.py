"""Where each person can be reached on chat platforms that need an address to message them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import ChatAddress


def remember(session: Session, platform: str, user_id: str, address: dict, now: datetime) -> None:
    """Keep the newest address the front end saw for `user_id` (unchanged ones are not rewritten)."""
    row = session.execute(
        select(ChatAddress).where(ChatAddress.platform == platform, ChatAddress.user_id == user_id)
    ).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():  # a concurrent first turn of the same person may win
                session.add(
                    ChatAddress(platform=platform, user_id=user_id, address=address, updated_at=now)
                )
            return
        except IntegrityError:
            row = session.execute(
                select(ChatAddress).where(
                    ChatAddress.platform == platform, ChatAddress.user_id == user_id
                )
            ).scalar_one()
    if row.address != address:
        row.address, row.updated_at = address, now


def address_of(session: Session, platform: str, user_id: str) -> dict | None:
    return session.execute(
        select(ChatAddress.address).where(
            ChatAddress.platform == platform, ChatAddress.user_id == user_id
        )
    ).scalar_one_or_none()


def all_of(session: Session, platform: str) -> dict[str, dict]:
    """Every stored address on one platform, by user id (a roster is small)."""
    rows = session.execute(
        select(ChatAddress.user_id, ChatAddress.address).where(ChatAddress.platform == platform)
    ).all()
    return {user_id: address for user_id, address in rows}
