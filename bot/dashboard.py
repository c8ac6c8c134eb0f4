"""Paged queries behind the App Home dashboard (indexes keep them fast at any size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from bot.models import APPROVED, FAILED, PENDING, PUBLISHED, QUEUED, Draft, Publication

PAGE_SIZE = 5


@dataclass(frozen=True)
class Page:
    """One page of a list: its drafts, its number (from 0) and how many pages there are."""

    items: list
    number: int
    pages: int


def _page(session: Session, query, number: int, size: int = PAGE_SIZE) -> Page:
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, -(-total // size))
    number = min(max(0, number), pages - 1)
    items = list(
        session.execute(
            query.options(
                selectinload(Draft.revisions),
                selectinload(Draft.publications),
                selectinload(Draft.card_messages),
            )
            .offset(number * size)
            .limit(size)
        ).scalars()
    )
    return Page(items, number, pages)


def _publication_of_current(*conditions):
    return exists().where(
        Publication.draft_id == Draft.id, Publication.revision == Draft.revision, *conditions
    )


def pending(session: Session, number: int = 0) -> Page:
    return _page(session, select(Draft).where(Draft.status == PENDING).order_by(Draft.id), number)


def scheduled(session: Session, now: datetime, number: int = 0) -> Page:
    waiting = _publication_of_current(Publication.status == QUEUED, Publication.due_at > now)
    query = select(Draft).where(Draft.status == APPROVED, waiting).order_by(Draft.id)
    return _page(session, query, number)


def failures(session: Session, number: int = 0) -> Page:
    failed = _publication_of_current(Publication.status == FAILED)
    query = select(Draft).where(Draft.status == APPROVED, failed).order_by(Draft.id.desc())
    return _page(session, query, number)


def mine(session: Session, user_id: str, number: int = 0) -> Page:
    query = select(Draft).where(Draft.author_id == user_id).order_by(Draft.id.desc())
    return _page(session, query, number)


def latest_publications(session: Session, limit: int = 10) -> list[Publication]:
    return list(
        session.execute(
            select(Publication)
            .where(Publication.status == PUBLISHED)
            .order_by(Publication.published_at.desc(), Publication.id.desc())
            .limit(limit)
        ).scalars()
    )
