"""What becomes of a group's requests: the group's status page, the operators' view, the draft."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.approval import drafts
from bot.intake.images import INTAKE_KEY
from bot.intake.requests import as_draft, today
from bot.models import (
    APPROVED,
    PENDING,
    PUBLISHED,
    REJECTED,
    Draft,
    GroupRequest,
    GroupRequestImage,
    Publication,
)

# What the group is shown of each request (status page).
RECEIVED, WAITING, APPROVED_STATE, PUBLISHED_STATE, DECLINED = (
    "received",  # 受付済み: no draft made of it yet
    "waiting",  # 決裁待ち: its draft awaits the chief's decision
    "approved",  # approved, not yet out on any network
    "published",  # 掲載済み, with the links
    "declined",  # 見送り: rejected, withdrawn or expired (the chief's reason if shared)
)
STATUS_PAGE_MAX = 50


@dataclass(frozen=True)
class RequestState:
    """One request on the group's status page: no internal id, only its reference."""

    reference: str
    received_at: datetime
    title: str
    state: str
    links: tuple[tuple[str, str], ...] = ()  # (network, URL)
    reason: str = ""


@dataclass(frozen=True)
class RequestView:
    """A group's request as operators see it in chat; `id` is the row id the button carries."""

    id: int
    reference: str
    group_name: str
    contact_name: str
    body: str
    x_text: str
    blog_title: str
    url: str
    wished_date: str
    channels: tuple[str, ...]
    images: tuple[tuple[str, str], ...]  # (file name, alternative text)
    received_at: datetime
    draft_id: int | None


def _state(draft: Draft | None, shared: bool, session: Session) -> tuple[str, tuple, str]:
    if draft is None:
        return RECEIVED, (), ""
    if draft.status == PENDING:
        return WAITING, (), ""
    if draft.status == APPROVED:
        links = tuple(
            (p.channel, p.url)
            for p in session.execute(
                select(Publication)
                .where(Publication.draft_id == draft.id, Publication.status == PUBLISHED)
                .order_by(Publication.id)
            ).scalars()
            if p.url and p.url.startswith(("https://", "http://"))
        )
        return (PUBLISHED_STATE if links else APPROVED_STATE), links, ""
    reason = (draft.reject_reason or "") if shared and draft.status == REJECTED else ""
    return DECLINED, (), reason


def of_group(session: Session, group_name: str) -> list[RequestState]:
    """The group's latest requests, newest first, each with what became of it."""
    rows = session.execute(
        select(GroupRequest)
        .where(GroupRequest.group_name == group_name)
        .order_by(GroupRequest.id.desc())
        .limit(STATUS_PAGE_MAX)
    ).scalars()
    found = []
    for row in rows:
        draft = session.get(Draft, row.draft_id) if row.draft_id else None
        state, links, reason = _state(draft, row.reason_shared, session)
        title = row.blog_title or drafts.blog_title(drafts.DraftInput(body=row.body, channels=()))
        found.append(RequestState(row.reference, row.created_at, title, state, links, reason))
    return found


def view(session: Session, request_id: int) -> RequestView | None:
    """One request for the operators' message and the draft form; None when there is none."""
    row = session.get(GroupRequest, request_id)
    if row is None:
        return None
    images = tuple((i.name, i.alt) for i in _images(session, row.id))
    return RequestView(row.id, row.reference, row.group_name, row.contact_name, row.body,
                       row.x_text, row.blog_title, row.url, row.wished_date, tuple(row.channels),
                       images, row.created_at, row.draft_id)  # fmt: skip


def _images(session: Session, request_id: int) -> list[GroupRequestImage]:
    return list(
        session.execute(
            select(GroupRequestImage)
            .where(GroupRequestImage.request_id == request_id)
            .order_by(GroupRequestImage.position)
        ).scalars()
    )


def draft_input(request: RequestView) -> drafts.DraftInput:
    """The draft form pre-filled from a request (source group_request, the group's own draft)."""
    return as_draft(request.group_name, request, request.received_at)


def details(request: RequestView) -> list[tuple[str, dict]]:
    """What operators are told besides the group's words, as (message key, values)."""
    found = [("intake.contact", {"name": request.contact_name})]
    if request.wished_date:
        found.append(("intake.wished_date", {"day": request.wished_date}))
    if request.channels:
        found.append(("intake.channels", {"channels": request.channels}))
    if request.images:
        found.append(("intake.images", {"count": len(request.images)}))
    return found


def fixed(session: Session, request_id: object, content: drafts.DraftInput):
    """(the operator's draft with the request's group, day, own draft and images fixed, None) or
    (None, problem key) when there is no such request or a draft was made of it already."""
    whole = isinstance(request_id, int) and not isinstance(request_id, bool)
    row = session.get(GroupRequest, request_id, with_for_update=True) if whole else None
    if row is None:
        return None, "intake.not_found"
    if row.draft_id is not None:
        return None, "intake.already_drafted"
    images = tuple(
        {INTAKE_KEY: i.id, "name": i.name, "mimetype": i.mimetype, "size": i.size, "alt": i.alt}
        for i in _images(session, row.id)
    )
    own = tuple(i for i in content.images if INTAKE_KEY not in i)  # the operator's additions
    return replace(content, source="group_request", group_name=row.group_name,
                   group_date=today(row.created_at), group_draft=row.body,
                   images=images + own), None  # fmt: skip


def drafted(session: Session, request_id: int, draft_id: int) -> None:
    """Remember the draft made of the request (its state on the group's page follows it)."""
    session.get(GroupRequest, request_id).draft_id = draft_id


def share_reason(session: Session, draft_id: int) -> bool:
    """The chief lets the group see why its request was declined; False when the draft is no
    group's request."""
    row = session.execute(
        select(GroupRequest).where(GroupRequest.draft_id == draft_id)
    ).scalar_one_or_none()
    if row is None:
        return False
    row.reason_shared = True
    return True
