"""Where each person can be reached on chat front ends that need an address to message them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import ChatAddress


def remember(session: Session, front_end: str, user_id: str, address: dict, now: datetime) -> None:
    """Keep the newest address the front end saw for `user_id` (unchanged ones are not rewritten)."""
    row = session.execute(
        select(ChatAddress).where(
            ChatAddress.front_end == front_end, ChatAddress.user_id == user_id
        )
    ).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():  # a concurrent first turn of the same person may win
                session.add(
                    ChatAddress(
                        front_end=front_end, user_id=user_id, address=address, updated_at=now
                    )
                )
            return
        except IntegrityError:
            row = session.execute(
                select(ChatAddress).where(
                    ChatAddress.front_end == front_end, ChatAddress.user_id == user_id
                )
            ).scalar_one()
    if row.address != address:
        row.address, row.updated_at = address, now


def address_of(session: Session, front_end: str, user_id: str) -> dict | None:
    return session.execute(
        select(ChatAddress.address).where(
            ChatAddress.front_end == front_end, ChatAddress.user_id == user_id
        )
    ).scalar_one_or_none()


def all_of(session: Session, front_end: str) -> dict[str, dict]:
    """Every stored address on one front end, by user id (a roster is small)."""
    rows = session.execute(
        select(ChatAddress.user_id, ChatAddress.address).where(ChatAddress.front_end == front_end)
    ).all()
    return {user_id: address for user_id, address in rows}
