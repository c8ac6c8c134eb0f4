"""Paged queries behind the App Home dashboard: draft ids, page by page, read from indexes.

Each list is read from the index that holds exactly its members, so that its cost follows the
list's length, not the number of drafts ever written: pending drafts from `drafts (status, id)`,
one's own from `drafts (author_id, id)`, failed and scheduled posts from
`publications (status, draft_id)`, the latest posts from `publications (status, published_at)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.models import FAILED, PENDING, PUBLISHED, QUEUED, Draft, Publication

PAGE_SIZE = 5


@dataclass(frozen=True)
class Page:
    """One page of a list: its drafts' ids in list order, its number (from 0), how many pages."""

    draft_ids: list[int]
    number: int
    pages: int


def _page(session: Session, draft_ids: Select, number: int, size: int = PAGE_SIZE) -> Page:
    """The `number`th page of `draft_ids` (a query of ordered draft ids)."""
    counted = draft_ids.order_by(None).subquery()
    total = session.execute(select(func.count()).select_from(counted)).scalar_one()
    pages = max(1, -(-total // size))
    number = min(max(0, number), pages - 1)
    page = session.execute(draft_ids.offset(number * size).limit(size)).scalars()
    return Page(list(page), number, pages)


def _drafts_with_publications(*conditions) -> Select:
    """Ids of the drafts with a publication meeting `conditions`, read from the publications.

    Only an approved revision gets publications (workflow.decide), and an approved draft never
    changes status or revision again: every publication is of an approved draft's current
    revision, so the drafts table need not be read at all.
    """
    return select(Publication.draft_id).where(*conditions).distinct()


def pending(session: Session, number: int = 0) -> Page:
    query = select(Draft.id).where(Draft.status == PENDING).order_by(Draft.id)
    return _page(session, query, number)


def scheduled(session: Session, now: datetime, number: int = 0) -> Page:
    waiting = _drafts_with_publications(Publication.status == QUEUED, Publication.due_at > now)
    return _page(session, waiting.order_by(Publication.draft_id), number)


def failures(session: Session, number: int = 0) -> Page:
    failed = _drafts_with_publications(Publication.status == FAILED)
    return _page(session, failed.order_by(Publication.draft_id.desc()), number)


def mine(session: Session, user_id: str, number: int = 0) -> Page:
    query = select(Draft.id).where(Draft.author_id == user_id).order_by(Draft.id.desc())
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
