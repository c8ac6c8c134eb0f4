"""Paged queries behind the App Home dashboard: draft ids, page by page, read from indexes.

Each list is read from the index that holds exactly its members, so that its cost follows the
list's length, not the number of drafts ever written: pending drafts from `drafts (status, id)`,
one's own from `drafts (author_id, id)`, failed and scheduled posts from
`publications (status, draft_id)`, the latest posts from `publications (status, published_at)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.approval import engagement, route
from bot.approval.snapshot import DraftSnapshot, take_many
from bot.models import CHIEF, FAILED, PENDING, PUBLISHED, QUEUED, Draft, Publication
from bot.people import groups, oversight, roles

PAGE_SIZE = 5
PENDING_LIST, SCHEDULED_LIST, FAILED_LIST, MINE_LIST = "pending", "scheduled", "failures", "mine"
TO_REVIEW_LIST = "to_review"  # drafts waiting at a review step the person takes (the route)
LISTS = (PENDING_LIST, SCHEDULED_LIST, FAILED_LIST, MINE_LIST)
TITLES = {  # each list's heading (a message key)
    TO_REVIEW_LIST: "home.to_review",
    PENDING_LIST: "home.pending",
    SCHEDULED_LIST: "home.scheduled",
    FAILED_LIST: "home.failures",
    MINE_LIST: "home.mine",
}
ALLOWED_LIMIT = 30  # approved follow/share targets shown


@dataclass(frozen=True)
class Section:
    """One paged list of the dashboard."""

    name: str
    drafts: list[DraftSnapshot]
    page: int = 0
    pages: int = 1


@dataclass(frozen=True)
class Home:
    """Everything the dashboard (Slack's Home tab, Teams' `home` card) shows one person."""

    is_chief: bool
    sections: list[Section] = field(default_factory=list)
    latest: list[tuple[str, str | None, int]] = field(default_factory=list)  # channel, url, draft
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # name, contact, site
    allowed: list = field(default_factory=list)  # approved follow/share targets (§7, §8)
    reviews: list = field(default_factory=list)  # the chief's: deputy decisions to review (後閲)
    deputy: str | None = None  # the chief's: who is deputy now


def home(session: Session, user_id: str, front_end: str, pages: dict[str, int],
         dry_run_channels: tuple[str, ...], now: datetime,
         route_roles: tuple[str, ...] = ()) -> Home:  # fmt: skip
    """`user_id`'s dashboard at the given page of each list: a reviewer's waiting cards (when
    `route_roles`, the approval route's review roles, include theirs), the approvers' lists
    (pending, scheduled, failed), one's own drafts, the chief's 後閲 list, deputy and groups,
    the allow-list."""
    role = roles.role_of(session, user_id, front_end)
    lists = []
    if role in route_roles:  # a reviewer's waiting cards (the approval route)
        lists.append((TO_REVIEW_LIST, Page(route.waiting_for(session, user_id, front_end), 0, 1)))
    if user_id in roles.approvers(session, front_end):  # the chief, or the deputy while away
        lists += [
            (PENDING_LIST, pending(session, pages.get(PENDING_LIST, 0))),
            (SCHEDULED_LIST, scheduled(session, now, pages.get(SCHEDULED_LIST, 0))),
            (FAILED_LIST, failures(session, pages.get(FAILED_LIST, 0))),
        ]
    if role is not None:
        lists.append((MINE_LIST, mine(session, user_id, pages.get(MINE_LIST, 0))))
    wanted = sorted({draft_id for _, page in lists for draft_id in page.draft_ids})
    snapshots = take_many(session, wanted, dry_run_channels, now)  # a few queries for all lists
    return Home(
        is_chief=role == CHIEF,
        sections=[
            Section(name, [snapshots[i] for i in page.draft_ids], page.number, page.pages)
            for name, page in lists
        ],  # fmt: skip
        latest=[(p.channel, p.url, p.draft_id) for p in latest_publications(session)],
        groups=[(g.name, g.contact, g.site) for g in groups.all_groups(session)],
        allowed=engagement.allow_list(session, limit=ALLOWED_LIMIT),
        reviews=oversight.unreviewed(session) if role == CHIEF else [],
        deputy=next(iter(roles.deputies(session, front_end)), None) if role == CHIEF else None,
    )


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
