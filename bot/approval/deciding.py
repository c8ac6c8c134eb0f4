"""Who may decide a request, and what came of an attempt to act on one (the outcomes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import register
from bot.models import CHIEF, Draft
from bot.people import roles

# What came of an attempt to act on a request (a draft, an engagement).
DONE, REFUSED, ALREADY_DECIDED, NOT_FOUND, NOTHING_TO_DO, STALE, TOO_LATE = (
    "done",
    "refused",
    "already_decided",
    "not_found",
    "nothing_to_do",
    "stale",
    "too_late",
)
OWN_REQUEST = "own_request"  # refused: the author of a request never decides it


@dataclass(frozen=True)
class Outcome:
    """What came of a person's action on a request of any kind (a draft, an engagement, a
    moderation item), with what they should be told."""

    result: str
    request_id: int | None = None  # the draft or engagement acted on
    status: str | None = None  # the request's state after the attempt
    decided_by: str | None = None
    decided_at: datetime | None = None
    channels: tuple[str, ...] = ()  # a draft's networks the action concerned
    item: object = None  # a moderation item, as its card shows it (an ItemView)
    detail: str = ""  # a network's reason, when one is told


def may_decide(
    session: Session, user_id: str, front_end: str = "slack", author: str | None = None
) -> bool:
    """The chief decides (policy §3, §5, §11); a deputy only while the chief is away (代決).

    Given the request's `author`: never the author, and the chief's own requests go to the
    deputies (roles.deciders). Without one (a moderation item, someone else's post): the
    approvers of the moment.
    """
    if author is None:
        return user_id in roles.approvers(session, front_end)
    return user_id in roles.deciders(session, author, front_end)


def acting(session: Session, actor: str, front_end: str) -> bool:
    """Whether a decision `actor` may take is a deputy's (代決): shown on cards, kept for 後閲."""
    return roles.role_of(session, actor, front_end) != CHIEF


def settle(session: Session, row, *conditions, **values) -> bool:
    """Decide a request in one conditional update of its row (its id and `conditions`, e.g.
    still pending): the first decision wins (True), a later one loses (False). Either way `row`
    is read again, so it shows the decision that won."""
    model = type(row)
    won = session.execute(
        update(model)
        .where(model.id == row.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(row)
    return won == 1


def may_edit(session: Session, user_id: str, draft: Draft) -> bool:
    """Who may amend a pending draft: the approvers of the moment, and whoever may decide it
    (a deputy deciding the chief's own draft)."""
    return may_decide(session, user_id, draft.front_end) or may_decide(
        session, user_id, draft.front_end, author=draft.author_id
    )


def own_request(session: Session, actor: str, author: str, front_end: str) -> bool:
    """True when `actor` would be refused only because the request is their own."""
    return actor == author and roles.excluded_as_author(session, actor, front_end)


def refuse(
    session: Session,
    *,
    draft_id: int,
    actor: str,
    attempted: str,
    now: datetime,
    own: bool = False,
) -> Outcome:
    """Record a click by someone not allowed to make it (`own`: the author deciding their own)."""
    role = roles.role_of(session, actor) or "none"
    details = {"rule": "separation_of_duties"} if own else {}
    register.append(
        session,
        at=now,
        actor=actor,
        action="refused",
        draft_id=draft_id,
        attempted=attempted,
        role=role,
        **details,
    )
    return Outcome(OWN_REQUEST if own else REFUSED, draft_id)


def refusal_to_decide(
    session: Session, draft: Draft, actor: str, attempted: str, now: datetime
) -> Outcome | None:
    """Refuse (and record) a decision `actor` may not take on `draft`; None when they may."""
    if may_decide(session, actor, draft.front_end, author=draft.author_id):
        return None
    own = own_request(session, actor, draft.author_id, draft.front_end)
    return refuse(session, draft_id=draft.id, actor=actor, attempted=attempted, now=now, own=own)
